#pragma once
// Typed results for every library function that can fail: std::expected<T, Error>.
// Libraries never print and never exit; only cli/ turns an Error into a message and an exit code.

#include <fmt/format.h>

#include <expected>
#include <string>
#include <utility>

namespace flinkha {

// What kind of failure an Error is: it decides the exit code (one table, cli/exit_codes.cpp,
// documented in flinkha(1) EXIT STATUS), so a library says what happened and cli/ never guesses.
enum class ErrorCategory {
  internal,      // not classified by the library: the command's context decides (else 2)
  usage,         // the command line is wrong (a flag's value, a missing argument): 64
  configuration, // the cluster's configuration files are missing, unreadable or invalid: 78
  unreachable,   // nothing could be reached to decide (ZooKeeper, a host, storage): 3
  refused,       // a safety rule refused the operation (nothing was changed): 2
  partial,       // the operation was done in part (some hosts or items failed): 1
  failed,        // the operation was tried and failed: 2
};

// What went wrong, in words an operator can act on: the message names the file and line, the host
// or the znode; `hint` (may be empty) says what to do about it.
struct Error {
  std::string message;
  std::string hint;
  ErrorCategory category = ErrorCategory::internal;
};

template <typename T>
using Result = std::expected<T, Error>;

// Result of an operation that yields nothing but may fail.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string message, std::string hint = {}) {
  return std::unexpected(Error{std::move(message), std::move(hint)});
}

inline std::unexpected<Error> fail(ErrorCategory category, std::string message,
                                   std::string hint = {}) {
  return std::unexpected(Error{std::move(message), std::move(hint), category});
}

template <typename... Args>
std::unexpected<Error> failf(fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...), {}});
}

template <typename... Args>
std::unexpected<Error> failf(ErrorCategory category, fmt::format_string<Args...> format,
                             Args&&... args) {
  return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...), {}, category});
}

// The same error, classified (when a caller knows better than the library what a failure means,
// e.g. a value that came from a flag is a usage error).
inline Error with_category(Error error, ErrorCategory category) {
  error.category = category;
  return error;
}

} // namespace flinkha
