// flinkha_storage_probe: opens a storage URI the way flinkha does (the cluster's configuration
// loaded from --conf-dir, then storage::open_storage with it and the process environment) and
// writes or reads one file through HaStorage, printing the outcome as JSON, so that
// test_storage_hdfs.py and test_storage_s3.py can check HaStorage::write_file against the real
// servers before a command exposes it. Not installed; not a user tool.
//
//   flinkha_storage_probe --conf-dir DIR [--flink-home DIR] --uri URI write RELATIVE FILE
//   flinkha_storage_probe --conf-dir DIR [--flink-home DIR] --uri URI read RELATIVE
//
// Prints {"ok": true} (read: also "size" and "hex", the content in lower-case hex), or
// {"ok": false, "error": "...", "hint": "...", "category": "refused|failed|..."}. Exit status:
// 0 ok, 1 the operation failed (the JSON says why), 64 usage, 78 the configuration or the
// storage could not be opened.

#include "config/cluster_config.hpp"
#include "storage/open_storage.hpp"
#include "util/files.hpp"

#include <CLI/CLI.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <iostream>
#include <string>

using nlohmann::json;

namespace {

std::string_view category_name(flinkha::ErrorCategory category) {
  switch (category) {
  case flinkha::ErrorCategory::internal:
    return "internal";
  case flinkha::ErrorCategory::usage:
    return "usage";
  case flinkha::ErrorCategory::configuration:
    return "configuration";
  case flinkha::ErrorCategory::unreachable:
    return "unreachable";
  case flinkha::ErrorCategory::refused:
    return "refused";
  case flinkha::ErrorCategory::partial:
    return "partial";
  case flinkha::ErrorCategory::failed:
    return "failed";
  }
  return "internal";
}

int print_error(const flinkha::Error& error, int code) {
  std::cout << json{{"ok", false},
                    {"error", error.message},
                    {"hint", error.hint},
                    {"category", category_name(error.category)}}
                   .dump()
            << "\n";
  return code;
}

std::string hex_of(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (const unsigned char c : bytes) {
    out += fmt::format("{:02x}", c);
  }
  return out;
}

} // namespace

int main(int argc, char** argv) {
  CLI::App app{"Writes or reads one file through flinkha's HaStorage; prints JSON"};
  std::string conf_dir;
  std::string flink_home;
  std::string uri;
  std::string relative;
  std::string file;
  app.add_option("--conf-dir", conf_dir)->required();
  app.add_option("--flink-home", flink_home);
  app.add_option("--uri", uri)->required();
  auto* write = app.add_subcommand("write", "create RELATIVE with the bytes of FILE");
  write->add_option("relative", relative)->required();
  write->add_option("file", file)->required();
  auto* read = app.add_subcommand("read", "print the bytes of RELATIVE in hex");
  read->add_option("relative", relative)->required();
  app.require_subcommand(1);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? 0 : 64;
  }

  flinkha::config::LoadRequest request;
  request.conf_dir = conf_dir;
  if (!flink_home.empty()) {
    request.flink_home = flink_home;
  }
  auto config = flinkha::config::load_cluster_config(request);
  if (!config) {
    return print_error(config.error(), 78);
  }
  flinkha::storage::StorageOptions options;
  options.config = &*config;
  auto storage = flinkha::storage::open_storage(uri, options);
  if (!storage) {
    return print_error(storage.error(), 78);
  }
  if (*write) {
    auto content = flinkha::util::read_file(file, std::uintmax_t{16} << 20);
    if (!content) {
      return print_error(content.error(), 64);
    }
    if (auto written = (*storage)->write_file(relative, *content); !written) {
      return print_error(written.error(), 1);
    }
    std::cout << json{{"ok", true}}.dump() << "\n";
    return 0;
  }
  auto content = (*storage)->read_file(relative, std::size_t{16} << 20);
  if (!content) {
    return print_error(content.error(), 1);
  }
  std::cout << json{{"ok", true}, {"size", content->size()}, {"hex", hex_of(*content)}}.dump()
            << "\n";
  return 0;
}
