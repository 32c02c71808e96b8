#include "config/hadoop_conf.hpp"

#include "util/files.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <pugixml.hpp>
#include <pwd.h>
#include <unistd.h>

namespace flinkha::config {

namespace fs = std::filesystem;

namespace {

// Hadoop's site files are small; a larger one is not a configuration file.
constexpr std::uintmax_t kMaxXmlBytes = 16u << 20;
// Configuration.MAX_SUBST.
constexpr int kMaxSubstitutions = 20;

// Configuration's deprecations (Configuration.defaultDeprecations, HdfsConfiguration
// .addDeprecatedKeys) that decide where the NameNode is.
std::string_view canonical_name(std::string_view name) {
  if (name == "fs.default.name") {
    return "fs.defaultFS";
  }
  if (name == "dfs.http.address") {
    return "dfs.namenode.http-address";
  }
  if (name == "dfs.https.address") {
    return "dfs.namenode.https-address";
  }
  return name;
}

int line_of(std::string_view text, std::ptrdiff_t offset) {
  if (offset < 0) {
    return 0;
  }
  const auto end = std::min(static_cast<std::size_t>(offset), text.size());
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + end, '\n'));
}

// The text of <name>/<value>/<final> as Hadoop reads it: the element's text content.
std::string text_of(const pugi::xml_node& node) {
  std::string text;
  for (const auto& child : node.children()) {
    if (child.type() == pugi::node_pcdata || child.type() == pugi::node_cdata) {
      text += child.value();
    }
  }
  return text;
}

std::optional<std::string> system_property(std::string_view name) {
  if (name == "user.name" || name == "user.home") {
    if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) {
      return std::string(name == "user.name" ? pw->pw_name : pw->pw_dir);
    }
    return std::nullopt;
  }
  if (name == "java.io.tmpdir") {
    return std::string("/tmp");
  }
  return std::nullopt;
}

void add_dir_resources(std::vector<HadoopResource>& out, const std::string& dir,
                       const std::string& reason) {
  // addHadoopConfIfFound: the directory must exist, then each of the two files that exists.
  std::error_code ec;
  const bool dir_exists = fs::exists(dir, ec);
  for (const char* file : {"core-site.xml", "hdfs-site.xml"}) {
    const fs::path path = fs::path(dir) / file;
    out.push_back({path, reason, dir_exists && fs::exists(path, ec)});
  }
}

void add_file_resource(std::vector<HadoopResource>& out, const std::string& file,
                       const std::string& reason) {
  std::error_code ec;
  out.push_back({fs::path(file), reason, fs::exists(file, ec)});
}

std::optional<std::string> flink_value(const FlatConfig& flink, std::string_view key) {
  if (const auto* entry = flink.find(key)) {
    return std::string(util::java_trim(entry->value));
  }
  return std::nullopt;
}

// The directory bin/config.sh puts on the daemon's classpath as HADOOP_CONF_DIR.
std::optional<std::pair<std::string, std::string>> classpath_conf_dir(const FlatConfig& flink,
                                                                      const Environment& env) {
  if (auto dir = env("HADOOP_CONF_DIR")) {
    return std::pair{*dir, std::string("$HADOOP_CONF_DIR (classpath)")};
  }
  if (auto dir = flink_value(flink, "env.hadoop.conf.dir"); dir && !dir->empty()) {
    return std::pair{*dir, std::string("env.hadoop.conf.dir (classpath)")};
  }
  std::error_code ec;
  if (auto home = env("HADOOP_HOME")) {
    if (fs::is_directory(*home + "/etc/hadoop", ec)) {
      return std::pair{*home + "/etc/hadoop", std::string("$HADOOP_HOME/etc/hadoop (classpath)")};
    }
    if (fs::is_directory(*home + "/conf", ec)) {
      return std::pair{*home + "/conf", std::string("$HADOOP_HOME/conf (classpath)")};
    }
  }
  if (!env("HADOOP_CLASSPATH") && fs::is_directory("/etc/hadoop/conf", ec)) {
    return std::pair{std::string("/etc/hadoop/conf"), std::string("/etc/hadoop/conf (classpath)")};
  }
  return std::nullopt;
}

} // namespace

std::optional<bool> hadoop_bool(std::string_view value) {
  const auto trimmed = util::trim(value);
  if (util::iequals(trimmed, "true")) {
    return true;
  }
  if (util::iequals(trimmed, "false")) {
    return false;
  }
  return std::nullopt;
}

std::vector<std::string> hadoop_trimmed_strings(std::string_view value) {
  std::vector<std::string> out;
  for (const auto part : util::split(value, ',')) {
    if (const auto trimmed = util::trim(part); !trimmed.empty()) {
      out.emplace_back(trimmed);
    }
  }
  return out;
}

const HadoopProperty* HadoopConf::find(std::string_view name) const {
  const auto it = m_properties.find(canonical_name(name));
  return it == m_properties.end() ? nullptr : &it->second;
}

std::optional<std::string> HadoopConf::get(std::string_view name) const {
  const auto* property = find(name);
  if (property == nullptr) {
    return std::nullopt;
  }
  // Configuration.substituteVars: replace the first ${var} that resolves, again and again.
  std::string value = property->value;
  std::size_t search_from = 0;
  for (int depth = 0; depth < kMaxSubstitutions; ++depth) {
    std::size_t start = value.find("${", search_from);
    std::size_t end = std::string::npos;
    while (start != std::string::npos) {
      end = value.find('}', start + 2);
      if (end == std::string::npos) {
        break;
      }
      const auto var = std::string_view(value).substr(start + 2, end - start - 2);
      // Hadoop's pattern: \$\{[^\}\$\u0020]+\}
      if (!var.empty() && var.find_first_of("$ ") == std::string_view::npos) {
        break;
      }
      start = value.find("${", start + 2);
    }
    if (start == std::string::npos || end == std::string::npos) {
      break;
    }
    const std::string var = value.substr(start + 2, end - start - 2);
    std::optional<std::string> replacement;
    if (var.starts_with("env.") && var.size() > 4 && environment) {
      replacement = environment(std::string_view(var).substr(4));
    }
    if (!replacement) {
      replacement = system_property(var);
    }
    if (!replacement) {
      if (const auto* raw = find(var)) {
        replacement = raw->value;
      }
    }
    if (!replacement) {
      search_from = end + 1; // unknown: stays as written
      continue;
    }
    if (replacement->find("${" + var + "}") != std::string::npos) {
      break; // refers to itself: Hadoop stops too
    }
    value.replace(start, end - start + 1, *replacement);
  }
  return value;
}

std::string HadoopConf::where_of(std::string_view name) const {
  const auto* property = find(name);
  if (property == nullptr) {
    return fmt::format("{} is not set", canonical_name(name));
  }
  return fmt::format("{} ({})", canonical_name(name), to_string(property->where));
}

void HadoopConf::set(std::string name, HadoopProperty property) {
  const std::string key(canonical_name(name));
  auto it = m_properties.find(key);
  if (it != m_properties.end() && it->second.final) {
    if (it->second.value != property.value) {
      diagnostics.push_back({Severity::warning,
                             "hadoop-final-override",
                             property.where,
                             fmt::format("{} is final in {}; this value is ignored, as Hadoop "
                                         "ignores it",
                                         key, to_string(it->second.where)),
                             {}});
    }
    return;
  }
  m_properties.insert_or_assign(key, std::move(property));
}

Status parse_hadoop_xml(std::string_view text, const std::string& display_name, HadoopConf& conf) {
  pugi::xml_document doc;
  const auto parsed = doc.load_buffer(text.data(), text.size(), pugi::parse_default);
  if (!parsed) {
    return fail(ErrorCategory::configuration,
                fmt::format("{}:{}: not well-formed XML: {}", display_name,
                            line_of(text, parsed.offset), parsed.description()),
                "fix the file; Hadoop and Flink cannot read it either");
  }
  const auto root = doc.document_element();
  if (std::string_view(root.name()) != "configuration") {
    return fail(ErrorCategory::configuration,
                fmt::format("{}:{}: the root element is <{}>, not <configuration>", display_name,
                            line_of(text, root.offset_debug()), util::printable(root.name())));
  }
  for (const auto& property : root.children("property")) {
    std::string name = property.attribute("name").value();
    std::string value = property.attribute("value").value();
    bool has_value = !property.attribute("value").empty();
    std::string final_text = property.attribute("final").value();
    for (const auto& field : property.children()) {
      const std::string_view tag = field.name();
      if (tag == "name") {
        name = text_of(field);
      } else if (tag == "value") {
        value = text_of(field);
        has_value = true;
      } else if (tag == "final") {
        final_text = text_of(field);
      }
    }
    name = std::string(util::trim(name));
    if (name.empty() || !has_value) {
      continue; // Hadoop skips a property without a name, and one without a value
    }
    conf.set(std::move(name), {std::move(value),
                               {display_name, line_of(text, property.offset_debug())},
                               hadoop_bool(final_text).value_or(false)});
  }
  return {};
}

std::vector<HadoopResource> hadoop_resources(const FlatConfig& flink, FlinkVersion version,
                                             const Environment& environment) {
  std::vector<HadoopResource> out;
  if (auto classpath = classpath_conf_dir(flink, environment)) {
    add_dir_resources(out, classpath->first, classpath->second);
  }
  const auto hadoop_home = environment("HADOOP_HOME");
  const bool has_fs_hdfs_keys = version < FlinkVersion{2, 0};
  const auto add_flink_keys = [&](bool with_dir) {
    if (!has_fs_hdfs_keys) {
      return;
    }
    if (auto file = flink_value(flink, "fs.hdfs.hdfsdefault")) {
      add_file_resource(out, *file, "fs.hdfs.hdfsdefault");
    }
    if (auto file = flink_value(flink, "fs.hdfs.hdfssite")) {
      add_file_resource(out, *file, "fs.hdfs.hdfssite");
    }
    if (auto dir = flink_value(flink, "fs.hdfs.hadoopconf"); dir && with_dir) {
      add_dir_resources(out, *dir, "fs.hdfs.hadoopconf");
    }
  };
  if (version < FlinkVersion{1, 8}) {
    add_flink_keys(true);
    if (auto dir = environment("HADOOP_CONF_DIR")) {
      add_dir_resources(out, *dir, "$HADOOP_CONF_DIR");
    }
    if (hadoop_home) {
      add_dir_resources(out, *hadoop_home + "/conf", "$HADOOP_HOME/conf");
      add_dir_resources(out, *hadoop_home + "/etc/hadoop", "$HADOOP_HOME/etc/hadoop");
    }
    return out;
  }
  if (hadoop_home) {
    add_dir_resources(out, *hadoop_home + "/conf", "$HADOOP_HOME/conf");
    add_dir_resources(out, *hadoop_home + "/etc/hadoop", "$HADOOP_HOME/etc/hadoop");
  }
  add_flink_keys(true);
  if (auto dir = environment("HADOOP_CONF_DIR")) {
    add_dir_resources(out, *dir, "$HADOOP_CONF_DIR");
  }
  return out;
}

Result<HadoopConf> load_hadoop_conf(const FlatConfig& flink, FlinkVersion version,
                                    const Environment& environment) {
  HadoopConf conf;
  conf.environment = environment;
  conf.searched = hadoop_resources(flink, version, environment);
  for (std::size_t i = 0; i < conf.searched.size(); ++i) {
    const auto& resource = conf.searched[i];
    if (!resource.exists) {
      continue;
    }
    auto text = util::read_file(resource.path, kMaxXmlBytes);
    if (!text) {
      return std::unexpected(with_category(text.error(), ErrorCategory::configuration));
    }
    if (auto parsed = parse_hadoop_xml(*text, resource.path.string(), conf); !parsed) {
      return std::unexpected(parsed.error());
    }
    conf.loaded.push_back(resource.path);
    conf.found = true;
  }
  if (version >= FlinkVersion{1, 13}) {
    constexpr std::string_view kPrefix = "flink.hadoop.";
    for (const auto& entry : flink.entries()) {
      if (entry.key.starts_with(kPrefix) && entry.key.size() > kPrefix.size()) {
        conf.set(entry.key.substr(kPrefix.size()), {entry.value, entry.where, false});
        conf.found = true;
      }
    }
  }
  return conf;
}

} // namespace flinkha::config
