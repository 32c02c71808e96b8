#pragma once
// conf/masters and conf/workers (conf/slaves before Flink 1.11), read as Flink's bin/config.sh
// does (readMasters / readWorkers / extractHostName; reference flink-ha-format.md §6):
//  - everything from the first '#' is a comment; blank lines are skipped; surrounding blanks go;
//  - a "network hierarchy" prefix is stripped: "/rack1/host" → "host";
//  - masters lines are host[:webuiport]; a missing port is 0, as Flink passes it on;
//  - IPv6 addresses are written in brackets: "[2001:db8::1]:8081" (Flink's own `cut -d:` cannot
//    read them; flinkha can).
// Every host is validated (hostname or IP literal, no control characters or shell metacharacters);
// an invalid line is an error naming file:line.

#include "config/diagnostics.hpp"
#include "util/result.hpp"

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config {

struct MasterEntry {
  std::string host;    // without brackets for IPv6
  int web_ui_port = 0; // 0 when the line has no port (Flink passes 0 on)
  bool port_given = false;
  SourceLocation where;
};

struct WorkerEntry {
  std::string host;
  SourceLocation where;
};

struct MastersFile {
  std::filesystem::path path;
  std::vector<MasterEntry> masters;
  Diagnostics diagnostics;
};

struct WorkersFile {
  std::filesystem::path path;
  std::vector<WorkerEntry> workers; // a host listed twice appears twice (two TaskManagers)
  Diagnostics diagnostics;
};

Result<MastersFile> parse_masters(std::string_view text, std::string display_name);
Result<WorkersFile> parse_workers(std::string_view text, std::string display_name);

// Reads conf_dir/masters. Empty optional when the file does not exist (not an error here:
// only HA start needs it).
Result<std::optional<MastersFile>> load_masters(const std::filesystem::path& conf_dir);

// Reads conf_dir/workers, falling back to the pre-1.11 conf_dir/slaves with a warning
// diagnostic "slaves-file" (Flink >= 1.11 itself ignores slaves). Empty optional when neither
// exists.
Result<std::optional<WorkersFile>> load_workers(const std::filesystem::path& conf_dir);

// Host validation shared by every reader of hosts: a DNS name (letters, digits, '-', '.', '_'),
// an IPv4 literal, or an IPv6 literal (without brackets). Returns an error message or nothing.
std::optional<std::string> validate_host(std::string_view host);

} // namespace flinkha::config
