#include "fanout_report.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::cli {

namespace {

// The last `count` non-empty lines of a command's output: where scripts put their error.
std::string tail_lines(std::string_view text, std::size_t count) {
  auto lines = util::split_lines(text);
  std::erase_if(lines, [](std::string_view line) { return util::trim(line).empty(); });
  const auto first = lines.size() > count ? lines.size() - count : 0;
  std::string out;
  for (auto i = first; i < lines.size(); ++i) {
    out += fmt::format("    {}\n", lines[i]);
  }
  return out;
}

std::string format_duration(std::chrono::milliseconds duration) {
  return duration.count() < 10000 ? fmt::format("{} ms", duration.count())
                                  : fmt::format("{:.1f} s", duration.count() / 1000.0);
}

} // namespace

ExitCode fanout_exit_code(std::span<const remote::HostResult> results) {
  const auto failed = std::ranges::count(results, false, &remote::HostResult::ok);
  if (results.empty() || failed == static_cast<std::ptrdiff_t>(results.size())) {
    return ExitCode::critical;
  }
  return failed > 0 ? ExitCode::warning : ExitCode::ok;
}

nlohmann::ordered_json fanout_json(std::span<const remote::HostResult> results) {
  auto list = nlohmann::ordered_json::array();
  for (const auto& r : results) {
    list.push_back(
        {{"host", r.host},
         {"role", r.role},
         {"action", r.action},
         {"ok", r.ok},
         {"exit_status",
          r.exit_status ? nlohmann::ordered_json(*r.exit_status) : nlohmann::ordered_json(nullptr)},
         {"duration_ms", r.duration.count()},
         {"stdout", r.stdout_text},
         {"stderr", r.stderr_text},
         {"error", r.error ? nlohmann::ordered_json(*r.error) : nlohmann::ordered_json(nullptr)},
         {"detail", r.detail}});
  }
  return {{"results", std::move(list)}};
}

void print_fanout_text(std::span<const remote::HostResult> results, const Style& style,
                       bool verbose) {
  Table table({"HOST", "ROLE", "ACTION", "RESULT", "TIME"});
  for (const auto& r : results) {
    const auto outcome = r.ok ? style.green(r.detail.empty() ? "ok" : r.detail)
                              : style.red(r.detail.empty() ? "FAILED" : r.detail);
    table.add({r.host, r.role, r.action, outcome, format_duration(r.duration)});
  }
  table.print(stdout);
  for (const auto& r : results) {
    if (!r.ok || verbose) {
      if (r.error) {
        fmt::print("{} {} {}: {}\n", style.bold(r.host), r.role, r.action, *r.error);
      }
      const auto lines = verbose ? std::size_t{1000} : std::size_t{5};
      if (!r.stderr_text.empty()) {
        fmt::print("  stderr:\n{}", tail_lines(r.stderr_text, lines));
      }
      if (verbose && !r.stdout_text.empty()) {
        fmt::print("  stdout:\n{}", tail_lines(r.stdout_text, lines));
      }
    }
  }
  const auto failed = std::ranges::count(results, false, &remote::HostResult::ok);
  const auto hosts = results.size();
  if (failed == 0) {
    fmt::print("{}\n", style.green(fmt::format("{} of {} ok", hosts, hosts)));
  } else {
    fmt::print("{}\n", style.red(fmt::format("{} of {} failed", failed, hosts)));
  }
}

} // namespace flinkha::cli
