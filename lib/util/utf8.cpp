#include "util/utf8.hpp"

namespace flinkha::util {

void append_utf8(std::string& out, char32_t code_point) {
  const auto byte = [&out](char32_t value) { out.push_back(static_cast<char>(value)); };
  if (code_point < 0x80) {
    byte(code_point);
  } else if (code_point < 0x800) {
    byte(0xC0 | (code_point >> 6));
    byte(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    byte(0xE0 | (code_point >> 12));
    byte(0x80 | ((code_point >> 6) & 0x3F));
    byte(0x80 | (code_point & 0x3F));
  } else {
    byte(0xF0 | (code_point >> 18));
    byte(0x80 | ((code_point >> 12) & 0x3F));
    byte(0x80 | ((code_point >> 6) & 0x3F));
    byte(0x80 | (code_point & 0x3F));
  }
}

namespace {

struct CodePoint {
  char32_t value;
  std::size_t length;
};

CodePoint decode_utf8(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  const auto bits = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if (b0 < 0x80) {
    return {b0, 1};
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    return {(static_cast<char32_t>(b0 & 0x1F) << 6) | bits(1), 2};
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    return {(static_cast<char32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2), 3};
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    return {(static_cast<char32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3),
            4};
  }
  return {0xFFFD, 1}; // what Java's decoder substitutes for a malformed byte
}

} // namespace

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = decode_utf8(s, i);
    out.push_back(cp.value);
    i += cp.length;
  }
  return out;
}

std::optional<std::size_t> invalid_utf8_at(std::string_view s) {
  const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  for (std::size_t i = 0; i < s.size();) {
    const auto b0 = byte(i);
    std::size_t length = 0;
    // The allowed range of the second byte narrows for E0/ED/F0/F4 (RFC 3629 §4): that is what
    // excludes overlong forms, surrogates and code points above U+10FFFF.
    unsigned char low = 0x80;
    unsigned char high = 0xBF;
    if (b0 < 0x80) {
      length = 1;
    } else if (b0 >= 0xC2 && b0 <= 0xDF) {
      length = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      length = 3;
      low = b0 == 0xE0 ? 0xA0 : 0x80;
      high = b0 == 0xED ? 0x9F : 0xBF;
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      length = 4;
      low = b0 == 0xF0 ? 0x90 : 0x80;
      high = b0 == 0xF4 ? 0x8F : 0xBF;
    } else {
      return i;
    }
    if (i + length > s.size()) {
      return i;
    }
    for (std::size_t k = 1; k < length; ++k) {
      const auto b = byte(i + k);
      const auto lo = k == 1 ? low : static_cast<unsigned char>(0x80);
      const auto hi = k == 1 ? high : static_cast<unsigned char>(0xBF);
      if (b < lo || b > hi) {
        return i;
      }
    }
    i += length;
  }
  return std::nullopt;
}

std::size_t utf16_length(const std::vector<char32_t>& cps) {
  std::size_t n = 0;
  for (const auto c : cps) {
    n += c >= 0x10000 ? 2 : 1;
  }
  return n;
}

} // namespace flinkha::util
