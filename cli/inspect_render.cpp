#include "inspect_render.hpp"

#include "zk/reader.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::cli {

namespace {

using nlohmann::ordered_json;

ordered_json opt(const std::optional<std::int64_t>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json opt(const std::optional<std::string>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json text_or_null(const std::string& value) {
  return value.empty() ? ordered_json(nullptr) : ordered_json(value);
}

ordered_json stat_json(const zk::Stat& stat) {
  return {{"ephemeral_owner", stat.ephemeral_owner != 0
                                  ? ordered_json(zk::format_session_id(stat.ephemeral_owner))
                                  : ordered_json(nullptr)},
          {"num_children", stat.num_children},
          {"mtime_ms", stat.mtime_ms},
          {"ctime_ms", stat.ctime_ms},
          {"data_length", stat.data_length},
          {"version", stat.version}};
}

ordered_json entry_json(const storage::Entry& entry) {
  return {{"path", entry.relative_path},
          {"type", std::string(to_string(entry.type))},
          {"size_bytes", entry.size_bytes},
          {"mtime_ms", entry.mtime_ms}};
}

ordered_json pointer_json(const flink::PointerRecord& p) {
  ordered_json locks = ordered_json::array();
  for (const auto& lock : p.locks) {
    locks.push_back({{"path", lock.path},
                     {"owner", lock.owner != 0 ? ordered_json(zk::format_session_id(lock.owner))
                                               : ordered_json(nullptr)}});
  }
  ordered_json out = {{"znode", p.znode},
                      {"job_id", text_or_null(p.job_id)},
                      {"role", std::string(to_string(p.role))},
                      {"checkpoint_id", opt(p.checkpoint_id)},
                      {"stat", stat_json(p.stat)}};
  if (p.pointer) {
    out["pointer"] = {{"path", p.pointer->path},
                      {"state_size", opt(p.pointer->state_size)},
                      {"handle_classes", p.pointer->handle_classes}};
  } else {
    out["pointer"] = nullptr;
  }
  out["decode_error"] = text_or_null(p.decode_error);
  out["locks"] = std::move(locks);
  out["marked_for_deletion"] = p.marked_for_deletion;
  out["file_status"] = std::string(to_string(p.file_status));
  out["file"] = text_or_null(p.file);
  out["file_size"] = opt(p.file_size);
  out["application_id"] = text_or_null(p.application_id);
  return out;
}

// One result store (the JobResultStore, or 2.3's ApplicationResultStore: "id_key" names the id).
ordered_json result_store_json(const flink::JobResultStoreSide& side, const char* id_key) {
  ordered_json entries = ordered_json::array();
  for (const auto& e : side.entries) {
    entries.push_back({{id_key, e.job_id},
                       {"state", std::string(to_string(e.state))},
                       {"entry", entry_json(e.entry)}});
  }
  ordered_json unknown = ordered_json::array();
  for (const auto& e : side.unknown) {
    unknown.push_back(entry_json(e));
  }
  return {{"available", side.available},         {"uri", side.uri},
          {"error", text_or_null(side.error)},   {"dirty_entries", side.dirty_entries},
          {"clean_entries", side.clean_entries}, {"entries", std::move(entries)},
          {"unknown", std::move(unknown)}};
}

std::string_view application_state(const flink::ApplicationRecord& app) {
  if (app.result_file) {
    return app.dirty() ? "dirty" : "clean";
  }
  if (app.pointer && !app.pointer->marked_for_deletion) {
    return "running";
  }
  return "orphaned";
}

ordered_json application_json(const flink::ApplicationRecord& app) {
  ordered_json blobs = ordered_json::array();
  for (const auto& e : app.blob_entries) {
    blobs.push_back(entry_json(e));
  }
  ordered_json out = {{"application_id", app.application_id},
                      {"state", std::string(application_state(app))},
                      {"pointer", app.pointer ? pointer_json(*app.pointer) : nullptr},
                      {"job_ids", app.job_ids},
                      {"znode_count", app.znode_count},
                      {"blob_dir", text_or_null(app.blob_dir)},
                      {"blob_entries", std::move(blobs)}};
  if (app.result_file) {
    out["result_file"] = {{"state", std::string(to_string(app.result_file->state))},
                          {"entry", entry_json(app.result_file->entry)}};
  } else {
    out["result_file"] = nullptr;
  }
  if (app.result) {
    const auto& r = *app.result;
    out["result"] = {{"application_state", r.application_state},
                     {"name", opt(r.name)},
                     {"start_time_ms", opt(r.start_time_ms)},
                     {"end_time_ms", opt(r.end_time_ms)}};
  } else {
    out["result"] = nullptr;
  }
  out["result_error"] = text_or_null(app.result_error);
  return out;
}

ordered_json job_json(const flink::JobRecord& job) {
  ordered_json checkpoints = ordered_json::array();
  for (const auto& c : job.checkpoints) {
    checkpoints.push_back(pointer_json(c));
  }
  ordered_json blobs = ordered_json::array();
  for (const auto& e : job.blob_entries) {
    blobs.push_back(entry_json(e));
  }
  ordered_json out = {{"job_id", job.job_id},
                      {"state", std::string(job_state(job))},
                      {"job_graph", job.job_graph ? pointer_json(*job.job_graph) : nullptr},
                      {"checkpoints", std::move(checkpoints)}};
  if (job.counter) {
    out["counter"] = {{"znode", job.counter->znode},
                      {"next_checkpoint_id", job.counter->next_checkpoint_id
                                                 ? ordered_json(*job.counter->next_checkpoint_id)
                                                 : ordered_json(nullptr)},
                      {"decode_error", text_or_null(job.counter->decode_error)}};
  } else {
    out["counter"] = nullptr;
  }
  out["running_registry_status"] = opt(job.running_registry_status);
  out["znode_count"] = job.znode_count;
  out["blob_dir"] = text_or_null(job.blob_dir);
  out["blob_entries"] = std::move(blobs);
  if (job.job_result_file) {
    out["job_result_file"] = {{"state", std::string(to_string(job.job_result_file->state))},
                              {"entry", entry_json(job.job_result_file->entry)}};
  } else {
    out["job_result_file"] = nullptr;
  }
  if (job.job_result) {
    const auto& r = *job.job_result;
    out["job_result"] = {
        {"application_status", r.application_status}, {"net_runtime_ms", r.net_runtime_ms},
        {"failure_class", opt(r.failure_class)},      {"name", opt(r.name)},
        {"start_time_ms", opt(r.start_time_ms)},      {"end_time_ms", opt(r.end_time_ms)},
        {"application_id", opt(r.application_id)}};
  } else {
    out["job_result"] = nullptr;
  }
  out["job_result_error"] = text_or_null(job.job_result_error);
  out["application_id"] = text_or_null(job.application_id);
  return out;
}

std::string file_text(const flink::PointerRecord& p) {
  if (!p.pointer) {
    return fmt::format("(undecodable: {})", p.decode_error);
  }
  const std::string target = p.file.empty() ? p.pointer->path : p.file;
  std::string status{to_string(p.file_status)};
  if (p.file_size) {
    status += ", " + human_bytes(*p.file_size);
  }
  return fmt::format("{} ({})", target, status);
}

std::string locks_text(const flink::PointerRecord& p) {
  if (p.marked_for_deletion) {
    return "marked for deletion";
  }
  if (p.locks.empty()) {
    return "no locks";
  }
  std::vector<std::string> owners;
  for (const auto& lock : p.locks) {
    owners.push_back(lock.owner != 0 ? zk::format_session_id(lock.owner) : "persistent");
  }
  return fmt::format("locked by {}", fmt::join(owners, ", "));
}

std::string colored_state(std::string_view state_view, const Style& style) {
  const std::string state(state_view);
  return state == "running" ? style.green(state)
         : state == "clean" ? style.dim(state)
                            : style.yellow(state);
}

void print_blobs(const std::string& dir, const std::vector<storage::Entry>& entries) {
  if (dir.empty()) {
    return;
  }
  std::int64_t bytes = 0;
  for (const auto& e : entries) {
    bytes += e.type == storage::EntryType::file ? e.size_bytes : 0;
  }
  fmt::print("  {:<13}{} ({} entries, {})\n", "blobs", dir, entries.size(), human_bytes(bytes));
}

void print_application(const flink::ApplicationRecord& app, const Style& style) {
  fmt::print("\n{} {}  {}\n", style.bold("application"), app.application_id,
             colored_state(application_state(app), style));
  if (app.pointer) {
    fmt::print("  {:<13}{} → {}  [{}]\n", "application", app.pointer->znode,
               file_text(*app.pointer), locks_text(*app.pointer));
  }
  if (!app.job_ids.empty()) {
    fmt::print("  {:<13}{}\n", "jobs", fmt::join(app.job_ids, " "));
  }
  print_blobs(app.blob_dir, app.blob_entries);
  if (app.result_file) {
    const std::string result = app.result                 ? app.result->application_state
                               : app.result_error.empty() ? std::string()
                                                          : "unreadable: " + app.result_error;
    fmt::print("  {:<13}{} {}{}\n", "result", app.result_file->entry.relative_path,
               to_string(app.result_file->state), result.empty() ? "" : " (" + result + ")");
  }
  fmt::print("  {:<13}{}\n", "znodes", app.znode_count);
}

void print_job(const flink::JobRecord& job, const Style& style, Verbose verbose) {
  fmt::print("\n{} {}  {}\n", style.bold("job"), job.job_id, colored_state(job_state(job), style));
  if (job.job_graph) {
    fmt::print("  {:<13}{} → {}  [{}]\n", "job graph", job.job_graph->znode,
               file_text(*job.job_graph), locks_text(*job.job_graph));
  }
  if (!job.checkpoints.empty()) {
    const auto& latest = job.checkpoints.back();
    fmt::print("  {:<13}{}, latest {} → {}  [{}]\n", "checkpoints", job.checkpoints.size(),
               latest.checkpoint_id ? std::to_string(*latest.checkpoint_id) : "?",
               file_text(latest), locks_text(latest));
    if (verbose == Verbose::yes) {
      for (const auto& c : job.checkpoints) {
        fmt::print("    {} → {}  [{}]\n", c.znode, file_text(c), locks_text(c));
      }
    }
  }
  if (job.counter) {
    fmt::print("  {:<13}{} next id {}\n", "counter", job.counter->znode,
               job.counter->next_checkpoint_id ? std::to_string(*job.counter->next_checkpoint_id)
                                               : "(" + job.counter->decode_error + ")");
  }
  if (job.running_registry_status) {
    fmt::print("  {:<13}{}\n", "registry", *job.running_registry_status);
  }
  print_blobs(job.blob_dir, job.blob_entries);
  if (job.job_result_file) {
    std::string result;
    if (job.job_result) {
      result = job.job_result->application_status;
    } else if (!job.job_result_error.empty()) {
      result = "unreadable: " + job.job_result_error;
    }
    fmt::print("  {:<13}{} {}{}\n", "job result", job.job_result_file->entry.relative_path,
               to_string(job.job_result_file->state), result.empty() ? "" : " (" + result + ")");
  }
  fmt::print("  {:<13}{}\n", "znodes", job.znode_count);
}

} // namespace

std::string severity_text(flink::Severity severity, const Style& style) {
  const std::string text = fmt::format("{:<8}", to_string(severity));
  switch (severity) {
  case flink::Severity::critical:
    return style.red(text);
  case flink::Severity::warning:
    return style.yellow(text);
  case flink::Severity::info:
    return style.dim(text);
  }
  return text;
}

std::string human_bytes(std::int64_t bytes) {
  if (bytes < 1024) {
    return fmt::format("{} B", bytes);
  }
  const char* units[] = {"KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes) / 1024.0;
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < std::size(units)) {
    value /= 1024.0;
    ++unit;
  }
  return fmt::format("{:.1f} {}", value, units[unit]);
}

std::string human_age(std::int64_t ms) {
  const std::int64_t s = std::max<std::int64_t>(ms, 0) / 1000;
  if (s < 120) {
    return fmt::format("{}s", s);
  }
  if (s < 2 * 3600) {
    return fmt::format("{}m", s / 60);
  }
  if (s < 2 * 86400) {
    return fmt::format("{}h{}m", s / 3600, (s % 3600) / 60);
  }
  return fmt::format("{}d{}h", s / 86400, (s % 86400) / 3600);
}

std::string_view job_state(const flink::JobRecord& job) {
  if (job.job_result_file) {
    return job.job_result_file->state == flink::JrsState::dirty ? "dirty" : "clean";
  }
  if (job.job_graph && !job.job_graph->marked_for_deletion) {
    return "running";
  }
  return "orphaned";
}

ordered_json inventory_json(const flink::HaInventory& inv) {
  ordered_json out;
  out["namespace"] = inv.zk_namespace;
  out["namespace_exists"] = inv.namespace_exists;
  out["zk_root"] = inv.zk_root;
  out["cluster_id"] = inv.cluster_id;
  out["layout"] = std::string(flink::layout_label(inv.era));
  out["paths"] = {{"job_graphs", inv.paths.job_graphs},
                  {"checkpoints", inv.paths.checkpoints},
                  {"checkpoint_counter", inv.paths.checkpoint_counter},
                  {"running_registry", inv.paths.running_registry},
                  {"leader", inv.paths.leader},
                  {"latch", inv.paths.latch},
                  {"applications", inv.paths.applications}};
  out["now_ms"] = inv.now_ms;
  out["worst_severity"] = std::string(to_string(inv.worst_severity()));
  out["needs_attention"] = inv.needs_attention();
  auto& jobs = out["jobs"] = ordered_json::array();
  for (const auto& [id, job] : inv.jobs) {
    jobs.push_back(job_json(job));
  }
  auto& stray = out["stray_pointers"] = ordered_json::array();
  for (const auto& p : inv.stray_pointers) {
    stray.push_back(pointer_json(p));
  }
  ordered_json files = ordered_json::array();
  for (const auto& f : inv.storage.files) {
    ordered_json file = entry_json(f.entry);
    file["kind"] = std::string(to_string(f.kind));
    file["job_id"] = text_or_null(f.job_id);
    file["application_id"] = text_or_null(f.application_id);
    file["referenced_by"] = f.referenced_by;
    file["age_ms"] = inv.now_ms - f.entry.mtime_ms;
    files.push_back(std::move(file));
  }
  out["storage"] = {{"available", inv.storage.available},
                    {"uri", inv.storage.uri},
                    {"error", text_or_null(inv.storage.error)},
                    {"files", std::move(files)}};
  out["job_result_store"] = result_store_json(inv.job_result_store, "job_id");
  auto& applications = out["applications"] = ordered_json::array();
  for (const auto& [id, app] : inv.applications) {
    applications.push_back(application_json(app));
  }
  out["application_result_store"] =
      result_store_json(inv.application_result_store, "application_id");
  out["sibling_cluster_ids"] = {{"zookeeper", inv.zk_sibling_cluster_ids},
                                {"storage", inv.storage_sibling_cluster_ids}};
  auto& znodes = out["znodes"] = ordered_json::array();
  for (const auto& z : inv.znodes) {
    znodes.push_back({{"path", z.path},
                      {"role", std::string(to_string(z.role))},
                      {"job_id", text_or_null(z.job_id)},
                      {"stat", stat_json(z.stat)},
                      {"application_id", text_or_null(z.application_id)}});
  }
  auto& findings = out["findings"] = ordered_json::array();
  for (const auto& f : inv.findings) {
    findings.push_back({{"severity", std::string(to_string(f.severity))},
                        {"kind", std::string(to_string(f.kind))},
                        {"job_id", text_or_null(f.job_id)},
                        {"subject", f.subject},
                        {"message", f.message},
                        {"age_ms", opt(f.age_ms)},
                        {"application_id", text_or_null(f.application_id)}});
  }
  return out;
}

void print_inventory_text(const flink::HaInventory& inv, const std::string& layout_source,
                          const Style& style, Verbose verbose) {
  fmt::print("{:<18}{}{}\n", "namespace", inv.zk_namespace,
             inv.namespace_exists ? "" : style.dim("  (does not exist)"));
  fmt::print("{:<18}{}  {}\n", "layout", flink::layout_label(inv.era),
             style.dim("(" + layout_source + ")"));
  fmt::print("{:<18}{}{}\n", "storage", inv.storage.uri.empty() ? "-" : inv.storage.uri,
             inv.storage.available ? fmt::format("  ({} entries)", inv.storage.files.size())
                                   : style.yellow("  unavailable: " + inv.storage.error));
  if (!inv.job_result_store.uri.empty() || !inv.job_result_store.error.empty()) {
    fmt::print("{:<18}{}{}\n", "job result store",
               inv.job_result_store.uri.empty() ? "-" : inv.job_result_store.uri,
               inv.job_result_store.available
                   ? fmt::format("  ({} dirty, {} clean)", inv.job_result_store.dirty_entries,
                                 inv.job_result_store.clean_entries)
                   : style.yellow("  unavailable: " + inv.job_result_store.error));
  }
  const auto& ars = inv.application_result_store;
  if (!ars.uri.empty() || !ars.error.empty()) {
    fmt::print("{:<18}{}{}\n", "application store", ars.uri.empty() ? "-" : ars.uri,
               ars.available
                   ? fmt::format("  ({} dirty, {} clean)", ars.dirty_entries, ars.clean_entries)
                   : style.yellow("  unavailable: " + ars.error));
  }
  fmt::print("{:<18}{}\n", "znodes", inv.znodes.size());
  for (const auto& [id, app] : inv.applications) {
    print_application(app, style);
  }
  for (const auto& [id, job] : inv.jobs) {
    print_job(job, style, verbose);
  }
  if (!inv.stray_pointers.empty()) {
    fmt::print("\n{}\n", style.bold("pointers outside the known places"));
    for (const auto& p : inv.stray_pointers) {
      fmt::print("  {} → {}\n", p.znode, file_text(p));
    }
  }
  std::vector<const flink::StorageFileRecord*> unreferenced;
  for (const auto& f : inv.storage.files) {
    if (f.kind != flink::StorageFileKind::blob && f.kind != flink::StorageFileKind::other &&
        f.referenced_by.empty()) {
      unreferenced.push_back(&f);
    }
  }
  if (!unreferenced.empty()) {
    fmt::print("\n{}\n", style.bold("files no pointer refers to"));
    Table table({"FILE", "KIND", "SIZE", "AGE"});
    for (const auto* f : unreferenced) {
      table.add({f->entry.relative_path, std::string(to_string(f->kind)),
                 human_bytes(f->entry.size_bytes), human_age(inv.now_ms - f->entry.mtime_ms)});
    }
    table.print(stdout, 2);
  }
  if (!inv.job_result_store.entries.empty()) {
    fmt::print("\n{}\n", style.bold("job result store"));
    for (const auto& e : inv.job_result_store.entries) {
      fmt::print("  {}  {}\n", e.entry.relative_path, to_string(e.state));
    }
  }
  if (!ars.entries.empty()) {
    fmt::print("\n{}\n", style.bold("application result store"));
    for (const auto& e : ars.entries) {
      fmt::print("  {}  {}\n", e.entry.relative_path, to_string(e.state));
    }
  }
  if (!inv.zk_sibling_cluster_ids.empty() || !inv.storage_sibling_cluster_ids.empty()) {
    fmt::print("\n{}\n", style.bold("other cluster-ids"));
    if (!inv.zk_sibling_cluster_ids.empty()) {
      fmt::print("  zookeeper  {}\n", fmt::join(inv.zk_sibling_cluster_ids, " "));
    }
    if (!inv.storage_sibling_cluster_ids.empty()) {
      fmt::print("  storage    {}\n", fmt::join(inv.storage_sibling_cluster_ids, " "));
    }
  }
  fmt::print("\n{}\n", style.bold("findings"));
  if (inv.findings.empty()) {
    fmt::print("  none\n");
  }
  for (const auto& f : inv.findings) {
    // The subject (znode path or file) first: a finding is only actionable with its place.
    fmt::print("  {} {:<24}{}{}{}\n", severity_text(f.severity, style), to_string(f.kind),
               f.subject.empty() ? "" : f.subject + ": ", f.message,
               f.age_ms ? style.dim(" (age " + human_age(*f.age_ms) + ")") : "");
  }
  fmt::print("\n{}\n", inv.needs_attention() ? style.yellow("needs attention")
                                             : style.green("nothing to do"));
}

} // namespace flinkha::cli
