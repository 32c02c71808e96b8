// Bounded fan-out over the scripted FakeExecutor: the window, task order, per-host errors, a slow
// host not delaying the others, and whole-line output from concurrent hosts.

#include "remote/fake_executor.hpp"
#include "remote/fan_out.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

using namespace flinkha::remote;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

std::vector<RemoteCommand> tasks_for(int count, std::chrono::milliseconds timeout = 5s) {
  std::vector<RemoteCommand> tasks;
  for (int i = 0; i < count; ++i) {
    tasks.push_back(RemoteCommand{"h" + std::to_string(i), "cmd " + std::to_string(i), timeout});
  }
  return tasks;
}

FanOutOptions window_of(std::size_t window, OutputSink* sink = nullptr) {
  FanOutOptions options;
  options.window = window;
  options.sink = sink;
  return options;
}

} // namespace

TEST_CASE("remote: fan_out never exceeds the window") {
  const auto tasks = tasks_for(24);
  for (std::size_t window : {1U, 4U, 32U}) {
    CAPTURE(window);
    FakeExecutor counting;
    counting.set_default(FakeExecutor::Script{CommandResult{}, 20ms});
    const auto outcomes = fan_out(counting, tasks, window_of(window));
    CHECK(outcomes.size() == tasks.size());
    CHECK(counting.max_concurrency() <= static_cast<int>(window));
    CHECK(counting.max_concurrency() >= std::min<int>(2, static_cast<int>(window)));
    CHECK(counting.commands_ran().size() == tasks.size());
  }
}

TEST_CASE("remote: fan_out returns outcomes in task order with every command run once") {
  FakeExecutor fake;
  const auto tasks = tasks_for(10);
  for (int i = 0; i < 10; ++i) {
    // Later tasks finish first.
    CommandResult result;
    result.stdout_text = "out " + std::to_string(i);
    fake.set_result("h" + std::to_string(i), result, std::chrono::milliseconds((10 - i) * 5));
  }
  const auto outcomes = fan_out(fake, tasks, window_of(10));
  REQUIRE(outcomes.size() == 10);
  for (std::size_t i = 0; i < outcomes.size(); ++i) {
    CHECK(outcomes[i].index == i);
    CHECK(outcomes[i].host == tasks[i].host);
    REQUIRE(outcomes[i].result);
    CHECK(outcomes[i].result->stdout_text == "out " + std::to_string(i));
  }
  std::map<std::string, std::string> ran;
  for (const auto& r : fake.commands_ran()) {
    CHECK(ran.emplace(r.host, r.command_line).second);
  }
  CHECK(ran.size() == 10);
  CHECK(ran["h3"] == "cmd 3");
}

TEST_CASE("remote: fan_out keeps each host's error and the same host twice") {
  FakeExecutor fake;
  fake.set_error("h1", flinkha::Error{"h1: cannot connect to port 22: Connection refused", "x"});
  fake.set_error("h3", flinkha::Error{"h3: the host key has CHANGED", "y"});
  CommandResult failing;
  failing.exit_status = 2;
  fake.set_result("h2", failing);
  auto tasks = tasks_for(5);
  tasks.push_back(tasks[1]); // h1 twice
  const auto outcomes = fan_out(fake, tasks, window_of(2));
  REQUIRE(outcomes.size() == 6);
  CHECK(outcomes[0].result);
  REQUIRE_FALSE(outcomes[1].result);
  CHECK(outcomes[1].result.error().message.find("refused") != std::string::npos);
  REQUIRE(outcomes[2].result);
  CHECK(outcomes[2].result->exit_status == 2); // ran, failed: a result, not an error
  REQUIRE_FALSE(outcomes[3].result);
  CHECK(outcomes[3].result.error().hint == "y");
  CHECK(outcomes[4].result);
  CHECK_FALSE(outcomes[5].result);
  CHECK(outcomes[5].host == "h1");
}

TEST_CASE("remote: a slow host delays nobody else, and times out alone") {
  FakeExecutor fake;
  fake.set_default(FakeExecutor::Script{CommandResult{}, 10ms});
  fake.set_result("h0", CommandResult{}, 5000ms); // longer than its timeout below
  const auto tasks = tasks_for(12, 600ms);

  std::mutex mutex;
  std::map<std::string, Clock::duration> finished;
  std::vector<std::string> order; // hosts in the order they completed
  const auto start = Clock::now();
  FanOutOptions options = window_of(3);
  options.on_complete = [&](const HostOutcome& outcome) {
    std::scoped_lock lock(mutex);
    finished[outcome.host] = Clock::now() - start;
    order.push_back(outcome.host);
  };
  const auto outcomes = fan_out(fake, tasks, options);
  const auto total = Clock::now() - start;
  REQUIRE(outcomes.size() == 12);
  REQUIRE_FALSE(outcomes[0].result);
  CHECK(outcomes[0].result.error().message.find("did not finish within 600 ms") !=
        std::string::npos);
  for (std::size_t i = 1; i < outcomes.size(); ++i) {
    CHECK(outcomes[i].result);
  }
  // What fan_out guarantees, not how fast a busy machine runs it: the 11 quick hosts (10 ms
  // each) share the 2 free workers and all finish while the slow one still waits for its
  // 600 ms timeout; speed is measured in bench/.
  REQUIRE(order.size() == 12);
  CHECK(order.back() == "h0");
  CHECK(finished["h0"] >= 600ms);
  CHECK(total < 5000ms); // ended by the timeout, not by the host's 5 s delay
}

TEST_CASE("remote: fan_out edge cases") {
  FakeExecutor fake;
  CHECK(fan_out(fake, std::vector<RemoteCommand>{}).empty());
  const auto tasks = tasks_for(3);
  const auto outcomes = fan_out(fake, tasks, window_of(0)); // taken as 1
  CHECK(outcomes.size() == 3);
  CHECK(fake.max_concurrency() == 1);
}

TEST_CASE("remote: OutputSink emits whole prefixed lines, never interleaved") {
  std::mutex mutex;
  std::vector<std::string> blocks;
  std::string all_out;
  OutputSink sink([&](OutputStream stream, std::string_view lines) {
    // Deliberately slow, unsynchronised-looking writer: the sink must serialise calls.
    for (const char c : lines) {
      if (stream == OutputStream::out) {
        all_out += c;
      }
    }
    std::scoped_lock lock(mutex);
    blocks.emplace_back(lines);
  });

  FakeExecutor fake;
  std::vector<RemoteCommand> tasks = tasks_for(16);
  for (int i = 0; i < 16; ++i) {
    CommandResult result;
    for (int line = 0; line < 50; ++line) {
      result.stdout_text += "line " + std::to_string(line) + " of h" + std::to_string(i) + "\n";
    }
    result.stdout_text += "no newline at end";
    result.stderr_text = "warn\n";
    fake.set_result("h" + std::to_string(i), result, 1ms);
  }
  fake.set_error("h15", flinkha::Error{"h15: cannot connect", ""});
  fan_out(fake, tasks, window_of(16, &sink));

  // Every stdout line is "[hN] ... of hN" or the unterminated last line, with its own prefix.
  std::size_t begin = 0;
  int lines = 0;
  while (begin < all_out.size()) {
    const auto end = all_out.find('\n', begin);
    REQUIRE(end != std::string::npos);
    const std::string line = all_out.substr(begin, end - begin);
    const auto close = line.find("] ");
    REQUIRE(line.starts_with("["));
    REQUIRE(close != std::string::npos);
    const std::string host = line.substr(1, close - 1);
    const std::string body = line.substr(close + 2);
    CHECK((body.ends_with(" of " + host) || body == "no newline at end"));
    ++lines;
    begin = end + 1;
  }
  CHECK(lines == 15 * 51);
  bool saw_error = false;
  for (const auto& block : blocks) {
    saw_error = saw_error || block == "[h15] error: h15: cannot connect\n";
  }
  CHECK(saw_error);
}
