// `doctor --prometheus FILE` (lib/doctor/prometheus): the exact text exposition, label escaping,
// and the atomic write.
#include "doctor/prometheus.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

using flinkha::doctor::Finding;
using flinkha::doctor::Report;
using flinkha::doctor::Severity;

TEST_CASE("prometheus: label values escape backslash, double quote and newline") {
  CHECK(flinkha::doctor::escape_label_value(R"(a\b"c)") == R"(a\\b\"c)");
  CHECK(flinkha::doctor::escape_label_value("x\ny") == R"(x\ny)");
  CHECK(flinkha::doctor::escape_label_value("/flink/default") == "/flink/default");
}

TEST_CASE("prometheus: the exact textfile for a report with findings") {
  Report report;
  report.verdict = flinkha::doctor::Verdict::warning;
  Finding churn;
  churn.code = "leader-churn";
  churn.severity = Severity::warning;
  churn.subject = "/flink/default/leader/dispatcher/connection_info";
  Finding orphan;
  orphan.code = "orphan-file";
  orphan.severity = Severity::warning;
  orphan.subject = "a\"b";
  Finding usage; // info: counted, never a series of its own (unbounded names)
  usage.code = "unknown-znode";
  usage.severity = Severity::info;
  usage.subject = "/flink/default/anything";
  report.findings = {churn, orphan, orphan, usage};
  report.checks = {{"leader-churn", flinkha::doctor::CheckOutcome::State::ran, 1, ""},
                   {"quorum", flinkha::doctor::CheckOutcome::State::skipped, 0, "no zoo.cfg"}};
  const auto text = flinkha::doctor::prometheus_text(report, "/default", 1767225600123);
  CHECK(
      text ==
      R"(# HELP flinkha_doctor_verdict Verdict of flinkha doctor: 0 ok, 1 warning, 2 critical, 3 unknown.
# TYPE flinkha_doctor_verdict gauge
flinkha_doctor_verdict{cluster_id="/default"} 1
# HELP flinkha_doctor_findings Findings of flinkha doctor per severity.
# TYPE flinkha_doctor_findings gauge
flinkha_doctor_findings{cluster_id="/default",severity="critical"} 0
flinkha_doctor_findings{cluster_id="/default",severity="warning"} 3
flinkha_doctor_findings{cluster_id="/default",severity="info"} 1
# HELP flinkha_doctor_finding Findings of flinkha doctor with this code, severity and subject (flinkha-doctor(1)).
# TYPE flinkha_doctor_finding gauge
flinkha_doctor_finding{cluster_id="/default",code="leader-churn",severity="warning",subject="/flink/default/leader/dispatcher/connection_info"} 1
flinkha_doctor_finding{cluster_id="/default",code="orphan-file",severity="warning",subject="a\"b"} 2
# HELP flinkha_doctor_check_skipped 1 when a check of flinkha doctor was skipped for lack of its input.
# TYPE flinkha_doctor_check_skipped gauge
flinkha_doctor_check_skipped{cluster_id="/default",check="leader-churn"} 0
flinkha_doctor_check_skipped{cluster_id="/default",check="quorum"} 1
# HELP flinkha_doctor_last_run_timestamp_seconds Unix time of the flinkha doctor run that wrote this file.
# TYPE flinkha_doctor_last_run_timestamp_seconds gauge
flinkha_doctor_last_run_timestamp_seconds{cluster_id="/default"} 1767225600.123
)");
}

TEST_CASE("prometheus: a label value that is not UTF-8 gets U+FFFD for the bad byte") {
  CHECK(flinkha::doctor::escape_label_value("chk\xff\"x") == "chk\xEF\xBF\xBD\\\"x");
  CHECK(flinkha::doctor::escape_label_value("caf\xC3\xA9") == "caf\xC3\xA9");
}

TEST_CASE("prometheus: the file is replaced whole, no temporary file left; errors name it") {
  const flinkha::test::TempDir temp;
  const auto& dir = temp.path();
  const auto file = dir / "flinkha.prom";
  REQUIRE(flinkha::doctor::write_prometheus_file(file, "old\n"));
  REQUIRE(flinkha::doctor::write_prometheus_file(file, "new\n"));
  std::ifstream in(file);
  std::stringstream content;
  content << in.rdbuf();
  CHECK(content.str() == "new\n");
  int entries = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++entries;
  }
  CHECK(entries == 1);
  const auto missing = flinkha::doctor::write_prometheus_file(dir / "no-such-dir" / "x.prom", "");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message.find("no-such-dir") != std::string::npos);
}
