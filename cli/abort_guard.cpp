#include "abort_guard.hpp"

#include "exit_codes.hpp"
#include "zk/client.hpp"

#include <csignal>
#include <cstring>
#include <unistd.h>

namespace flinkha::cli {

namespace {

void write_all(const char* text) {
  std::size_t left = std::strlen(text);
  while (left > 0) {
    const ssize_t n = ::write(STDERR_FILENO, text, left);
    if (n <= 0) {
      return;
    }
    text += n;
    left -= static_cast<std::size_t>(n);
  }
}

// Async-signal-safe only: write(2), _exit(2), signal(2), raise(3).
extern "C" void on_abort(int signal_number) {
  if (!zk::handle_open()) {
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
    return;
  }
  write_all("flinkha: error: the ZooKeeper server at ");
  write_all(zk::handle_servers());
  write_all(" broke the ZooKeeper protocol: the ZooKeeper C client stopped the process on what "
            "the server sent\n"
            "  hint: check that high-availability.zookeeper.quorum names ZooKeeper servers; "
            "`flinkha zk status` says what each one answers\n");
  ::_exit(static_cast<int>(ExitCode::unknown));
}

} // namespace

void install_abort_guard() {
  struct sigaction action {};
  action.sa_handler = on_abort;
  sigemptyset(&action.sa_mask);
  sigaction(SIGABRT, &action, nullptr);
}

} // namespace flinkha::cli
