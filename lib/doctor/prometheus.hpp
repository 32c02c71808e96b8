#pragma once
// `flinkha doctor --prometheus FILE`: the report as gauges for node_exporter's textfile
// collector (one `*.prom` file in --collector.textfile.directory, read on every scrape), in the
// Prometheus text exposition format 0.0.4 (prometheus/docs "Exposition formats": `# HELP` with
// `\` and newline escaped, `# TYPE`, label values with `\`, `"` and newline escaped, one family's
// samples together, no duplicate label sets — node_exporter rejects the whole file on one).
//
//   flinkha_doctor_verdict{cluster_id="/c1"} 1          0 ok, 1 warning, 2 critical, 3 unknown
//                                                        (the exit status)
//   flinkha_doctor_findings{cluster_id,severity} n       every severity, 0 included
//   flinkha_doctor_finding{cluster_id,code,severity,subject} n
//                                                        warning and critical findings with
//                                                        that code and subject (info ones are
//                                                        only counted: their subjects are
//                                                        unbounded); a label value that is not
//                                                        UTF-8 gets U+FFFD for the bad byte
//   flinkha_doctor_check_skipped{cluster_id,check} 0|1   a check that lacked its input
//   flinkha_doctor_last_run_timestamp_seconds{cluster_id} unix time of the run (seconds)
//
// Alert on `flinkha_doctor_verdict > 0`, and on the timestamp going stale (time() - it) when
// the timer stops.

#include "doctor/finding.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace flinkha::doctor {

// A label value escaped as the exposition format wants it (without the quotes).
std::string escape_label_value(std::string_view value);

// The whole file, ending in a newline. `now_ms`: ms since the Unix epoch.
std::string prometheus_text(const Report& report, std::string_view cluster_id, std::int64_t now_ms);

// Writes `text` to `file` atomically (util::write_file_atomically: a scrape sees the old file or
// the new one). Errors name the file.
Status write_prometheus_file(const std::filesystem::path& file, std::string_view text);

} // namespace flinkha::doctor
