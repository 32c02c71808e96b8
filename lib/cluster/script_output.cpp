#include "cluster/script_output.hpp"

#include "util/strings.hpp"

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

} // namespace flinkha::cluster
