#pragma once
// Diagnostics: findings about configuration files, each with a severity and a place
// (file:line). Parsers collect them instead of printing; `config check` and the CLI render them.

#include <string>
#include <vector>

namespace flinkha::config {

enum class Severity { error, warning, info };

// Where a value or finding comes from. `file` is the display name (the file's name inside the
// conf dir, e.g. "flink-conf.yaml"); `line` is 1-based, 0 when it concerns the whole file.
// An empty `file` means "no file" (a default, a flag, or the environment).
struct SourceLocation {
  std::string file;
  int line = 0;

  bool empty() const { return file.empty(); }
  friend bool operator==(const SourceLocation&, const SourceLocation&) = default;
};

// "flink-conf.yaml:3", "zoo.cfg" (line 0), or "" (no file).
std::string to_string(const SourceLocation& where);

std::string_view to_string(Severity severity);

struct Diagnostic {
  Severity severity = Severity::warning;
  // Stable identifier for scripts and tests, e.g. "legacy-malformed-line", "even-voters".
  std::string code;
  SourceLocation where;
  std::string message;
  // What the operator should do; may be empty.
  std::string hint;
};

using Diagnostics = std::vector<Diagnostic>;

// Highest severity present; Severity::info when empty.
Severity worst(const Diagnostics& diagnostics);
bool has_errors(const Diagnostics& diagnostics);

} // namespace flinkha::config
