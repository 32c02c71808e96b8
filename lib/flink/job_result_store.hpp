#pragma once
// Flink's JobResultStore on a file system (FileSystemJobResultStore, Flink 1.15 → 2.x; reference
// flink-ha-format.md §4.3): one file per globally terminated job in
// job-result-store.storage-path (default {storageDir}/job-result-store/{cluster-id}):
//  <jobid>_DIRTY.json  written when the job terminated; Flink's global cleanup still has to run
//  <jobid>.json        cleanup done, kept because job-result-store.delete-on-commit is false
// Content (JsonJobResultEntry + JobResultSerializer), compact JSON, e.g.
//  {"result":{"id":"<jobid>","application-status":"SUCCEEDED","accumulator-results":{},
//   "net-runtime":84213},"version":1}
// with "failure-cause":{"class":…,"stack-trace":…,"serialized-throwable":…} for failed jobs and,
// since 2.x, "name", "start-time", "end-time"; since 2.3 "application-id" (JobResultSerializer
// .FIELD_NAME_APPLICATION_ID: the application the job belongs to).
//
// Flink 2.3's ApplicationResultStore (FileSystemApplicationResultStore, with
// AbstractThreadsafeApplicationResultStore) is the same store for applications:
// application-result-store.storage-path (default {storageDir}/application-result-store/
// {cluster-id}), <appid>_DIRTY.json written by Dispatcher
// .registerGloballyTerminatedApplicationInApplicationResultStore, deleted or renamed to
// <appid>.json by markResultAsCleanInternal (application-result-store.delete-on-commit, default
// true). The id is ApplicationID.toString, an AbstractID as JobID: 32 lower-case hex. So the
// listing, the file names and mark_job_result_clean below serve both stores; only the content
// differs (FileSystemApplicationResultStore$JsonApplicationResultEntry +
// ApplicationResultSerializer), e.g.
//  {"result":{"application-id":"<appid>","application-state":"CANCELED",
//   "application-name":"…","start-time":1764771234567,"end-time":1764771239876},"version":1}

#include "storage/storage.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::flink {

enum class JrsState { dirty, clean };

std::string_view to_string(JrsState state);

// Files of a JobResultStore (or ApplicationResultStore) directory, by name.
struct JrsFile {
  std::string job_id; // 32 lower-case hex characters (JobID / ApplicationID.toString)
  JrsState state = JrsState::dirty;
  storage::Entry entry;
};

struct JrsListing {
  std::vector<JrsFile> entries;        // sorted by job id, dirty before clean
  std::vector<storage::Entry> unknown; // anything else in the directory (never touched)
};

// FileSystemJobResultStore.getDirtyResults lists the base dir without recursion; so does this.
// A missing directory is an empty store (created lazily since Flink 1.18). The same for an
// ApplicationResultStore (FileSystemApplicationResultStore.getDirtyResultsInternal).
Result<JrsListing> list_job_result_store(storage::HaStorage& store);

// What JobResultDeserializer reads from an entry (unknown fields are ignored, as in Flink).
struct JobResultRecord {
  std::string job_id;                        // result.id
  std::string application_status;            // upper-cased; "UNKNOWN" when absent (Flink's default)
  std::int64_t net_runtime_ms = -1;          // result.net-runtime, -1 when absent
  std::optional<std::string> failure_class;  // result.failure-cause.class
  std::optional<std::string> name;           // result.name (2.x)
  std::optional<std::int64_t> start_time_ms; // result.start-time (2.x; -1 = unknown)
  std::optional<std::int64_t> end_time_ms;   // result.end-time (2.x)
  std::optional<std::int64_t> version;       // top-level version (always 1; ignored by Flink)
  std::optional<std::string> application_id; // result.application-id (2.3)
};

// Parses one entry. Errors name `file_name` and say what Flink would reject: not JSON, no
// "result" object, no or malformed "id", an application-status outside SUCCEEDED, FAILED,
// CANCELED, UNKNOWN (Flink's ApplicationStatus.valueOf throws), a non-integer net-runtime.
Result<JobResultRecord> parse_job_result(std::string_view json, std::string_view file_name);

// Files above this size are not read (an entry is a few hundred bytes plus the failure's stack
// trace and serialized throwable).
inline constexpr std::size_t kMaxJobResultBytes = 16 * 1024 * 1024;

// Reads and parses one listed entry; also checks that result.id matches the file name.
Result<JobResultRecord> read_job_result(storage::HaStorage& store, const JrsFile& file);

// What ApplicationResultDeserializer (2.3) reads from an ApplicationResultStore entry: both
// application-id and application-state are required (ApplicationResult's constructor checks
// them), application-state is an ApplicationState constant (valueOf, case-sensitive), unknown
// fields are ignored.
struct ApplicationResultRecord {
  std::string application_id;                // result.application-id
  std::string application_state;             // CREATED … FINISHED (ApplicationState)
  std::optional<std::string> name;           // result.application-name
  std::optional<std::int64_t> start_time_ms; // result.start-time
  std::optional<std::int64_t> end_time_ms;   // result.end-time
  std::optional<std::int64_t> version;       // top-level version (always 1)
};

// Parses one ApplicationResultStore entry; errors name `file_name` and what Flink would reject.
Result<ApplicationResultRecord> parse_application_result(std::string_view json,
                                                         std::string_view file_name);

// Reads and parses one listed entry; checks result.application-id against the file name.
Result<ApplicationResultRecord> read_application_result(storage::HaStorage& store,
                                                        const JrsFile& file);

enum class DeleteOnCommit { yes, no };

enum class MarkClean {
  marked,        // the dirty file was deleted or renamed now
  already_clean, // no dirty file (an earlier run, or Flink, finished)
};

// FileSystemJobResultStore.markResultAsCleanInternal: delete <jobid>_DIRTY.json
// (delete-on-commit true, Flink's default) or rename it to <jobid>.json. Idempotent: without a
// dirty file there is nothing to do. FileSystemApplicationResultStore.markResultAsCleanInternal
// does the same with <appid>: pass the application id and the ApplicationResultStore.
Result<MarkClean> mark_job_result_clean(storage::HaStorage& store, std::string_view job_id,
                                        DeleteOnCommit delete_on_commit);

// 32 lower-case hex characters, as JobID.toString() renders them.
bool looks_like_job_id(std::string_view text);

std::string dirty_file_name(std::string_view job_id); // "<jobid>_DIRTY.json"
std::string clean_file_name(std::string_view job_id); // "<jobid>.json"

} // namespace flinkha::flink
