// Fuzzes reading a whole conf dir and what follows reading: the choice of file per Flink version,
// either parser, the option table's resolution (resolve_options), the derived HA settings
// (quorum, namespace, storage paths), masters/workers/zoo.cfg, and every lint rule of
// `config check`. The files are written to one private temp dir per process.
//
// Input: byte 0 picks the Flink version (and so legacy or standard YAML); the rest is split at
// the line "#@@" into flink-conf.yaml / config.yaml, masters, workers and zoo.cfg (missing parts
// are missing files). Seeds: the unit fixtures (tests/unit/fixtures/flink_conf, hosts, zoo_cfg).
#include "config/cluster_config.hpp"
#include "config/lint.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace {

namespace fs = std::filesystem;
using flinkha::config::FlinkVersion;

constexpr std::array kVersions = {FlinkVersion{1, 9},  FlinkVersion{1, 14}, FlinkVersion{1, 18},
                                  FlinkVersion{1, 19}, FlinkVersion{1, 20}, FlinkVersion{2, 0},
                                  FlinkVersion{2, 3}};
constexpr std::string_view kSeparator = "\n#@@\n";

const fs::path& conf_dir() {
  static const fs::path dir = [] {
    std::string tmpl = (fs::temp_directory_path() / "flinkha-fuzz-conf-XXXXXX").string();
    const char* made = ::mkdtemp(tmpl.data());
    if (made == nullptr) {
      std::abort();
    }
    return fs::path(made);
  }();
  return dir;
}

void put(const fs::path& path, std::string_view* content) {
  std::error_code ec;
  fs::remove(path, ec);
  if (content != nullptr) {
    std::ofstream(path, std::ios::binary)
        .write(content->data(), static_cast<std::streamsize>(content->size()));
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  const auto version = kVersions[data[0] % kVersions.size()];
  // Bit 7 of byte 0: for 1.19/1.20, write the text as config.yaml (no flink-conf.yaml).
  const bool as_yaml =
      version >= FlinkVersion{2, 0} || (version >= FlinkVersion{1, 19} && (data[0] & 0x80) != 0);
  std::string_view rest(reinterpret_cast<const char*>(data) + 1, size - 1);
  std::array<std::string_view, 4> parts{};
  std::size_t count = 0;
  while (count < parts.size()) {
    const auto cut = count + 1 < parts.size() ? rest.find(kSeparator) : std::string_view::npos;
    parts[count++] = rest.substr(0, cut);
    if (cut == std::string_view::npos) {
      break;
    }
    rest.remove_prefix(cut + kSeparator.size());
  }
  const auto& dir = conf_dir();
  put(dir / "flink-conf.yaml", as_yaml ? nullptr : &parts[0]);
  put(dir / "config.yaml", as_yaml ? &parts[0] : nullptr);
  put(dir / "masters", count > 1 ? &parts[1] : nullptr);
  put(dir / "workers", count > 2 ? &parts[2] : nullptr);
  put(dir / "zoo.cfg", count > 3 ? &parts[3] : nullptr);

  const flinkha::config::Environment no_environment = [](std::string_view) {
    return std::optional<std::string>{};
  };
  flinkha::config::LoadRequest request;
  request.conf_dir = dir;
  request.flink_version = version;
  request.environment = no_environment;
  const auto config = flinkha::config::load_cluster_config(request);
  if (!config) {
    if (config.error().message.empty()) {
      __builtin_trap(); // every failure says what is wrong
    }
    return 0;
  }
  // Every resolved value comes from an entry of the file, with its line.
  for (const auto& option : config->options) {
    if (option.value && !option.is_default && option.where.line <= 0) {
      __builtin_trap();
    }
  }
  (void)flinkha::config::lint_cluster_config(*config, no_environment);
  return 0;
}
