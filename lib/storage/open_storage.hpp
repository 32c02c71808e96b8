#pragma once
// From a storage URI as Flink renders it (high-availability.storageDir, the cluster storage dir,
// job-result-store.storage-path) to an HaStorage. Flink's org.apache.flink.core.fs.Path prints a
// local path as "file:/x" (an empty URI authority is dropped), users write "file:///x" or "/x";
// all three are the local directory /x. Other schemes (hdfs://, s3://, …) are not supported yet
// on the storage side: the error says so, and the caller still works on the ZooKeeper side.

#include "storage/storage.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace flinkha::storage {

// The local absolute path of a URI: "/x", "file:/x", "file:///x" → "/x" (Flink Path
// normalization: repeated '/' collapsed, one trailing '/' removed). Errors: another scheme (the
// message contains "scheme <s>:// is not supported yet for the storage side (the ZooKeeper side
// still works)"), a file URI with a host ("file://host/x"), a relative path, a "." or ".."
// component (Flink's Path would resolve it; flinkha refuses to guess).
Result<std::string> local_path_of(std::string_view uri);

// True when `uri` names a local path (no scheme, or "file" without a host).
bool is_local_uri(std::string_view uri);

// local_path_of + LocalStorage::open.
Result<std::unique_ptr<HaStorage>> open_storage(std::string_view uri);

} // namespace flinkha::storage
