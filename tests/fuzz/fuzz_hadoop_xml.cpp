// Fuzzes the Hadoop configuration reader (config/hadoop_conf.hpp: <configuration> XML with
// final, deprecated names and ${} substitution) and the NameNode resolution on what it read:
// any bytes give a configuration or an Error naming the file and line, never a crash or a
// substitution that does not end.
#include "config/hadoop_conf.hpp"
#include "config/hadoop_namenodes.hpp"

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flinkha::config;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  HadoopConf conf;
  conf.environment = [](std::string_view) -> std::optional<std::string> { return "env"; };
  if (!parse_hadoop_xml(text, "core-site.xml", conf)) {
    return 0;
  }
  // A second resource over the first: final handling.
  (void)parse_hadoop_xml(text, "hdfs-site.xml", conf);
  for (const auto& [name, property] : conf.properties()) {
    (void)conf.get(name);
  }
  for (const char* scheme : {"hdfs", "webhdfs", "swebhdfs"}) {
    (void)resolve_webhdfs(scheme, "", conf);
    (void)resolve_webhdfs(scheme, "ns1", conf);
    (void)resolve_webhdfs(scheme, "nn:8020", conf);
  }
  return 0;
}
