#pragma once
// Private to lib/config: the YAML document of a config.yaml as an index-based node graph built
// from yaml-cpp's events (aliases share the anchored node, so the graph may be a DAG or cyclic),
// and the limits that Flink's snakeyaml-engine settings and our own bounds impose.

#include <cstddef>
#include <expected>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace flinkha::config::detail {

// snakeyaml-engine LoadSettings defaults that Flink keeps.
constexpr std::size_t kMaxCodePoints = 3u * 1024 * 1024;
constexpr int kMaxAliasesForCollections = 50;
// Our own bounds: recursion over the node graph, and the work/output an alias graph can cause.
constexpr int kMaxDepth = 256;
constexpr std::size_t kMaxWork = 4u * 1000 * 1000;
constexpr std::size_t kMaxOutputBytes = 8u * 1024 * 1024;
// Non-decimal integers are converted to decimal with a quadratic loop; bound the digits.
constexpr std::size_t kMaxRadixDigits = 4096;

constexpr std::string_view kTagPrefix = "tag:yaml.org,2002:";

struct YamlError {
  YamlError(std::string message_, int line_, std::string hint_ = {})
      : message(std::move(message_)), line(line_), hint(std::move(hint_)) {}
  std::string message;
  int line = 0;     // 1-based; 0 = whole file
  std::string hint; // empty: Flink refuses the file too, so the hint says to fix the YAML
};

enum class NodeKind { null_value, scalar, sequence, mapping };

struct YamlNode {
  NodeKind kind = NodeKind::null_value;
  std::string tag; // yaml-cpp: "?" plain untagged, "!" quoted untagged, else the resolved tag
  std::string value;
  int line = 0;
  std::vector<std::size_t> children; // mapping: key, value, key, value, ...
};

struct YamlGraph {
  std::vector<YamlNode> nodes;
  std::optional<std::size_t> root; // nullopt: an empty document
};

// Parses one YAML document into a graph; fails on a syntax error, an unknown alias, too many
// aliases to collections, collections nested deeper than yaml-cpp's parser allows (its
// DepthGuard, 500 levels in yaml-cpp 0.7; Flink's snakeyaml-engine has no such limit), or a second
// document in the stream.
std::expected<YamlGraph, YamlError> build_yaml_graph(std::string_view text);

} // namespace flinkha::config::detail
