#pragma once
// UTF-8 helpers shared by the parsers that decode escapes (zoo.cfg's Java properties \uXXXX,
// YAML's \x \u \U, Java's modified UTF-8 in serialized streams).

#include <string>

namespace flinkha::util {

// Appends the UTF-8 encoding of one code point (1 to 4 bytes). A surrogate is encoded as it
// comes: callers that decode UTF-16 pair surrogates first.
void append_utf8(std::string& out, char32_t code_point);

} // namespace flinkha::util
