// Scalar typing (CoreSchema) and Java double printing, for Flink's standard YAML loader.

#include "config/detail/yaml_scalars.hpp"

#include "config/detail/yaml_graph.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <sstream>

namespace flinkha::config::detail {

namespace {

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}

bool is_dec(char c) {
  return c >= '0' && c <= '9';
}

bool is_oct(char c) {
  return c >= '0' && c <= '7';
}

bool is_hex(char c) {
  return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

} // namespace

bool matches_null(std::string_view v) {
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL" || v == " ";
}

bool matches_bool(std::string_view v) {
  return v == "true" || v == "True" || v == "TRUE" || v == "false" || v == "False" || v == "FALSE";
}

bool matches_int(std::string_view v) {
  if (v.starts_with("0o")) {
    return all_of(v.substr(2), is_oct);
  }
  if (v.starts_with("0x")) {
    return all_of(v.substr(2), is_hex);
  }
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    v.remove_prefix(1);
  }
  return all_of(v, is_dec);
}

namespace {

bool matches_special_float(std::string_view v) {
  if (v == ".nan" || v == ".NaN" || v == ".NAN") {
    return true;
  }
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    v.remove_prefix(1);
  }
  return v == ".inf" || v == ".Inf" || v == ".INF";
}

} // namespace

bool matches_float(std::string_view v) {
  if (matches_special_float(v)) {
    return true;
  }
  std::size_t i = 0;
  const auto digits = [&] {
    const auto start = i;
    while (i < v.size() && is_dec(v[i])) {
      ++i;
    }
    return i - start;
  };
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) {
    ++i;
  }
  if (i < v.size() && v[i] == '.') {
    ++i;
    if (digits() == 0) {
      return false;
    }
  } else {
    if (digits() == 0) {
      return false;
    }
    if (i < v.size() && v[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) {
      ++i;
    }
    if (digits() == 0) {
      return false;
    }
  }
  return i == v.size();
}

namespace {

bool is_word_char(char c) {
  return is_dec(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

bool is_java_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

} // namespace

std::optional<EnvReference> match_env(std::string_view v) {
  if (!v.starts_with("${") || !v.ends_with("}")) {
    return std::nullopt;
  }
  v = v.substr(2, v.size() - 3);
  while (!v.empty() && is_java_space(v.front())) {
    v.remove_prefix(1);
  }
  while (!v.empty() && is_java_space(v.back())) {
    v.remove_suffix(1);
  }
  EnvReference ref;
  std::size_t i = 0;
  while (i < v.size() && is_word_char(v[i])) {
    ++i;
  }
  if (i == 0) {
    return std::nullopt;
  }
  ref.name = std::string(v.substr(0, i));
  v.remove_prefix(i);
  if (v.empty()) {
    return ref;
  }
  if (v.front() == ':') {
    // push_back, not = ":": GCC 12 at -O2 reports a false -Wrestrict on the assignment here
    // (GCC PR 105651).
    ref.separator.push_back(':');
    v.remove_prefix(1);
  }
  if (v.empty() || (v.front() != '-' && v.front() != '?')) {
    return std::nullopt;
  }
  ref.separator += v.front();
  v.remove_prefix(1);
  if (!v.empty() && !all_of(v, [](char c) { return is_word_char(c); })) {
    return std::nullopt;
  }
  ref.fallback = std::string(v);
  return ref;
}

Resolved resolve_plain(std::string_view v) {
  if (!v.empty()) {
    const char c = v.front();
    if ((c == 't' || c == 'f' || c == 'T' || c == 'F') && matches_bool(v)) {
      return Resolved::boolean;
    }
    if ((is_dec(c) || c == '-' || c == '+') && matches_int(v)) {
      return Resolved::integer;
    }
    if ((is_dec(c) || c == '-' || c == '+' || c == '.') && matches_float(v)) {
      return Resolved::floating;
    }
    if (c == 'n' && matches_null(v)) {
      return Resolved::null_value;
    }
    if (c == '$' && match_env(v)) {
      return Resolved::env;
    }
  }
  // The resolvers registered for "any first char": EMPTY and NULL.
  return matches_null(v) ? Resolved::null_value : Resolved::string;
}

namespace {

std::string radix_to_decimal(std::string_view digits, int radix) {
  std::vector<std::uint32_t> limbs{0}; // little-endian base 1e9
  for (const char c : digits) {
    std::uint64_t carry =
        static_cast<std::uint64_t>(is_dec(c) ? c - '0' : (c >= 'a' ? c - 'a' + 10 : c - 'A' + 10));
    for (auto& limb : limbs) {
      const std::uint64_t v =
          static_cast<std::uint64_t>(limb) * static_cast<unsigned>(radix) + carry;
      limb = static_cast<std::uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry > 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % 1000000000u));
      carry /= 1000000000u;
    }
  }
  std::string out = fmt::format("{}", limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    out += fmt::format("{:09}", *it);
  }
  return out;
}

} // namespace

std::optional<std::string> construct_int(std::string_view v) {
  bool negative = false;
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    negative = v.front() == '-';
    v.remove_prefix(1);
  }
  std::string magnitude;
  if (v.starts_with("0x") || v.starts_with("0o")) {
    if (v.size() - 2 > kMaxRadixDigits) {
      return std::nullopt;
    }
    magnitude = radix_to_decimal(v.substr(2), v[1] == 'x' ? 16 : 8);
  } else {
    const auto first = v.find_first_not_of('0');
    magnitude = first == std::string_view::npos ? "0" : std::string(v.substr(first));
  }
  if (negative && magnitude != "0") {
    magnitude.insert(magnitude.begin(), '-');
  }
  return magnitude;
}

double construct_float(std::string_view v) {
  if (v == ".nan" || v == ".NaN" || v == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  bool negative = false;
  std::string_view body = v;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), d);
  if (ec == std::errc::result_out_of_range) {
    // Overflow gives infinity in Java, underflow gives zero; tell them apart by the exponent.
    const auto e = body.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && body.size() > e + 1 && body[e + 1] == '-';
    d = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  }
  (void)ptr;
  return negative ? -d : d;
}

std::string java_double_to_string(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "Infinity" : "-Infinity";
  }
  if (d == 0) {
    return std::signbit(d) ? "-0.0" : "0.0";
  }
  std::array<char, 64> buf{};
  const auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const auto e = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  auto exp_text = sci.substr(e + 1);
  if (!exp_text.empty() && exp_text.front() == '+') {
    exp_text.remove_prefix(1);
  }
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const double magnitude = std::fabs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      const auto int_len = static_cast<std::size_t>(exponent) + 1;
      while (digits.size() < int_len) {
        digits += '0';
      }
      out += digits.substr(0, int_len);
      out += '.';
      out += digits.size() > int_len ? digits.substr(int_len) : "0";
    } else {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    }
  } else {
    out += digits.substr(0, 1);
    out += '.';
    out += digits.size() > 1 ? digits.substr(1) : "0";
    out += fmt::format("E{}", exponent);
  }
  return out;
}

std::string yaml_double_to_string(double d) {
  if (std::isnan(d)) {
    return ".nan";
  }
  if (std::isinf(d)) {
    return d > 0 ? ".inf" : "-.inf";
  }
  return java_double_to_string(d);
}

} // namespace flinkha::config::detail
