#pragma once
// Small string helpers shared by the parsers. Java's String.trim() semantics matter here: Flink
// trims with it, and it strips every char <= U+0020 (not just spaces and tabs).

#include <string>
#include <string_view>
#include <vector>

namespace flinkha::util {

// Java String.trim(): removes leading and trailing chars whose code is <= 0x20.
std::string_view java_trim(std::string_view text);

// Trims ASCII whitespace (space, \t, \n, \v, \f, \r).
std::string_view trim(std::string_view text);

// Every leading and trailing '/' removed, as Flink's ZooKeeperUtils.trimSlashes (1.14+):
// "/a/b/" → "a/b", "//" → "".
std::string_view trim_slashes(std::string_view text);

// Trailing '/' removed but a lone "/" kept: "/a/b//" → "/a/b", "/" → "/".
std::string_view without_trailing_slashes(std::string_view path);

// Splits at every occurrence of `separator`; keeps empty fields.
std::vector<std::string_view> split(std::string_view text, char separator);

// Splits text into lines at \n, \r\n or \r (as Java's BufferedReader.readLine does).
// A final line without a terminator is still a line; a trailing terminator adds no empty line.
std::vector<std::string_view> split_lines(std::string_view text);

// ASCII lower-case copy.
std::string to_lower(std::string_view text);

bool iequals(std::string_view a, std::string_view b);

// Renders bytes for a message: printable ASCII as is, anything else as \xNN, cut at `max` chars.
std::string printable(std::string_view bytes, std::size_t max = 80);

} // namespace flinkha::util
