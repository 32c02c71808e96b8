// The YAML event graph of a config.yaml, from yaml-cpp's events.

#include "config/detail/yaml_graph.hpp"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <exception>
#include <limits>
#include <sstream>

namespace flinkha::config::detail {

namespace {

class GraphBuilder : public YAML::EventHandler {
public:
  std::vector<YamlNode> nodes;
  std::optional<std::size_t> root;
  std::optional<YamlError> error;

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    add({NodeKind::null_value, "", "", mark.line + 1, {}}, anchor);
  }
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    if (anchor >= m_anchors.size() || m_anchors[anchor] == kNone) {
      fail_at(mark, "unknown alias");
      return;
    }
    const auto target = m_anchors[anchor];
    if (nodes[target].kind == NodeKind::sequence || nodes[target].kind == NodeKind::mapping) {
      if (++m_collection_aliases > kMaxAliasesForCollections) {
        fail_at(mark, fmt::format("number of aliases for non-scalar nodes exceeds the limit of {} "
                                  "(snakeyaml-engine maxAliasesForCollections)",
                                  kMaxAliasesForCollections));
        return;
      }
    }
    attach(target);
  }
  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    add({NodeKind::scalar, tag, value, mark.line + 1, {}}, anchor);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value) override {
    m_stack.push_back(add({NodeKind::sequence, tag, "", mark.line + 1, {}}, anchor));
  }
  void OnSequenceEnd() override { pop(); }
  void OnMapStart(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value) override {
    m_stack.push_back(add({NodeKind::mapping, tag, "", mark.line + 1, {}}, anchor));
  }
  void OnMapEnd() override { pop(); }

private:
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

  std::size_t add(YamlNode node, YAML::anchor_t anchor) {
    const auto index = nodes.size();
    nodes.push_back(std::move(node));
    if (anchor != YAML::NullAnchor) {
      if (anchor >= m_anchors.size()) {
        m_anchors.resize(anchor + 1, kNone);
      }
      m_anchors[anchor] = index; // registered before the children: a self-alias makes a cycle
    }
    attach(index);
    return index;
  }
  void attach(std::size_t index) {
    if (m_stack.empty()) {
      if (!root) {
        root = index;
      }
    } else {
      nodes[m_stack.back()].children.push_back(index);
    }
  }
  void pop() {
    if (!m_stack.empty()) {
      m_stack.pop_back();
    }
  }
  void fail_at(const YAML::Mark& mark, std::string message) {
    if (!error) {
      error = YamlError{std::move(message), mark.line + 1};
    }
  }

  std::vector<std::size_t> m_stack;
  std::vector<std::size_t> m_anchors;
  int m_collection_aliases = 0;
};

} // namespace

std::expected<YamlGraph, YamlError> build_yaml_graph(std::string_view text) {
  GraphBuilder builder;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(builder) && !builder.error) {
      GraphBuilder second;
      if (parser.HandleNextDocument(second)) {
        return std::unexpected(
            YamlError{"expected a single document in the stream, found more", 0});
      }
    }
  } catch (const YAML::DeepRecursion& e) {
    // yaml-cpp's DepthGuard throws when its recursion reaches the limit, with the message
    // "bad file" (ErrorMsg::BAD_FILE), which would send the operator looking for corruption.
    // depth() is the depth reached, which is the limit itself.
    return std::unexpected(YamlError{
        fmt::format("nesting depth limit of {} reached: maps and lists nested deeper than the "
                    "YAML parser of flinkha (yaml-cpp) reads",
                    e.depth()),
        e.mark.is_null() ? 0 : e.mark.line + 1,
        "Flink's own YAML loader has no such limit, but no Flink option nests this deep: flatten "
        "the nesting with dotted keys"});
  } catch (const YAML::Exception& e) {
    return std::unexpected(YamlError{e.msg, e.mark.is_null() ? 0 : e.mark.line + 1});
  } catch (const std::exception& e) {
    return std::unexpected(YamlError{e.what(), 0});
  }
  if (builder.error) {
    return std::unexpected(*builder.error);
  }
  return YamlGraph{std::move(builder.nodes), builder.root};
}

} // namespace flinkha::config::detail
