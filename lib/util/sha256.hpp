#pragma once
// SHA-256 (FIPS 180-4) through OpenSSL's libcrypto: S3's SigV4 payload hashes and the checksums of
// the files an HA backup records (flink/ha_backup.hpp).

#include <string>
#include <string_view>

namespace flinkha::util {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string sha256_hex(std::string_view data);

} // namespace flinkha::util
