// LocalExecutor against a real /bin/sh: exit status, separate streams, stdin, timeouts that kill
// the process group, and output large enough to fill pipe buffers.

#include "remote/local_executor.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <signal.h>
#include <string>
#include <thread>

using namespace flinkha::remote;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

RemoteCommand local(std::string line, std::chrono::milliseconds timeout = 10s) {
  return RemoteCommand{"localhost", std::move(line), timeout};
}

// A process that is gone or a zombie nobody reaped yet (no init in some containers) is dead.
bool process_dead(pid_t pid) {
  if (::kill(pid, 0) != 0) {
    return true;
  }
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string pid_field, comm, state;
  stat >> pid_field >> comm >> state;
  return state == "Z" || state == "X";
}

} // namespace

TEST_CASE("remote: LocalExecutor reports exit status and keeps the streams apart") {
  LocalExecutor executor;
  auto result = executor.run(local("echo out; echo err >&2; printf tail; exit 3"));
  REQUIRE(result);
  CHECK(result->exit_status == 3);
  CHECK(result->stdout_text == "out\ntail");
  CHECK(result->stderr_text == "err\n");
  CHECK(result->duration < 5s);
  CHECK(result->warnings.empty());

  CHECK(executor.run(local("true"))->exit_status == 0);
  CHECK(executor.run(local("exit 255"))->exit_status == 255);
  CHECK(executor.run(local("kill -TERM $$"))->exit_status == 128 + SIGTERM);
  CHECK(executor.run(local("kill -KILL $$"))->exit_status == 128 + SIGKILL);
  // A syntax error is the shell's exit status 2, not an Error: the command ran.
  CHECK(executor.run(local("if then"))->exit_status == 2);
}

TEST_CASE("remote: LocalExecutor gives the command an empty stdin") {
  LocalExecutor executor;
  auto result = executor.run(local("cat; echo done", 5s));
  REQUIRE(result);
  CHECK(result->stdout_text == "done\n");
}

TEST_CASE("remote: LocalExecutor timeout terminates the whole process group") {
  flinkha::test::TempDir dir;
  const auto pid_file = dir.path() / "child.pid";
  LocalExecutor executor(300ms);
  const auto start = Clock::now();
  auto result =
      executor.run(local("sleep 30 & echo $! > '" + pid_file.string() + "'; wait", 300ms));
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(result);
  CHECK(result.error().message.find("localhost: the command did not finish within 300 ms") == 0);
  CHECK_FALSE(result.error().hint.empty());
  CHECK(elapsed >= 300ms);
  CHECK(elapsed < 3s);

  std::ifstream in(pid_file);
  pid_t child = 0;
  in >> child;
  REQUIRE(child > 0);
  for (int i = 0; i < 100 && !process_dead(child); ++i) {
    std::this_thread::sleep_for(10ms);
  }
  CHECK(process_dead(child)); // the background sleep went with the group
}

TEST_CASE("remote: LocalExecutor kills what ignores SIGTERM after the grace period") {
  LocalExecutor executor(200ms);
  const auto start = Clock::now();
  auto result = executor.run(local("trap '' TERM; sleep 30", 200ms));
  const auto elapsed = Clock::now() - start;
  REQUIRE_FALSE(result);
  CHECK(elapsed >= 400ms);
  CHECK(elapsed < 3s);
}

TEST_CASE("remote: LocalExecutor waits for output held open by a background process") {
  LocalExecutor executor;
  // The shell exits at once; its background child keeps stdout open for a while (as a remote
  // `nohup ... &` keeps an ssh channel open), and its output is still collected.
  auto result = executor.run(local("(sleep 0.2; echo late) & echo early", 5s));
  REQUIRE(result);
  CHECK(result->stdout_text == "early\nlate\n");
  CHECK(result->duration >= 200ms);
}

TEST_CASE("remote: LocalExecutor reads 1 MiB on both streams without deadlock") {
  LocalExecutor executor;
  // stderr first: a reader that took stdout alone would block the writer on a full stderr pipe.
  auto result = executor.run(local("head -c 1048576 /dev/zero | tr '\\0' e >&2; "
                                   "head -c 1048576 /dev/zero | tr '\\0' o",
                                   20s));
  REQUIRE(result);
  CHECK(result->exit_status == 0);
  CHECK(result->stdout_text.size() == 1048576);
  CHECK(result->stderr_text.size() == 1048576);
  CHECK(result->stdout_text.find_first_not_of('o') == std::string::npos);
  CHECK(result->stderr_text.find_first_not_of('e') == std::string::npos);
}

TEST_CASE("remote: LocalExecutor runs concurrently") {
  LocalExecutor executor;
  const auto start = Clock::now();
  std::vector<std::jthread> threads;
  std::vector<int> statuses(8, -1);
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      auto result = executor.run(local("sleep 0.3; exit " + std::to_string(i)));
      statuses[static_cast<std::size_t>(i)] = result ? result->exit_status : -1;
    });
  }
  threads.clear();
  for (int i = 0; i < 8; ++i) {
    CHECK(statuses[static_cast<std::size_t>(i)] == i);
  }
  CHECK(Clock::now() - start < 2s);
}

TEST_CASE("remote: is_local_host") {
  CHECK(is_local_host("localhost"));
  CHECK(is_local_host("127.0.0.1"));
  CHECK(is_local_host("::1"));
  CHECK_FALSE(is_local_host("127.0.0.2"));
  CHECK_FALSE(is_local_host("LOCALHOST.example"));
  CHECK_FALSE(is_local_host(""));
}
