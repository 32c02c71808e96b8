#include "remote/fan_out.hpp"

#include <fmt/format.h>

#include <atomic>
#include <optional>
#include <system_error>
#include <thread>

namespace flinkha::remote {

void OutputSink::emit(std::string_view host, OutputStream stream, std::string_view text) {
  if (text.empty()) {
    return;
  }
  std::string block;
  block.reserve(text.size() + 16);
  std::size_t begin = 0;
  while (begin < text.size()) {
    auto end = text.find('\n', begin);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    block += fmt::format("[{}] {}\n", host, text.substr(begin, end - begin));
    begin = end + 1;
  }
  std::scoped_lock lock(m_mutex);
  m_write(stream, block);
}

void OutputSink::emit_line(std::string_view host, OutputStream stream, std::string_view line) {
  const std::string block = fmt::format("[{}] {}\n", host, line);
  std::scoped_lock lock(m_mutex);
  m_write(stream, block);
}

std::vector<HostOutcome> fan_out(Executor& executor, std::span<const RemoteCommand> tasks,
                                 const FanOutOptions& options) {
  std::vector<std::optional<HostOutcome>> slots(tasks.size());
  std::atomic<std::size_t> next{0};
  std::mutex completion_mutex;

  auto work = [&]() {
    for (std::size_t i = next++; i < tasks.size(); i = next++) {
      HostOutcome outcome{i, tasks[i].host, executor.run(tasks[i])};
      if (options.sink != nullptr) {
        if (outcome.result) {
          options.sink->emit(outcome.host, OutputStream::out, outcome.result->stdout_text);
          options.sink->emit(outcome.host, OutputStream::err, outcome.result->stderr_text);
        } else {
          options.sink->emit_line(outcome.host, OutputStream::err,
                                  "error: " + outcome.result.error().message);
        }
      }
      if (options.on_complete) {
        std::scoped_lock lock(completion_mutex);
        options.on_complete(outcome);
      }
      slots[i] = std::move(outcome); // each slot is written by exactly one worker
    }
  };

  const std::size_t workers = std::min(std::max<std::size_t>(options.window, 1), tasks.size());
  std::vector<std::jthread> threads;
  threads.reserve(workers);
  for (std::size_t w = 0; w < workers; ++w) {
    try {
      threads.emplace_back(work);
    } catch (const std::system_error&) {
      break; // out of threads: the ones started (or this thread, below) do the rest
    }
  }
  if (threads.empty()) {
    work();
  }
  threads.clear(); // joins

  std::vector<HostOutcome> outcomes;
  outcomes.reserve(tasks.size());
  for (auto& slot : slots) {
    outcomes.push_back(std::move(*slot));
  }
  return outcomes;
}

} // namespace flinkha::remote
