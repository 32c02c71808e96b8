#include "table.hpp"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace flinkha::cli {

namespace {

std::size_t display_width(const std::string& text) {
  // Count code points: every byte that is not a UTF-8 continuation byte.
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

std::string wrap(bool color, const char* code, const std::string& text) {
  return color ? fmt::format("\033[{}m{}\033[0m", code, text) : text;
}

} // namespace

std::string time_text(std::int64_t ms) {
  if (ms <= 0) {
    return "-";
  }
  const std::chrono::sys_time<std::chrono::milliseconds> at{std::chrono::milliseconds(ms)};
  return fmt::format("{:%Y-%m-%d %H:%M:%S}Z",
                     std::chrono::time_point_cast<std::chrono::seconds>(at));
}

void Table::print(std::FILE* out, int indent) const {
  std::vector<std::size_t> widths(m_header.size(), 0);
  auto measure = [&widths](const std::vector<std::string>& row) {
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], display_width(row[i]));
    }
  };
  measure(m_header);
  for (const auto& row : m_rows) {
    measure(row);
  }
  auto print_row = [&](const std::vector<std::string>& row) {
    std::string line(static_cast<std::size_t>(indent), ' ');
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - display_width(row[i]) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    fmt::print(out, "{}\n", line);
  };
  print_row(m_header);
  for (const auto& row : m_rows) {
    print_row(row);
  }
}

std::string Style::bold(const std::string& text) const {
  return wrap(color, "1", text);
}
std::string Style::red(const std::string& text) const {
  return wrap(color, "31", text);
}
std::string Style::yellow(const std::string& text) const {
  return wrap(color, "33", text);
}
std::string Style::green(const std::string& text) const {
  return wrap(color, "32", text);
}
std::string Style::dim(const std::string& text) const {
  return wrap(color, "2", text);
}

} // namespace flinkha::cli
