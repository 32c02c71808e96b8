// The legacy flink-conf.yaml line parser.

#include "config/detail/capped_diagnostics.hpp"
#include "config/flink_conf.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace flinkha::config {

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
  detail::CappedDiagnostics diagnostics(parsed.diagnostics);
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
      if (!diagnostics.room("legacy-malformed-line", Severity::warning, where)) {
        continue;
      }
      diagnostics.add({Severity::warning, "legacy-malformed-line", where,
                       fmt::format("line is not a key-value pair (missing space after ':'?): {}",
                                   util::printable(conf)),
                       "write 'key: value' with a space after the colon; Flink skips this line"});
      continue;
    }
    const auto key = util::java_trim(conf.substr(0, sep));
    const auto value = util::java_trim(conf.substr(sep + 2));
    if (key.empty() || value.empty()) {
      if (!diagnostics.room("legacy-malformed-line", Severity::warning, where)) {
        continue;
      }
      diagnostics.add({Severity::warning, "legacy-malformed-line", where,
                       fmt::format("key or value is empty: {}", util::printable(conf)),
                       "Flink skips this line; give both a key and a value"});
      continue;
    }
    parsed.config.set({std::string(key), std::string(value), where});
  }
  diagnostics.finish();
  return parsed;
}
} // namespace flinkha::config
