#include "cluster/script_output.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <regex>

namespace flinkha::cluster {

namespace {

std::optional<int> to_int(std::string_view text) {
  int value = 0;
  const auto* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc{} || ptr != end || value < 0) {
    return std::nullopt;
  }
  return value;
}

std::optional<int> to_int(const std::ssub_match& match) {
  return to_int(std::string(match.str()));
}

std::optional<Role> role_from(std::string_view text) {
  for (const auto role : {Role::jobmanager, Role::taskmanager, Role::zookeeper}) {
    if (text == to_string(role)) {
      return role;
    }
  }
  return std::nullopt;
}

// "flinkha-pid ROLE DAEMON PID STATE FILE": the file is the rest of the line (may hold blanks).
std::optional<DaemonProcess> parse_pid_line(std::string_view line) {
  constexpr std::string_view kTag = "flinkha-pid ";
  if (!line.starts_with(kTag)) {
    return std::nullopt;
  }
  line.remove_prefix(kTag.size());
  std::vector<std::string_view> fields;
  for (int i = 0; i < 4; ++i) {
    const auto blank = line.find(' ');
    if (blank == std::string_view::npos) {
      return std::nullopt;
    }
    fields.push_back(line.substr(0, blank));
    line.remove_prefix(blank + 1);
  }
  const auto role = role_from(fields[0]);
  const auto pid = to_int(fields[2]);
  if (!role || !pid || (fields[3] != "alive" && fields[3] != "dead")) {
    return std::nullopt;
  }
  return DaemonProcess{*role, std::string(fields[1]), *pid, fields[3] == "alive",
                       std::string(line)};
}

} // namespace

StartOutput parse_start_output(std::string_view text) {
  static const std::regex starting(R"(^Starting (\S+) daemon on host (.*)\.$)");
  static const std::regex already(R"(^\[INFO\] (\d+) instance\(s\) of (\S+) are already running)");
  static const std::regex error(R"(^Error starting (\S+) daemon\.)");
  StartOutput out;
  for (const auto line_view : util::split_lines(text)) {
    const std::string line(util::trim(line_view));
    std::smatch match;
    if (std::regex_search(line, match, starting)) {
      out.starting = true;
      out.daemon = match[1].str();
      out.reported_host = match[2].str();
    } else if (std::regex_search(line, match, already)) {
      out.already_running = to_int(match[1]).value_or(0);
    } else if (std::regex_search(line, match, error)) {
      out.error_starting = true;
      out.daemon = match[1].str();
    }
  }
  return out;
}

StopOutput parse_stop_output(std::string_view text) {
  static const std::regex stopping(R"(^Stopping \S+ daemon \(pid: (\d+)\))");
  static const std::regex killing(R"(^Daemon \S+ didn't stop within \d+ seconds\. Killing it\.)");
  static const std::regex stale(
      R"(^(No \S+ daemon \(pid: (\d+)\) is running anymore|Skipping \S+ daemon \(pid: (\d+)\), because it is not running anymore))");
  static const std::regex nothing(R"(^No \S+ daemon to stop on host)");
  StopOutput out;
  for (const auto line_view : util::split_lines(text)) {
    const std::string line(util::trim(line_view));
    std::smatch match;
    if (std::regex_search(line, match, stopping)) {
      if (auto pid = to_int(match[1])) {
        out.stopping.push_back(*pid);
      }
    } else if (std::regex_search(line, killing) && !out.stopping.empty()) {
      out.killed.push_back(out.stopping.back()); // guaranteed_kill reports right after Stopping
    } else if (std::regex_search(line, match, stale)) {
      if (auto pid = to_int(match[2].matched ? match[2] : match[3])) {
        out.not_running.push_back(*pid);
      }
    } else if (std::regex_search(line, nothing)) {
      out.nothing_to_stop = true;
    }
  }
  return out;
}

PidProbe parse_pid_probe(std::string_view text) {
  constexpr std::string_view kDirTag = "flinkha-piddir ";
  PidProbe probe;
  for (const auto line : util::split_lines(text)) {
    if (line.starts_with(kDirTag)) {
      probe.pid_dir = std::string(line.substr(kDirTag.size()));
    } else if (auto process = parse_pid_line(line)) {
      probe.processes.push_back(std::move(*process));
    }
  }
  return probe;
}

GoneProbe parse_gone_probe(std::string_view text) {
  GoneProbe probe;
  for (const auto line : util::split_lines(text)) {
    const auto fields = util::split(util::trim(line), ' ');
    if (fields.size() != 2) {
      continue;
    }
    if (auto pid = to_int(fields[1])) {
      if (fields[0] == "flinkha-gone") {
        probe.gone.push_back(*pid);
      } else if (fields[0] == "flinkha-alive") {
        probe.alive.push_back(*pid);
      }
    }
  }
  return probe;
}

std::vector<LintProblem> parse_start_lint(std::string_view text) {
  constexpr std::string_view kTag = "flinkha-lint ";
  std::vector<LintProblem> problems;
  for (auto line : util::split_lines(text)) {
    if (!line.starts_with(kTag)) {
      continue;
    }
    line.remove_prefix(kTag.size());
    const auto kind_end = line.find(' ');
    if (kind_end == std::string_view::npos) {
      continue;
    }
    const auto kind = line.substr(0, kind_end);
    line.remove_prefix(kind_end + 1);
    const auto source_end = line.find(' ');
    if (source_end == std::string_view::npos) {
      continue;
    }
    const auto source = line.substr(0, source_end);
    if (source != "env" && source != "conf") {
      continue;
    }
    problems.push_back(
        LintProblem{std::string(kind), source == "env", std::string(line.substr(source_end + 1))});
  }
  return problems;
}

std::vector<DaemonFileTail> parse_tails(std::string_view text) {
  constexpr std::string_view kFile = "flinkha-file ";
  constexpr std::string_view kTail = "flinkha-tail ";
  std::vector<DaemonFileTail> tails;
  for (auto line : util::split_lines(text)) {
    const bool file = line.starts_with(kFile);
    if (!file && !line.starts_with(kTail)) {
      continue;
    }
    line.remove_prefix(kFile.size()); // both tags have the same length
    const auto pid_end = line.find(' ');
    if (pid_end == std::string_view::npos) {
      continue;
    }
    const auto pid = to_int(line.substr(0, pid_end));
    line.remove_prefix(pid_end + 1);
    const auto kind = line.substr(0, 3);
    if (!pid || (kind != "out" && kind != "log" && kind != "err") ||
        (line.size() > 3 && line[3] != ' ')) {
      continue;
    }
    const auto rest = line.size() > 4 ? line.substr(4) : std::string_view{};
    if (file) {
      tails.push_back(DaemonFileTail{*pid, std::string(kind), util::printable(rest, 1000), {}});
    } else if (!tails.empty() && tails.back().pid == *pid && tails.back().kind == kind) {
      tails.back().lines.push_back(util::printable(rest, 400));
    }
  }
  return tails;
}

std::optional<std::string> script_failure_line(std::string_view stderr_text,
                                               std::string_view stdout_text) {
  static const std::regex flink_script(
      R"(/bin/(flink-daemon|config|jobmanager|taskmanager|zookeeper|bash-java-utils|find-flink-home)\.sh: line [0-9]+: )");
  static constexpr std::array<std::string_view, 9> kFailures{"No such file or directory",
                                                             "Permission denied",
                                                             "cannot open",
                                                             "Is a directory",
                                                             "Not a directory",
                                                             "Read-only file system",
                                                             "No space left on device",
                                                             "command not found",
                                                             "cannot execute"};
  for (const auto text : {stderr_text, stdout_text}) {
    for (const auto line_view : util::split_lines(text)) {
      const auto line = util::trim(line_view);
      if (line.starts_with("[ERROR]")) {
        return util::printable(line, 400);
      }
      const std::string owned(line);
      if (std::regex_search(owned, flink_script) &&
          std::ranges::any_of(kFailures,
                              [&](std::string_view failure) { return line.contains(failure); })) {
        return util::printable(line, 400);
      }
    }
  }
  return std::nullopt;
}

std::string without_probe_lines(std::string_view text) {
  static constexpr std::array<std::string_view, 4> kTags{"flinkha-pid", "flinkha-lint ",
                                                         "flinkha-file ", "flinkha-tail "};
  std::string kept;
  for (const auto line : util::split_lines(text)) {
    if (std::ranges::none_of(kTags, [&](std::string_view tag) { return line.starts_with(tag); })) {
      kept.append(line).push_back('\n');
    }
  }
  return kept;
}

} // namespace flinkha::cluster
