#include "config/flink_conf.hpp"

#include "util/files.hpp"
#include "util/strings.hpp"
#include "util/utf8.hpp"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <array>
#include <bit>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <unordered_map>

namespace flinkha::config {

// ---------------------------------------------------------------------------------------------
// FlatConfig

void FlatConfig::set(ConfigEntry entry) {
  for (auto& existing : m_entries) {
    if (existing.key == entry.key) {
      existing.value = std::move(entry.value);
      existing.where = std::move(entry.where);
      return;
    }
  }
  m_entries.push_back(std::move(entry));
}

const ConfigEntry* FlatConfig::find(std::string_view key) const {
  for (const auto& entry : m_entries) {
    if (entry.key == key) {
      return &entry;
    }
  }
  return nullptr;
}

std::string_view to_string(ConfigFormat format) {
  return format == ConfigFormat::legacy ? "legacy" : "yaml";
}

namespace {

constexpr std::string_view kLegacyFileName = "flink-conf.yaml";
constexpr std::string_view kYamlFileName = "config.yaml";

// Defensive bound for reading a config file from disk; real files are a few KiB.
constexpr std::uintmax_t kMaxFileBytes = 64u * 1024 * 1024;

// FlatConfig::set is linear; index keys so a file with many lines stays O(n log n).
class FlatBuilder {
public:
  void set(std::string key, std::string value, SourceLocation where) {
    auto [it, inserted] = m_index.try_emplace(key, m_entries.size());
    if (inserted) {
      m_entries.push_back({std::move(key), std::move(value), std::move(where)});
    } else {
      m_entries[it->second].value = std::move(value);
      m_entries[it->second].where = std::move(where);
    }
  }
  const ConfigEntry* find(const std::string& key) const {
    const auto it = m_index.find(key);
    return it == m_index.end() ? nullptr : &m_entries[it->second];
  }
  FlatConfig build() && {
    FlatConfig config;
    for (auto& e : m_entries) {
      config.set(std::move(e)); // keys are unique here, so every set appends
    }
    return config;
  }

private:
  std::vector<ConfigEntry> m_entries;
  std::unordered_map<std::string, std::size_t> m_index;
};

} // namespace

// ---------------------------------------------------------------------------------------------
// Legacy flink-conf.yaml
//
// Flink's loader (GlobalConfiguration.loadYAMLResource <= 1.18, loadLegacyYAMLResource in
// 1.19/1.20, ConfigurationFileMigrationUtils in 2.x), per line from BufferedReader.readLine():
//   String conf = line.split("#", 2)[0].trim();      // comment starts at the first '#', anywhere
//   if (conf.length() > 0) {
//     String[] kv = conf.split(": ", 2);            // first colon+space
//     if (kv.length == 1) { LOG.warn(... "missing space after ':'?"); continue; }
//     key = kv[0].trim(); value = kv[1].trim();
//     if (key.length() == 0 || value.length() == 0) { LOG.warn(... "Key or value was empty");
//     continue; } config.setString(key, value);                 // last duplicate wins
//   }
// Because the trim happens before the split, "key: " (nothing after the space) and "key:\tv"
// have no ": " left and take the first warning. Quotes are kept as written.

ParsedConfigFile parse_legacy_flink_conf(std::string_view text, std::string display_name) {
  ParsedConfigFile parsed;
  parsed.format = ConfigFormat::legacy;
  FlatBuilder flat;
  int line_no = 0;
  for (const auto line : util::split_lines(text)) {
    ++line_no;
    const auto conf = util::java_trim(line.substr(0, line.find('#')));
    if (conf.empty()) {
      continue;
    }
    const SourceLocation where{display_name, line_no};
    const auto sep = conf.find(": ");
    if (sep == std::string_view::npos) {
      parsed.diagnostics.push_back(
          {Severity::warning, "legacy-malformed-line", where,
           fmt::format("line is not a key-value pair (missing space after ':'?): {}",
                       util::printable(conf)),
           "write 'key: value' with a space after the colon; Flink skips this line"});
      continue;
    }
    const auto key = util::java_trim(conf.substr(0, sep));
    const auto value = util::java_trim(conf.substr(sep + 2));
    if (key.empty() || value.empty()) {
      parsed.diagnostics.push_back({Severity::warning, "legacy-malformed-line", where,
                                    fmt::format("key or value is empty: {}", util::printable(conf)),
                                    "Flink skips this line; give both a key and a value"});
      continue;
    }
    flat.set(std::string(key), std::string(value), where);
  }
  parsed.config = std::move(flat).build();
  return parsed;
}

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
  std::string message;
  int line = 0; // 1-based; 0 = whole file
};

enum class NodeKind { null_value, scalar, sequence, mapping };

struct YamlNode {
  NodeKind kind = NodeKind::null_value;
  std::string tag; // yaml-cpp: "?" plain untagged, "!" quoted untagged, else the resolved tag
  std::string value;
  int line = 0;
  std::vector<std::size_t> children; // mapping: key, value, key, value, ...
};

// Builds an index-based graph from yaml-cpp's events (aliases share the anchored node, so the
// graph may be a DAG or even cyclic). No recursion here: yaml-cpp drives, we keep a stack.
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

// ----- scalar typing (CoreSchema) -----

enum class ScalarType { null_value, string, integer, floating, boolean };

struct Scalar {
  ScalarType type = ScalarType::string;
  std::string text;  // string: the value; integer: decimal; boolean: true/false
  double number = 0; // floating only
};

bool all_of(std::string_view s, bool (*pred)(char)) {
  return !s.empty() && std::all_of(s.begin(), s.end(), pred);
}
bool is_dec(char c) {
  return c >= '0' && c <= '9';
}
bool is_oct(char c) {
  return c >= '0' && c <= '7';
}
bool is_hex(char c) {
  return is_dec(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

bool matches_null(std::string_view v) {
  return v.empty() || v == "~" || v == "null" || v == "Null" || v == "NULL" || v == " ";
}
bool matches_bool(std::string_view v) {
  return v == "true" || v == "True" || v == "TRUE" || v == "false" || v == "False" || v == "FALSE";
}
bool matches_int(std::string_view v) {
  if (v.starts_with("0o")) {
    return all_of(v.substr(2), is_oct);
  }
  if (v.starts_with("0x")) {
    return all_of(v.substr(2), is_hex);
  }
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    v.remove_prefix(1);
  }
  return all_of(v, is_dec);
}
bool matches_special_float(std::string_view v) {
  if (v == ".nan" || v == ".NaN" || v == ".NAN") {
    return true;
  }
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    v.remove_prefix(1);
  }
  return v == ".inf" || v == ".Inf" || v == ".INF";
}
// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool matches_float(std::string_view v) {
  if (matches_special_float(v)) {
    return true;
  }
  std::size_t i = 0;
  const auto digits = [&] {
    const auto start = i;
    while (i < v.size() && is_dec(v[i])) {
      ++i;
    }
    return i - start;
  };
  if (i < v.size() && (v[i] == '-' || v[i] == '+')) {
    ++i;
  }
  if (i < v.size() && v[i] == '.') {
    ++i;
    if (digits() == 0) {
      return false;
    }
  } else {
    if (digits() == 0) {
      return false;
    }
    if (i < v.size() && v[i] == '.') {
      ++i;
      digits();
    }
  }
  if (i < v.size() && (v[i] == 'e' || v[i] == 'E')) {
    ++i;
    if (i < v.size() && (v[i] == '-' || v[i] == '+')) {
      ++i;
    }
    if (digits() == 0) {
      return false;
    }
  }
  return i == v.size();
}
bool is_word_char(char c) {
  return is_dec(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_java_space(char c) {
  return c == ' ' || (c >= '\t' && c <= '\r');
}

struct EnvReference {
  std::string name;
  std::string separator; // "", "-", ":-", "?", ":?"
  std::string fallback;
};

// BaseScalarResolver.ENV_FORMAT: ^\$\{\s*(?:(\w+)(?:(:?[-?])(\w+)?)?)\s*\}$
std::optional<EnvReference> match_env(std::string_view v) {
  if (!v.starts_with("${") || !v.ends_with("}")) {
    return std::nullopt;
  }
  v = v.substr(2, v.size() - 3);
  while (!v.empty() && is_java_space(v.front())) {
    v.remove_prefix(1);
  }
  while (!v.empty() && is_java_space(v.back())) {
    v.remove_suffix(1);
  }
  EnvReference ref;
  std::size_t i = 0;
  while (i < v.size() && is_word_char(v[i])) {
    ++i;
  }
  if (i == 0) {
    return std::nullopt;
  }
  ref.name = std::string(v.substr(0, i));
  v.remove_prefix(i);
  if (v.empty()) {
    return ref;
  }
  if (v.front() == ':') {
    ref.separator = ":";
    v.remove_prefix(1);
  }
  if (v.empty() || (v.front() != '-' && v.front() != '?')) {
    return std::nullopt;
  }
  ref.separator += v.front();
  v.remove_prefix(1);
  if (!v.empty() && !all_of(v, [](char c) { return is_word_char(c); })) {
    return std::nullopt;
  }
  ref.fallback = std::string(v);
  return ref;
}

// Tag a plain scalar resolves to (BaseScalarResolver.resolve with CoreScalarResolver).
enum class Resolved { null_value, boolean, integer, floating, env, string };
Resolved resolve_plain(std::string_view v) {
  if (!v.empty()) {
    const char c = v.front();
    if ((c == 't' || c == 'f' || c == 'T' || c == 'F') && matches_bool(v)) {
      return Resolved::boolean;
    }
    if ((is_dec(c) || c == '-' || c == '+') && matches_int(v)) {
      return Resolved::integer;
    }
    if ((is_dec(c) || c == '-' || c == '+' || c == '.') && matches_float(v)) {
      return Resolved::floating;
    }
    if (c == 'n' && matches_null(v)) {
      return Resolved::null_value;
    }
    if (c == '$' && match_env(v)) {
      return Resolved::env;
    }
  }
  // The resolvers registered for "any first char": EMPTY and NULL.
  return matches_null(v) ? Resolved::null_value : Resolved::string;
}

// Decimal digits of an unsigned number in `radix` (8 or 16), as Java's BigInteger would print.
std::string radix_to_decimal(std::string_view digits, int radix) {
  std::vector<std::uint32_t> limbs{0}; // little-endian base 1e9
  for (const char c : digits) {
    std::uint64_t carry =
        static_cast<std::uint64_t>(is_dec(c) ? c - '0' : (c >= 'a' ? c - 'a' + 10 : c - 'A' + 10));
    for (auto& limb : limbs) {
      const std::uint64_t v =
          static_cast<std::uint64_t>(limb) * static_cast<unsigned>(radix) + carry;
      limb = static_cast<std::uint32_t>(v % 1000000000u);
      carry = v / 1000000000u;
    }
    while (carry > 0) {
      limbs.push_back(static_cast<std::uint32_t>(carry % 1000000000u));
      carry /= 1000000000u;
    }
  }
  std::string out = fmt::format("{}", limbs.back());
  for (auto it = limbs.rbegin() + 1; it != limbs.rend(); ++it) {
    out += fmt::format("{:09}", *it);
  }
  return out;
}

// ConstructYamlCoreInt: Integer/Long/BigInteger, so the string form is plain decimal.
std::optional<std::string> construct_int(std::string_view v) {
  bool negative = false;
  if (!v.empty() && (v.front() == '-' || v.front() == '+')) {
    negative = v.front() == '-';
    v.remove_prefix(1);
  }
  std::string magnitude;
  if (v.starts_with("0x") || v.starts_with("0o")) {
    if (v.size() - 2 > kMaxRadixDigits) {
      return std::nullopt;
    }
    magnitude = radix_to_decimal(v.substr(2), v[1] == 'x' ? 16 : 8);
  } else {
    const auto first = v.find_first_not_of('0');
    magnitude = first == std::string_view::npos ? "0" : std::string(v.substr(first));
  }
  if (negative && magnitude != "0") {
    magnitude.insert(magnitude.begin(), '-');
  }
  return magnitude;
}

// ConstructYamlCoreFloat: Double.valueOf, or the .inf/.nan forms.
double construct_float(std::string_view v) {
  if (v == ".nan" || v == ".NaN" || v == ".NAN") {
    return std::numeric_limits<double>::quiet_NaN();
  }
  bool negative = false;
  std::string_view body = v;
  if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
    negative = body.front() == '-';
    body.remove_prefix(1);
  }
  if (body == ".inf" || body == ".Inf" || body == ".INF") {
    return negative ? -std::numeric_limits<double>::infinity()
                    : std::numeric_limits<double>::infinity();
  }
  double d = 0;
  const auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), d);
  if (ec == std::errc::result_out_of_range) {
    // Overflow gives infinity in Java, underflow gives zero; tell them apart by the exponent.
    const auto e = body.find_first_of("eE");
    const bool tiny = e != std::string_view::npos && body.size() > e + 1 && body[e + 1] == '-';
    d = tiny ? 0.0 : std::numeric_limits<double>::infinity();
  }
  (void)ptr;
  return negative ? -d : d;
}

// Java's Double.toString (shortest repr digits, as JDK 19+ prints them): "1000.0", "1.0E20",
// "1.0E-5", "-0.0", "Infinity", "NaN".
std::string java_double_to_string(double d) {
  if (std::isnan(d)) {
    return "NaN";
  }
  if (std::isinf(d)) {
    return d > 0 ? "Infinity" : "-Infinity";
  }
  if (d == 0) {
    return std::signbit(d) ? "-0.0" : "0.0";
  }
  std::array<char, 64> buf{};
  const auto res =
      std::to_chars(buf.data(), buf.data() + buf.size(), d, std::chars_format::scientific);
  std::string_view sci(buf.data(), static_cast<std::size_t>(res.ptr - buf.data()));
  std::string out;
  if (sci.front() == '-') {
    out += '-';
    sci.remove_prefix(1);
  }
  const auto e = sci.find('e');
  std::string digits;
  for (const char c : sci.substr(0, e)) {
    if (c != '.') {
      digits += c;
    }
  }
  int exponent = 0;
  auto exp_text = sci.substr(e + 1);
  if (!exp_text.empty() && exp_text.front() == '+') {
    exp_text.remove_prefix(1);
  }
  std::from_chars(exp_text.data(), exp_text.data() + exp_text.size(), exponent);
  const double magnitude = std::fabs(d);
  if (magnitude >= 1e-3 && magnitude < 1e7) {
    if (exponent >= 0) {
      const auto int_len = static_cast<std::size_t>(exponent) + 1;
      while (digits.size() < int_len) {
        digits += '0';
      }
      out += digits.substr(0, int_len);
      out += '.';
      out += digits.size() > int_len ? digits.substr(int_len) : "0";
    } else {
      out += "0.";
      out.append(static_cast<std::size_t>(-exponent - 1), '0');
      out += digits;
    }
  } else {
    out += digits.substr(0, 1);
    out += '.';
    out += digits.size() > 1 ? digits.substr(1) : "0";
    out += fmt::format("E{}", exponent);
  }
  return out;
}

// How snakeyaml-engine's RepresentNumber writes a Double.
std::string yaml_double_to_string(double d) {
  if (std::isnan(d)) {
    return ".nan";
  }
  if (std::isinf(d)) {
    return d > 0 ? ".inf" : "-.inf";
  }
  return java_double_to_string(d);
}

// ----- UTF-8 helpers (Java works on UTF-16 units; these rules only look at code points) -----

struct CodePoint {
  char32_t value;
  std::size_t length;
};

CodePoint decode_utf8(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  const auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  const auto bits = [&](std::size_t k) {
    return static_cast<char32_t>(static_cast<unsigned char>(s[i + k]) & 0x3F);
  };
  if (b0 < 0x80) {
    return {b0, 1};
  }
  if ((b0 & 0xE0) == 0xC0 && cont(1)) {
    return {(static_cast<char32_t>(b0 & 0x1F) << 6) | bits(1), 2};
  }
  if ((b0 & 0xF0) == 0xE0 && cont(1) && cont(2)) {
    return {(static_cast<char32_t>(b0 & 0x0F) << 12) | (bits(1) << 6) | bits(2), 3};
  }
  if ((b0 & 0xF8) == 0xF0 && cont(1) && cont(2) && cont(3)) {
    return {(static_cast<char32_t>(b0 & 0x07) << 18) | (bits(1) << 12) | (bits(2) << 6) | bits(3),
            4};
  }
  return {0xFFFD, 1}; // what Java's decoder substitutes for a malformed byte
}

std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    const auto cp = decode_utf8(s, i);
    out.push_back(cp.value);
    i += cp.length;
  }
  return out;
}

std::size_t utf16_length(const std::vector<char32_t>& cps) {
  std::size_t n = 0;
  for (const auto c : cps) {
    n += c >= 0x10000 ? 2 : 1;
  }
  return n;
}

bool is_linebr(char32_t c) {
  return c == '\n' || c == 0x85 || c == 0x2028 || c == 0x2029;
}
bool is_null_bl_t(char32_t c) {
  return c == 0 || c == ' ' || c == '\t';
}

// StreamReader.isPrintable
bool is_printable(char32_t c) {
  return (c >= 0x20 && c <= 0x7E) || c == 0x9 || c == 0xA || c == 0xD || c == 0x85 ||
         (c >= 0xA0 && c <= 0xD7FF) || (c >= 0xE000 && c <= 0xFFFD) ||
         (c >= 0x10000 && c <= 0x10FFFF);
}

// Emitter.analyzeScalar (snakeyaml-engine), reduced to what a flow-style dump consults.
struct ScalarAnalysis {
  bool empty = false;
  bool multiline = false;
  bool allow_flow_plain = true;
  bool allow_single_quoted = true;
};

ScalarAnalysis analyze_scalar(const std::vector<char32_t>& s) {
  ScalarAnalysis a;
  if (s.empty()) {
    a.empty = true;
    a.allow_flow_plain = false;
    return a;
  }
  bool flow_indicators = false;
  bool line_breaks = false;
  bool special = false;
  bool leading_space = false, leading_break = false, trailing_space = false, trailing_break = false,
       break_space = false, space_break = false;
  const auto starts = [&](char a0, char a1, char a2) {
    return s.size() >= 3 && s[0] == static_cast<char32_t>(a0) &&
           s[1] == static_cast<char32_t>(a1) && s[2] == static_cast<char32_t>(a2);
  };
  if (starts('-', '-', '-') || starts('.', '.', '.')) {
    flow_indicators = true;
  }
  bool preceded_by_ws = true;
  bool followed_by_ws = s.size() == 1 || is_null_bl_t(s[1]) || is_linebr(s[1]);
  bool previous_space = false, previous_break = false;
  constexpr std::u32string_view kFirstIndicators = U"#,[]{}&*!|>'\"%@`";
  constexpr std::u32string_view kFlowIndicators = U",?[]{}";
  for (std::size_t i = 0; i < s.size(); ++i) {
    const char32_t c = s[i];
    if (i == 0) {
      if (kFirstIndicators.find(c) != std::u32string_view::npos) {
        flow_indicators = true;
      }
      if (c == '?' || c == ':') {
        flow_indicators = true;
      }
      if (c == '-' && followed_by_ws) {
        flow_indicators = true;
      }
    } else {
      if (kFlowIndicators.find(c) != std::u32string_view::npos || c == ':') {
        flow_indicators = true;
      }
      if (c == '#' && preceded_by_ws) {
        flow_indicators = true;
      }
    }
    const bool is_break = is_linebr(c);
    if (is_break) {
      line_breaks = true;
    }
    if (c != '\n' && (c < 0x20 || c > 0x7E)) {
      const bool unicode_ok = c == 0x85 || (c >= 0xA0 && c <= 0xD7FF) ||
                              (c >= 0xE000 && c <= 0xFFFD) || (c >= 0x10000 && c <= 0x10FFFF);
      if (!unicode_ok) {
        special = true;
      }
    }
    if (c == ' ') {
      leading_space = leading_space || i == 0;
      trailing_space = trailing_space || i + 1 == s.size();
      break_space = break_space || previous_break;
      previous_space = true;
      previous_break = false;
    } else if (is_break) {
      leading_break = leading_break || i == 0;
      trailing_break = trailing_break || i + 1 == s.size();
      space_break = space_break || previous_space;
      previous_space = false;
      previous_break = true;
    } else {
      previous_space = previous_break = false;
    }
    preceded_by_ws = is_null_bl_t(c) || is_break;
    // Mirrors the engine's quirk: the next char's "followed by whitespace" also turns true when
    // the current char is a line break.
    followed_by_ws = true;
    if (i + 2 < s.size()) {
      followed_by_ws = is_null_bl_t(s[i + 2]) || is_break;
    }
  }
  if (leading_space || leading_break || trailing_space || trailing_break) {
    a.allow_flow_plain = false;
  }
  if (break_space) {
    a.allow_flow_plain = a.allow_single_quoted = false;
  }
  if (space_break || special) {
    a.allow_flow_plain = a.allow_single_quoted = false;
  }
  if (line_breaks || flow_indicators) {
    a.allow_flow_plain = false;
  }
  a.multiline = line_breaks;
  return a;
}

std::string single_quoted(const std::vector<char32_t>& s) {
  std::string out = "'";
  for (const auto c : s) {
    if (c == '\'') {
      out += "''";
    } else {
      util::append_utf8(out, c);
    }
  }
  return out + "'";
}

// Emitter.writeDoubleQuoted without line splitting (Flink sets splitLines(false)).
std::string double_quoted(const std::vector<char32_t>& s) {
  std::string out = "\"";
  for (const auto c : s) {
    const bool trigger = c == '"' || c == '\\' || c == 0x85 || c == 0x2028 || c == 0x2029 ||
                         c == 0xFEFF || c < ' ' || c > '~';
    if (!trigger) {
      out += static_cast<char>(c);
      continue;
    }
    switch (c) {
    case 0:
      out += "\\0";
      continue;
    case 0x07:
      out += "\\a";
      continue;
    case 0x08:
      out += "\\b";
      continue;
    case 0x09:
      out += "\\t";
      continue;
    case 0x0A:
      out += "\\n";
      continue;
    case 0x0B:
      out += "\\v";
      continue;
    case 0x0C:
      out += "\\f";
      continue;
    case 0x0D:
      out += "\\r";
      continue;
    case 0x1B:
      out += "\\e";
      continue;
    case '"':
      out += "\\\"";
      continue;
    case '\\':
      out += "\\\\";
      continue;
    case 0x85:
      out += "\\N";
      continue;
    case 0xA0:
      out += "\\_";
      continue;
    case 0x2028:
      out += "\\L";
      continue;
    case 0x2029:
      out += "\\P";
      continue;
    default:
      break;
    }
    if (is_printable(c)) {
      util::append_utf8(out, c);
    } else if (c <= 0xFF) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned>(c));
    } else if (c >= 0x10000) {
      out += fmt::format("\\U{:08x}", static_cast<unsigned>(c));
    } else {
      out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  return out + "\"";
}

// ----- the loader -----

class YamlLoader {
public:
  YamlLoader(const std::vector<YamlNode>& nodes, std::string display_name, Diagnostics& diagnostics)
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

  std::nullopt_t fail(int line, std::string message) {
    if (!error) {
      error = YamlError{std::move(message), line};
    }
    return std::nullopt;
  }

private:
  bool enter(std::size_t index, int depth) {
    if (error) {
      return false;
    }
    if (depth > kMaxDepth) {
      fail(m_nodes[index].line,
           fmt::format("nesting deeper than {} levels (or a recursive alias)", kMaxDepth));
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
    m_diagnostics.push_back(
        {Severity::info,
         "yaml-env-substituted",
         {m_file, node.line},
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
    const auto cps = code_points(*text);
    const auto a = analyze_scalar(cps);
    return length + utf16_length(cps) < 128 && !a.empty && !a.multiline;
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
    const auto cps = code_points(s.text);
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
  Diagnostics& m_diagnostics;
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
             Diagnostics& diagnostics) {
  if (depth > kMaxDepth) {
    loader.fail(nodes[map_index].line,
                fmt::format("nesting deeper than {} levels (or a recursive alias)", kMaxDepth));
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
    } else {
      diagnostics.push_back(
          {Severity::warning,
           "yaml-flattened-duplicate",
           {file, line},
           fmt::format("key '{}' is also set at line {}; after flattening nested keys Flink keeps "
                       "the later value",
                       util::printable(key), out[it->second].second.line),
           "set each key once, either nested or with dots"});
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
               "Flink refuses to start with this config.yaml; fix the YAML"};
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
  GraphBuilder builder;
  try {
    std::istringstream in{std::string(text)};
    YAML::Parser parser(in);
    if (parser.HandleNextDocument(builder) && !builder.error) {
      GraphBuilder second;
      if (parser.HandleNextDocument(second)) {
        return std::unexpected(
            yaml_error(file, {"expected a single document in the stream, found more", 0}));
      }
    }
  } catch (const YAML::Exception& e) {
    // yaml-cpp's own depth guard (DeepRecursion) also lands here.
    return std::unexpected(yaml_error(file, {e.msg, e.mark.is_null() ? 0 : e.mark.line + 1}));
  } catch (const std::exception& e) {
    return std::unexpected(yaml_error(file, {e.what(), 0}));
  }
  if (builder.error) {
    return std::unexpected(yaml_error(file, *builder.error));
  }
  if (!builder.root || builder.nodes[*builder.root].kind == NodeKind::null_value) {
    return parsed; // empty document: Flink uses an empty map
  }
  const auto root = *builder.root;
  const auto& nodes = builder.nodes;
  if (nodes[root].kind != NodeKind::mapping) {
    return std::unexpected(
        yaml_error(file, {"the top level is not a map of keys to values (Flink casts it to a Map)",
                          nodes[root].line}));
  }
  YamlLoader loader(nodes, display_name, parsed.diagnostics);
  if (!loader.check_duplicates(root)) {
    return std::unexpected(yaml_error(file, loader.error.value_or(YamlError{"invalid YAML", 0})));
  }
  std::vector<std::pair<std::string, FlatValue>> flat;
  std::unordered_map<std::string, std::size_t> index_of;
  if (!flatten(loader, nodes, root, "", 0, flat, index_of, file, parsed.diagnostics)) {
    return std::unexpected(yaml_error(file, loader.error.value_or(YamlError{"invalid YAML", 0})));
  }
  FlatBuilder config;
  for (auto& [key, value] : flat) {
    if (!value.value) {
      return std::unexpected(Error{
          fmt::format("{}:{}: key '{}' has no value (null); Flink fails to load config.yaml with "
                      "\"Value must not be null\"",
                      file, value.line, util::printable(key)),
          "give the key a value, quote an empty string as '', or remove the line"});
    }
    config.set(key, std::move(*value.value), {file, value.line});
  }
  parsed.config = std::move(config).build();
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// load_flink_conf

namespace {

bool is_file(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

} // namespace

Result<ParsedConfigFile> load_flink_conf(const std::filesystem::path& conf_dir,
                                         FlinkVersion version) {
  const auto legacy_path = conf_dir / kLegacyFileName;
  const auto yaml_path = conf_dir / kYamlFileName;
  const bool has_legacy = is_file(legacy_path);
  const bool has_yaml = is_file(yaml_path);
  constexpr FlinkVersion kFirstStandardYaml{1, 19};
  constexpr FlinkVersion kFirstYamlOnly{2, 0};
  const std::string hint = "pass --conf-dir or set FLINK_CONF_DIR";

  ConfigFormat format = ConfigFormat::legacy;
  Diagnostics extra;
  if (version < kFirstStandardYaml) {
    if (!has_legacy) {
      return fail(fmt::format("no {} in {} (Flink {} reads only that file{})", kLegacyFileName,
                              conf_dir.string(), version.to_string(),
                              has_yaml ? "; config.yaml is read from Flink 1.19 on" : ""),
                  has_yaml ? "pass --flink-version if this is Flink 1.19 or newer, or " + hint
                           : hint);
    }
  } else if (version < kFirstYamlOnly) {
    if (has_legacy) {
      if (has_yaml) {
        // GlobalConfiguration 1.19/1.20: flink-conf.yaml exists, so config.yaml is never read.
        extra.push_back(
            {Severity::warning,
             "config-yaml-ignored",
             {std::string(kYamlFileName), 0},
             fmt::format("Flink {} reads {} and ignores {} when both exist", version.to_string(),
                         kLegacyFileName, kYamlFileName),
             "remove one of them; bin/migrate-config-file.sh converts the legacy file"});
      }
    } else if (has_yaml) {
      format = ConfigFormat::yaml;
    } else {
      return fail(
          fmt::format("no {} or {} in {}", kLegacyFileName, kYamlFileName, conf_dir.string()),
          hint);
    }
  } else {
    format = ConfigFormat::yaml;
    if (!has_yaml) {
      return fail(fmt::format("no {} in {} (Flink {} reads only that file{})", kYamlFileName,
                              conf_dir.string(), version.to_string(),
                              has_legacy ? " and ignores flink-conf.yaml" : ""),
                  has_legacy ? "convert flink-conf.yaml with Flink's bin/migrate-config-file.sh, "
                               "pass --flink-version if this is Flink 1.x, or " +
                                   hint
                             : hint);
    }
    if (has_legacy) {
      extra.push_back({Severity::warning,
                       "legacy-file-ignored",
                       {std::string(kLegacyFileName), 0},
                       fmt::format("Flink {} ignores {}; only {} is read", version.to_string(),
                                   kLegacyFileName, kYamlFileName),
                       "migrate its settings with bin/migrate-config-file.sh and remove it"});
    }
  }

  const auto& path = format == ConfigFormat::legacy ? legacy_path : yaml_path;
  const std::string name(format == ConfigFormat::legacy ? kLegacyFileName : kYamlFileName);
  auto text = util::read_file(path, kMaxFileBytes);
  if (!text) {
    return std::unexpected(text.error());
  }
  ParsedConfigFile parsed;
  if (format == ConfigFormat::legacy) {
    parsed = parse_legacy_flink_conf(*text, name);
  } else {
    auto yaml = parse_standard_yaml(*text, name);
    if (!yaml) {
      return std::unexpected(yaml.error());
    }
    parsed = std::move(*yaml);
  }
  parsed.path = path;
  parsed.diagnostics.insert(parsed.diagnostics.begin(), extra.begin(), extra.end());
  return parsed;
}

} // namespace flinkha::config
