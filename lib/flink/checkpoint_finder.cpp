#include "flink/checkpoint_finder.hpp"

#include "flink/checkpoint_metadata.hpp"
#include "flink/completed_checkpoint.hpp"
#include "flink/ha_layout.hpp"
#include "remote/shell_quote.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <set>

namespace flinkha::flink {

namespace {

// AbstractFsCheckpointStorageAccess (1.20, 2.3).
constexpr std::string_view kCheckpointDirPrefix = "chk-";
constexpr std::string_view kMetadataFileName = "_metadata";
constexpr std::string_view kSavepointDirPrefix = "savepoint-";
constexpr std::size_t kSavepointJobPrefix = 6; // jobId.toString().substring(0, 6)

// dir + "/" + name as Flink's Path renders it ("file:///x" + "a" → "file:/x/a"), so that a
// pointer found in the storage reads exactly like the externalPointer Flink writes.
std::string join_uri(std::string_view dir, std::string_view name) {
  return util::render_flink_path(
      util::parse_flink_path(std::string(dir) + "/" + std::string(name)));
}

bool newer_first(const CheckpointEntry& a, const CheckpointEntry& b) {
  if (a.checkpoint_id != b.checkpoint_id) {
    return a.checkpoint_id > b.checkpoint_id;
  }
  return a.timestamp_ms > b.timestamp_ms;
}

// The check could not decide: never fallen back past (see the header).
void cannot_check(CheckpointEntry& entry, ErrorCategory category, std::string_view why) {
  entry.check_failure = category;
  entry.metadata_error = fmt::format("{}: could not be checked: {}", entry.metadata_path, why);
}

// Why `pointer` is not a restore point ("" when it may be one): Flink's marker of a checkpoint
// without a checkpoint directory, or a pointer no shell command can name (control characters).
std::string pointer_problem(std::string_view pointer) {
  if (pointer.empty() || pointer == kNotExternallyAddressable) {
    return fmt::format("the checkpoint is not externalized (external pointer '{}'): it was taken "
                       "without a checkpoint directory (execution.checkpointing.dir / "
                       "state.checkpoints.dir not configured) and its metadata lived only in the "
                       "JobManager; nothing to restore from outside Flink",
                       pointer);
  }
  if (auto quoted = remote::shell_quote(pointer); !quoted) {
    return fmt::format("the external pointer {} holds control characters, so no restore command "
                       "can be printed safely; rename the directory to a plain name to restore "
                       "from it",
                       util::printable(pointer, 1024));
  }
  return {};
}

// Reads the header of `relative` (the entry's _metadata in `storage`) into the entry
// (metadata_exists already true): once, lazily, on the way to the restore point. A savepoint found
// in the storage takes its id from the header (`expect_id` false).
void read_header(CheckpointEntry& entry, storage::HaStorage& storage, std::string_view relative,
                 bool expect_id) {
  if (entry.metadata_size &&
      *entry.metadata_size > static_cast<std::int64_t>(kMaxMetadataReadBytes)) {
    cannot_check(entry, ErrorCategory::refused,
                 fmt::format("header not checked: {} bytes, more than the {} flinkha reads for "
                             "its header; check its first 16 bytes by hand (magic 0x{:08x}, "
                             "version, checkpoint id) before restoring from it",
                             *entry.metadata_size, kMaxMetadataReadBytes,
                             kCheckpointMetadataMagic));
    return;
  }
  auto bytes = storage.read_file(relative, kMaxMetadataReadBytes);
  if (!bytes) {
    cannot_check(entry, bytes.error().category, bytes.error().message);
    return;
  }
  entry.header_checked = true;
  auto header = decode_checkpoint_metadata_header(*bytes);
  bytes->clear();
  bytes->shrink_to_fit();
  if (!header) {
    entry.metadata_error = fmt::format("{}: {}", entry.metadata_path, header.error().message);
    return;
  }
  entry.metadata_version = header->version;
  if (header->newer_than_known) {
    entry.notes.push_back(fmt::format(
        "{}: metadata version {} is newer than flinkha knows ({}); its magic number, version and "
        "checkpoint id were read as in the known versions",
        entry.metadata_path, header->version, kNewestMetadataVersion));
  }
  if (!expect_id) {
    entry.checkpoint_id = header->checkpoint_id;
  } else if (header->checkpoint_id != entry.checkpoint_id) {
    entry.metadata_error =
        fmt::format("{}: holds checkpoint {}, not {}: the file was replaced or copied from "
                    "another checkpoint",
                    entry.metadata_path, header->checkpoint_id, entry.checkpoint_id);
  }
}

// read_header through the pointer's own storage (HA: each pointer may be on another storage).
void read_header(CheckpointEntry& entry, const StorageOpener& open) {
  auto storage = open(entry.external_pointer);
  if (!storage) {
    cannot_check(entry, storage.error().category, storage.error().message);
    return;
  }
  read_header(entry, **storage, kMetadataFileName, /*expect_id=*/true);
}

// Looks up <external_pointer>/_metadata through the pointer's own storage (stat only; the header
// is read later, see read_header).
void stat_metadata(CheckpointEntry& entry, const StorageOpener& open) {
  entry.metadata_path = join_uri(entry.external_pointer, kMetadataFileName);
  auto storage = open(entry.external_pointer);
  if (!storage) {
    cannot_check(entry, storage.error().category, storage.error().message);
    return;
  }
  auto found = (*storage)->stat(kMetadataFileName);
  if (!found) {
    cannot_check(entry, found.error().category, found.error().message);
    return;
  }
  if (!found->has_value() || (*found)->type != storage::EntryType::file) {
    entry.metadata_error = fmt::format("{}: {}", entry.metadata_path,
                                       found->has_value() ? "not a regular file" : "missing");
    return;
  }
  entry.metadata_exists = true;
  entry.metadata_size = (*found)->size_bytes;
}

using Verify = std::function<void(CheckpointEntry&)>;

// latest, fell_back, blocked and restore from the sorted entries, reading headers newest first
// (verify) until the first usable entry or the first check that could not decide.
void choose_latest(JobCheckpoints& job, config::FlinkVersion version, const Verify& verify) {
  const CheckpointEntry* blocker = nullptr;
  auto walk = [&](std::vector<CheckpointEntry>& entries) -> const CheckpointEntry* {
    for (auto& e : entries) {
      if (e.error.empty() && e.metadata_exists && !e.check_failure && !e.header_checked &&
          e.metadata_error.empty()) {
        verify(e);
      }
      if (e.usable()) {
        return &e;
      }
      if (e.check_failure) {
        blocker = &e;
        return nullptr;
      }
    }
    return nullptr;
  };
  const CheckpointEntry* found = walk(job.checkpoints);
  const bool from_savepoint = found == nullptr && blocker == nullptr;
  if (from_savepoint) {
    found = walk(job.savepoints);
  }
  if (found != nullptr) {
    auto restore = restore_command(found->external_pointer, version);
    if (!restore) { // pointer_problem already made such an entry unusable
      job.note = restore.error().message;
      return;
    }
    job.latest = *found;
    job.restore = std::move(*restore);
    const auto not_aborted = [](const CheckpointEntry& e) { return !e.aborted; };
    if (from_savepoint) {
      job.fell_back = std::ranges::any_of(job.checkpoints, not_aborted);
    } else {
      const auto at = job.checkpoints.begin() + (found - job.checkpoints.data());
      job.fell_back = std::any_of(job.checkpoints.begin(), at, not_aborted);
    }
  } else if (blocker != nullptr) {
    job.blocked = blocker->check_failure;
    job.note = fmt::format("{}; flinkha does not fall back past it to an older checkpoint or "
                           "savepoint (that would restore older state): make the storage "
                           "reachable (or check that _metadata by hand) and run again",
                           blocker->metadata_error);
  } else if (job.note.empty()) {
    job.note = job.checkpoints.empty() && job.savepoints.empty()
                   ? "no completed checkpoint and no savepoint"
                   : "no checkpoint or savepoint whose _metadata is there and readable";
  }
}

std::vector<std::string> unique_ids(const std::vector<std::string>& ids) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& id : ids) {
    if (seen.insert(id).second) {
      out.push_back(id);
    }
  }
  return out;
}

CheckpointEntry entry_from_pointer(const PointerRecord& pointer,
                                   storage::HaStorage* cluster_storage, const StorageOpener& open) {
  CheckpointEntry entry;
  entry.znode = pointer.znode;
  entry.checkpoint_id = pointer.checkpoint_id.value_or(0);
  entry.completed_checkpoint_file = pointer.file;
  if (!pointer.pointer) {
    entry.error = fmt::format("{}: pointer not decoded: {}", pointer.znode, pointer.decode_error);
    return entry;
  }
  if (pointer.file_status != FileStatus::present || cluster_storage == nullptr) {
    entry.error = fmt::format("{}: its file {} is {}", pointer.znode, pointer.pointer->path,
                              to_string(pointer.file_status));
    return entry;
  }
  auto bytes = cluster_storage->read_file(pointer.file, kMaxCompletedCheckpointBytes);
  if (!bytes) {
    entry.error = fmt::format("{}: {}", pointer.pointer->path, bytes.error().message);
    return entry;
  }
  auto decoded = decode_completed_checkpoint(*bytes);
  if (!decoded) {
    entry.error = fmt::format("{}: {}", pointer.pointer->path, decoded.error().message);
    return entry;
  }
  entry.checkpoint_id = decoded->checkpoint_id;
  entry.timestamp_ms = decoded->timestamp_ms;
  entry.completion_timestamp_ms = decoded->completion_timestamp_ms;
  entry.savepoint = decoded->properties && decoded->properties->savepoint;
  entry.external_pointer = decoded->external_pointer;
  if (auto problem = pointer_problem(entry.external_pointer); !problem.empty()) {
    entry.error = fmt::format("{}: {}", pointer.pointer->path, problem);
    return entry;
  }
  if (!pointer.job_id.empty() && pointer.job_id != decoded->job_id) {
    entry.error =
        fmt::format("{}: holds a checkpoint of job {}, but its znode {} is job {}'s",
                    pointer.pointer->path, decoded->job_id, pointer.znode, pointer.job_id);
    return entry;
  }
  if (pointer.checkpoint_id && *pointer.checkpoint_id != decoded->checkpoint_id) {
    entry.error =
        fmt::format("{}: holds checkpoint {}, but its znode {} names {}", pointer.pointer->path,
                    decoded->checkpoint_id, pointer.znode, *pointer.checkpoint_id);
    return entry;
  }
  stat_metadata(entry, open);
  return entry;
}

} // namespace

std::string_view to_string(CheckpointSource source) {
  return source == CheckpointSource::ha ? "ha" : "storage";
}

std::optional<std::int64_t> checkpoint_dir_number(std::string_view name) {
  if (!name.starts_with(kCheckpointDirPrefix)) {
    return std::nullopt;
  }
  const std::string_view digits = name.substr(kCheckpointDirPrefix.size());
  if (digits.empty() || digits.size() > 18 ||
      !std::ranges::all_of(digits, [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;
  }
  std::int64_t value = 0;
  std::from_chars(digits.data(), digits.data() + digits.size(), value);
  return value;
}

Result<RestoreCommand> restore_command(std::string_view external_pointer,
                                       config::FlinkVersion version) {
  const auto quoted = remote::shell_quote(external_pointer);
  if (!quoted) {
    return failf(ErrorCategory::failed,
                 "external pointer {}: holds control characters; no restore command printed",
                 util::printable(external_pointer, 1024));
  }
  RestoreCommand out;
  out.command = fmt::format("bin/flink run -s {} <job-jar> [<job arguments>]", *quoted);
  out.option_key = version >= config::FlinkVersion{1, 20} ? "execution.state-recovery.path"
                                                          : "execution.savepoint.path";
  out.option_value = std::string(external_pointer);
  return out;
}

Result<CheckpointReport> find_checkpoints_in_ha(const HaInventory& inventory,
                                                storage::HaStorage* cluster_storage,
                                                const std::vector<std::string>& job_ids,
                                                const StorageOpener& open,
                                                config::FlinkVersion version) {
  CheckpointReport report;
  report.source = CheckpointSource::ha;
  report.searched.push_back(inventory.zk_namespace);
  if (!inventory.storage.uri.empty()) {
    report.searched.push_back(inventory.storage.uri);
  }
  std::vector<std::string> wanted = unique_ids(job_ids);
  if (wanted.empty()) {
    for (const auto& [id, job] : inventory.jobs) {
      if (!job.checkpoints.empty() || job.job_graph) {
        wanted.push_back(id);
      }
    }
  }
  for (const auto& id : wanted) {
    JobCheckpoints job;
    job.job_id = id;
    job.source = CheckpointSource::ha;
    const auto found = inventory.jobs.find(id);
    if (found == inventory.jobs.end()) {
      job.note = fmt::format("no HA data for job {} under {}", id, inventory.zk_namespace);
    } else {
      for (const auto& pointer : found->second.checkpoints) {
        job.checkpoints.push_back(entry_from_pointer(pointer, cluster_storage, open));
      }
      std::ranges::sort(job.checkpoints, newer_first);
    }
    choose_latest(job, version, [&open](CheckpointEntry& e) { read_header(e, open); });
    report.jobs.push_back(std::move(job));
  }
  return report;
}

namespace {

// <dir>/_metadata of a chk-<n> or savepoint directory found in a scan: there (its size and mtime
// into the entry; the header is read later) or not (aborted). `kind` is "checkpoint" or
// "savepoint". A stat that fails is a check that could not decide (cannot_check).
void find_metadata(storage::HaStorage& storage, std::string_view dir, CheckpointEntry& entry,
                   std::string_view kind) {
  if (auto problem = pointer_problem(entry.external_pointer); !problem.empty()) {
    entry.error = fmt::format("{}: {}", util::printable(entry.external_pointer, 1024), problem);
    return;
  }
  const std::string relative = storage::join_relative(dir, kMetadataFileName);
  auto meta = storage.stat(relative);
  if (!meta) {
    cannot_check(entry, meta.error().category, meta.error().message);
    return;
  }
  if (!meta->has_value() || (*meta)->type != storage::EntryType::file) {
    entry.aborted = true;
    entry.metadata_error =
        fmt::format("{}: missing: the {} did not complete", entry.metadata_path, kind);
    return;
  }
  entry.metadata_exists = true;
  entry.metadata_size = (*meta)->size_bytes;
  entry.timestamp_ms = (*meta)->mtime_ms;
}

// Where a scanned entry's _metadata is: external pointer → relative path in the scanned storage.
using MetadataPaths = std::map<std::string, std::string>;

Result<std::vector<CheckpointEntry>> scan_job_dir(storage::HaStorage& storage,
                                                  std::string_view base_uri,
                                                  std::string_view job_dir, MetadataPaths& paths) {
  auto listed = storage.list(job_dir, storage::Recursive::no);
  if (!listed) {
    return std::unexpected(listed.error());
  }
  std::vector<CheckpointEntry> out;
  for (const auto& e : *listed) {
    const auto n = checkpoint_dir_number(e.name);
    if (!n || e.type != storage::EntryType::directory) {
      continue; // shared/, taskowned/, and anything else Flink keeps next to chk-<n>
    }
    CheckpointEntry entry;
    entry.checkpoint_id = *n;
    entry.external_pointer = join_uri(base_uri, e.relative_path);
    entry.metadata_path = join_uri(entry.external_pointer, kMetadataFileName);
    entry.timestamp_ms = e.mtime_ms;
    find_metadata(storage, e.relative_path, entry, "checkpoint");
    paths[entry.external_pointer] = storage::join_relative(e.relative_path, kMetadataFileName);
    out.push_back(std::move(entry));
  }
  std::ranges::sort(out, newer_first);
  return out;
}

// Savepoint directories by the job-id prefix of their name, each list newest (_metadata mtime)
// first: a savepoint's id is known only once its header is read.
Result<std::map<std::string, std::vector<CheckpointEntry>>>
scan_savepoints(storage::HaStorage& storage, std::string_view base_uri, MetadataPaths& paths) {
  std::map<std::string, std::vector<CheckpointEntry>> out;
  auto listed = storage.list("", storage::Recursive::no);
  if (!listed) {
    return std::unexpected(listed.error());
  }
  for (const auto& e : *listed) {
    if (e.type != storage::EntryType::directory || !e.name.starts_with(kSavepointDirPrefix) ||
        e.name.size() < kSavepointDirPrefix.size() + kSavepointJobPrefix) {
      continue;
    }
    const std::string prefix(e.name.substr(kSavepointDirPrefix.size(), kSavepointJobPrefix));
    CheckpointEntry entry;
    entry.savepoint = true;
    entry.external_pointer = join_uri(base_uri, e.relative_path);
    entry.metadata_path = join_uri(entry.external_pointer, kMetadataFileName);
    entry.timestamp_ms = e.mtime_ms;
    find_metadata(storage, e.relative_path, entry, "savepoint");
    paths[entry.external_pointer] = storage::join_relative(e.relative_path, kMetadataFileName);
    out[prefix].push_back(std::move(entry));
  }
  for (auto& [prefix, entries] : out) {
    std::ranges::sort(entries, [](const CheckpointEntry& a, const CheckpointEntry& b) {
      if (a.timestamp_ms != b.timestamp_ms) {
        return a.timestamp_ms > b.timestamp_ms;
      }
      return a.external_pointer > b.external_pointer;
    });
  }
  return out;
}

} // namespace

Result<CheckpointReport> find_checkpoints_in_storage(const StorageScanInput& input,
                                                     const StorageOpener& open,
                                                     config::FlinkVersion version) {
  if (input.checkpoints_dir.empty() && input.savepoints_dir.empty()) {
    return fail(ErrorCategory::configuration,
                "--from-storage: no checkpoint or savepoint directory is configured",
                "set execution.checkpointing.dir (state.checkpoints.dir) or "
                "execution.checkpointing.savepoint-dir (state.savepoints.dir) in the Flink "
                "configuration, or pass --checkpoint-dir / --savepoint-dir");
  }
  const std::vector<std::string> requested = unique_ids(input.job_ids);
  if (!input.create_subdir && !input.checkpoints_dir.empty() && requested.size() != 1) {
    return fail(ErrorCategory::usage,
                "--from-storage: execution.checkpointing.create-subdir is false, so chk-<n> lie "
                "directly in " +
                    input.checkpoints_dir + " and no job id is written there",
                "name the one job those checkpoints belong to: flinkha checkpoints "
                "--from-storage JOBID");
  }
  CheckpointReport report;
  report.source = CheckpointSource::storage;
  std::map<std::string, JobCheckpoints> jobs;
  auto job_of = [&](const std::string& id) -> JobCheckpoints& {
    auto& job = jobs[id];
    job.job_id = id;
    job.source = CheckpointSource::storage;
    return job;
  };
  for (const auto& id : requested) {
    job_of(id);
  }
  // Kept open for the headers read after the scan (choose_latest).
  std::unique_ptr<storage::HaStorage> checkpoint_storage;
  std::unique_ptr<storage::HaStorage> savepoint_storage;
  MetadataPaths checkpoint_paths;
  MetadataPaths savepoint_paths;
  if (!input.checkpoints_dir.empty()) {
    report.searched.push_back(input.checkpoints_dir);
    auto storage = open(input.checkpoints_dir);
    if (!storage) {
      return std::unexpected(storage.error());
    }
    checkpoint_storage = std::move(*storage);
    if (!input.create_subdir) {
      auto entries = scan_job_dir(*checkpoint_storage, input.checkpoints_dir, "", checkpoint_paths);
      if (!entries) {
        return std::unexpected(entries.error());
      }
      job_of(requested.front()).checkpoints = std::move(*entries);
    } else {
      std::vector<std::string> dirs = requested;
      if (dirs.empty()) {
        auto listed = checkpoint_storage->list("", storage::Recursive::no);
        if (!listed) {
          return std::unexpected(listed.error());
        }
        for (const auto& e : *listed) {
          if (e.type == storage::EntryType::directory && is_job_id(e.name)) {
            dirs.push_back(e.name);
          }
        }
      }
      for (const auto& id : dirs) {
        auto entries =
            scan_job_dir(*checkpoint_storage, input.checkpoints_dir, id, checkpoint_paths);
        if (!entries) {
          return std::unexpected(entries.error());
        }
        if (!entries->empty() || !requested.empty()) {
          job_of(id).checkpoints = std::move(*entries);
        }
      }
    }
  }
  if (!input.savepoints_dir.empty()) {
    report.searched.push_back(input.savepoints_dir);
    auto storage = open(input.savepoints_dir);
    if (!storage) {
      return std::unexpected(storage.error());
    }
    savepoint_storage = std::move(*storage);
    auto savepoints = scan_savepoints(*savepoint_storage, input.savepoints_dir, savepoint_paths);
    if (!savepoints) {
      return std::unexpected(savepoints.error());
    }
    for (auto& [id, job] : jobs) {
      const std::string prefix = id.substr(0, kSavepointJobPrefix);
      const auto it = savepoints->find(prefix);
      if (it == savepoints->end()) {
        continue;
      }
      std::vector<std::string> matching;
      for (const auto& [other, unused] : jobs) {
        if (other.starts_with(prefix)) {
          matching.push_back(other);
        }
      }
      job.savepoints = it->second;
      for (auto& sp : job.savepoints) {
        sp.notes.push_back(
            matching.size() > 1
                ? fmt::format("{}: the prefix {} matches jobs {}: a savepoint directory names "
                              "only the first {} hex digits of its job and _metadata does not "
                              "name it; make sure it is job {}'s before restoring from it",
                              sp.external_pointer, prefix, fmt::join(matching, " and "),
                              kSavepointJobPrefix, id)
                : fmt::format("{}: matched to job {} by the prefix {} of its name only; "
                              "_metadata does not name the job",
                              sp.external_pointer, id, prefix));
      }
    }
  }
  for (auto& [id, job] : jobs) {
    choose_latest(job, version, [&](CheckpointEntry& e) {
      auto& paths = e.savepoint ? savepoint_paths : checkpoint_paths;
      auto* storage = e.savepoint ? savepoint_storage.get() : checkpoint_storage.get();
      const auto at = paths.find(e.external_pointer);
      if (storage == nullptr || at == paths.end()) {
        cannot_check(e, ErrorCategory::internal, "not found again after the scan");
        return;
      }
      read_header(e, *storage, at->second, /*expect_id=*/!e.savepoint);
    });
  }
  if (requested.empty()) {
    for (auto& [id, job] : jobs) {
      report.jobs.push_back(std::move(job));
    }
  } else {
    for (const auto& id : requested) {
      report.jobs.push_back(std::move(jobs[id]));
    }
  }
  return report;
}

} // namespace flinkha::flink
