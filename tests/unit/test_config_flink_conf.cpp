#include "config/flink_conf.hpp"
#include "config/sensitive_keys.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

using flinkha::config::ConfigFormat;
using flinkha::config::FlinkVersion;
using flinkha::config::load_flink_conf;
using flinkha::config::parse_legacy_flink_conf;
using flinkha::config::parse_standard_yaml;
using flinkha::config::ParsedConfigFile;
using flinkha::config::Severity;
using flinkha::config::SourceLocation;
using flinkha::test::fixture;

namespace {

struct Expected {
  std::string_view key;
  std::string_view value;
  int line;
};

void check_entries(const ParsedConfigFile& parsed, const std::vector<Expected>& expected) {
  CHECK(parsed.config.entries().size() == expected.size());
  for (const auto& e : expected) {
    CAPTURE(e.key);
    const auto* entry = parsed.config.find(e.key);
    REQUIRE(entry != nullptr);
    CHECK(entry->value == e.value);
    CHECK(entry->where == SourceLocation{parsed.config.entries().front().where.file, e.line});
  }
}

ParsedConfigFile yaml_ok(std::string_view text) {
  auto parsed = parse_standard_yaml(text, "config.yaml");
  if (!parsed) {
    FAIL("unexpected error: " << parsed.error().message);
  }
  return std::move(*parsed);
}

std::string yaml_value(std::string_view text, std::string_view key) {
  const auto parsed = yaml_ok(text);
  const auto* entry = parsed.config.find(key);
  return entry ? entry->value : std::string("<missing>");
}

} // namespace

TEST_CASE("flink_conf: FlatConfig keeps first position, last value and location") {
  flinkha::config::FlatConfig config;
  config.set({"a", "1", {"f", 1}});
  config.set({"b", "2", {"f", 2}});
  config.set({"a", "3", {"f", 3}});
  REQUIRE(config.entries().size() == 2);
  CHECK(config.entries()[0].key == "a");
  CHECK(config.entries()[0].value == "3");
  CHECK(config.entries()[0].where == SourceLocation{"f", 3});
  CHECK(config.find("b")->value == "2");
  CHECK(config.find("c") == nullptr);
  CHECK(to_string(ConfigFormat::legacy) == "legacy");
  CHECK(to_string(ConfigFormat::yaml) == "yaml");
}

TEST_CASE("flink_conf: legacy parser on a tricky file, line by line as Flink") {
  const auto parsed = parse_legacy_flink_conf(fixture("flink_conf/legacy_tricky.flink-conf.yaml"),
                                              "flink-conf.yaml");
  CHECK(parsed.format == ConfigFormat::legacy);
  check_entries(parsed, {
                            {"jobmanager.rpc.address", "localhost", 3},
                            {"jobmanager.rpc.port", "6123", 4},
                            // the first '#' ends the line, even in a URL or in quotes
                            {"high-availability.storageDir", "hdfs:///flink/ha", 5},
                            {"env.java.opts", "\"-Dfoo=bar", 6},
                            // last duplicate wins, with its own line
                            {"state.backend.type", "hashmap", 12},
                            {"pipeline.name", "'quoted value'", 13},
                            {"web.tmpdir", "/tmp/fl\xc3\xbcnk \xe2\x98\x83", 14},
                            // split at the first ": " only
                            {"security.ssl.password", "a: b: c", 15},
                            // no nesting: an indented list item is a malformed line
                            {"key.with.tab:\tvalue", "after", 19},
                        });
  struct Warning {
    int line;
    std::string_view fragment;
  };
  const Warning warnings[] = {
      {7, "missing space after ':'"},  // key:value
      {8, "missing space after ':'"},  // key:<TAB>value
      {9, "missing space after ':'"},  // "key: " is trimmed to "key:" before the split
      {10, "key or value is empty"},   // ": value"
      {17, "missing space after ':'"}, // "metrics.reporters:"
      {18, "missing space after ':'"}, // "  - jmx"
  };
  REQUIRE(parsed.diagnostics.size() == std::size(warnings));
  for (std::size_t i = 0; i < std::size(warnings); ++i) {
    CAPTURE(i);
    const auto& d = parsed.diagnostics[i];
    CHECK(d.severity == Severity::warning);
    CHECK(d.code == "legacy-malformed-line");
    CHECK(d.where == SourceLocation{"flink-conf.yaml", warnings[i].line});
    CHECK(d.message.find(warnings[i].fragment) != std::string::npos);
  }
}

TEST_CASE("flink_conf: legacy parser splits lines like BufferedReader.readLine") {
  const auto parsed =
      parse_legacy_flink_conf(fixture("flink_conf/legacy_crlf.flink-conf.yaml"), "flink-conf.yaml");
  check_entries(parsed,
                {{"a.b", "1", 1}, {"c.d", "two words", 3}, {"e.f", "x", 5}, {"g.h", "y", 6}});
  CHECK(parsed.diagnostics.empty());
}

TEST_CASE("flink_conf: legacy parser edge lines") {
  struct Case {
    std::string_view text;
    std::string_view key; // empty: nothing is set
    std::string_view value;
    std::size_t warnings;
  };
  const Case cases[] = {
      {"", "", "", 0},
      {"# a: b", "", "", 0},
      {"   \t  ", "", "", 0},
      {"a: b", "a", "b", 0},
      {"a : b", "a", "b", 0},
      {"a:  b  ", "a", "b", 0},
      {"\x01"
       "a: b\x1f",
       "a", "b", 0},        // Java trim() strips every char <= 0x20
      {"a: #b", "", "", 1}, // "a:" after the comment is cut
      {"a:b", "", "", 1},
      {"a:", "", "", 1},
      {": b", "", "", 1},
      {"a: 'x # y'", "a", "'x", 0},
      {"\xef\xbb\xbf"
       "a: b",
       "\xef\xbb\xbf"
       "a",
       "b", 0}, // a BOM stays part of the key
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_legacy_flink_conf(c.text, "flink-conf.yaml");
    CHECK(parsed.diagnostics.size() == c.warnings);
    if (c.key.empty()) {
      CHECK(parsed.config.empty());
    } else {
      REQUIRE(parsed.config.entries().size() == 1);
      CHECK(parsed.config.entries()[0].key == c.key);
      CHECK(parsed.config.entries()[0].value == c.value);
    }
  }
}

TEST_CASE("flink_conf: three generations of HA keys, legacy and standard YAML give the same keys") {
  struct Case {
    std::string_view name;
    std::vector<std::pair<std::string_view, std::string_view>> keys;
  };
  const Case cases[] = {
      {"ha_gen1_recovery",
       {{"recovery.mode", "zookeeper"},
        {"recovery.zookeeper.quorum", "zk1:2181,zk2:2181,zk3:2181"},
        {"recovery.zookeeper.storageDir", "hdfs:///flink/recovery"},
        {"recovery.zookeeper.path.root", "/flink"},
        {"recovery.zookeeper.path.namespace", "/cluster_one"}}},
      {"ha_gen2_high_availability",
       {{"high-availability", "zookeeper"},
        {"high-availability.zookeeper.quorum", "zk1:2181,zk2:2181,zk3:2181"},
        {"high-availability.zookeeper.storageDir", "hdfs:///flink/ha/"},
        {"high-availability.zookeeper.path.root", "/flink"},
        {"high-availability.zookeeper.path.namespace", "/cluster_one"}}},
      {"ha_gen3_type",
       {{"high-availability.type", "zookeeper"},
        {"high-availability.zookeeper.quorum", "zk1:2181,zk2:2181,zk3:2181"},
        {"high-availability.storageDir", "file:///var/flink/ha"},
        {"high-availability.zookeeper.path.root", "/flink"},
        {"high-availability.cluster-id", "/cluster_one"}}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    const auto legacy = parse_legacy_flink_conf(
        fixture("flink_conf/" + std::string(c.name) + ".flink-conf.yaml"), "flink-conf.yaml");
    CHECK(legacy.diagnostics.empty());
    const auto yaml = yaml_ok(fixture("flink_conf/" + std::string(c.name) + ".config.yaml"));
    CHECK(yaml.diagnostics.empty());
    for (const auto& [key, value] : c.keys) {
      CAPTURE(key);
      REQUIRE(legacy.config.find(key) != nullptr);
      CHECK(legacy.config.find(key)->value == value);
      REQUIRE(yaml.config.find(key) != nullptr);
      CHECK(yaml.config.find(key)->value == value);
    }
  }
  // Nested keys carry the line of their innermost key.
  const auto yaml = yaml_ok(fixture("flink_conf/ha_gen3_type.config.yaml"));
  CHECK(yaml.config.find("high-availability.zookeeper.path.root")->where ==
        SourceLocation{"config.yaml", 9});
  CHECK(yaml.config.entries().front().key == "high-availability.type");
}

TEST_CASE("flink_conf: standard YAML typing, flattening and list rendering") {
  const auto parsed = yaml_ok(fixture("flink_conf/yaml_typed.config.yaml"));
  CHECK(parsed.format == ConfigFormat::yaml);
  CHECK(parsed.diagnostics.empty());
  check_entries(parsed,
                {
                    {"taskmanager.numberOfTaskSlots", "31", 2},
                    {"taskmanager.memory.process.size", "1728m", 3},
                    {"octal", "15", 4},
                    {"plus", "42", 5},
                    {"leading-zeros", "7", 6},
                    {"big", "4722366482869645213695", 7},
                    {"float.exp", "1000.0", 8},
                    {"float.small", "1.5E-5", 9},
                    {"float.inf", "-.inf", 10},
                    {"float.nan", ".nan", 11},
                    {"float.dot", "3.0", 12},
                    {"bool.upper", "true", 13},
                    {"bool.title", "false", 14},
                    {"yes-is-string", "yes", 15},
                    {"quoted.int", "0x1F", 16},
                    {"quoted.bool", "true", 17},
                    {"tagged", "123", 18},
                    {"comment", "value", 19},
                    {"url", "hdfs:///a#b", 20},
                    {"list.plain", "[a, b, c]", 21},
                    {"list.block",
                     "[jmx, '123', 123, true, null, '', 'a, b', it's, \"tab\\there\", [x, 1.5], "
                     "{k: v, n: null}, {key: value}]",
                     22},
                    {"list.empty", "[]", 35},
                    {"1", "integer key", 37}, // quoted: a typed key fails in Flink
                    {"true", "bool key", 38},
                    {"unicode", "caf\xc3\xa9 \xe2\x98\x83", 39},
                });
  CHECK(parsed.config.find("empty.map") == nullptr); // an empty nested map adds no key
}

TEST_CASE("flink_conf: standard YAML scalar values as Flink's toMap() renders them") {
  struct Case {
    std::string_view yaml_value;
    std::string_view expected;
  };
  const Case cases[] = {
      {"0", "0"},
      {"-0", "0"},
      {"-0x1", "-0x1"},
      {"0o8", "0o8"},
      {"0X1F", "0X1F"},
      {"1_000", "1_000"},
      {"12e3", "12000.0"},
      {"1E+20", "1.0E20"},
      {".5", "0.5"},
      {"-.5e-3", "-5.0E-4"},
      {"1e400", ".inf"},
      {"1e-400", "0.0"},
      {"-0.0", "-0.0"},
      {"123456789.0", "1.23456789E8"},
      {"0.001", "0.001"},
      {".INF", ".inf"},
      {"on", "on"},
      {"True", "true"},
      {"tRUE", "tRUE"},
      {"'null'", "null"},
      {"!!int '12'", "12"},
      {"!!float 1", "1.0"},
      {"\"a\\tb\"", "a\tb"},
      {"|\n  two\n  lines\n", "two\nlines\n"},
      {"[1, 0x10, 1e2, .nan, ~, Null, '~', '', ' x', 'x:y', 'x: y', '#a', 'a #b', -a, '- a']",
       "[1, 16, 100.0, .nan, null, null, '~', '', ' x', 'x:y', 'x: y', '#a', 'a #b', -a, '- a']"},
      {"[\"line\\nbreak\", \"q'\\\"\", \"\\x01\", \"\\u00a0\", caf\xc3\xa9]",
       "[\"line\\nbreak\", q'\", \"\\x01\", \xc2\xa0, caf\xc3\xa9]"}, // NBSP may stay plain
      {"[{? [a]: b}, {'': x}, {'true': 1}]", "[{? [a] : b}, {? '' : x}, {'true': 1}]"},
      {"[!!str 1, !!str true, '${X}']", "['1', 'true', '${X}']"},
      {"['---', '...', 'a, b', 'a[b]', '---x']", "['---', '...', 'a, b', 'a[b]', '---x']"},
      {"[\"\\u2028\", \"\\e\", \"\\x7f\", \"\\ufeff\"]",
       "[\"\\L\", \"\\e\", \"\\x7f\", \xef\xbb\xbf]"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.yaml_value);
    const std::string text = "k: " + std::string(c.yaml_value) + "\n";
    CHECK(yaml_value(text, "k") == c.expected);
  }
}

TEST_CASE("flink_conf: standard YAML keys must be strings, as Flink's flatten() casts them") {
  // Checked with Flink 1.20.5 and 2.3.0 (tests/integration/fixtures/config_parity/yaml/
  // non-string-keys, null-key): a typed key fails the load with a ClassCastException; a null key
  // becomes "null".
  for (const char* text :
       {"0x1F: a\n", "1.0e7: a\n", ".inf: a\n", "[x, 1]: a\n", "a:\n  TRUE: b\n", "{k: v}: a\n"}) {
    CAPTURE(text);
    const auto parsed = parse_standard_yaml(text, "config.yaml");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.find("is not a string") != std::string::npos);
  }
  CHECK(yaml_value("~: a\n", "null") == "a");
  CHECK(yaml_value("'1': a\n", "1") == "a");
  CHECK(yaml_value("a:\n  'true': b\n", "a.true") == "b");
}

TEST_CASE("flink_conf: '+.inf' fails in Flink's YAML library, other signed numbers do not") {
  const auto parsed = parse_standard_yaml("k: +.inf\n", "config.yaml");
  REQUIRE_FALSE(parsed.has_value());
  CHECK(parsed.error().message.find("config.yaml:1") != std::string::npos);
  CHECK(yaml_value("k: -.inf\n", "k") == "-.inf");
  CHECK(yaml_value("k: +.5\n", "k") == "0.5");
  CHECK(yaml_value("k: +7\n", "k") == "7");
}

TEST_CASE("flink_conf: repeated collections are dumped with anchors like snakeyaml-engine") {
  const auto parsed = yaml_ok("base: &l [1, 2]\nboth: [*l, *l, x]\n");
  CHECK(parsed.config.find("base")->value == "[1, 2]");
  CHECK(parsed.config.find("both")->value == "[&id001 [1, 2], *id001, x]");
  // A list containing itself dumps as snakeyaml-engine would (Flink accepts it).
  CHECK(yaml_value("a: &r [*r]\n", "a") == "&id001 [*id001]");
  // Map aliases are flattened like the anchored map.
  CHECK(yaml_value("a: &m {x: 1}\nb: *m\n", "b.x") == "1");
}

TEST_CASE("flink_conf: ${ENV} plain scalars are substituted as snakeyaml-engine does") {
  ::setenv("FLINKHA_TEST_SET", "from-env", 1);
  ::setenv("FLINKHA_TEST_EMPTY", "", 1);
  ::unsetenv("FLINKHA_TEST_UNSET");
  struct Case {
    std::string_view value;
    std::string_view expected;
  };
  const Case cases[] = {
      {"${FLINKHA_TEST_SET}", "from-env"},
      {"${ FLINKHA_TEST_SET }", "from-env"},
      {"${FLINKHA_TEST_UNSET}", ""},
      {"${FLINKHA_TEST_UNSET:-dflt}", "dflt"},
      {"${FLINKHA_TEST_EMPTY:-dflt}", "dflt"},
      {"${FLINKHA_TEST_EMPTY-dflt}", ""},
      {"${FLINKHA_TEST_UNSET-dflt}", "dflt"},
      {"'${FLINKHA_TEST_SET}'", "${FLINKHA_TEST_SET}"},
      {"${FLINKHA_TEST_SET}x", "${FLINKHA_TEST_SET}x"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.value);
    CHECK(yaml_value("k: " + std::string(c.value) + "\n", "k") == c.expected);
  }
  const auto parsed = yaml_ok("k: ${FLINKHA_TEST_SET}\n");
  REQUIRE(parsed.diagnostics.size() == 1);
  CHECK(parsed.diagnostics[0].code == "yaml-env-substituted");
  CHECK(parsed.diagnostics[0].severity == Severity::info);
  const auto missing =
      parse_standard_yaml("a: 1\nk: ${FLINKHA_TEST_UNSET:?needed}\n", "config.yaml");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().message ==
        "config.yaml:2: missing mandatory variable FLINKHA_TEST_UNSET: needed");
}

TEST_CASE("flink_conf: keys colliding after flattening: the later one wins, with a warning") {
  const auto parsed = yaml_ok(fixture("flink_conf/yaml_flatten_collision.config.yaml"));
  check_entries(parsed, {{"a.b", "2", 3}, {"a.c", "3", 4}});
  REQUIRE(parsed.diagnostics.size() == 1);
  CHECK(parsed.diagnostics[0].code == "yaml-flattened-duplicate");
  CHECK(parsed.diagnostics[0].severity == Severity::warning);
  CHECK(parsed.diagnostics[0].where == SourceLocation{"config.yaml", 3});
  CHECK(parsed.diagnostics[0].message.find("line 1") != std::string::npos);
  // A null overwritten by a later value is no longer null.
  CHECK(yaml_value("a.b:\na: {b: 1}\n", "a.b") == "1");
}

TEST_CASE("flink_conf: standard YAML errors name the file and line") {
  struct Case {
    std::string_view text;
    std::string_view fragment;
  };
  const Case cases[] = {
      {"a: 1\nb: 2\na: 3\n", "config.yaml:3: duplicate key 'a' (first at line 1)"},
      {"x:\n  1: one\n  0x1: also\n", "config.yaml:3: duplicate key '1' (first at line 2)"},
      {"x: [{a: 1, a: 2}]\n", "config.yaml:1: duplicate key 'a'"},
      {"? [a, b]\n: 1\n? [a, b]\n: 2\n", "config.yaml:3: duplicate key '[a, b]'"},
      {"a: 1\nrest.address:\n", "config.yaml:2: key 'rest.address' has no value (null)"},
      {"a: ~\n", "config.yaml:1: key 'a' has no value"},
      {"a: {b: null}\n", "config.yaml:1: key 'a.b' has no value"},
      {"- a\n- b\n", "config.yaml:1: the top level is not a map"},
      {"just a string\n", "config.yaml:1: the top level is not a map"},
      {"a: 1\n---\nb: 2\n", "config.yaml: expected a single document"},
      {"a: 1\nb: [unclosed\nc: 3\n", "config.yaml:"},
      {"a: !!int abc\n", "config.yaml:1: cannot construct !!int from 'abc'"},
      {"a: !!binary aGVsbG8=\n", "could not determine a constructor for the tag"},
      {"a: !custom x\n", "could not determine a constructor for the tag !custom"},
      {"a: &r {b: *r}\n", "config.yaml:1: nesting depth limit of 256 levels exceeded"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    const auto parsed = parse_standard_yaml(c.text, "config.yaml");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.find(c.fragment) != std::string::npos);
  }
  // The fixtures say the same.
  const auto dup = parse_standard_yaml(fixture("flink_conf/yaml_duplicate.config.yaml"), "c.yaml");
  REQUIRE_FALSE(dup.has_value());
  CHECK(dup.error().message.starts_with("c.yaml:3: duplicate key 'a'"));
  const auto typed_dup =
      parse_standard_yaml(fixture("flink_conf/yaml_duplicate_typed.config.yaml"), "c.yaml");
  REQUIRE_FALSE(typed_dup.has_value());
  CHECK(typed_dup.error().message.starts_with("c.yaml:3: duplicate key '1'"));
  const auto null_value =
      parse_standard_yaml(fixture("flink_conf/yaml_null_value.config.yaml"), "c.yaml");
  REQUIRE_FALSE(null_value.has_value());
  CHECK(null_value.error().message.starts_with("c.yaml:2: key 'rest.address' has no value"));
  CHECK_FALSE(parse_standard_yaml(fixture("flink_conf/yaml_list_root.config.yaml"), "c.yaml"));
  const auto syntax =
      parse_standard_yaml(fixture("flink_conf/yaml_syntax_error.config.yaml"), "c.yaml");
  REQUIRE_FALSE(syntax.has_value());
  CHECK(syntax.error().message.starts_with("c.yaml:"));
}

TEST_CASE("flink_conf: standard YAML empty documents and limits") {
  CHECK(yaml_ok("").config.empty());
  CHECK(yaml_ok("# only a comment\n").config.empty());
  CHECK(yaml_ok("---\n").config.empty());
  CHECK(yaml_ok("~\n").config.empty());
  CHECK(yaml_ok(fixture("flink_conf/yaml_empty.config.yaml")).config.empty());
  // snakeyaml-engine refuses more than 50 aliases to collections.
  std::string many = "a: &x [1]\nb: [";
  for (int i = 0; i < 51; ++i) {
    many += "*x, ";
  }
  many += "2]\n";
  const auto aliases = parse_standard_yaml(many, "config.yaml");
  REQUIRE_FALSE(aliases.has_value());
  CHECK(aliases.error().message.find("aliases for non-scalar nodes exceeds the limit of 50") !=
        std::string::npos);
}

TEST_CASE("flink_conf: a nesting depth limit is reported as one, with the limit and the line") {
  // Past the YAML parser's own limit (yaml-cpp's DepthGuard, which says only "bad file").
  const std::string deep = "x: 1\na: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  const auto parser_limit = parse_standard_yaml(deep, "config.yaml");
  REQUIRE_FALSE(parser_limit.has_value());
  CAPTURE(parser_limit.error().message);
  CHECK(parser_limit.error().message.starts_with("config.yaml:2: nesting depth limit of 500 "));
  CHECK(parser_limit.error().message.find("bad file") == std::string::npos);
  CHECK(parser_limit.error().hint.find("dotted keys") != std::string::npos);
  // Past our own bound on the node graph (kMaxDepth), below the parser's: a block map.
  std::string deep_map = "x: 1\n";
  for (int i = 0; i < 300; ++i) {
    deep_map += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
  }
  deep_map += std::string(300, ' ') + "k: v\n";
  const auto own_limit = parse_standard_yaml(deep_map, "config.yaml");
  REQUIRE_FALSE(own_limit.has_value());
  CAPTURE(own_limit.error().message);
  // The first map past the bound: key number 257 ("k:" on line 1 + 257) opens it.
  CHECK(own_limit.error().message.starts_with(
      "config.yaml:258: nesting depth limit of 256 levels exceeded"));
  CHECK(own_limit.error().hint.find("dotted keys") != std::string::npos);
  // Flow lists between the two limits, and a recursive alias, hit our bound too.
  const std::string lists = "a: " + std::string(300, '[') + std::string(300, ']') + "\n";
  const auto list_limit = parse_standard_yaml(lists, "config.yaml");
  REQUIRE_FALSE(list_limit.has_value());
  CHECK(list_limit.error().message.find("nesting depth limit of 256 levels") != std::string::npos);
  // A recursive map alias: Flink's flatten() never ends; a recursive list is dumped with an anchor.
  const auto recursive = parse_standard_yaml("a: &r {b: *r}\n", "config.yaml");
  REQUIRE_FALSE(recursive.has_value());
  CHECK(recursive.error().message.find("recursive alias") != std::string::npos);
  // Just inside the bound is fine.
  std::string ok_map;
  for (int i = 0; i < 100; ++i) {
    ok_map += std::string(static_cast<std::size_t>(i), ' ') + "k:\n";
  }
  ok_map += std::string(100, ' ') + "k: v\n";
  const auto ok = parse_standard_yaml(ok_map, "config.yaml");
  REQUIRE(ok.has_value());
  REQUIRE(ok->config.entries().size() == 1);
  CHECK(ok->config.entries()[0].key.size() == 101 * 2 - 1); // "k.k.…k"
}

TEST_CASE("flink_conf: FlatConfig over many keys: first position, last value, every key found") {
  // A file with many keys and duplicates: the index must agree with the order of entries.
  std::string text;
  for (int i = 0; i < 20000; ++i) {
    text += "key" + std::to_string(i % 5000) + ": v" + std::to_string(i) + "\n";
  }
  const auto parsed = parse_legacy_flink_conf(text, "flink-conf.yaml");
  REQUIRE(parsed.config.entries().size() == 5000);
  for (int k = 0; k < 5000; ++k) {
    const auto key = "key" + std::to_string(k);
    const auto* entry = parsed.config.find(key);
    REQUIRE(entry != nullptr);
    CHECK(entry == &parsed.config.entries()[static_cast<std::size_t>(k)]);
    CHECK(entry->value == "v" + std::to_string(15000 + k));
    CHECK(entry->where.line == 15001 + k);
  }
  CHECK(parsed.config.find("key5000") == nullptr);
  // A copy keeps a working index of its own.
  const auto copy = parsed.config;
  REQUIRE(copy.find("key42") != nullptr);
  CHECK(copy.find("key42") == &copy.entries()[42]);
}

TEST_CASE("flink_conf: per-line warnings are capped at 100 per code, the rest summarized") {
  std::string text = "a: 1\n";
  for (int i = 0; i < 250; ++i) {
    text += i % 2 == 0 ? "k:v\n" : "key:\n";
  }
  text += "b: 2\n";
  const auto parsed = parse_legacy_flink_conf(text, "flink-conf.yaml");
  REQUIRE(parsed.diagnostics.size() == 101);
  for (std::size_t i = 0; i < 100; ++i) {
    CHECK(parsed.diagnostics[i].code == "legacy-malformed-line");
    CHECK(parsed.diagnostics[i].where.line == static_cast<int>(i) + 2);
  }
  const auto& summary = parsed.diagnostics.back();
  CHECK(summary.code == "legacy-malformed-line");
  CHECK(summary.severity == Severity::warning);
  CHECK(summary.where == SourceLocation{"flink-conf.yaml", 102});
  CHECK(summary.message ==
        "150 more 'legacy-malformed-line' findings on lines 102-251 are not listed (the first "
        "100 are)");
  // Reading goes on: the keys around them are there.
  CHECK(parsed.config.find("b")->value == "2");
  CHECK(parsed.config.find("b")->where.line == 252);

  // Exactly 100: no summary.
  std::string hundred;
  for (int i = 0; i < 100; ++i) {
    hundred += "k:v\n";
  }
  CHECK(parse_legacy_flink_conf(hundred, "flink-conf.yaml").diagnostics.size() == 100);

  // The YAML reader caps its per-key warnings the same way.
  std::string yaml;
  for (int i = 0; i < 120; ++i) {
    yaml += "g" + std::to_string(i) + ".x: 1\ng" + std::to_string(i) + ": {x: 2}\n";
  }
  const auto flattened = parse_standard_yaml(yaml, "config.yaml");
  REQUIRE(flattened.has_value());
  REQUIRE(flattened->diagnostics.size() == 101);
  CHECK(flattened->diagnostics[0].code == "yaml-flattened-duplicate");
  CHECK(flattened->diagnostics.back().message.starts_with(
      "20 more 'yaml-flattened-duplicate' findings on lines 202-240"));
  CHECK(flattened->config.find("g119.x")->value == "2");
}

TEST_CASE("flink_conf: a symlink loop or a dangling symlink is named, not called missing") {
  flinkha::test::TempDir dir;
  std::filesystem::create_symlink("b", dir.path() / "a");
  std::filesystem::create_symlink("a", dir.path() / "b");
  std::filesystem::create_symlink("a", dir.path() / "flink-conf.yaml");
  for (const auto version : {FlinkVersion{1, 18}, FlinkVersion{1, 20}}) {
    CAPTURE(version.to_string());
    const auto loaded = load_flink_conf(dir.path(), version);
    REQUIRE_FALSE(loaded.has_value());
    CAPTURE(loaded.error().message);
    CHECK(loaded.error().message.starts_with("cannot resolve " +
                                             (dir.path() / "flink-conf.yaml").string() + ": "));
    CHECK(loaded.error().message.find("ELOOP") != std::string::npos);
    CHECK(loaded.error().message.find("no flink-conf.yaml") == std::string::npos);
    CHECK(loaded.error().category == flinkha::ErrorCategory::configuration);
    CHECK(loaded.error().hint.find("symlink") != std::string::npos);
  }
  // Flink 2.x never reads flink-conf.yaml: the loop only earns the "ignored" warning.
  dir.write("config.yaml", "a: yaml\n");
  const auto two = load_flink_conf(dir.path(), FlinkVersion{2, 0});
  REQUIRE(two.has_value());
  CHECK(two->config.find("a")->value == "yaml");
  REQUIRE(two->diagnostics.size() == 1);
  CHECK(two->diagnostics[0].code == "legacy-file-ignored");
  // config.yaml as a loop fails for 2.x.
  std::filesystem::remove(dir.path() / "config.yaml");
  std::filesystem::create_symlink("b", dir.path() / "config.yaml");
  const auto yaml_loop = load_flink_conf(dir.path(), FlinkVersion{2, 0});
  REQUIRE_FALSE(yaml_loop.has_value());
  CHECK(yaml_loop.error().message.starts_with("cannot resolve " +
                                              (dir.path() / "config.yaml").string() + ": "));

  flinkha::test::TempDir dangling;
  std::filesystem::create_symlink("gone.yaml", dangling.path() / "config.yaml");
  const auto missing = load_flink_conf(dangling.path(), FlinkVersion{2, 0});
  REQUIRE_FALSE(missing.has_value());
  CAPTURE(missing.error().message);
  CHECK(missing.error().message.find(
            "config.yaml is a symlink to gone.yaml, which does not exist") != std::string::npos);
}

TEST_CASE("flink_conf: load_flink_conf picks the file each Flink version reads") {
  const std::string legacy = "a: legacy\n";
  const std::string yaml = "a: yaml\n";
  struct Case {
    std::string_view version;
    bool has_legacy, has_yaml;
    std::string_view value;    // empty: an error
    std::string_view fragment; // error text, or the diagnostic code
  };
  const Case cases[] = {
      {"1.18", true, false, "legacy", ""},
      {"1.18", true, true, "legacy", ""},
      {"1.18", false, true, "", "no flink-conf.yaml in"},
      {"1.18", false, false, "", "no flink-conf.yaml in"},
      {"1.19", true, false, "legacy", ""},
      {"1.20", true, true, "legacy", "config-yaml-ignored"},
      {"1.20", false, true, "yaml", ""},
      {"1.19", false, false, "", "no flink-conf.yaml or config.yaml in"},
      {"2.0", false, true, "yaml", ""},
      {"2.1", true, true, "yaml", "legacy-file-ignored"},
      {"2.0", true, false, "", "no config.yaml in"},
      {"2.0", false, false, "", "no config.yaml in"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.version);
    CAPTURE(c.has_legacy);
    CAPTURE(c.has_yaml);
    flinkha::test::TempDir dir;
    if (c.has_legacy) {
      dir.write("flink-conf.yaml", legacy);
    }
    if (c.has_yaml) {
      dir.write("config.yaml", yaml);
    }
    const auto version = flinkha::config::parse_flink_version(c.version);
    REQUIRE(version.has_value());
    const auto loaded = load_flink_conf(dir.path(), *version);
    if (c.value.empty()) {
      REQUIRE_FALSE(loaded.has_value());
      CHECK(loaded.error().message.find(c.fragment) != std::string::npos);
      CHECK(loaded.error().message.find(dir.path().string()) != std::string::npos);
      CHECK(loaded.error().hint.find("--conf-dir") != std::string::npos);
      continue;
    }
    REQUIRE(loaded.has_value());
    CHECK(loaded->config.find("a")->value == c.value);
    const bool is_legacy = c.value == "legacy";
    CHECK(loaded->format == (is_legacy ? ConfigFormat::legacy : ConfigFormat::yaml));
    CHECK(loaded->path == dir.path() / (is_legacy ? "flink-conf.yaml" : "config.yaml"));
    CHECK(loaded->config.find("a")->where ==
          SourceLocation{is_legacy ? "flink-conf.yaml" : "config.yaml", 1});
    if (c.fragment.empty()) {
      CHECK(loaded->diagnostics.empty());
    } else {
      REQUIRE(loaded->diagnostics.size() == 1);
      CHECK(loaded->diagnostics[0].code == c.fragment);
      CHECK(loaded->diagnostics[0].severity == Severity::warning);
    }
  }
}

TEST_CASE("flink_conf: load_flink_conf reports YAML errors with the file name") {
  flinkha::test::TempDir dir;
  dir.write("config.yaml", "a: 1\na: 2\n");
  const auto loaded = load_flink_conf(dir.path(), FlinkVersion{2, 0});
  REQUIRE_FALSE(loaded.has_value());
  CHECK(loaded.error().message.starts_with("config.yaml:2: duplicate key 'a'"));
}

TEST_CASE("sensitive keys: Flink's GlobalConfiguration.isSensitive rule") {
  using flinkha::config::is_sensitive_key;
  for (const char* key :
       {"s3.secret-key", "fs.s3a.secret.key", "fs.s3a.session.token",
        "security.ssl.keystore-password", "fs.azure.account.key.acct",
        "metrics.reporter.dghttp.apikey", "S3.SECRET-KEY", "security.kerberos.login.jaas.config"}) {
    CAPTURE(key);
    CHECK(is_sensitive_key(key));
  }
  for (const char* key : {"s3.access-key", "s3.endpoint", "high-availability.storageDir",
                          "security.kerberos.login.keytab", "fs.s3a.access.key"}) {
    CAPTURE(key);
    CHECK_FALSE(is_sensitive_key(key));
  }
}
