#pragma once
// POSIX shell quoting for command lines that a remote (or local) /bin/sh will parse again.
//
//   shell_quote(arg)   one argument as one shell word
//   shell_join(argv)   several arguments as one command line, separated by single spaces
//
// Quoting rule: a non-empty word made only of [A-Za-z0-9_@%+:,./-] stays bare; anything else is
// wrapped in single quotes, an embedded ' written as '\'' ; the empty string becomes ''. '=' and
// '~' are quoted on purpose: a bare "A=b" as the first word is an assignment, a leading '~' is
// tilde-expanded.
//
// Errors: an argument holding NUL or any other control character (0x00-0x1f, 0x7f; newline and
// tab included) is refused. No exception is made: control characters never belong in a host
// name, path or option value flinkha sends, and a newline inside a remote command line is the
// classic way to smuggle in a second command. Bytes >= 0x80 (UTF-8) are allowed and quoted.

#include "util/result.hpp"

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace flinkha::remote {

Result<std::string> shell_quote(std::string_view arg);

Result<std::string> shell_join(std::span<const std::string> argv);
Result<std::string> shell_join(std::initializer_list<std::string_view> argv);

} // namespace flinkha::remote
