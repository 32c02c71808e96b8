#pragma once
// The JSON answers of WebHDFS (REST API of Hadoop 3.x, /webhdfs/v1<path>?op=…), as the NameNode
// writes them (org.apache.hadoop.hdfs.web.JsonUtil; NamenodeWebHdfsMethods) and as captured
// from a real one (tests/unit/fixtures/webhdfs/):
//   GETFILESTATUS      {"FileStatus": {…}}
//   LISTSTATUS         {"FileStatuses": {"FileStatus": [{…}, …]}} (a file lists itself, with
//                      pathSuffix "")
//   LISTSTATUS_BATCH   {"DirectoryListing": {"partialListing": {"FileStatuses": {"FileStatus":
//                      […]}}, "remainingEntries": n}} (Hadoop 2.8+/3.x; the next page starts
//                      after the last pathSuffix: startAfter=<name>)
//   GETCONTENTSUMMARY  {"ContentSummary": {"length": …, "fileCount": …, "directoryCount": …,
//                      "spaceConsumed": …}}
//   DELETE, RENAME     {"boolean": true|false} (false: the source was not there)
//   any error          {"RemoteException": {"exception": "FileNotFoundException",
//                      "javaClassName": "java.io.FileNotFoundException", "message": "…"}}
// A FileStatus has type FILE | DIRECTORY | SYMLINK, length (bytes), modificationTime (ms since
// the epoch), pathSuffix (the name; "" for GETFILESTATUS) and, for a symlink, symlink (its
// target). Parsers never throw: bad JSON, a missing or mistyped field, or a name that could
// leave its directory ("", ".", "..", a '/', a control byte) is an error naming `what`.

#include "storage/storage.hpp"
#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::storage {

struct WebHdfsStatus {
  std::string name; // pathSuffix
  EntryType type = EntryType::file;
  std::int64_t length = 0;
  std::int64_t modification_time_ms = 0;
  std::string symlink; // SYMLINK only
};

struct WebHdfsPage {
  std::vector<WebHdfsStatus> statuses;
  std::int64_t remaining_entries = 0; // LISTSTATUS_BATCH; 0 for LISTSTATUS
};

struct WebHdfsContentSummary {
  std::int64_t length = 0;
  std::int64_t file_count = 0;
  std::int64_t directory_count = 0;
  std::int64_t space_consumed = 0;
};

struct RemoteException {
  std::string exception;       // "FileNotFoundException", "StandbyException", …
  std::string java_class_name; // "java.io.FileNotFoundException"
  std::string message;
};

// GETFILESTATUS: the one FileStatus (pathSuffix is "").
Result<WebHdfsStatus> parse_file_status(std::string_view body, std::string_view what);

// LISTSTATUS (remaining_entries 0) or LISTSTATUS_BATCH: each entry must have a proper name,
// except the one entry a file lists for itself (name "", type FILE: see lists_itself).
Result<WebHdfsPage> parse_listing(std::string_view body, std::string_view what);

// True when a LISTSTATUS page is a file listing itself (the path is not a directory).
bool lists_itself(const WebHdfsPage& page);

Result<WebHdfsContentSummary> parse_content_summary(std::string_view body, std::string_view what);

// DELETE / RENAME.
Result<bool> parse_boolean(std::string_view body, std::string_view what);

// The RemoteException of an error answer; nullopt when the body is not one.
std::optional<RemoteException> parse_remote_exception(std::string_view body);

} // namespace flinkha::storage
