#include "doctor/check_storage.hpp"

#include "util/duration.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string_view>
#include <utility>

namespace flinkha::doctor {

namespace {

struct Usage {
  std::int64_t bytes = 0;
  std::int64_t files = 0;
};

// Bytes per job: the files its pointers name and its blob dir's entries.
std::map<std::string, Usage> usage_per_job(const flink::HaInventory& inventory) {
  std::map<std::string, std::string> job_of_znode;
  for (const auto* pointer : inventory.all_pointers()) {
    job_of_znode.emplace(pointer->znode, pointer->job_id);
  }
  std::map<std::string, Usage> per_job;
  for (const auto& file : inventory.storage.files) {
    if (file.entry.type != storage::EntryType::file) {
      continue;
    }
    std::string job = file.job_id;
    for (const auto& znode : file.referenced_by) {
      if (const auto it = job_of_znode.find(znode); job.empty() && it != job_of_znode.end()) {
        job = it->second;
      }
    }
    if (!job.empty()) {
      per_job[job].bytes += file.entry.size_bytes;
      ++per_job[job].files;
    }
  }
  return per_job;
}

Usage total_of(const flink::HaInventory& inventory) {
  Usage total;
  for (const auto& file : inventory.storage.files) {
    if (file.entry.type == storage::EntryType::file) {
      total.bytes += file.entry.size_bytes;
      ++total.files;
    }
  }
  return total;
}

// Bytes of what an orphan finding names: one file, or every file of an orphan blob dir.
std::int64_t bytes_of(const flink::HaInventory& inventory, const flink::Finding& orphan) {
  std::int64_t bytes = 0;
  for (const auto& file : inventory.storage.files) {
    const auto& path = file.entry.relative_path;
    if (file.entry.type == storage::EntryType::file &&
        (path == orphan.subject || path.starts_with(orphan.subject + "/"))) {
      bytes += file.entry.size_bytes;
    }
  }
  return bytes;
}

void old_orphans(const Snapshot& snapshot, std::vector<Finding>& out) {
  const auto& inventory = *snapshot.inventory;
  const auto threshold = snapshot.thresholds.orphan_age_ms;
  std::int64_t count = 0;
  std::int64_t bytes = 0;
  std::int64_t oldest = 0;
  std::string oldest_subject;
  for (const auto& finding : inventory.findings) {
    if ((finding.kind != flink::FindingKind::orphan_file &&
         finding.kind != flink::FindingKind::orphan_blob_dir) ||
        !finding.age_ms || *finding.age_ms <= threshold) {
      continue;
    }
    ++count;
    bytes += bytes_of(inventory, finding);
    if (*finding.age_ms > oldest) {
      oldest = *finding.age_ms;
      oldest_subject = finding.subject;
    }
  }
  if (count == 0) {
    return;
  }
  Finding finding;
  finding.code = "orphans-old";
  finding.severity = Severity::warning;
  finding.subject = inventory.storage.uri;
  finding.message = fmt::format(
      "{} orphans (metadata files no pointer names, blob dirs of jobs with nothing else left) "
      "older than {}: {} bytes; the oldest, {}, is {} old",
      count, util::describe_duration_ms(threshold), bytes, oldest_subject,
      util::describe_duration_ms(oldest));
  finding.remedy = fmt::format(
      "flinkha cleanup orphans --min-age {}s --dry-run, then without --dry-run", threshold / 1000);
  out.push_back(std::move(finding));
}

void storage_side(const Snapshot& snapshot, std::vector<Finding>& out) {
  const auto& inventory = *snapshot.inventory;
  const auto per_job = usage_per_job(inventory);
  const auto limit = snapshot.thresholds.storage_bytes_per_job;
  for (const auto& [job, usage] : per_job) {
    if (usage.bytes <= limit) {
      continue;
    }
    Finding finding;
    finding.code = "storage-per-job";
    finding.severity = Severity::warning;
    finding.subject = job;
    finding.message = fmt::format(
        "job {} keeps {} bytes in {} files under {} (threshold {} bytes): its job graph / "
        "execution plan, completed-checkpoint metadata and blobs",
        job, usage.bytes, usage.files, inventory.storage.uri, limit);
    finding.remedy = fmt::format(
        "lower state.checkpoints.num-retained, or the job's jars (blob/job_{}); flinkha inspect "
        "lists its files",
        job);
    out.push_back(std::move(finding));
  }
  old_orphans(snapshot, out);
}

void result_store(const Snapshot& snapshot, const flink::JobResultStoreSide& jrs,
                  std::string_view store, std::vector<Finding>& out) {
  if (!jrs.available) {
    return;
  }
  const auto entries = static_cast<std::int64_t>(jrs.dirty_entries + jrs.clean_entries);
  const auto limit = snapshot.thresholds.result_store_entries;
  if (entries <= limit) {
    return;
  }
  Finding finding;
  finding.code = "result-store-entries";
  finding.severity = Severity::warning;
  finding.subject = jrs.uri;
  finding.message = fmt::format("the {} holds {} entries ({} dirty, {} clean; threshold {}): "
                                "every one is listed when a JobManager starts",
                                store, entries, jrs.dirty_entries, jrs.clean_entries, limit);
  const bool jobs = store == "JobResultStore";
  finding.remedy =
      fmt::format("{}remove the clean entries ({}.json) of long-finished {} from {}; "
                  "{}.delete-on-commit: true (the default) has Flink delete them",
                  jrs.dirty_entries > 0 ? "flinkha cleanup dirty-jobs for the dirty ones; " : "",
                  jobs ? "<jobid>" : "<applicationid>", jobs ? "jobs" : "applications", jrs.uri,
                  jobs ? "job-result-store" : "application-result-store");
  out.push_back(std::move(finding));
}

void usage_summary(const Snapshot& snapshot, std::vector<Finding>& out) {
  const auto& inventory = *snapshot.inventory;
  std::vector<std::string> parts;
  std::string subject;
  if (inventory.storage.available) {
    subject = inventory.storage.uri;
    const auto total = total_of(inventory);
    const auto per_job = usage_per_job(inventory);
    std::string largest;
    if (const auto it = std::ranges::max_element(
            per_job, {}, [](const auto& entry) { return entry.second.bytes; });
        it != per_job.end()) {
      largest = fmt::format(", the largest job {} with {} bytes", it->first, it->second.bytes);
    }
    parts.push_back(fmt::format("{} bytes in {} files for {} jobs{}", total.bytes, total.files,
                                per_job.size(), largest));
  }
  for (const auto& [store, side] :
       {std::pair{"JobResultStore", &inventory.job_result_store},
        std::pair{"ApplicationResultStore", &inventory.application_result_store}}) {
    if (!side->available) {
      continue;
    }
    if (subject.empty()) {
      subject = side->uri;
    }
    parts.push_back(fmt::format("{}: {} dirty, {} clean entries", store, side->dirty_entries,
                                side->clean_entries));
  }
  Finding finding;
  finding.code = "storage-usage";
  finding.severity = Severity::info;
  finding.subject = std::move(subject);
  finding.message = fmt::format("{}", fmt::join(parts, "; "));
  out.push_back(std::move(finding));
}

} // namespace

std::optional<std::string> check_storage(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (!snapshot.inventory) {
    return "no HA inventory: " + snapshot.inventory_error;
  }
  const auto& inventory = *snapshot.inventory;
  if (!inventory.storage.available && !inventory.job_result_store.available &&
      !inventory.application_result_store.available) {
    return fmt::format("storage not read: {}", inventory.storage.error);
  }
  usage_summary(snapshot, out);
  if (inventory.storage.available) {
    storage_side(snapshot, out);
  }
  result_store(snapshot, inventory.job_result_store, "JobResultStore", out);
  result_store(snapshot, inventory.application_result_store, "ApplicationResultStore", out);
  return std::nullopt;
}

} // namespace flinkha::doctor
