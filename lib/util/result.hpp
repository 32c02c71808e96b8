#pragma once
// Typed results for every library function that can fail: std::expected<T, Error>.
// Libraries never print and never exit; only cli/ turns an Error into a message and an exit code.

#include <fmt/format.h>

#include <expected>
#include <string>
#include <utility>

namespace flinkha {

// What went wrong, in words an operator can act on: the message names the file and line, the host
// or the znode; `hint` (may be empty) says what to do about it.
struct Error {
  std::string message;
  std::string hint;
};

template <typename T>
using Result = std::expected<T, Error>;

// Result of an operation that yields nothing but may fail.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string message, std::string hint = {}) {
  return std::unexpected(Error{std::move(message), std::move(hint)});
}

template <typename... Args>
std::unexpected<Error> failf(fmt::format_string<Args...> format, Args&&... args) {
  return std::unexpected(Error{fmt::format(format, std::forward<Args>(args)...), {}});
}

} // namespace flinkha
