#pragma once
// Private to lib/config: how snakeyaml-engine's CoreSchema types a plain scalar
// (CoreScalarResolver, ConstructYamlInt/Float, ConstructEnv) and how Java prints a double
// (Double.toString), as Flink's standard YAML loader sees values. Used by the config.yaml loader
// (flink_conf_yaml.cpp).

#include <optional>
#include <string>
#include <string_view>

namespace flinkha::config::detail {

enum class ScalarType { null_value, string, integer, floating, boolean };

struct Scalar {
  ScalarType type = ScalarType::string;
  std::string text;  // string: the value; integer: decimal; boolean: true/false
  double number = 0; // floating only
};

bool matches_null(std::string_view v);

bool matches_bool(std::string_view v);

bool matches_int(std::string_view v);

// [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool matches_float(std::string_view v);

struct EnvReference {
  std::string name;
  std::string separator; // "", "-", ":-", "?", ":?"
  std::string fallback;
};

// BaseScalarResolver.ENV_FORMAT: ^\$\{\s*(?:(\w+)(?:(:?[-?])(\w+)?)?)\s*\}$
std::optional<EnvReference> match_env(std::string_view v);

// Tag a plain scalar resolves to (BaseScalarResolver.resolve with CoreScalarResolver).
enum class Resolved { null_value, boolean, integer, floating, env, string };

Resolved resolve_plain(std::string_view v);

// ConstructYamlCoreInt: Integer/Long/BigInteger, so the string form is plain decimal.
std::optional<std::string> construct_int(std::string_view v);

// ConstructYamlCoreFloat: Double.valueOf, or the .inf/.nan forms.
double construct_float(std::string_view v);

// Java's Double.toString (shortest repr digits, as JDK 19+ prints them): "1000.0", "1.0E20",
// "1.0E-5", "-0.0", "Infinity", "NaN".
std::string java_double_to_string(double d);

// How snakeyaml-engine's RepresentNumber writes a Double.
std::string yaml_double_to_string(double d);

} // namespace flinkha::config::detail
