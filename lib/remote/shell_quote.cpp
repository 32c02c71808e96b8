#include "remote/shell_quote.hpp"

#include <fmt/format.h>

namespace flinkha::remote {

namespace {

bool is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

bool is_safe_bare(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
    return true;
  }
  switch (c) {
  case '_':
  case '@':
  case '%':
  case '+':
  case ':':
  case ',':
  case '.':
  case '/':
  case '-':
    return true;
  default:
    return false;
  }
}

template <typename Range>
Result<std::string> join_range(const Range& argv) {
  std::string line;
  std::size_t index = 0;
  for (const auto& arg : argv) {
    auto quoted = shell_quote(arg);
    if (!quoted) {
      return failf("argument {} of the command: {}", index + 1, quoted.error().message);
    }
    if (index > 0) {
      line += ' ';
    }
    line += *quoted;
    ++index;
  }
  return line;
}

} // namespace

Result<std::string> shell_quote(std::string_view arg) {
  bool bare = !arg.empty();
  for (std::size_t i = 0; i < arg.size(); ++i) {
    const auto c = static_cast<unsigned char>(arg[i]);
    if (is_control(c)) {
      return std::unexpected(
          Error{fmt::format("contains the control character \\x{:02x} at offset {}", c, i),
                "remove control characters (newlines, tabs, NUL) from the value"});
    }
    bare = bare && is_safe_bare(arg[i]);
  }
  if (bare) {
    return std::string(arg);
  }
  std::string quoted;
  quoted.reserve(arg.size() + 2);
  quoted += '\'';
  for (const char c : arg) {
    if (c == '\'') {
      quoted += "'\\''"; // close, escaped quote, reopen
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

Result<std::string> shell_join(std::span<const std::string> argv) {
  return join_range(argv);
}

Result<std::string> shell_join(std::initializer_list<std::string_view> argv) {
  return join_range(argv);
}

} // namespace flinkha::remote
