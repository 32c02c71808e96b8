#include "util/files.hpp"

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <unistd.h>

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

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Writes all of `content` to `fd`, retrying short writes and EINTR.
bool write_all(int fd, std::string_view content) {
  while (!content.empty()) {
    const auto written = ::write(fd, content.data(), content.size());
    if (written < 0) {
      if (errno == EINTR) {
        continue;
      }
      return false;
    }
    content.remove_prefix(static_cast<std::size_t>(written));
  }
  return true;
}

} // namespace

Status write_file_atomically(const std::filesystem::path& path, std::string_view content) {
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const auto temporary =
      directory / ("." + path.filename().string() + ".tmp." + std::to_string(::getpid()));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(ErrorCategory::failed, "cannot create " + temporary.string() + ": " + errno_text(),
                "the directory of " + path.string() + " must exist and be writable");
  }
  const auto abandon = [&](const std::string& step) {
    const auto text = errno_text();
    ::close(fd);
    ::unlink(temporary.c_str());
    return fail(ErrorCategory::failed, "cannot " + step + " " + temporary.string() + ": " + text);
  };
  if (!write_all(fd, content)) {
    return abandon("write");
  }
  if (::fsync(fd) != 0) {
    return abandon("fsync");
  }
  if (::close(fd) != 0) {
    ::unlink(temporary.c_str());
    return fail(ErrorCategory::failed, "cannot close " + temporary.string() + ": " + errno_text());
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    const auto text = errno_text();
    ::unlink(temporary.c_str());
    return fail(ErrorCategory::failed,
                "cannot rename " + temporary.string() + " to " + path.string() + ": " + text);
  }
  // The rename itself is durable once the directory is synced; a failure here leaves the new
  // file in place, so it is not reported.
  if (const int dir = ::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
  return {};
}

} // namespace flinkha::util
