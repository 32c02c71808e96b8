#pragma once
// UTF-8 helpers shared by the parsers that decode escapes (zoo.cfg's Java properties \uXXXX,
// YAML's \x \u \U, Java's modified UTF-8 in serialized streams).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::util {

// Appends the UTF-8 encoding of one code point (1 to 4 bytes). A surrogate is encoded as it
// comes: callers that decode UTF-16 pair surrogates first.
void append_utf8(std::string& out, char32_t code_point);

// The code points of UTF-8 text; a malformed byte becomes U+FFFD, as Java's decoder substitutes.
std::vector<char32_t> code_points(std::string_view text);

// The offset of the first byte that does not start a well-formed UTF-8 sequence (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or nothing when the text is valid.
std::optional<std::size_t> invalid_utf8_at(std::string_view text);

// How many UTF-16 code units (Java chars) the code points take: 2 above U+FFFF, else 1.
std::size_t utf16_length(const std::vector<char32_t>& code_points);

} // namespace flinkha::util
