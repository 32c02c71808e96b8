#pragma once
// One line of progress on stderr for work that runs longer than a second (a long storage
// listing, a cleanup of thousands of files): shown only on a terminal and never with -o json,
// redrawn in place ("\r" + erase to the end of the line) at most every 100 ms, erased before
// anything else is printed and when the work is done.

#include <chrono>
#include <string>
#include <string_view>

namespace flinkha::cli {

class ProgressLine {
public:
  // `enabled`: the caller's decision (text output); the line is drawn only when stderr is a
  // terminal as well.
  explicit ProgressLine(bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  // The newest state, e.g. "listing hdfs://nn/flink/ha/default: 12000 entries". Drawn once a
  // second has passed since construction.
  void update(std::string_view text);

  // Erases the line if it is drawn (before printing to stdout or stderr, and at the end).
  void clear();

private:
  using Clock = std::chrono::steady_clock;
  bool m_enabled;
  bool m_drawn = false;
  Clock::time_point m_start;
  Clock::time_point m_last_draw;
};

} // namespace flinkha::cli
