#pragma once
// Private to lib/config: the readers' per-line findings, capped. A file can hold a million
// malformed lines; one Diagnostic each would cost hundreds of bytes apiece and an unreadable
// report (a 8 MB file of "k:v" lines took 2 GB and 15 s in `config check`). The first
// kMaxPerCode findings of each code are kept as they are; the rest are counted, and finish()
// adds one summary per code with how many were left out and on which lines.

#include "config/diagnostics.hpp"

#include <fmt/format.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flinkha::config::detail {

class CappedDiagnostics {
public:
  static constexpr std::size_t kMaxPerCode = 100;

  explicit CappedDiagnostics(Diagnostics& out) : m_out(out) {}

  // Whether a finding of `code` at `where` is still listed; false means it was counted instead
  // (the caller then skips building its message).
  bool room(std::string_view code, Severity severity, const SourceLocation& where) {
    auto& tally = tally_of(code, severity, where.file);
    ++tally.seen;
    if (tally.seen <= kMaxPerCode) {
      return true;
    }
    if (tally.first_left_out == 0) {
      tally.first_left_out = where.line;
    }
    tally.last_left_out = where.line;
    return false;
  }

  void add(Diagnostic diagnostic) { m_out.push_back(std::move(diagnostic)); }

  // One summary per code that went over the cap, after the listed ones.
  void finish() {
    for (const auto& t : m_tallies) {
      if (t.seen <= kMaxPerCode) {
        continue;
      }
      m_out.push_back(
          {t.severity,
           t.code,
           {t.file, t.first_left_out},
           fmt::format("{} more '{}' findings on lines {}-{} are not listed (the first {} are)",
                       t.seen - kMaxPerCode, t.code, t.first_left_out, t.last_left_out,
                       kMaxPerCode),
           "fix the listed lines and run config check again to see the rest"});
    }
    m_tallies.clear();
  }

private:
  struct Tally {
    std::string code;
    Severity severity;
    std::string file;
    std::size_t seen = 0;
    int first_left_out = 0;
    int last_left_out = 0;
  };

  Tally& tally_of(std::string_view code, Severity severity, const std::string& file) {
    for (auto& t : m_tallies) { // a handful of codes per file
      if (t.code == code && t.file == file) {
        return t;
      }
    }
    return m_tallies.emplace_back(Tally{std::string(code), severity, file, 0, 0, 0});
  }

  Diagnostics& m_out;
  std::vector<Tally> m_tallies;
};

} // namespace flinkha::config::detail
