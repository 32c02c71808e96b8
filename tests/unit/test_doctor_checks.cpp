// The doctor's finding row, verdict and check table (lib/doctor/finding.hpp, checks.hpp).
#include "doctor/check_config.hpp"
#include "doctor/checks.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

using flinkha::doctor::Finding;
using flinkha::doctor::Severity;
using flinkha::doctor::Verdict;

namespace {

Finding finding(std::string code, Severity severity, std::string subject = "") {
  Finding out;
  out.code = std::move(code);
  out.severity = severity;
  out.subject = std::move(subject);
  return out;
}

} // namespace

TEST_CASE("doctor verdict: the worst severity decides, unknown when nothing was reached") {
  using flinkha::doctor::verdict_of;
  const std::vector<Finding> none;
  CHECK(verdict_of(none, true) == Verdict::ok);
  CHECK(verdict_of(none, false) == Verdict::unknown);
  const std::vector<Finding> info{finding("a", Severity::info)};
  CHECK(verdict_of(info, true) == Verdict::ok);
  const std::vector<Finding> mixed{finding("a", Severity::info), finding("b", Severity::warning)};
  CHECK(verdict_of(mixed, true) == Verdict::warning);
  const std::vector<Finding> worst{finding("b", Severity::warning),
                                   finding("c", Severity::critical)};
  CHECK(verdict_of(worst, true) == Verdict::critical);
  CHECK(verdict_of(worst, false) == Verdict::unknown);
  CHECK(flinkha::doctor::exit_status_of(Verdict::ok) == 0);
  CHECK(flinkha::doctor::exit_status_of(Verdict::warning) == 1);
  CHECK(flinkha::doctor::exit_status_of(Verdict::critical) == 2);
  CHECK(flinkha::doctor::exit_status_of(Verdict::unknown) == 3);
}

TEST_CASE("doctor findings sort most severe first, then by code and subject") {
  std::vector<Finding> findings{
      finding("b", Severity::info, "/y"), finding("z", Severity::critical, "/x"),
      finding("a", Severity::warning, "/2"), finding("a", Severity::warning, "/1")};
  flinkha::doctor::sort_findings(findings);
  REQUIRE(findings.size() == 4);
  CHECK(findings[0].code == "z");
  CHECK(findings[1].subject == "/1");
  CHECK(findings[2].subject == "/2");
  CHECK(findings[3].code == "b");
}

TEST_CASE("doctor config check: each lint diagnostic becomes a finding with its code and place") {
  flinkha::doctor::Snapshot snapshot;
  flinkha::config::Diagnostic error;
  error.severity = flinkha::config::Severity::error;
  error.code = "even-voters";
  error.where = {"zoo.cfg", 4};
  error.message = "4 voters";
  error.hint = "add or remove a peer";
  flinkha::config::Diagnostic warning;
  warning.severity = flinkha::config::Severity::warning;
  warning.code = "s3-key-without-secret";
  warning.where = {"config.yaml", 9};
  snapshot.lint = {error, warning};
  snapshot.zookeeper_reached = true;
  const auto report = flinkha::doctor::diagnose(snapshot);
  CHECK(report.verdict == Verdict::critical);
  REQUIRE(report.findings.size() == 2);
  CHECK(report.findings[0].code == "even-voters");
  CHECK(report.findings[0].subject == "zoo.cfg:4");
  CHECK(report.findings[0].remedy == "add or remove a peer");
  CHECK(report.findings[1].severity == Severity::warning);
  CHECK(report.findings[1].remedy.find("flinkha config check") != std::string::npos);
  const auto config =
      std::ranges::find(report.checks, std::string("config"), &flinkha::doctor::CheckOutcome::name);
  REQUIRE(config != report.checks.end());
  CHECK(config->findings == 2);
  CHECK(config->state == flinkha::doctor::CheckOutcome::State::ran);
}
