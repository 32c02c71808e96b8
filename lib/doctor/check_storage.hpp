#pragma once
// Check "storage": what the cluster keeps in high-availability.storageDir and how it grows.
//
// Source of the layout: ha_inventory.hpp ({storageDir}/{cluster-id}: submittedJobGraph /
// submittedExecutionPlan / completedCheckpoint metadata files, blob/job_<id>/…; the
// JobResultStore {storageDir}/job-result-store/{cluster-id}, one <jobid>[_DIRTY].json per job,
// FileSystemJobResultStore). Sizes are the files' lengths as the storage lists them (bytes);
// ages are Snapshot::now_ms − mtime (ms). A job's bytes are its pointers' files (job graph /
// execution plan, completed checkpoints) and its blob dir.
//
// Findings:
//  - storage-usage (info, subject the cluster storage URI): the totals — bytes and files, jobs,
//    the largest job, JobResultStore and ApplicationResultStore entries (dirty / clean) — so `-o
//    json` and the Prometheus file carry them on a healthy cluster too;
//  - storage-per-job (warning, subject the job id): a job above
//    Thresholds::storage_bytes_per_job bytes;
//  - orphans-old (warning, subject the cluster storage URI): the orphan files and orphan blob
//    dirs inspect reports (orphan-file, orphan-blob-dir), those older than
//    Thresholds::orphan_age_ms, counted with their bytes and the oldest age — the growth that
//    `flinkha cleanup orphans` removes;
//  - result-store-entries (warning, subject the store's URI): more than
//    Thresholds::result_store_entries entries in the JobResultStore, or in Flink 2.3's
//    ApplicationResultStore ({storageDir}/application-result-store/{cluster-id}, the same
//    <id>[_DIRTY].json entries), each store on its own.
// Skipped without an inventory, or when neither the storage nor the JobResultStore was read.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_storage(const Snapshot& snapshot, std::vector<Finding>& out);

} // namespace flinkha::doctor
