#include "config/sensitive_keys.hpp"

#include "util/strings.hpp"

#include <array>

namespace flinkha::config {

bool is_sensitive_key(std::string_view key) {
  static constexpr std::array<std::string_view, 11> kParts = {
      "password",    "secret", "fs.azure.account.key", "apikey",      "api-key",     "auth-params",
      "service-key", "token",  "basic-auth",           "jaas.config", "http-headers"};
  const std::string lower = util::to_lower(key);
  for (const auto part : kParts) {
    if (lower.find(part) != std::string::npos) {
      return true;
    }
  }
  return false;
}

} // namespace flinkha::config
