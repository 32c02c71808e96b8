#include "doctor/prometheus.hpp"

#include "util/files.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

namespace flinkha::doctor {

std::string escape_label_value(std::string_view raw) {
  // The exposition format is UTF-8: a name that is not (a local file may be called anything)
  // would make node_exporter reject the whole file, so a malformed byte becomes U+FFFD.
  std::string valid;
  if (util::invalid_utf8_at(raw)) {
    for (const auto code_point : util::code_points(raw)) {
      util::append_utf8(valid, code_point);
    }
    raw = valid;
  }
  const std::string_view value = raw;
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    switch (c) {
    case '\\':
      out += "\\\\";
      break;
    case '"':
      out += "\\\"";
      break;
    case '\n':
      out += "\\n";
      break;
    default:
      out += c;
    }
  }
  return out;
}

namespace {

void family(std::string& out, std::string_view name, std::string_view help) {
  // HELP texts are ours and hold neither `\` nor a newline: no escaping needed.
  out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n", name, help, name);
}

} // namespace

std::string prometheus_text(const Report& report, std::string_view cluster_id,
                            std::int64_t now_ms) {
  const auto cluster = fmt::format("cluster_id=\"{}\"", escape_label_value(cluster_id));
  std::string out;
  family(out, "flinkha_doctor_verdict",
         "Verdict of flinkha doctor: 0 ok, 1 warning, 2 critical, 3 unknown.");
  out += fmt::format("flinkha_doctor_verdict{{{}}} {}\n", cluster, exit_status_of(report.verdict));

  int counts[3] = {0, 0, 0};
  // Findings with the same code, severity and subject are one series (no duplicate label sets).
  std::map<std::tuple<std::string, int, std::string>, int> series;
  for (const auto& f : report.findings) {
    ++counts[static_cast<int>(f.severity)];
    // A series per info finding would be one per unknown file or znode name: unbounded
    // cardinality for what needs no alert. Info findings are counted above only.
    if (f.severity != Severity::info) {
      ++series[{f.code, static_cast<int>(f.severity), f.subject}];
    }
  }
  family(out, "flinkha_doctor_findings", "Findings of flinkha doctor per severity.");
  for (const auto severity : {Severity::critical, Severity::warning, Severity::info}) {
    out += fmt::format("flinkha_doctor_findings{{{},severity=\"{}\"}} {}\n", cluster,
                       to_string(severity), counts[static_cast<int>(severity)]);
  }
  family(out, "flinkha_doctor_finding",
         "Findings of flinkha doctor with this code, severity and subject (flinkha-doctor(1)).");
  for (const auto& [key, count] : series) {
    const auto& [code, severity, subject] = key;
    out +=
        fmt::format("flinkha_doctor_finding{{{},code=\"{}\",severity=\"{}\",subject=\"{}\"}} {}\n",
                    cluster, escape_label_value(code), to_string(static_cast<Severity>(severity)),
                    escape_label_value(subject), count);
  }
  family(out, "flinkha_doctor_check_skipped",
         "1 when a check of flinkha doctor was skipped for lack of its input.");
  for (const auto& check : report.checks) {
    out += fmt::format("flinkha_doctor_check_skipped{{{},check=\"{}\"}} {}\n", cluster,
                       escape_label_value(check.name),
                       check.state == CheckOutcome::State::skipped ? 1 : 0);
  }
  family(out, "flinkha_doctor_last_run_timestamp_seconds",
         "Unix time of the flinkha doctor run that wrote this file.");
  out += fmt::format("flinkha_doctor_last_run_timestamp_seconds{{{}}} {}.{:03}\n", cluster,
                     now_ms / 1000, now_ms % 1000);
  return out;
}

Status write_prometheus_file(const std::filesystem::path& file, std::string_view text) {
  auto written = util::write_file_atomically(file, text);
  if (!written) {
    auto error = written.error();
    error.message = "--prometheus: " + error.message;
    return std::unexpected(error);
  }
  return {};
}

} // namespace flinkha::doctor
