#pragma once
// Reading small text files (configuration, fixtures) whole, with a size cap so that a wrong path
// (a device, a huge log) never makes us allocate without bound.

#include "util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>

namespace flinkha::util {

// The whole file. Empty optional when it does not exist; an Error naming the path when it exists
// but cannot be read (permissions, not a regular file, larger than max_bytes).
Result<std::optional<std::string>> read_optional_file(const std::filesystem::path& path,
                                                      std::uintmax_t max_bytes);

// As read_optional_file, but a missing file is an Error too.
Result<std::string> read_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

} // namespace flinkha::util
