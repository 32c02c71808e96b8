// Shell quoting against hostile arguments, and a round trip through a real /bin/sh.

#include "remote/local_executor.hpp"
#include "remote/shell_quote.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace flinkha::remote;

TEST_CASE("remote: shell_quote leaves safe words bare") {
  for (const char* word : {"abc", "/opt/flink/bin/taskmanager.sh", "-Dkey.x", "host-1.example.org",
                           "a,b:c@d%e+f_g", "127.0.0.1", "8081"}) {
    CAPTURE(word);
    CHECK(shell_quote(word).value() == word);
  }
}

TEST_CASE("remote: shell_quote quotes everything else") {
  CHECK(shell_quote("").value() == "''");
  CHECK(shell_quote("a b").value() == "'a b'");
  CHECK(shell_quote("it's").value() == R"('it'\''s')");
  CHECK(shell_quote("'").value() == R"(''\''')");
  CHECK(shell_quote("$(rm -rf /)").value() == "'$(rm -rf /)'");
  CHECK(shell_quote("`id`").value() == "'`id`'");
  CHECK(shell_quote("a;b").value() == "'a;b'");
  CHECK(shell_quote("a&&b|c>d<e").value() == "'a&&b|c>d<e'");
  CHECK(shell_quote("FOO=bar").value() == "'FOO=bar'"); // would be an assignment as word 1
  CHECK(shell_quote("~/x").value() == "'~/x'");         // would be tilde-expanded
  CHECK(shell_quote("*").value() == "'*'");
  CHECK(shell_quote("\"$HOME\"").value() == "'\"$HOME\"'");
  CHECK(shell_quote("caf\xc3\xa9").value() == "'caf\xc3\xa9'");
}

TEST_CASE("remote: shell_quote refuses control characters") {
  for (const std::string& bad :
       {std::string("a\nb"), std::string("a\tb"), std::string("a\rb"), std::string("a\x1b[0m"),
        std::string("a\x7f"), std::string("a\0b", 3), std::string("\n")}) {
    CAPTURE(flinkha::util::printable(bad));
    auto quoted = shell_quote(bad);
    REQUIRE_FALSE(quoted);
    CHECK(quoted.error().message.find("control character") != std::string::npos);
  }
}

TEST_CASE("remote: shell_join quotes each argument and names a refused one") {
  CHECK(shell_join({"echo", "a b", "", "c"}).value() == "echo 'a b' '' c");
  const std::vector<std::string> argv{"ls", "ok", "bad\nline"};
  auto joined = shell_join(argv);
  REQUIRE_FALSE(joined);
  CHECK(joined.error().message.find("argument 3") != std::string::npos);
  CHECK(shell_join(std::vector<std::string>{}).value().empty());
}

TEST_CASE("remote: shell_quote round-trips through /bin/sh") {
  const std::vector<std::string> hostile{"plain",
                                         "with space",
                                         "it's",
                                         "\"double\"",
                                         "$(echo pwned)",
                                         "`echo pwned`",
                                         "a;b",
                                         "&& echo pwned",
                                         "$HOME",
                                         "${PATH}",
                                         "*",
                                         "?",
                                         "~",
                                         "~root",
                                         "\\",
                                         "\\'",
                                         "''",
                                         "",
                                         "-n",
                                         "--",
                                         "a=b",
                                         "#comment",
                                         "!",
                                         "{a,b}",
                                         "[ab]",
                                         "x > /dev/full",
                                         "caf\xc3\xa9",
                                         "'\\''",
                                         "%s",
                                         " leading",
                                         "trailing ",
                                         "   ",
                                         "|",
                                         "(",
                                         ")",
                                         "<<EOF"};
  std::vector<std::string> argv{"printf", "%s\\n"};
  argv.insert(argv.end(), hostile.begin(), hostile.end());
  auto line = shell_join(argv);
  REQUIRE(line);

  LocalExecutor executor;
  auto result = executor.run(RemoteCommand{"localhost", *line, std::chrono::seconds(10)});
  REQUIRE(result);
  CHECK(result->exit_status == 0);
  CHECK(result->stderr_text.empty());
  std::string expected;
  for (const auto& arg : hostile) {
    expected += arg + "\n";
  }
  CHECK(result->stdout_text == expected);
}
