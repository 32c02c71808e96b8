// The standard YAML config.yaml loader: constructs values from the node graph as snakeyaml-engine
// does, flattens nested keys as Flink's GlobalConfiguration does, and prints lists with
// toYAMLString.

#include "config/detail/capped_diagnostics.hpp"
#include "config/detail/snakeyaml_emit.hpp"
#include "config/detail/yaml_graph.hpp"
#include "config/detail/yaml_scalars.hpp"
#include "config/flink_conf.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <optional>
#include <unordered_map>

namespace flinkha::config {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Standard YAML config.yaml
//
// What Flink 1.19+/2.x does (GlobalConfiguration.loadYAMLResource, YamlParserUtils,
// ConfigurationUtils.convertToString, snakeyaml-engine 2.x with CoreSchema):
//  - Load(LoadSettings.builder().setSchema(new CoreSchema())): one document; plain scalars typed
//    by CoreScalarResolver (null ~/null/Null/NULL/empty, bool true/True/TRUE/false/..., int
//    [-+]?[0-9]+ | 0o[0-7]+ | 0x[0-9a-fA-F]+, float incl. [-+]?.inf and .nan, and ${ENV} plain
//    scalars are substituted by ConstructEnv); duplicate keys (Java equals on the constructed
//    keys) throw DuplicateKeyException; more than 50 aliases to collections are refused
//    (maxAliasesForCollections); input over 3 MiB code points is refused (codePointLimit).
//  - The root is cast to Map: a list or scalar root fails; an empty document is an empty map.
//  - flatten(): key = prefix + String.valueOf(key); map values recurse with "."; lists become
//    YamlParserUtils.toYAMLString(list) (flow style, no line splitting); other values are kept
//    typed. Keys that collide after flattening silently overwrite in document order (HashMap
//    put/putAll), so the later one wins: reported here as a warning, not an error.
//  - Configuration.setValueInternal throws NullPointerException("Value must not be null.") for a
//    null value, which fails the whole load ("Error parsing YAML configuration."): an error here.
//  - Reading a value as a string (convertToString with standard YAML): a String as is, anything
//    else through toYAMLString: ints in decimal, floats as Java Double.toString or .inf/.nan,
//    booleans as true/false.

namespace {

// ----- the loader -----

class YamlLoader {
public:
  YamlLoader(const std::vector<YamlNode>& nodes, std::string display_name,
             CappedDiagnostics& diagnostics)
      : m_nodes(nodes), m_file(std::move(display_name)), m_diagnostics(diagnostics) {}

  std::optional<YamlError> error;

  // Constructs a scalar node as snakeyaml-engine would (type + canonical text).
  std::optional<Scalar> scalar(std::size_t index) {
    const auto& node = m_nodes[index];
    if (node.kind == NodeKind::null_value) {
      return Scalar{ScalarType::null_value, "null", 0};
    }
    std::string tag = node.tag;
    if (tag.starts_with(kTagPrefix)) {
      tag = tag.substr(kTagPrefix.size());
    } else if (tag.starts_with("!!")) {
      tag = tag.substr(2);
    }
    const std::string_view v = node.value;
    if (tag == "!" || tag == "str") {
      return Scalar{ScalarType::string, node.value, 0};
    }
    if (tag == "?") {
      switch (resolve_plain(v)) {
      case Resolved::null_value:
        return Scalar{ScalarType::null_value, "null", 0};
      case Resolved::boolean:
        tag = "bool";
        break;
      case Resolved::integer:
        tag = "int";
        break;
      case Resolved::floating:
        tag = "float";
        break;
      case Resolved::env:
        return env(node);
      case Resolved::string:
        return Scalar{ScalarType::string, node.value, 0};
      }
    }
    if (tag == "bool" && matches_bool(v)) {
      return Scalar{ScalarType::boolean, util::to_lower(v), 0};
    }
    if (tag == "int" && matches_int(v)) {
      if (auto text = construct_int(v)) {
        return Scalar{ScalarType::integer, std::move(*text), 0};
      }
      return fail(node.line, fmt::format("integer '{}' is too long", util::printable(v, 40)));
    }
    if (tag == "float" && matches_float(v)) {
      // snakeyaml-engine's ConstructYamlCoreFloat strips a '+' and then hands ".inf" to
      // Double.valueOf, which throws: Flink cannot load "+.inf" (checked with 1.20.5 and 2.3.0).
      if (v == "+.inf" || v == "+.Inf" || v == "+.INF") {
        return fail(node.line, fmt::format("'{}' cannot be read by Flink's YAML library "
                                           "(NumberFormatException); write {} or quote it",
                                           util::printable(v, 40), v.substr(1)));
      }
      const double d = construct_float(v);
      return Scalar{ScalarType::floating, yaml_double_to_string(d), d};
    }
    if (tag == "null" && matches_null(v)) {
      return Scalar{ScalarType::null_value, "null", 0};
    }
    if (tag == "bool" || tag == "int" || tag == "float" || tag == "null") {
      return fail(node.line,
                  fmt::format("cannot construct !!{} from '{}'", tag, util::printable(v, 40)));
    }
    return fail(node.line, fmt::format("could not determine a constructor for the tag {}",
                                       util::printable(node.tag, 60)));
  }

  // A string identifying the Java object a node constructs, equal iff Java's equals() is true:
  // snakeyaml-engine rejects duplicate keys by equals() on the constructed keys.
  std::optional<std::string> identity(std::size_t index, int depth = 0) {
    if (!enter(index, depth)) {
      return std::nullopt;
    }
    const auto& node = m_nodes[index];
    if (node.kind == NodeKind::sequence || node.kind == NodeKind::mapping) {
      std::vector<std::string> parts;
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        auto part = identity(node.children[i], depth + 1);
        if (!part) {
          return std::nullopt;
        }
        if (node.kind == NodeKind::mapping && i % 2 == 1) {
          parts.back() += "=" + *part;
        } else {
          parts.push_back(fmt::format("{}:{}", part->size(), *part));
        }
      }
      if (node.kind == NodeKind::mapping) {
        std::sort(parts.begin(), parts.end()); // Map.equals ignores order
      }
      std::string out = node.kind == NodeKind::mapping ? "M{" : "L[";
      for (const auto& p : parts) {
        out += p + ",";
      }
      return charge(out + (node.kind == NodeKind::mapping ? "}" : "]"));
    }
    const auto s = scalar(index);
    if (!s) {
      return std::nullopt;
    }
    switch (s->type) {
    case ScalarType::null_value:
      return std::string("n");
    case ScalarType::string:
      return charge("s" + s->text);
    case ScalarType::integer:
      return "i" + s->text;
    case ScalarType::boolean:
      return "b" + s->text;
    case ScalarType::floating: {
      // Double.equals compares doubleToLongBits: NaN equals NaN, 0.0 differs from -0.0.
      const double d = std::isnan(s->number) ? std::numeric_limits<double>::quiet_NaN() : s->number;
      return fmt::format("f{:x}", std::bit_cast<std::uint64_t>(d));
    }
    }
    return std::nullopt;
  }

  // Validates every mapping reachable from `index` once: duplicate keys are an error.
  bool check_duplicates(std::size_t index, int depth = 0) {
    if (!enter(index, depth)) {
      return false;
    }
    if (m_checked.size() < m_nodes.size()) {
      m_checked.resize(m_nodes.size(), false);
    }
    if (m_checked[index]) {
      return true;
    }
    m_checked[index] = true;
    const auto& node = m_nodes[index];
    if (node.kind == NodeKind::mapping) {
      std::unordered_map<std::string, int> seen;
      for (std::size_t i = 0; i + 1 < node.children.size(); i += 2) {
        const auto key = identity(node.children[i]);
        if (!key) {
          return false;
        }
        const int line = m_nodes[node.children[i]].line;
        const auto [it, inserted] = seen.emplace(*key, line);
        if (!inserted) {
          fail(line, fmt::format("duplicate key '{}' (first at line {}); Flink refuses duplicate "
                                 "keys in config.yaml",
                                 util::printable(java_string(node.children[i]).value_or("?"), 80),
                                 it->second));
          return false;
        }
      }
    }
    for (const auto child : node.children) {
      if (!check_duplicates(child, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  // What a key node would be constructed as, when that is not a String (or null): "an
  // integer", "a list", …; empty for string and null keys.
  std::optional<std::string> key_kind(std::size_t index) {
    const auto& node = m_nodes[index];
    if (node.kind == NodeKind::sequence) {
      return "a list";
    }
    if (node.kind == NodeKind::mapping) {
      return "a map";
    }
    const auto s = scalar(index);
    if (!s) {
      return std::nullopt; // the error is already recorded
    }
    switch (s->type) {
    case ScalarType::integer:
      return "an integer";
    case ScalarType::floating:
      return "a float";
    case ScalarType::boolean:
      return "a boolean";
    case ScalarType::null_value:
    case ScalarType::string:
      break;
    }
    return std::nullopt;
  }

  // String.valueOf(constructed object): how flatten() turns a key into text.
  std::optional<std::string> java_string(std::size_t index, int depth = 0) {
    if (!enter(index, depth)) {
      return std::nullopt;
    }
    const auto& node = m_nodes[index];
    if (node.kind == NodeKind::sequence || node.kind == NodeKind::mapping) {
      const bool is_map = node.kind == NodeKind::mapping;
      std::string out = is_map ? "{" : "[";
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        const auto child = node.children[i];
        if (i > 0) {
          out += is_map && i % 2 == 1 ? "=" : ", ";
        }
        if (child == index) {
          out += is_map ? "(this Map)" : "(this Collection)";
          continue;
        }
        auto part = java_string(child, depth + 1);
        if (!part) {
          return std::nullopt;
        }
        out += *part;
      }
      return charge(out + (is_map ? "}" : "]"));
    }
    const auto s = scalar(index);
    if (!s) {
      return std::nullopt;
    }
    return s->type == ScalarType::floating ? java_double_to_string(s->number) : s->text;
  }

  // YamlParserUtils.toYAMLString(list): snakeyaml-engine Dump, FlowStyle.FLOW, CoreSchema,
  // no line splitting, trailing line break removed.
  std::optional<std::string> to_yaml_string(std::size_t index) {
    m_anchor_of.clear();
    m_seen_once.clear();
    m_next_anchor = 0;
    if (!assign_anchors(index, 0)) {
      return std::nullopt;
    }
    m_emitted.clear();
    m_out.clear();
    m_whitespace = true;
    if (!emit(index, 0, false)) {
      return std::nullopt;
    }
    return charge(std::move(m_out));
  }

  std::nullopt_t fail(int line, std::string message, std::string hint = {}) {
    if (!error) {
      error = YamlError{std::move(message), line, std::move(hint)};
    }
    return std::nullopt;
  }

  // Our own bound (kMaxDepth), not Flink's: Flink reads deeper nesting, unless it is a recursive
  // alias, whose flatten() never ends (StackOverflowError).
  std::nullopt_t fail_depth(int line) {
    return fail(line,
                fmt::format("nesting depth limit of {} levels exceeded (maps and lists nested "
                            "inside each other, or a recursive alias)",
                            kMaxDepth),
                "flatten the nesting with dotted keys; Flink cannot load a recursive alias "
                "(&a ... *a inside itself) either");
  }

private:
  bool enter(std::size_t index, int depth) {
    if (error) {
      return false;
    }
    if (depth > kMaxDepth) {
      fail_depth(m_nodes[index].line);
      return false;
    }
    if (++m_work > kMaxWork) {
      fail(m_nodes[index].line, "document expands to too many nodes (aliases?)");
      return false;
    }
    return true;
  }

  std::optional<std::string> charge(std::string s) {
    m_output_bytes += s.size();
    if (m_output_bytes > kMaxOutputBytes) {
      return fail(0, "document expands to too much text (aliases?)");
    }
    return s;
  }

  std::optional<Scalar> env(const YamlNode& node) {
    const auto ref = match_env(node.value);
    const char* raw = std::getenv(ref->name.c_str());
    std::optional<std::string> value = raw ? std::optional<std::string>(raw) : std::nullopt;
    // ConstructEnv.apply: a set, non-empty variable wins; otherwise the separator decides.
    std::string result;
    if (value && !value->empty()) {
      result = *value;
    } else if (ref->separator == "?" && !value) {
      return fail(node.line,
                  fmt::format("missing mandatory variable {}: {}", ref->name, ref->fallback));
    } else if (ref->separator == ":?") {
      return fail(node.line, fmt::format("{} mandatory variable {}: {}",
                                         value ? "empty" : "missing", ref->name, ref->fallback));
    } else if ((ref->separator == ":-") || (ref->separator == "-" && !value)) {
      result = ref->fallback;
    }
    const SourceLocation where{m_file, node.line};
    if (!m_diagnostics.room("yaml-env-substituted", Severity::info, where)) {
      return Scalar{ScalarType::string, std::move(result), 0};
    }
    m_diagnostics.add(
        {Severity::info, "yaml-env-substituted", where,
         fmt::format("'{}' is replaced by environment variable {} as Flink would do ({})",
                     util::printable(node.value), ref->name, value ? "set here" : "not set here"),
         "flinkha reads its own environment; the Flink process may see another value"});
    return Scalar{ScalarType::string, std::move(result), 0};
  }

  // Serializer.anchorNode: a collection reached a second time gets the next "idNNN" anchor.
  bool assign_anchors(std::size_t index, int depth) {
    if (!enter(index, depth)) {
      return false;
    }
    const auto& node = m_nodes[index];
    if (node.kind != NodeKind::sequence && node.kind != NodeKind::mapping) {
      return true;
    }
    if (m_seen_once.contains(index)) {
      if (!m_anchor_of.contains(index)) {
        m_anchor_of[index] = fmt::format("id{:03}", ++m_next_anchor);
      }
      return true;
    }
    m_seen_once.insert({index, true});
    for (const auto child : node.children) {
      if (!assign_anchors(child, depth + 1)) {
        return false;
      }
    }
    return true;
  }

  void write_indicator(std::string_view indicator, bool need_whitespace, bool whitespace) {
    if (!m_whitespace && need_whitespace) {
      m_out += ' ';
    }
    m_whitespace = whitespace;
    m_out += indicator;
  }

  bool simple_key(std::size_t index) {
    const auto& node = m_nodes[index];
    std::size_t length = 0;
    const auto anchor = m_anchor_of.find(index);
    const bool alias = anchor != m_anchor_of.end() && m_emitted.contains(index);
    if (anchor != m_anchor_of.end()) {
      length += anchor->second.size();
    }
    if (alias) {
      return length < 128;
    }
    if (node.kind == NodeKind::sequence || node.kind == NodeKind::mapping) {
      return length < 128 && node.children.empty();
    }
    const auto text = scalar_text(index);
    if (!text) {
      return false;
    }
    const auto cps = util::code_points(*text);
    const auto a = analyze_scalar(cps);
    return length + util::utf16_length(cps) < 128 && !a.empty && !a.multiline;
  }

  std::optional<std::string> scalar_text(std::size_t index) {
    const auto s = scalar(index);
    if (!s) {
      return std::nullopt;
    }
    return s->text;
  }

  bool emit(std::size_t index, int depth, bool simple_key_context) {
    if (!enter(index, depth)) {
      return false;
    }
    if (m_out.size() > kMaxOutputBytes) {
      fail(m_nodes[index].line, "document expands to too much text (aliases?)");
      return false;
    }
    const auto& node = m_nodes[index];
    const auto anchor = m_anchor_of.find(index);
    if (anchor != m_anchor_of.end()) {
      if (m_emitted.contains(index)) {
        write_indicator("*" + anchor->second, true, false);
        if (simple_key_context) {
          m_out += ' ';
          m_whitespace = true;
        }
        return true;
      }
      m_emitted.insert({index, true});
      write_indicator("&" + anchor->second, true, false);
    }
    if (node.kind == NodeKind::sequence) {
      write_indicator("[", true, true);
      for (std::size_t i = 0; i < node.children.size(); ++i) {
        if (i > 0) {
          write_indicator(",", false, false);
        }
        if (!emit(node.children[i], depth + 1, false)) {
          return false;
        }
      }
      write_indicator("]", false, false);
      return true;
    }
    if (node.kind == NodeKind::mapping) {
      write_indicator("{", true, true);
      for (std::size_t i = 0; i + 1 < node.children.size(); i += 2) {
        if (i > 0) {
          write_indicator(",", false, false);
        }
        if (simple_key(node.children[i])) {
          if (!emit(node.children[i], depth + 1, true)) {
            return false;
          }
          write_indicator(":", false, false);
        } else {
          write_indicator("?", true, false);
          if (!emit(node.children[i], depth + 1, false)) {
            return false;
          }
          write_indicator(":", true, false);
        }
        if (!emit(node.children[i + 1], depth + 1, false)) {
          return false;
        }
      }
      write_indicator("}", false, false);
      return true;
    }
    const auto s = scalar(index);
    if (!s) {
      return false;
    }
    emit_scalar(*s, simple_key_context);
    return true;
  }

  // Emitter.chooseScalarStyle for a scalar inside a flow collection.
  void emit_scalar(const Scalar& s, bool simple_key_context) {
    const auto cps = util::code_points(s.text);
    const auto a = analyze_scalar(cps);
    // Non-strings (numbers, booleans, null) always resolve back to their own tag.
    const bool implicit_plain =
        s.type != ScalarType::string || resolve_plain(s.text) == Resolved::string;
    // RepresentString picks LITERAL style for multi-line strings, which a flow context then
    // turns into double quotes.
    const bool literal = s.type == ScalarType::string && a.multiline;
    if (!literal && implicit_plain && !(simple_key_context && (a.empty || a.multiline)) &&
        a.allow_flow_plain) {
      if (!s.text.empty()) {
        if (!m_whitespace) {
          m_out += ' ';
        }
        m_whitespace = false;
        m_out += s.text;
      }
      return;
    }
    const bool use_double =
        literal || !a.allow_single_quoted || (simple_key_context && a.multiline);
    write_indicator(use_double ? double_quoted(cps) : single_quoted(cps), true, false);
  }

  const std::vector<YamlNode>& m_nodes;
  std::string m_file;
  CappedDiagnostics& m_diagnostics;
  std::size_t m_work = 0;
  std::size_t m_output_bytes = 0;
  std::vector<bool> m_checked;
  // emission state
  std::map<std::size_t, std::string> m_anchor_of;
  std::map<std::size_t, bool> m_seen_once;
  std::map<std::size_t, bool> m_emitted;
  int m_next_anchor = 0;
  std::string m_out;
  bool m_whitespace = true;
};

struct FlatValue {
  std::optional<std::string> value; // nullopt: YAML null
  int line = 0;
};

// GlobalConfiguration.flatten: depth-first in document order; later keys overwrite earlier ones.
bool flatten(YamlLoader& loader, const std::vector<YamlNode>& nodes, std::size_t map_index,
             const std::string& prefix, int depth,
             std::vector<std::pair<std::string, FlatValue>>& out,
             std::unordered_map<std::string, std::size_t>& index_of, const std::string& file,
             CappedDiagnostics& diagnostics) {
  if (depth > kMaxDepth) {
    loader.fail_depth(nodes[map_index].line);
    return false;
  }
  const auto& node = nodes[map_index];
  for (std::size_t i = 0; i + 1 < node.children.size(); i += 2) {
    // Flink's flatten() casts every key to String: a key YAML types as a number, a boolean, a
    // list or a map fails the whole load with a ClassCastException (checked with Flink 1.20.5
    // and 2.3.0). A null key casts fine and becomes "null".
    if (const auto kind = loader.key_kind(node.children[i])) {
      loader.fail(nodes[node.children[i]].line,
                  fmt::format("key '{}' is not a string (YAML reads it as {}); Flink fails to "
                              "load the file (ClassCastException): quote the key",
                              util::printable(nodes[node.children[i]].value, 40), *kind));
      return false;
    }
    const auto key_text = loader.java_string(node.children[i]);
    if (!key_text) {
      return false;
    }
    const std::string key = prefix + *key_text;
    const auto value_index = node.children[i + 1];
    const auto& value = nodes[value_index];
    const int line = nodes[node.children[i]].line;
    if (value.kind == NodeKind::mapping) {
      if (!flatten(loader, nodes, value_index, key + ".", depth + 1, out, index_of, file,
                   diagnostics)) {
        return false;
      }
      continue;
    }
    FlatValue flat{std::nullopt, line};
    if (value.kind == NodeKind::sequence) {
      flat.value = loader.to_yaml_string(value_index);
      if (!flat.value) {
        return false;
      }
    } else {
      const auto s = loader.scalar(value_index);
      if (!s) {
        return false;
      }
      if (s->type != ScalarType::null_value) {
        flat.value = s->text;
      }
    }
    const auto [it, inserted] = index_of.try_emplace(key, out.size());
    if (inserted) {
      out.emplace_back(key, std::move(flat));
    } else if (diagnostics.room("yaml-flattened-duplicate", Severity::warning, {file, line})) {
      diagnostics.add(
          {Severity::warning,
           "yaml-flattened-duplicate",
           {file, line},
           fmt::format("key '{}' is also set at line {}; after flattening nested keys Flink keeps "
                       "the later value",
                       util::printable(key), out[it->second].second.line),
           "set each key once, either nested or with dots"});
      out[it->second].second = std::move(flat);
    } else {
      out[it->second].second = std::move(flat);
    }
  }
  return true;
}

std::size_t count_code_points(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

Error yaml_error(const std::string& file, const YamlError& e) {
  return Error{e.line > 0 ? fmt::format("{}:{}: {}", file, e.line, e.message)
                          : fmt::format("{}: {}", file, e.message),
               e.hint.empty() ? "Flink refuses to start with this config.yaml; fix the YAML"
                              : e.hint};
}

} // namespace

Result<ParsedConfigFile> parse_standard_yaml(std::string_view text, std::string display_name) {
  ParsedConfigFile parsed;
  parsed.format = ConfigFormat::yaml;
  const auto& file = display_name;
  if (count_code_points(text) > kMaxCodePoints) {
    return std::unexpected(yaml_error(
        file, {fmt::format("the document exceeds the limit of {} code points (snakeyaml-engine "
                           "codePointLimit)",
                           kMaxCodePoints),
               0}));
  }
  auto graph = build_yaml_graph(text);
  if (!graph) {
    return std::unexpected(yaml_error(file, graph.error()));
  }
  if (!graph->root || graph->nodes[*graph->root].kind == NodeKind::null_value) {
    return parsed; // empty document: Flink uses an empty map
  }
  const auto root = *graph->root;
  const auto& nodes = graph->nodes;
  if (nodes[root].kind != NodeKind::mapping) {
    return std::unexpected(
        yaml_error(file, {"the top level is not a map of keys to values (Flink casts it to a Map)",
                          nodes[root].line}));
  }
  CappedDiagnostics diagnostics(parsed.diagnostics);
  YamlLoader loader(nodes, display_name, diagnostics);
  if (!loader.check_duplicates(root)) {
    return std::unexpected(yaml_error(file, loader.error.value_or(YamlError{"invalid YAML", 0})));
  }
  std::vector<std::pair<std::string, FlatValue>> flat;
  std::unordered_map<std::string, std::size_t> index_of;
  if (!flatten(loader, nodes, root, "", 0, flat, index_of, file, diagnostics)) {
    return std::unexpected(yaml_error(file, loader.error.value_or(YamlError{"invalid YAML", 0})));
  }
  diagnostics.finish();
  for (auto& [key, value] : flat) {
    if (!value.value) {
      return std::unexpected(Error{
          fmt::format("{}:{}: key '{}' has no value (null); Flink fails to load config.yaml with "
                      "\"Value must not be null\"",
                      file, value.line, util::printable(key)),
          "give the key a value, quote an empty string as '', or remove the line"});
    }
    parsed.config.set({key, std::move(*value.value), {file, value.line}});
  }
  return parsed;
}

} // namespace flinkha::config
