#pragma once
// Reading small text files (configuration, fixtures) whole, with a size cap so that a wrong path
// (a device, a huge log) never makes us allocate without bound.

#include "util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace flinkha::util {

// The whole file. Empty optional when it does not exist; an Error naming the path when it exists
// but cannot be read (permissions, not a regular file, larger than max_bytes).
Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& path,
                                                      std::uintmax_t max_bytes);

// As read_optional_file, but a missing file is an Error too.
Result<std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

// Replaces `path` with `content` so that a reader sees the old file or the new one, never a
// part: writes a temporary file in the same directory (".<name>.tmp.<pid>"), fsyncs it, renames
// it over `path` and fsyncs the directory. Mode 0644. An Error names the file and the failing
// step; the temporary file is removed on failure.
Status write_file_atomically(const std::filesystem::path& path, std::string_view content);

} // namespace flinkha::util
