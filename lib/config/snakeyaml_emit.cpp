// snakeyaml-engine Emitter rules (scalar analysis and quoting), for Flink's toYAMLString.

#include "config/detail/snakeyaml_emit.hpp"

#include "util/utf8.hpp"

#include <fmt/format.h>

namespace flinkha::config::detail {

namespace {

bool is_linebr(char32_t c) {
  return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool is_null_bl_t(char32_t c) {
  return c == 0 || c == ' ' || c == '\t';
}

bool is_printable(char32_t c) {
  return (c >= 0x20 && c <= 0x7E) || c == 0x9 || c == 0xA || c == 0xD || c == 0x85 ||
         (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

} // namespace

ScalarAnalysis analyze_scalar(const std::vector<char32_t>& s) {
  ScalarAnalysis a;
  if (s.empty()) {
    a.empty = true;
    a.allow_flow_plain = false;
    return a;
  }
  bool flow_indicators = false;
  bool line_breaks = false;
  bool special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false,
       break_space = false, space_break = false;
  const auto starts = [&](char a0, char a1, char a2) {
    return s.size() >= 3 && s[0] == static_cast<char32_t>(a0) &&
           s[1] == static_cast<char32_t>(a1) && s[2] == static_cast<char32_t>(a2);
  };
  if (starts('-', '-', '-') || starts('.', '.', '.')) {
    flow_indicators = true;
  }
  bool preceded_by_ws = true;
  bool followed_by_ws = s.size() == 1 || is_null_bl_t(s[1]) || is_linebr(s[1]);
  bool previous_space = false, previous_break = false;
  constexpr std::u32string_view kFirstIndicators = U"#,[]{}&*!|>'\"%@`";
  constexpr std::u32string_view kFlowIndicators = U",?[]{}";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (i == 0) {
      if (kFirstIndicators.find(c) != std::u32string_view::npos) {
        flow_indicators = true;
      }
      if (c == '?' || c == ':') {
        flow_indicators = true;
      }
      if (c == '-' && followed_by_ws) {
        flow_indicators = true;
      }
    } else {
      if (kFlowIndicators.find(c) != std::u32string_view::npos || c == ':') {
        flow_indicators = true;
      }
      if (c == '#' && preceded_by_ws) {
        flow_indicators = true;
      }
    }
    const bool is_break = is_linebr(c);
    if (is_break) {
      line_breaks = true;
    }
    if (c != '\n' && (c < 0x20 || c > 0x7E)) {
      const bool unicode_ok = c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
                              (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
      if (!unicode_ok) {
        special = true;
      }
    }
    if (c == ' ') {
      leading_space = leading_space || i == 0;
      trailing_space = trailing_space || i + 1 == s.size();
      break_space = break_space || previous_break;
      previous_space = true;
      previous_break = false;
    } else if (is_break) {
      leading_break = leading_break || i == 0;
      trailing_break = trailing_break || i + 1 == s.size();
      space_break = space_break || previous_space;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = is_null_bl_t(c) || is_break;
    // Mirrors the engine's quirk: the next char's "followed by whitespace" also turns true when
    // the current char is a line break.
    followed_by_ws = true;
    if (i + 2 < s.size()) {
      followed_by_ws = is_null_bl_t(s[i + 2]) || is_break;
    }
  }
  if (leading_space || leading_break || trailing_space || trailing_break) {
    a.allow_flow_plain = false;
  }
  if (break_space) {
    a.allow_flow_plain = a.allow_single_quoted = false;
  }
  if (space_break || special) {
    a.allow_flow_plain = a.allow_single_quoted = false;
  }
  if (line_breaks || flow_indicators) {
    a.allow_flow_plain = false;
  }
  a.multiline = line_breaks;
  return a;
}

std::string single_quoted(const std::vector<char32_t>& s) {
  std::string out = "'";
  for (const auto c : s) {
    if (c == '\'') {
      out += "''";
    } else {
      util::append_utf8(out, c);
    }
  }
  return out + "'";
}

std::string double_quoted(const std::vector<char32_t>& s) {
  std::string out = "\"";
  for (const auto c : s) {
    const bool trigger = c == '"' || c == '\\' || c == 0x85 || c == 0x2028 || c == 0x2029 ||
                         c == 0xFEFF || c < ' ' || c > '~';
    if (!trigger) {
      out += static_cast<char>(c);
      continue;
    }
    switch (c) {
    case 0:
      out += "\\0";
      continue;
    case 0x07:
      out += "\\a";
      continue;
    case 0x08:
      out += "\\b";
      continue;
    case 0x09:
      out += "\\t";
      continue;
    case 0x0A:
      out += "\\n";
      continue;
    case 0x0B:
      out += "\\v";
      continue;
    case 0x0C:
      out += "\\f";
      continue;
    case 0x0D:
      out += "\\r";
      continue;
    case 0x1B:
      out += "\\e";
      continue;
    case '"':
      out += "\\\"";
      continue;
    case '\\':
      out += "\\\\";
      continue;
    case 0x85:
      out += "\\N";
      continue;
    case 0xA0:
      out += "\\_";
      continue;
    case 0x2028:
      out += "\\L";
      continue;
    case 0x2029:
      out += "\\P";
      continue;
    default:
      break;
    }
    if (is_printable(c)) {
      util::append_utf8(out, c);
    } else if (c <= 0xFF) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
    } else if (c >= 0x10000) {
      out += fmt::format("\\U{:08x}", static_cast<unsigned>(c));
    } else {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  return out + "\"";
}

} // namespace flinkha::config::detail
