#include "util/sha256.hpp"

#include <array>
#include <openssl/evp.h>

namespace flinkha::util {

std::string sha256_hex(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr);
  static constexpr char digits[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(out.size() * 2);
  for (const unsigned char byte : out) {
    hex += digits[byte >> 4];
    hex += digits[byte & 0x0f];
  }
  return hex;
}

} // namespace flinkha::util
