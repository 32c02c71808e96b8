#pragma once
// Private to lib/config: the rules of snakeyaml-engine's Emitter that Flink's
// YamlParserUtils.toYAMLString (flow style) reaches: which scalars may stay plain, and
// single/double quoting. The node walk itself is the loader's (flink_conf_yaml.cpp).

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::config::detail {

// Emitter.analyzeScalar (snakeyaml-engine), reduced to what a flow-style dump consults.
struct ScalarAnalysis {
  bool empty = false;
  bool multiline = false;
  bool allow_flow_plain = true;
  bool allow_single_quoted = true;
};

ScalarAnalysis analyze_scalar(const std::vector<char32_t>& s);

std::string single_quoted(const std::vector<char32_t>& s);

// Emitter.writeDoubleQuoted without line splitting (Flink sets splitLines(false)).
std::string double_quoted(const std::vector<char32_t>& s);

} // namespace flinkha::config::detail
