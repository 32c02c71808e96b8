#include "progress_line.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <unistd.h>

namespace flinkha::cli {

namespace {
constexpr auto kQuietFor = std::chrono::seconds(1);
constexpr auto kRedrawEvery = std::chrono::milliseconds(100);
constexpr std::size_t kWidth = 100; // long paths are cut, so the line never wraps
} // namespace

ProgressLine::ProgressLine(bool enabled)
    : m_enabled(enabled && isatty(STDERR_FILENO) == 1), m_start(Clock::now()) {}

ProgressLine::~ProgressLine() {
  clear();
}

void ProgressLine::update(std::string_view text) {
  if (!m_enabled) {
    return;
  }
  const auto now = Clock::now();
  if (now - m_start < kQuietFor || (m_drawn && now - m_last_draw < kRedrawEvery)) {
    return;
  }
  fmt::print(stderr, "\r\033[K{}", util::printable(text, kWidth));
  std::fflush(stderr);
  m_drawn = true;
  m_last_draw = now;
}

void ProgressLine::clear() {
  if (m_drawn) {
    fmt::print(stderr, "\r\033[K");
    std::fflush(stderr);
    m_drawn = false;
  }
}

} // namespace flinkha::cli
