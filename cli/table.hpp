#pragma once
// A plain text table: left-aligned columns separated by two spaces, header first.
// Widths count UTF-8 code points, so non-ASCII values do not skew the columns.

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace flinkha::cli {

class Table {
public:
  explicit Table(std::vector<std::string> header) : m_header(std::move(header)) {}

  void add(std::vector<std::string> row) { m_rows.push_back(std::move(row)); }
  bool empty() const { return m_rows.empty(); }

  // Each line is indented by `indent` spaces; the last column is not padded.
  void print(std::FILE* out, int indent = 0) const;

private:
  std::vector<std::string> m_header;
  std::vector<std::vector<std::string>> m_rows;
};

// A time in milliseconds since the Unix epoch as "2026-12-03 14:02:11Z" (UTC, seconds); "-" for
// 0 or less (unknown).
std::string time_text(std::int64_t ms);

// ANSI styling that degrades to plain text when colour is off.
struct Style {
  bool color = false;
  std::string bold(const std::string& text) const;
  std::string red(const std::string& text) const;
  std::string yellow(const std::string& text) const;
  std::string green(const std::string& text) const;
  std::string dim(const std::string& text) const;
};

} // namespace flinkha::cli
