#pragma once
// From a storage URI as Flink renders it (high-availability.storageDir, the cluster storage dir,
// job-result-store.storage-path) to an HaStorage. Flink's org.apache.flink.core.fs.Path prints a
// local path as "file:/x" (an empty URI authority is dropped), users write "file:///x" or "/x";
// all three are the local directory /x. hdfs:// (and webhdfs://, swebhdfs://) opens an
// HdfsStorage (hdfs_storage.hpp), s3:// s3a:// s3p:// an S3Storage (s3_storage.hpp); another scheme
// is refused with a message that says so, and the caller still works on the ZooKeeper side.

#include "storage/storage.hpp"
#include "storage/storage_options.hpp"

#include <memory>
#include <string>
#include <string_view>

namespace flinkha::storage {

// The local absolute path of a URI: "/x", "file:/x", "file:///x" → "/x" (Flink Path
// normalization: repeated '/' collapsed, one trailing '/' removed). Errors: another scheme (the
// message contains "scheme <s>:// is not supported for the storage side"), a file URI with a host
// ("file://host/x"), a relative path, a "." or ".." component (Flink's Path would resolve it;
// flinkha refuses to guess).
Result<std::string> local_path_of(std::string_view uri);

// True when `uri` names a local path (no scheme, or "file" without a host).
bool is_local_uri(std::string_view uri);

// The storage of a URI: a local path (local_path_of + LocalStorage::open), HDFS or S3 by scheme.
// Errors: bytes refused by config::check_value_bytes, an unknown scheme, and whatever opening the
// scheme's storage reports (an unreachable NameNode or endpoint, refused credentials: categories
// unreachable and refused).
Result<std::unique_ptr<HaStorage>> open_storage(std::string_view uri,
                                                const StorageOptions& options = {});

} // namespace flinkha::storage
