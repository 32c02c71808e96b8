#include "storage/storage_options.hpp"

#include <cstdlib>
#include <string>

namespace flinkha::storage {

std::optional<std::string> environment_value(const StorageOptions& options, std::string_view name) {
  if (options.environment) {
    return options.environment(name);
  }
  const char* value = std::getenv(std::string(name).c_str());
  if (value == nullptr) {
    return std::nullopt;
  }
  return std::string(value);
}

} // namespace flinkha::storage
