#include "remote/local_executor.hpp"

#include <fmt/format.h>

#include <array>
#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <optional>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

extern char** environ;

namespace flinkha::remote {

namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

std::string errno_text(int error) {
  return std::strerror(error);
}

class Fd {
public:
  Fd() = default;
  explicit Fd(int fd) : m_fd(fd) {}
  Fd(Fd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  Fd& operator=(Fd&& other) noexcept {
    reset();
    m_fd = std::exchange(other.m_fd, -1);
    return *this;
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() { reset(); }

  int get() const { return m_fd; }
  bool open() const { return m_fd >= 0; }
  void reset() {
    if (m_fd >= 0) {
      ::close(m_fd);
      m_fd = -1;
    }
  }

private:
  int m_fd = -1;
};

struct Pipe {
  Fd read_end;
  Fd write_end;
};

Result<Pipe> make_pipe() {
  std::array<int, 2> fds{};
  // O_CLOEXEC: a command spawned concurrently by another thread must not inherit our write end,
  // or this pipe would never see EOF.
  if (::pipe2(fds.data(), O_CLOEXEC) != 0) {
    return fail(fmt::format("cannot create a pipe: {}", errno_text(errno)));
  }
  return Pipe{Fd(fds[0]), Fd(fds[1])};
}

int remaining_ms(Clock::time_point deadline) {
  const auto left = std::chrono::ceil<milliseconds>(deadline - Clock::now()).count();
  return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1'000'000));
}

// Reads both pipes until both reach EOF (true) or the deadline passes (false).
bool pump(Fd& out, Fd& err, std::string& out_text, std::string& err_text,
          Clock::time_point deadline) {
  std::array<char, 65536> buffer{};
  while (out.open() || err.open()) {
    std::array<pollfd, 2> fds{pollfd{out.get(), POLLIN, 0}, pollfd{err.get(), POLLIN, 0}};
    const int wait = remaining_ms(deadline);
    const int ready = ::poll(fds.data(), fds.size(), wait);
    if (ready < 0 && errno == EINTR) {
      continue;
    }
    if (ready <= 0) {
      if (ready == 0 && wait > 0) {
        continue; // poll may wake early by rounding; re-check the clock
      }
      return false;
    }
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) {
        continue;
      }
      Fd& fd = i == 0 ? out : err;
      std::string& text = i == 0 ? out_text : err_text;
      const ssize_t n = ::read(fd.get(), buffer.data(), buffer.size());
      if (n > 0) {
        text.append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        fd.reset();
      }
    }
  }
  return true;
}

// Reaps `pid` if it exits before the deadline; its wait status then.
std::optional<int> wait_until(pid_t pid, Clock::time_point deadline) {
  auto pause = std::chrono::microseconds(200);
  while (true) {
    int status = 0;
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) {
      return status;
    }
    if (done < 0 && errno != EINTR) {
      return 0; // not our child any more (cannot happen unless someone reaped it): report 0
    }
    if (Clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(pause);
    pause = std::min<std::chrono::microseconds>(pause * 2, std::chrono::milliseconds(10));
  }
}

int exit_status_of(int wait_status) {
  if (WIFEXITED(wait_status)) {
    return WEXITSTATUS(wait_status);
  }
  if (WIFSIGNALED(wait_status)) {
    return 128 + WTERMSIG(wait_status);
  }
  return 255;
}

class SpawnAttributes {
public:
  SpawnAttributes() {
    ::posix_spawn_file_actions_init(&m_actions);
    ::posix_spawnattr_init(&m_attr);
  }
  ~SpawnAttributes() {
    ::posix_spawn_file_actions_destroy(&m_actions);
    ::posix_spawnattr_destroy(&m_attr);
  }
  SpawnAttributes(const SpawnAttributes&) = delete;
  SpawnAttributes& operator=(const SpawnAttributes&) = delete;

  posix_spawn_file_actions_t m_actions;
  posix_spawnattr_t m_attr;
};

} // namespace

Result<CommandResult> LocalExecutor::run(const RemoteCommand& command) {
  const auto start = Clock::now();
  const auto deadline = start + command.timeout;
  const std::string& host = command.host.empty() ? std::string("localhost") : command.host;
  if (command.command_line.find('\0') != std::string::npos) {
    return fail(fmt::format("{}: the command line contains a NUL byte", host),
                "quote arguments with shell_quote, which refuses control characters");
  }

  auto out_pipe = make_pipe();
  auto err_pipe = make_pipe();
  if (!out_pipe || !err_pipe) {
    return fail(fmt::format("{}: {}", host, (!out_pipe ? out_pipe : err_pipe).error().message));
  }

  SpawnAttributes spawn;
  ::posix_spawn_file_actions_addopen(&spawn.m_actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_adddup2(&spawn.m_actions, out_pipe->write_end.get(), STDOUT_FILENO);
  ::posix_spawn_file_actions_adddup2(&spawn.m_actions, err_pipe->write_end.get(), STDERR_FILENO);
  // A new process group (so a timeout can kill the command and everything it started), an empty
  // signal mask and default dispositions for the signals a caller may have blocked or ignored.
  sigset_t empty_mask;
  sigemptyset(&empty_mask);
  sigset_t defaults;
  sigemptyset(&defaults);
  for (const int sig :
       {SIGPIPE, SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2}) {
    sigaddset(&defaults, sig);
  }
  ::posix_spawnattr_setpgroup(&spawn.m_attr, 0);
  ::posix_spawnattr_setsigmask(&spawn.m_attr, &empty_mask);
  ::posix_spawnattr_setsigdefault(&spawn.m_attr, &defaults);
  ::posix_spawnattr_setflags(&spawn.m_attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                                POSIX_SPAWN_SETSIGDEF);

  std::string shell = "/bin/sh";
  std::string dash_c = "-c";
  std::string line = command.command_line;
  std::array<char*, 4> argv{shell.data(), dash_c.data(), line.data(), nullptr};
  pid_t pid = 0;
  const int spawned =
      ::posix_spawn(&pid, shell.c_str(), &spawn.m_actions, &spawn.m_attr, argv.data(), environ);
  if (spawned != 0) {
    return fail(fmt::format("{}: cannot start /bin/sh: {}", host, errno_text(spawned)));
  }
  out_pipe->write_end.reset();
  err_pipe->write_end.reset();

  CommandResult result;
  std::optional<int> wait_status;
  bool finished = pump(out_pipe->read_end, err_pipe->read_end, result.stdout_text,
                       result.stderr_text, deadline);
  if (finished) {
    wait_status = wait_until(pid, deadline);
    finished = wait_status.has_value();
  }
  if (finished) {
    result.exit_status = exit_status_of(*wait_status);
    result.duration = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    return result;
  }

  // Timed out: TERM the group, give it the grace period to go, then KILL what is left.
  ::killpg(pid, SIGTERM);
  const auto grace_deadline = Clock::now() + m_kill_grace;
  const bool pipes_closed = pump(out_pipe->read_end, err_pipe->read_end, result.stdout_text,
                                 result.stderr_text, grace_deadline);
  wait_status = wait_until(pid, grace_deadline);
  // Only while the group provably still exists (child unreaped or a pipe still held), so the
  // group id cannot have been reused.
  if (!wait_status || !pipes_closed) {
    ::killpg(pid, SIGKILL);
  }
  if (!wait_status) {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  return fail(fmt::format("{}: the command did not finish within {} ms; its process group was "
                          "terminated",
                          host, command.timeout.count()),
              "raise the command timeout, or check what the command waits for");
}

} // namespace flinkha::remote
