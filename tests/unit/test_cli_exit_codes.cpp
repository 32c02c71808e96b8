// The category → exit-code table of cli/exit_codes.cpp against flinkha(1) EXIT STATUS: the page
// lists each category as `.BR name " (code)"`, and each code as `.B code`.

#include "exit_codes.hpp"

#include <doctest/doctest.h>

#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

using flinkha::ErrorCategory;
using flinkha::cli::exit_code_for;
using flinkha::cli::ExitCode;

namespace {

std::string exit_status_section() {
  std::ifstream in(FLINKHA_MAN_DIR "/flinkha.1");
  REQUIRE(in);
  std::stringstream buffer;
  buffer << in.rdbuf();
  const std::string page = buffer.str();
  const auto start = page.find(".SH EXIT STATUS");
  REQUIRE(start != std::string::npos);
  const auto end = page.find("\n.SH ", start + 1);
  return page.substr(start, end == std::string::npos ? std::string::npos : end - start);
}

} // namespace

TEST_CASE("exit codes: every category maps as flinkha(1) EXIT STATUS says") {
  const std::string section = exit_status_section();
  std::map<std::string, int> documented;
  const std::regex entry(R"re(\n\.BR (\w+) " \((\d+)\)")re");
  for (auto it = std::sregex_iterator(section.begin(), section.end(), entry);
       it != std::sregex_iterator(); ++it) {
    documented[(*it)[1].str()] = std::stoi((*it)[2].str());
  }
  std::set<int> codes;
  const std::regex code_entry(R"(\n\.B (\d+)\n)");
  for (auto it = std::sregex_iterator(section.begin(), section.end(), code_entry);
       it != std::sregex_iterator(); ++it) {
    codes.insert(std::stoi((*it)[1].str()));
  }
  const auto categories = flinkha::cli::error_categories();
  CHECK(documented.size() == categories.size());
  for (const auto& [category, name] : categories) {
    CAPTURE(name);
    REQUIRE(documented.contains(std::string(name)));
    const int code = static_cast<int>(exit_code_for(category));
    CHECK(documented.at(std::string(name)) == code);
    CHECK(codes.contains(code)); // the code itself is explained in the list above
  }
  CHECK(codes == std::set<int>{0, 1, 2, 3, 64, 78});
}

TEST_CASE("exit codes: a classified error keeps its category's code, else the fallback applies") {
  CHECK(exit_code_for(ErrorCategory::usage) == ExitCode::usage);
  CHECK(exit_code_for(ErrorCategory::configuration) == ExitCode::config);
  CHECK(exit_code_for(flinkha::Error{"x", {}, ErrorCategory::usage}, ExitCode::config) ==
        ExitCode::usage);
  CHECK(exit_code_for(flinkha::Error{"x", {}}, ExitCode::config) == ExitCode::config);
  const auto failed = flinkha::fail(ErrorCategory::refused, "no");
  CHECK(failed.error().category == ErrorCategory::refused);
  CHECK(flinkha::failf(ErrorCategory::partial, "{} of {}", 1, 2).error().message == "1 of 2");
  CHECK(flinkha::fail("plain").error().category == ErrorCategory::internal);
}
