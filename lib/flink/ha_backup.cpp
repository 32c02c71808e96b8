#include "flink/ha_backup.hpp"

#include "util/files.hpp"
#include "util/sha256.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <set>
#include <system_error>

namespace flinkha::flink {

namespace {

using nlohmann::ordered_json;

constexpr std::size_t kMaxEntries = 1'000'000;
constexpr std::uintmax_t kMaxManifestBytes = 1u << 30;

constexpr std::string_view kBase64 =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

// RFC 4648 base64 with padding (what `base64 -d` reads).
std::string base64_encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                   static_cast<unsigned char>(bytes[i + 2]);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += kBase64[n & 63];
  }
  if (i + 1 == bytes.size()) {
    const auto n = static_cast<unsigned char>(bytes[i]) << 16;
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += "==";
  } else if (i + 2 == bytes.size()) {
    const auto n = (static_cast<unsigned char>(bytes[i]) << 16) |
                   (static_cast<unsigned char>(bytes[i + 1]) << 8);
    out += kBase64[(n >> 18) & 63];
    out += kBase64[(n >> 12) & 63];
    out += kBase64[(n >> 6) & 63];
    out += '=';
  }
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  if (text.size() % 4 != 0) {
    return std::nullopt;
  }
  std::string out;
  out.reserve(text.size() / 4 * 3);
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::array<int, 4> v{};
    int padding = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const char c = text[i + k];
      if (c == '=') {
        // Padding only at the end of the last group, at most two.
        if (i + 4 != text.size() || k < 2) {
          return std::nullopt;
        }
        ++padding;
        v[k] = 0;
        continue;
      }
      if (padding > 0) {
        return std::nullopt;
      }
      const auto pos = kBase64.find(c);
      if (pos == std::string_view::npos) {
        return std::nullopt;
      }
      v[k] = static_cast<int>(pos);
    }
    const int n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    out += static_cast<char>((n >> 16) & 0xff);
    if (padding < 2) {
      out += static_cast<char>((n >> 8) & 0xff);
    }
    if (padding < 1) {
      out += static_cast<char>(n & 0xff);
    }
  }
  return out;
}

constexpr BackupSide kSides[] = {BackupSide::cluster_storage, BackupSide::job_result_store,
                                 BackupSide::application_result_store};

constexpr ZnodeRole kRoles[] = {ZnodeRole::namespace_root,
                                ZnodeRole::structure,
                                ZnodeRole::job_graph,
                                ZnodeRole::checkpoint,
                                ZnodeRole::lock_root,
                                ZnodeRole::lock,
                                ZnodeRole::checkpoint_counter,
                                ZnodeRole::running_registry,
                                ZnodeRole::leader,
                                ZnodeRole::latch,
                                ZnodeRole::application,
                                ZnodeRole::unknown};

constexpr FileStatus kStatuses[] = {FileStatus::present, FileStatus::missing, FileStatus::outside,
                                    FileStatus::through_symlink, FileStatus::unknown};

ordered_json stat_json(const zk::Stat& stat) {
  return {{"czxid", stat.czxid},
          {"mzxid", stat.mzxid},
          {"pzxid", stat.pzxid},
          {"ctime_ms", stat.ctime_ms},
          {"mtime_ms", stat.mtime_ms},
          {"version", stat.version},
          {"cversion", stat.cversion},
          {"ephemeral_owner", stat.ephemeral_owner == 0
                                  ? ordered_json(nullptr)
                                  : ordered_json(zk::format_session_id(stat.ephemeral_owner))},
          {"data_length", stat.data_length},
          {"num_children", stat.num_children}};
}

// Field readers for parse_manifest: each error names the file and the field.
struct Fields {
  std::string_view file;

  Result<std::string> string(const nlohmann::json& object, std::string_view key,
                             std::string_view where, bool nullable = false) const {
    const auto it = object.find(key);
    if (it == object.end() || (nullable && it->is_null())) {
      if (nullable) {
        return std::string();
      }
      return failf(ErrorCategory::failed, "{}: {}{} is missing", file, where, key);
    }
    if (!it->is_string()) {
      return failf(ErrorCategory::failed, "{}: {}{} is not a string", file, where, key);
    }
    return it->get<std::string>();
  }

  Result<std::int64_t> integer(const nlohmann::json& object, std::string_view key,
                               std::string_view where) const {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_number_integer() ||
        (it->is_number_unsigned() && it->get<std::uint64_t>() > INT64_MAX)) {
      return failf(ErrorCategory::failed, "{}: {}{} is missing or not an integer", file, where,
                   key);
    }
    return it->get<std::int64_t>();
  }

  Result<bool> boolean(const nlohmann::json& object, std::string_view key,
                       std::string_view where) const {
    const auto it = object.find(key);
    if (it == object.end() || !it->is_boolean()) {
      return failf(ErrorCategory::failed, "{}: {}{} is missing or not true/false", file, where,
                   key);
    }
    return it->get<bool>();
  }
};

#define FLINKHA_TRY(var, expr)                                                                     \
  auto var##_result = (expr);                                                                      \
  if (!var##_result) {                                                                             \
    return std::unexpected(var##_result.error());                                                  \
  }                                                                                                \
  auto var = std::move(*var##_result)

std::optional<std::int64_t> parse_session_id(std::string_view text) {
  if (!text.starts_with("0x") || text.size() < 3 || text.size() > 18) {
    return std::nullopt;
  }
  std::uint64_t value = 0;
  for (const char c : text.substr(2)) {
    int digit = 0;
    if (c >= '0' && c <= '9') {
      digit = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      digit = c - 'a' + 10;
    } else {
      return std::nullopt;
    }
    value = value * 16 + static_cast<std::uint64_t>(digit);
  }
  return static_cast<std::int64_t>(value);
}

Result<zk::Stat> parse_stat(const Fields& f, const nlohmann::json& object, std::string_view where) {
  const auto it = object.find("stat");
  if (it == object.end() || !it->is_object()) {
    return failf(ErrorCategory::failed, "{}: {}stat is missing", f.file, where);
  }
  const std::string inner = fmt::format("{}stat.", where);
  zk::Stat stat;
  FLINKHA_TRY(czxid, f.integer(*it, "czxid", inner));
  FLINKHA_TRY(mzxid, f.integer(*it, "mzxid", inner));
  FLINKHA_TRY(pzxid, f.integer(*it, "pzxid", inner));
  FLINKHA_TRY(ctime, f.integer(*it, "ctime_ms", inner));
  FLINKHA_TRY(mtime, f.integer(*it, "mtime_ms", inner));
  FLINKHA_TRY(version, f.integer(*it, "version", inner));
  FLINKHA_TRY(cversion, f.integer(*it, "cversion", inner));
  FLINKHA_TRY(length, f.integer(*it, "data_length", inner));
  FLINKHA_TRY(children, f.integer(*it, "num_children", inner));
  FLINKHA_TRY(owner, f.string(*it, "ephemeral_owner", inner, /*nullable=*/true));
  stat.czxid = czxid;
  stat.mzxid = mzxid;
  stat.pzxid = pzxid;
  stat.ctime_ms = ctime;
  stat.mtime_ms = mtime;
  stat.version = static_cast<std::int32_t>(version);
  stat.cversion = static_cast<std::int32_t>(cversion);
  stat.data_length = static_cast<std::int32_t>(length);
  stat.num_children = static_cast<std::int32_t>(children);
  if (!owner.empty()) {
    const auto id = parse_session_id(owner);
    if (!id || *id == 0) {
      return failf(ErrorCategory::failed, "{}: {}ephemeral_owner '{}' is not a session id", f.file,
                   inner, owner);
    }
    stat.ephemeral_owner = *id;
  }
  return stat;
}

// A relative path inside the backup or a storage side: '/'-separated, no empty, "." or ".."
// component, no leading '/', no NUL or backslash.
bool safe_relative(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.contains('\0') || path.contains('\\')) {
    return false;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    start = end + 1;
  }
  return true;
}

std::string join_uri(std::string_view base, std::string_view relative) {
  if (base.ends_with('/')) {
    return fmt::format("{}{}", base, relative);
  }
  return fmt::format("{}/{}", base, relative);
}

// Reads one file of a storage side into `file` (size, mtime, checksum) and, when `keep`, into
// `copies`.
Status read_into(storage::HaStorage& store, BackupFile& file, bool keep, std::size_t max_bytes,
                 std::map<std::string, std::string>& copies) {
  auto entry = store.stat(file.path);
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (!entry->has_value()) {
    file.status = FileStatus::missing;
    return {};
  }
  auto content = store.read_file(file.path, max_bytes);
  if (!content) {
    return fail(ErrorCategory::failed,
                fmt::format("{}/{}: {}", store.describe(), file.path, content.error().message),
                content.error().hint);
  }
  file.status = FileStatus::present;
  file.size_bytes = static_cast<std::int64_t>(content->size());
  file.mtime_ms = (*entry)->mtime_ms;
  file.sha256 = util::sha256_hex(*content);
  if (keep) {
    file.copy = fmt::format("{}/{}", copies_dir(file.side), file.path);
    copies[file.copy] = std::move(*content);
  }
  return {};
}

} // namespace

std::string_view to_string(BackupSide side) {
  switch (side) {
  case BackupSide::cluster_storage:
    return "cluster_storage";
  case BackupSide::job_result_store:
    return "job_result_store";
  case BackupSide::application_result_store:
    return "application_result_store";
  }
  return "cluster_storage";
}

std::string_view copies_dir(BackupSide side) {
  switch (side) {
  case BackupSide::cluster_storage:
    return "files/cluster-storage";
  case BackupSide::job_result_store:
    return "files/job-result-store";
  case BackupSide::application_result_store:
    return "files/application-result-store";
  }
  return "files/cluster-storage";
}

std::string manifest_to_json(const BackupManifest& manifest) {
  const auto or_null = [](const std::string& text) {
    return text.empty() ? ordered_json(nullptr) : ordered_json(text);
  };
  ordered_json out;
  out["format"] = kBackupFormatName;
  out["format_version"] = manifest.format_version;
  out["flinkha_version"] = manifest.flinkha_version;
  out["created_ms"] = manifest.created_ms;
  out["flink_version"] = manifest.flink_version;
  out["flink_version_source"] = manifest.flink_version_source;
  out["layout"] = manifest.layout;
  out["cluster_id"] = manifest.cluster_id;
  out["zookeeper_root"] = manifest.zk_root;
  out["namespace"] = manifest.zk_namespace;
  out["storage"] = {{"cluster_storage", or_null(manifest.cluster_storage_uri)},
                    {"job_result_store", or_null(manifest.job_result_store_uri)},
                    {"application_result_store", or_null(manifest.application_result_store_uri)}};
  out["with_files"] = manifest.with_files;
  out["leader_registered"] = or_null(manifest.leader_registered);
  auto& znodes = out["znodes"] = ordered_json::array();
  for (const auto& node : manifest.znodes) {
    auto acl = ordered_json::array();
    for (const auto& entry : node.acl) {
      acl.push_back({{"perms", entry.perms}, {"scheme", entry.scheme}, {"id", entry.id}});
    }
    znodes.push_back({{"path", node.path},
                      {"role", std::string(to_string(node.role))},
                      {"ephemeral", node.ephemeral()},
                      {"data_base64", node.null_data ? ordered_json(nullptr)
                                                     : ordered_json(base64_encode(node.data))},
                      {"acl", std::move(acl)},
                      {"stat", stat_json(node.stat)}});
  }
  auto& files = out["files"] = ordered_json::array();
  for (const auto& file : manifest.files) {
    files.push_back({{"side", std::string(to_string(file.side))},
                     {"path", file.path},
                     {"uri", file.uri},
                     {"status", std::string(to_string(file.status))},
                     {"size_bytes", file.size_bytes},
                     {"mtime_ms", file.mtime_ms},
                     {"sha256", or_null(file.sha256)},
                     {"referenced_by", file.referenced_by},
                     {"copy", or_null(file.copy)}});
  }
  out["notes"] = manifest.notes;
  return out.dump(2) + "\n";
}

Result<BackupManifest> parse_manifest(std::string_view json, std::string_view file_name) {
  const auto document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded() || !document.is_object()) {
    return failf(ErrorCategory::failed, "{}: not a JSON object", file_name);
  }
  const Fields f{file_name};
  FLINKHA_TRY(format, f.string(document, "format", ""));
  if (format != kBackupFormatName) {
    return failf(ErrorCategory::failed, "{}: format is '{}', not '{}'", file_name, format,
                 kBackupFormatName);
  }
  FLINKHA_TRY(format_version, f.integer(document, "format_version", ""));
  if (format_version != kBackupFormatVersion) {
    return fail(ErrorCategory::failed,
                fmt::format("{}: format_version {} is not supported (this flinkha reads {})",
                            file_name, format_version, kBackupFormatVersion),
                "restore it with the flinkha version that took it");
  }
  BackupManifest m;
  m.format_version = static_cast<int>(format_version);
  FLINKHA_TRY(flinkha_version, f.string(document, "flinkha_version", ""));
  FLINKHA_TRY(created, f.integer(document, "created_ms", ""));
  FLINKHA_TRY(flink_version, f.string(document, "flink_version", ""));
  FLINKHA_TRY(version_source, f.string(document, "flink_version_source", ""));
  FLINKHA_TRY(layout, f.string(document, "layout", ""));
  FLINKHA_TRY(cluster_id, f.string(document, "cluster_id", ""));
  FLINKHA_TRY(root, f.string(document, "zookeeper_root", ""));
  FLINKHA_TRY(ns, f.string(document, "namespace", ""));
  FLINKHA_TRY(with_files, f.boolean(document, "with_files", ""));
  FLINKHA_TRY(leader, f.string(document, "leader_registered", "", /*nullable=*/true));
  m.flinkha_version = flinkha_version;
  m.created_ms = created;
  m.flink_version = flink_version;
  m.flink_version_source = version_source;
  m.layout = layout;
  m.cluster_id = cluster_id;
  m.zk_root = root;
  m.zk_namespace = ns;
  m.with_files = with_files;
  m.leader_registered = leader;
  if (ns.empty() || ns.front() != '/' || (ns.size() > 1 && ns.back() == '/')) {
    return failf(ErrorCategory::failed, "{}: namespace '{}' is not an absolute znode path",
                 file_name, ns);
  }
  const auto storage_it = document.find("storage");
  if (storage_it == document.end() || !storage_it->is_object()) {
    return failf(ErrorCategory::failed, "{}: storage is missing", file_name);
  }
  FLINKHA_TRY(cluster_storage, f.string(*storage_it, "cluster_storage", "storage.", true));
  FLINKHA_TRY(jrs, f.string(*storage_it, "job_result_store", "storage.", true));
  FLINKHA_TRY(ars, f.string(*storage_it, "application_result_store", "storage.", true));
  m.cluster_storage_uri = cluster_storage;
  m.job_result_store_uri = jrs;
  m.application_result_store_uri = ars;

  const auto znodes_it = document.find("znodes");
  if (znodes_it == document.end() || !znodes_it->is_array() || znodes_it->size() > kMaxEntries) {
    return failf(ErrorCategory::failed, "{}: znodes is missing, not an array or too long",
                 file_name);
  }
  std::string previous;
  for (std::size_t i = 0; i < znodes_it->size(); ++i) {
    const auto& item = (*znodes_it)[i];
    const std::string where = fmt::format("znodes[{}].", i);
    if (!item.is_object()) {
      return failf(ErrorCategory::failed, "{}: {} is not an object", file_name,
                   where.substr(0, where.size() - 1));
    }
    BackupZnode node;
    FLINKHA_TRY(path, f.string(item, "path", where));
    if (!zk::is_within(path, ns) || path.ends_with('/') || path.contains("//") ||
        path.contains('\0') || path <= previous) {
      return failf(ErrorCategory::failed,
                   "{}: {}path '{}' is not a znode inside {} in sorted order", file_name, where,
                   path, ns);
    }
    previous = path;
    node.path = path;
    FLINKHA_TRY(role, f.string(item, "role", where));
    const auto role_it =
        std::ranges::find_if(kRoles, [&](ZnodeRole r) { return to_string(r) == role; });
    if (role_it == std::end(kRoles)) {
      return failf(ErrorCategory::failed, "{}: {}role '{}' is unknown", file_name, where, role);
    }
    node.role = *role_it;
    const auto data_it = item.find("data_base64");
    if (data_it == item.end() || data_it->is_null()) {
      node.null_data = true;
    } else if (!data_it->is_string()) {
      return failf(ErrorCategory::failed, "{}: {}data_base64 is not a string", file_name, where);
    } else {
      auto data = base64_decode(data_it->get<std::string>());
      if (!data) {
        return failf(ErrorCategory::failed, "{}: {}data_base64 is not valid base64", file_name,
                     where);
      }
      node.data = std::move(*data);
    }
    const auto acl_it = item.find("acl");
    if (acl_it == item.end() || !acl_it->is_array() || acl_it->empty() || acl_it->size() > 64) {
      return failf(ErrorCategory::failed, "{}: {}acl is missing, empty or too long", file_name,
                   where);
    }
    for (const auto& entry : *acl_it) {
      if (!entry.is_object()) {
        return failf(ErrorCategory::failed, "{}: {}acl has an entry that is not an object",
                     file_name, where);
      }
      FLINKHA_TRY(perms, f.integer(entry, "perms", where + "acl[]."));
      FLINKHA_TRY(scheme, f.string(entry, "scheme", where + "acl[]."));
      FLINKHA_TRY(id, f.string(entry, "id", where + "acl[]."));
      if (perms < 0 || perms > 31 || scheme.empty()) {
        return failf(ErrorCategory::failed, "{}: {}acl has an invalid entry", file_name, where);
      }
      node.acl.push_back(zk::AclEntry{static_cast<std::int32_t>(perms), scheme, id});
    }
    FLINKHA_TRY(stat, parse_stat(f, item, where));
    node.stat = stat;
    FLINKHA_TRY(ephemeral, f.boolean(item, "ephemeral", where));
    if (ephemeral != node.ephemeral()) {
      return failf(ErrorCategory::failed, "{}: {}ephemeral disagrees with stat.ephemeral_owner",
                   file_name, where);
    }
    m.znodes.push_back(std::move(node));
  }

  const auto files_it = document.find("files");
  if (files_it == document.end() || !files_it->is_array() || files_it->size() > kMaxEntries) {
    return failf(ErrorCategory::failed, "{}: files is missing, not an array or too long",
                 file_name);
  }
  for (std::size_t i = 0; i < files_it->size(); ++i) {
    const auto& item = (*files_it)[i];
    const std::string where = fmt::format("files[{}].", i);
    if (!item.is_object()) {
      return failf(ErrorCategory::failed, "{}: files[{}] is not an object", file_name, i);
    }
    BackupFile file;
    FLINKHA_TRY(side, f.string(item, "side", where));
    const auto side_it =
        std::ranges::find_if(kSides, [&](BackupSide s) { return to_string(s) == side; });
    if (side_it == std::end(kSides)) {
      return failf(ErrorCategory::failed, "{}: {}side '{}' is unknown", file_name, where, side);
    }
    file.side = *side_it;
    FLINKHA_TRY(path, f.string(item, "path", where));
    FLINKHA_TRY(uri, f.string(item, "uri", where));
    FLINKHA_TRY(status, f.string(item, "status", where));
    const auto status_it =
        std::ranges::find_if(kStatuses, [&](FileStatus s) { return to_string(s) == status; });
    if (status_it == std::end(kStatuses)) {
      return failf(ErrorCategory::failed, "{}: {}status '{}' is unknown", file_name, where, status);
    }
    file.status = *status_it;
    // Only files inside their side are checked and restored: their path must be safe.
    if (file.status == FileStatus::present && !safe_relative(path)) {
      return failf(ErrorCategory::failed, "{}: {}path '{}' is not a safe relative path", file_name,
                   where, path);
    }
    file.path = path;
    file.uri = uri;
    FLINKHA_TRY(size, f.integer(item, "size_bytes", where));
    FLINKHA_TRY(mtime, f.integer(item, "mtime_ms", where));
    FLINKHA_TRY(sha, f.string(item, "sha256", where, true));
    FLINKHA_TRY(copy, f.string(item, "copy", where, true));
    if (size < 0 || (file.status == FileStatus::present &&
                     (sha.size() != 64 || !std::ranges::all_of(sha, [](char c) {
                        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
                      })))) {
      return failf(ErrorCategory::failed, "{}: {}size_bytes or sha256 is invalid", file_name,
                   where);
    }
    if (!copy.empty() && (file.status != FileStatus::present || !safe_relative(copy) ||
                          !copy.starts_with("files/"))) {
      return failf(ErrorCategory::failed, "{}: {}copy '{}' is not a path below files/", file_name,
                   where, copy);
    }
    file.size_bytes = size;
    file.mtime_ms = mtime;
    file.sha256 = sha;
    file.copy = copy;
    const auto refs = item.find("referenced_by");
    if (refs == item.end() || !refs->is_array() || refs->size() > kMaxEntries) {
      return failf(ErrorCategory::failed, "{}: {}referenced_by is not an array", file_name, where);
    }
    for (const auto& ref : *refs) {
      if (!ref.is_string()) {
        return failf(ErrorCategory::failed, "{}: {}referenced_by has a non-string", file_name,
                     where);
      }
      file.referenced_by.push_back(ref.get<std::string>());
    }
    m.files.push_back(std::move(file));
  }
  if (const auto notes = document.find("notes"); notes != document.end() && notes->is_array()) {
    for (const auto& note : *notes) {
      if (note.is_string()) {
        m.notes.push_back(note.get<std::string>());
      }
    }
  }
  return m;
}

Result<Backup> take_backup(zk::ZkReader& zk, const InventoryInput& input,
                           const BackupOptions& options) {
  auto inventory = build_ha_inventory(zk, input);
  if (!inventory) {
    return std::unexpected(inventory.error());
  }
  if (!inventory->namespace_exists) {
    return fail(ErrorCategory::failed,
                fmt::format("{}: the namespace does not exist: there is no HA data to back up",
                            input.zk_namespace),
                "check high-availability.cluster-id and high-availability.zookeeper.path.root");
  }
  Backup backup;
  auto& m = backup.manifest;
  m.flinkha_version = options.flinkha_version;
  m.flink_version = options.flink_version;
  m.flink_version_source = options.flink_version_source;
  m.layout = std::string(layout_label(input.era));
  m.cluster_id = input.cluster_id;
  m.zk_root = input.zk_root;
  m.zk_namespace = input.zk_namespace;
  m.cluster_storage_uri = input.cluster_storage_uri;
  m.job_result_store_uri = input.job_result_store_uri;
  m.application_result_store_uri = input.application_result_store_uri;
  m.created_ms = options.now_ms;
  m.with_files = options.with_files;
  m.leader_registered = options.leader_registered;

  std::vector<std::string> paths;
  paths.reserve(inventory->znodes.size());
  for (const auto& record : inventory->znodes) {
    paths.push_back(record.path);
  }
  auto nodes = zk.get_many(paths);
  auto acls = zk.get_acl_many(paths);
  const auto changed = [&](const std::string& path, std::string_view what) {
    return fail(
        ErrorCategory::failed,
        fmt::format("{}: {} while the backup was taken: the HA data is changing", path, what),
        "stop the cluster (or wait until the leader is idle) and run the backup again");
  };
  for (std::size_t i = 0; i < paths.size(); ++i) {
    const auto& record = inventory->znodes[i];
    if (!nodes[i] || !acls[i]) {
      const auto& error = !nodes[i] ? nodes[i].error() : acls[i].error();
      if (error.code == zk::ZkCode::no_node) {
        if (zk::is_session_owner(record.stat.ephemeral_owner)) {
          continue; // an ephemeral node went with its session: nothing to restore anyway
        }
        return changed(paths[i], "deleted");
      }
      return std::unexpected(zk::to_error(error));
    }
    // The inventory (its walk named the files) must have seen the data saved here: a pointer
    // replaced in between would name a file that is neither checked nor copied.
    if (!zk::is_session_owner(record.stat.ephemeral_owner) &&
        nodes[i]->stat.mzxid != record.stat.mzxid) {
      return changed(paths[i], "modified");
    }
    BackupZnode node;
    node.path = paths[i];
    node.data = std::move(nodes[i]->data);
    node.null_data = nodes[i]->null_data;
    node.stat = nodes[i]->stat;
    node.acl = std::move(*acls[i]);
    node.role = record.role;
    m.znodes.push_back(std::move(node));
  }
  std::ranges::sort(m.znodes, {}, &BackupZnode::path);

  // The files the pointers name, once each.
  std::map<std::string, BackupFile> by_path;
  std::vector<BackupFile> elsewhere;
  for (const auto* pointer : inventory->all_pointers()) {
    if (!pointer->pointer) {
      continue;
    }
    if (pointer->file_status == FileStatus::present ||
        pointer->file_status == FileStatus::missing) {
      auto& file = by_path[pointer->file];
      file.side = BackupSide::cluster_storage;
      file.path = pointer->file;
      file.uri = pointer->pointer->path;
      file.referenced_by.push_back(pointer->znode);
      continue;
    }
    BackupFile file;
    file.side = BackupSide::cluster_storage;
    file.path = pointer->file;
    file.uri = pointer->pointer->path;
    file.status = pointer->file_status;
    file.referenced_by.push_back(pointer->znode);
    m.notes.push_back(fmt::format("{} names {} ({}): not checked or restored by flinkha",
                                  pointer->znode, file.uri, to_string(file.status)));
    elsewhere.push_back(std::move(file));
  }
  if (!by_path.empty() && input.cluster_storage == nullptr) {
    return fail(ErrorCategory::failed,
                fmt::format("the cluster storage {} is unavailable ({}): the files the pointers "
                            "reference cannot be recorded",
                            input.cluster_storage_uri, input.cluster_storage_error),
                input.cluster_storage_failure.hint);
  }
  // The jobs' (and 2.3 applications') HA blobs: the user jars and artifacts the job graph names
  // by BlobKey (FileSystemBlobStore under {storageDir}/{cluster-id}/blob/job_<id>/). Flink's
  // recovery of a job fails without them (Dispatcher: "Could not start recovered job",
  // FileNotFoundException of blob_p-<hash>-<key>), so they are part of what is restored.
  const auto add_blobs = [&](const std::vector<storage::Entry>& entries,
                             const std::optional<PointerRecord>& owner) {
    for (const auto& entry : entries) {
      if (entry.type != storage::EntryType::file || by_path.contains(entry.relative_path)) {
        continue;
      }
      auto& file = by_path[entry.relative_path];
      file.side = BackupSide::cluster_storage;
      file.path = entry.relative_path;
      file.uri = join_uri(input.cluster_storage_uri, entry.relative_path);
      if (owner) {
        file.referenced_by.push_back(owner->znode);
      }
    }
  };
  for (const auto& [id, job] : inventory->jobs) {
    add_blobs(job.blob_entries, job.job_graph);
  }
  for (const auto& [id, application] : inventory->applications) {
    add_blobs(application.blob_entries, application.pointer);
  }
  for (auto& [path, file] : by_path) {
    std::ranges::sort(file.referenced_by);
    const bool blob = file.path.starts_with("blob/");
    if (auto read =
            read_into(*input.cluster_storage, file, options.with_files,
                      blob ? options.max_blob_bytes : options.max_file_bytes, backup.copies);
        !read) {
      return std::unexpected(read.error());
    }
    if (file.status == FileStatus::missing && !file.referenced_by.empty()) {
      m.notes.push_back(fmt::format("{} is referenced by {} but missing (a dangling pointer): "
                                    "a restore of this backup will refuse until it is back",
                                    file.uri, file.referenced_by.front()));
    }
    m.files.push_back(std::move(file));
  }
  for (auto& file : elsewhere) {
    m.files.push_back(std::move(file));
  }

  // The result-store entries: always copied (they are the entries themselves).
  const auto add_entries = [&](const JobResultStoreSide& side, BackupSide which,
                               std::string_view base_uri) -> Status {
    if (!side.available || side.entries.empty()) {
      return {};
    }
    auto* store = storage_of(input, which);
    if (store == nullptr) {
      return {};
    }
    for (const auto& entry : side.entries) {
      BackupFile file;
      file.side = which;
      file.path = entry.entry.relative_path;
      file.uri = join_uri(base_uri, file.path);
      if (auto read = read_into(*store, file, /*keep=*/true, options.max_file_bytes, backup.copies);
          !read) {
        return read;
      }
      if (file.status == FileStatus::present) {
        m.files.push_back(std::move(file));
      }
    }
    return {};
  };
  if (auto added = add_entries(inventory->job_result_store, BackupSide::job_result_store,
                               input.job_result_store_uri);
      !added) {
    return std::unexpected(added.error());
  }
  if (auto added =
          add_entries(inventory->application_result_store, BackupSide::application_result_store,
                      input.application_result_store_uri);
      !added) {
    return std::unexpected(added.error());
  }
  if (!inventory->job_result_store.available && !input.job_result_store_uri.empty()) {
    m.notes.push_back(fmt::format("the JobResultStore {} was not readable ({}): its entries are "
                                  "not in the backup",
                                  input.job_result_store_uri, inventory->job_result_store.error));
  }

  // The consistency re-read: every persistent node as it was, and no new persistent node.
  std::vector<std::string> persistent;
  std::set<std::string> known;
  for (const auto& node : m.znodes) {
    known.insert(node.path);
    if (!node.ephemeral()) {
      persistent.push_back(node.path);
    }
  }
  const auto again = zk.get_many(persistent);
  const auto kids = zk.children_many(persistent);
  std::vector<std::string> fresh;
  std::size_t p = 0;
  for (const auto& node : m.znodes) {
    if (node.ephemeral()) {
      continue;
    }
    const auto i = p++;
    if (!again[i]) {
      if (again[i].error().code == zk::ZkCode::no_node) {
        return changed(node.path, "deleted");
      }
      return std::unexpected(zk::to_error(again[i].error()));
    }
    if (again[i]->stat.mzxid != node.stat.mzxid || again[i]->data != node.data) {
      return changed(node.path, "modified");
    }
    if (!kids[i]) {
      return std::unexpected(zk::to_error(kids[i].error()));
    }
    for (const auto& name : *kids[i]) {
      const auto child = zk::join_path(node.path, name);
      if (!known.contains(child)) {
        fresh.push_back(child);
      }
    }
  }
  if (!fresh.empty()) {
    const auto stats = zk.get_many(fresh);
    for (std::size_t i = 0; i < fresh.size(); ++i) {
      if (stats[i] && !zk::is_session_owner(stats[i]->stat.ephemeral_owner)) {
        return changed(fresh[i], "created");
      }
    }
  }
  return backup;
}

Status write_backup(const std::filesystem::path& dir, const Backup& backup) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) {
      return fail(ErrorCategory::usage,
                  fmt::format("{}: exists and is not a directory", dir.string()),
                  "give a new or empty directory");
    }
    if (!std::filesystem::is_empty(dir, ec)) {
      return fail(ErrorCategory::refused,
                  fmt::format("{}: the directory is not empty; flinkha never writes a backup over "
                              "another",
                              dir.string()),
                  "give a new or empty directory");
    }
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return fail(ErrorCategory::failed,
                fmt::format("{}: cannot create the directory: {}", dir.string(), ec.message()));
  }
  for (const auto& [relative, content] : backup.copies) {
    const auto path = dir / relative;
    std::filesystem::create_directories(path.parent_path(), ec);
    if (ec) {
      return fail(ErrorCategory::failed, fmt::format("{}: cannot create the directory: {}",
                                                     path.parent_path().string(), ec.message()));
    }
    if (auto written = util::write_file_atomically(path, content); !written) {
      return std::unexpected(with_category(written.error(), ErrorCategory::failed));
    }
  }
  if (auto written =
          util::write_file_atomically(dir / kBackupManifestName, manifest_to_json(backup.manifest));
      !written) {
    return std::unexpected(with_category(written.error(), ErrorCategory::failed));
  }
  return {};
}

Result<Backup> read_backup(const std::filesystem::path& dir) {
  const auto manifest_path = dir / kBackupManifestName;
  auto text = util::read_optional_file(manifest_path, kMaxManifestBytes);
  if (!text) {
    return std::unexpected(with_category(text.error(), ErrorCategory::failed));
  }
  if (!*text) {
    return fail(ErrorCategory::usage,
                fmt::format("{}: no such file: not an HA backup, or an incomplete one",
                            manifest_path.string()),
                "give the directory `flinkha ha backup` wrote");
  }
  auto manifest = parse_manifest(**text, manifest_path.string());
  if (!manifest) {
    return std::unexpected(manifest.error());
  }
  Backup backup;
  backup.manifest = std::move(*manifest);
  for (const auto& file : backup.manifest.files) {
    if (file.copy.empty()) {
      continue;
    }
    const auto path = dir / file.copy;
    auto content = util::read_optional_file(path, static_cast<std::uintmax_t>(file.size_bytes));
    if (!content || !*content) {
      return fail(ErrorCategory::failed,
                  fmt::format("{}: the backup's copy of {} is {}", path.string(), file.uri,
                              content ? "missing" : content.error().message),
                  "the backup is damaged; restore from another one");
    }
    if (util::sha256_hex(**content) != file.sha256) {
      return fail(ErrorCategory::failed,
                  fmt::format("{}: the backup's copy of {} does not match its SHA-256 in the "
                              "manifest (altered or damaged)",
                              path.string(), file.uri),
                  "the backup is damaged; restore from another one");
    }
    backup.copies[file.copy] = std::move(**content);
  }
  return backup;
}

} // namespace flinkha::flink
