#pragma once
// Which configuration values are secrets, by Flink's own rule: GlobalConfiguration.isSensitive
// (flink-core, 1.x and 2.x) calls a key sensitive when its lower-cased form contains one of
// "password", "secret", "fs.azure.account.key", "apikey", "api-key", "auth-params",
// "service-key", "token", "basic-auth", "jaas.config", "http-headers" — so s3.secret-key,
// fs.s3a.secret.key and fs.s3a.session.token are. Flink's web UI and logs print such values as
// kHiddenValue; `config show` does the same.

#include <string_view>

namespace flinkha::config {

inline constexpr std::string_view kHiddenValue = "******"; // GlobalConfiguration.HIDDEN_CONTENT

bool is_sensitive_key(std::string_view key);

} // namespace flinkha::config
