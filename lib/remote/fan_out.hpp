#pragma once
// Runs one RemoteCommand per task over an Executor, many at once, within a bounded window (as
// pdsh's sliding window of 32): `window` worker threads take the next task as soon as they are
// free, so a slow or unreachable host holds up only its own worker, for at most its timeouts.
//
//   HostOutcome   task index + host + the Executor's Result, never dropped
//   OutputSink    whole "[host] line" lines from many threads, never interleaved mid-line
//   FanOutOptions window (default 32), optional sink, optional per-host completion callback
//   fan_out       blocks until every task is done; outcomes in task order
//
// fan_out itself cannot fail: each host's failure is in its own outcome. If no worker thread
// can be started, the tasks run one after another on the calling thread.
// Ownership: fan_out borrows the executor, the tasks and the sink for the duration of the call;
// the outcomes it returns own their strings.

#include "remote/executor.hpp"

#include <cstddef>
#include <functional>
#include <mutex>
#include <span>
#include <string_view>
#include <vector>

namespace flinkha::remote {

inline constexpr std::size_t kDefaultWindow = 32;

struct HostOutcome {
  std::size_t index = 0; // position of the task in the input
  std::string host;
  Result<CommandResult> result;
};

enum class OutputStream { out, err };

// mold's SyncStream idea: a host's output is split into lines, each prefixed "[host] ", and the
// whole block is handed to `write` at once under one mutex, so lines from concurrent hosts never
// mix. `write` receives complete lines, each ending in '\n'. The library never prints: the CLI
// supplies `write` (e.g. fwrite to stdout or stderr).
class OutputSink {
public:
  using Writer = std::function<void(OutputStream stream, std::string_view lines)>;

  explicit OutputSink(Writer write) : m_write(std::move(write)) {}

  // Emits `text` as prefixed lines; a last line without '\n' gets one. Empty text emits nothing.
  void emit(std::string_view host, OutputStream stream, std::string_view text);
  // One prefixed line (a status or an error message).
  void emit_line(std::string_view host, OutputStream stream, std::string_view line);

private:
  std::mutex m_mutex;
  Writer m_write;
};

struct FanOutOptions {
  std::size_t window = kDefaultWindow; // 0 is taken as 1
  // When set, each host's stdout and stderr go to the sink as soon as its command completes, and
  // an Error as one "[host] error: …" line on the err stream.
  OutputSink* sink = nullptr;
  // When set, called once per task as it completes, one call at a time (under a mutex), in
  // completion order, from a worker thread.
  std::function<void(const HostOutcome&)> on_complete;
};

std::vector<HostOutcome> fan_out(Executor& executor, std::span<const RemoteCommand> tasks,
                                 const FanOutOptions& options = {});

} // namespace flinkha::remote
