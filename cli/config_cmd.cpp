// `flinkha config show` and `flinkha config check`.

#include "commands.hpp"
#include "config/hadoop_namenodes.hpp"
#include "config/lint.hpp"
#include "config/sensitive_keys.hpp"
#include "remote/ssh_options.hpp"
#include "storage/s3_settings.hpp"
#include "table.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <nlohmann/json.hpp>

#include <memory>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

struct ShowOptions {
  bool all = false; // also every key of the configuration file, as Flink reads it
};

std::string source_of(const config::ResolvedOption& option, const config::FlinkVersion& version) {
  if (!option.applicable) {
    return fmt::format("not in Flink {}", version.to_string());
  }
  return option.is_default ? "default" : to_string(option.where);
}

// A secret (s3.secret-key, a password, a token) is never shown: Flink's rule and mask.
std::string_view shown_value(const config::ConfigEntry& entry) {
  return config::is_sensitive_key(entry.key) ? config::kHiddenValue : std::string_view(entry.value);
}

ordered_json json_or_null(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json diagnostics_json(const config::Diagnostics& diagnostics) {
  auto list = ordered_json::array();
  for (const auto& d : diagnostics) {
    list.push_back({{"severity", to_string(d.severity)},
                    {"code", d.code},
                    {"source", to_string(d.where)},
                    {"message", d.message},
                    {"hint", d.hint.empty() ? ordered_json(nullptr) : ordered_json(d.hint)}});
  }
  return list;
}

// Where the storageDir's file system is and as whom flinkha reaches it (never a secret): for
// s3:// the endpoint, region, addressing and which credential source was used; for hdfs:// the
// Hadoop configuration files read and the NameNodes in the order they are tried. null for a
// local storageDir; {"error": …} when it cannot be resolved.
ordered_json storage_access_json(const config::ClusterConfig& config) {
  if (!config.ha.storage_dir) {
    return nullptr;
  }
  const auto split = util::parse_flink_path(util::trim(*config.ha.storage_dir));
  const std::string scheme = util::to_lower(split.scheme);
  const auto environment = config::process_environment();
  const auto kind = util::file_system_kind(scheme);
  if (kind == util::FileSystemKind::s3) {
    auto s3 = storage::describe_s3_credentials(config, environment, storage::s3_flavor_of(scheme));
    if (!s3) {
      return {{"scheme", scheme}, {"error", s3.error().message}};
    }
    return {{"scheme", scheme},
            {"endpoint", s3->endpoint},
            {"endpoint_source", s3->endpoint_source},
            {"region", s3->region},
            {"region_source", s3->region_source},
            {"addressing", s3->addressing},
            {"credentials_source", s3->credentials_source.empty()
                                       ? ordered_json(nullptr)
                                       : ordered_json(s3->credentials_source)},
            {"access_key_id",
             s3->access_key_id.empty() ? ordered_json(nullptr) : ordered_json(s3->access_key_id)},
            {"session_token", s3->session_token}};
  }
  if (kind == util::FileSystemKind::hdfs) {
    auto conf =
        config::load_hadoop_conf(config.flink_conf.config, config.flink_version.value, environment);
    if (!conf) {
      return {{"scheme", scheme}, {"error", conf.error().message}};
    }
    auto files = ordered_json::array();
    for (const auto& file : conf->loaded) {
      files.push_back(file.string());
    }
    ordered_json out{{"scheme", scheme}, {"hadoop_conf_files", std::move(files)}};
    auto target = config::resolve_webhdfs(scheme, split.authority, *conf);
    if (!target) {
      out["error"] = target.error().message;
      return out;
    }
    auto namenodes = ordered_json::array();
    for (const auto& nn : target->namenodes) {
      namenodes.push_back(
          {{"host", nn.host}, {"port", nn.port}, {"id", nn.id}, {"source", nn.source}});
    }
    out["authority"] = target->authority;
    out["authority_source"] = target->authority_source;
    out["nameservice"] =
        target->nameservice.empty() ? ordered_json(nullptr) : ordered_json(target->nameservice);
    out["https"] = target->https;
    out["namenodes"] = std::move(namenodes);
    return out;
  }
  return nullptr;
}

ordered_json show_json(const config::ClusterConfig& config, const ShowOptions& options) {
  const auto& version = config.flink_version.value;
  ordered_json out;
  out["conf_dir"] = config.conf_dir.value.string();
  out["conf_dir_source"] = config.conf_dir.source;
  out["config_file"] = config.flink_conf.path.string();
  out["config_format"] = to_string(config.flink_conf.format);
  out["flink_version"] = version.to_string();
  out["flink_version_source"] = config.flink_version.source;

  auto& opts = out["options"] = ordered_json::object();
  for (const auto& option : config.options) {
    opts[std::string(option.spec->canonical_key)] = {
        {"value", option.applicable ? json_or_null(option.value) : ordered_json(nullptr)},
        {"source", source_of(option, version)},
        {"key", json_or_null(option.key_written)},
        {"applicable", option.applicable}};
  }

  auto& masters = out["masters"] = ordered_json::array();
  if (config.masters) {
    for (const auto& m : config.masters->masters) {
      masters.push_back(
          {{"host", m.host}, {"web_ui_port", m.web_ui_port}, {"source", to_string(m.where)}});
    }
  }
  auto& workers = out["workers"] = ordered_json::array();
  if (config.workers) {
    for (const auto& w : config.workers->workers) {
      workers.push_back({{"host", w.host}, {"source", to_string(w.where)}});
    }
  }

  if (config.zoo_cfg) {
    const auto& zoo = *config.zoo_cfg;
    ordered_json zk;
    zk["config_file"] = zoo.path.string();
    auto& properties = zk["properties"] = ordered_json::object();
    for (const auto& p : zoo.properties) {
      properties[p.key] = p.value;
    }
    auto& servers = zk["servers"] = ordered_json::array();
    for (const auto& s : zoo.servers) {
      servers.push_back({{"id", s.id},
                         {"host", s.host},
                         {"peer_port", s.peer_port},
                         {"leader_port", s.leader_port},
                         {"client_port", zoo.client_port_of(s)},
                         {"role", s.role},
                         {"source", to_string(s.where)}});
    }
    out["zookeeper"] = std::move(zk);
  } else {
    out["zookeeper"] = nullptr;
  }

  const auto& ha = config.ha;
  out["ha"] = {{"mode", ha.mode},
               {"quorum", ha.quorum},
               {"namespace", ha.namespace_path},
               {"storage_dir", json_or_null(ha.storage_dir)},
               {"cluster_storage_dir", json_or_null(ha.cluster_storage_dir)},
               {"job_result_store", json_or_null(ha.job_result_store)}};
  out["storage_access"] = storage_access_json(config);
  out["diagnostics"] = diagnostics_json(config.diagnostics);

  if (options.all) {
    // ordered_json's operator[] finds a key by a linear scan, so n keys cost n^2/2 compares
    // (a 4 MB flink-conf.yaml took 31 s). FlatConfig's keys are unique: append them directly.
    auto& entries = out["entries"] = ordered_json::object();
    auto& members = entries.get_ref<ordered_json::object_t&>();
    members.reserve(config.flink_conf.config.entries().size());
    for (const auto& entry : config.flink_conf.config.entries()) {
      members.emplace_back(entry.key, ordered_json{{"value", shown_value(entry)},
                                                   {"source", to_string(entry.where)}});
    }
  }
  return out;
}

void print_diagnostics_text(const config::Diagnostics& diagnostics, const Style& style) {
  for (const auto& d : diagnostics) {
    const auto where = to_string(d.where);
    const auto severity = std::string(to_string(d.severity));
    const auto label = d.severity == config::Severity::error     ? style.red(severity)
                       : d.severity == config::Severity::warning ? style.yellow(severity)
                                                                 : severity;
    fmt::print("{}{}: {} [{}]\n", where.empty() ? "" : where + ": ", label, d.message, d.code);
    if (!d.hint.empty()) {
      fmt::print("  hint: {}\n", d.hint);
    }
  }
}

void show_text(const config::ClusterConfig& config, const ShowOptions& options,
               const Style& style) {
  const auto& version = config.flink_version.value;
  fmt::print("{:<14}{}  {}\n", "conf dir", config.conf_dir.value.string(),
             style.dim("(" + config.conf_dir.source + ")"));
  fmt::print("{:<14}{}  {}\n", "config file", config.flink_conf.path.string(),
             style.dim(fmt::format("({})", to_string(config.flink_conf.format))));
  fmt::print("{:<14}{}  {}\n", "Flink", version.full_string(),
             style.dim("(" + config.flink_version.source + ")"));

  const auto& ha = config.ha;
  fmt::print("\n{}\n", style.bold("HA"));
  fmt::print("  {:<20}{}\n", "mode", ha.mode);
  fmt::print("  {:<20}{}\n", "quorum",
             ha.quorum.empty() ? "-" : fmt::format("{}", fmt::join(ha.quorum, ",")));
  fmt::print("  {:<20}{}\n", "namespace", ha.namespace_path);
  fmt::print("  {:<20}{}\n", "storageDir", ha.storage_dir.value_or("-"));
  fmt::print("  {:<20}{}\n", "cluster storageDir", ha.cluster_storage_dir.value_or("-"));
  fmt::print("  {:<20}{}\n", "JobResultStore", ha.job_result_store.value_or("-"));
  if (const auto access = storage_access_json(config); !access.is_null()) {
    fmt::print("\n{}\n", style.bold("Storage access"));
    for (const auto& [key, value] : access.items()) {
      if (value.is_array()) {
        for (const auto& item : value) {
          fmt::print("  {:<20}{}\n", key,
                     item.is_object()
                         ? fmt::format("{}:{} {}", item.value("host", ""), item.value("port", 0),
                                       style.dim("(" + item.value("source", "") + ")"))
                         : item.get<std::string>());
        }
      } else if (!value.is_null()) {
        fmt::print("  {:<20}{}\n", key,
                   value.is_string() ? value.get<std::string>() : value.dump());
      }
    }
  }

  fmt::print("\n{}\n", style.bold("Options"));
  Table table({"OPTION", "VALUE", "SOURCE"});
  for (const auto& option : config.options) {
    if (!option.applicable || (!option.value && !options.all)) {
      continue;
    }
    auto source = source_of(option, version);
    if (option.key_written && *option.key_written != option.spec->canonical_key) {
      source += " as " + *option.key_written;
    }
    table.add({std::string(option.spec->canonical_key), option.value.value_or("(unset)"),
               option.is_default ? style.dim(source) : source});
  }
  table.print(stdout, 2);

  fmt::print("\n{}\n", style.bold("JobManagers (masters)"));
  if (!config.masters || config.masters->masters.empty()) {
    fmt::print("  (none)\n");
  } else {
    Table masters({"HOST", "WEB UI PORT", "SOURCE"});
    for (const auto& m : config.masters->masters) {
      masters.add({m.host, m.port_given ? std::to_string(m.web_ui_port) : "0 (not given)",
                   to_string(m.where)});
    }
    masters.print(stdout, 2);
  }

  fmt::print("\n{}\n", style.bold("TaskManagers (workers)"));
  if (!config.workers || config.workers->workers.empty()) {
    fmt::print("  (none)\n");
  } else {
    Table workers({"HOST", "SOURCE"});
    for (const auto& w : config.workers->workers) {
      workers.add({w.host, to_string(w.where)});
    }
    workers.print(stdout, 2);
  }

  fmt::print("\n{}\n", style.bold("ZooKeeper ensemble (zoo.cfg)"));
  if (!config.zoo_cfg) {
    fmt::print("  (no zoo.cfg)\n");
  } else {
    Table servers({"ID", "HOST", "CLIENT", "PEER", "LEADER", "ROLE", "SOURCE"});
    for (const auto& s : config.zoo_cfg->servers) {
      servers.add({std::to_string(s.id), s.host, std::to_string(config.zoo_cfg->client_port_of(s)),
                   std::to_string(s.peer_port), std::to_string(s.leader_port), s.role,
                   to_string(s.where)});
    }
    servers.print(stdout, 2);
  }

  if (options.all) {
    fmt::print("\n{}\n",
               style.bold("All entries of " + config.flink_conf.path.filename().string()));
    Table entries({"KEY", "VALUE", "SOURCE"});
    for (const auto& entry : config.flink_conf.config.entries()) {
      entries.add({entry.key, std::string(shown_value(entry)), to_string(entry.where)});
    }
    entries.print(stdout, 2);
  }

  if (!config.diagnostics.empty()) {
    fmt::print("\n");
    print_diagnostics_text(config.diagnostics, style);
  }
}

ExitCode run_show(Context& context, const ShowOptions& options) {
  auto config = context.load_config();
  if (!config) {
    return report_error(config.error(), ExitCode::config);
  }
  if (context.json()) {
    fmt::print("{}\n", show_json(*config, options).dump(2));
  } else {
    show_text(*config, options, Style{context.color()});
  }
  return ExitCode::ok;
}

ExitCode run_check(Context& context) {
  auto config = context.load_config();
  if (!config) {
    return report_error(config.error(), ExitCode::config);
  }
  // The configuration's own rules, then env.ssh.opts by the parser the ssh executor uses
  // (lib/remote, which lib/config cannot include).
  const auto environment = config::process_environment();
  auto diagnostics = lint_cluster_config(*config, environment);
  const auto ssh = remote::lint_ssh_opts(*config, environment);
  diagnostics.insert(diagnostics.end(), ssh.begin(), ssh.end());
  const auto errors =
      std::ranges::count(diagnostics, config::Severity::error, &config::Diagnostic::severity);
  const auto warnings =
      std::ranges::count(diagnostics, config::Severity::warning, &config::Diagnostic::severity);
  if (context.json()) {
    ordered_json out;
    out["conf_dir"] = config->conf_dir.value.string();
    out["flink_version"] = config->flink_version.value.to_string();
    out["errors"] = errors;
    out["warnings"] = warnings;
    out["diagnostics"] = diagnostics_json(diagnostics);
    fmt::print("{}\n", out.dump(2));
  } else {
    const Style style{context.color()};
    print_diagnostics_text(diagnostics, style);
    fmt::print("{}: {} error(s), {} warning(s)\n", config->conf_dir.value.string(), errors,
               warnings);
  }
  if (errors > 0) {
    return ExitCode::config;
  }
  return warnings > 0 ? ExitCode::warning : ExitCode::ok;
}

} // namespace

void setup_config_command(CLI::App& app, Context& context) {
  auto* config = app.add_subcommand("config", "Show the resolved configuration, or lint it");
  config->require_subcommand(1);
  config->footer(R"(Examples:
  flinkha config show
  flinkha --conf-dir /opt/flink/conf config check
See flinkha-config(1).)");

  auto show_options = std::make_shared<ShowOptions>();
  auto* show = config->add_subcommand(
      "show", "Resolved HA configuration: every option with its value and where it came from");
  show->add_flag("--all", show_options->all,
                 "Also list every key of the configuration file as Flink reads it, and unset "
                 "options");
  show->footer(R"(Examples:
  flinkha config show
  flinkha --flink-version 1.20 --conf-dir conf/examples/legacy config show --all
  flinkha -o json config show | jq '.ha.namespace')");
  show->callback(
      [&context, show_options] { context.exit_code = run_show(context, *show_options); });

  auto* check = config->add_subcommand(
      "check", "Lint the configuration: errors Flink would hit later, and known HA traps");
  check->footer(R"(Exit status: 0 clean, 1 warnings, 78 errors.
Examples:
  flinkha config check
  flinkha -o json config check | jq '.diagnostics[] | select(.severity == "error")')");
  check->callback([&context] { context.exit_code = run_check(context); });
}

} // namespace flinkha::cli
