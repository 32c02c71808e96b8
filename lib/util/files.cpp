#include "util/files.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

namespace flinkha::util {

namespace {

struct FileCloser {
  void operator()(std::FILE* file) const { std::fclose(file); }
};

} // namespace

Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& path,
                                                      std::uintmax_t max_bytes) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return std::optional<std::string>{};
  }
  if (ec) {
    return failf("cannot read {}: {}", path.string(), ec.message());
  }
  if (!std::filesystem::is_regular_file(status)) {
    return failf("cannot read {}: not a regular file", path.string());
  }
  const std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    return fail(fmt::format("cannot read {}: {}", path.string(), std::strerror(errno)),
                "check the file's permissions");
  }
  std::string text;
  std::array<char, 65536> buffer{};
  std::size_t got = 0;
  while ((got = std::fread(buffer.data(), 1, buffer.size(), file.get())) > 0) {
    // Checked while reading, not from the size up front: the file may grow, or be a pipe.
    if (text.size() + got > max_bytes) {
      return failf("cannot read {}: larger than {} bytes, which is not a configuration file",
                   path.string(), max_bytes);
    }
    text.append(buffer.data(), got);
  }
  if (std::ferror(file.get()) != 0) {
    return failf("cannot read {}: read error", path.string());
  }
  return std::optional<std::string>{std::move(text)};
}

Result<std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes) {
  auto text = read_optional_file(path, max_bytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  if (!*text) {
    return failf("cannot read {}: no such file", path.string());
  }
  return std::move(**text);
}

} // namespace flinkha::util
