#include "storage/open_storage.hpp"

#include "config/ha_paths.hpp"
#include "storage/hdfs_storage.hpp"
#include "storage/local_storage.hpp"
#include "storage/s3_storage.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

namespace flinkha::storage {

Result<std::string> local_path_of(std::string_view uri) {
  // The bytes rule `config check` applies to storageDir (bad-path): refused here too, so a path
  // with a newline or NUL never reaches a file system call or a remote command.
  if (auto bad = config::check_value_bytes(uri)) {
    return fail(ErrorCategory::configuration,
                fmt::format("storage '{}' {}; refused", util::printable(uri), *bad),
                "fix high-availability.storageDir (`flinkha config check` names the line)");
  }
  const util::FlinkPath split = util::parse_flink_path(util::trim(uri));
  const std::string scheme = util::to_lower(split.scheme);
  if (!scheme.empty() && scheme != "file") {
    return fail(fmt::format("storage '{}': scheme {}:// is not supported for the storage side "
                            "(local paths, hdfs:// and s3:// are; the ZooKeeper side still works)",
                            util::printable(uri), scheme),
                "inspect and clean this storage with the file system's own tools");
  }
  // Flink's Path drops an empty authority ("file:///x" is "file:/x"); one that is left names a
  // host.
  if (!split.authority.empty()) {
    return failf("storage '{}': a file URI with a host is not supported; use file:///path",
                 util::printable(uri));
  }
  if (!split.path.starts_with('/')) {
    return failf("storage '{}': not an absolute path", util::printable(uri));
  }
  if (const auto bad = util::unsafe_component(std::string_view(split.path).substr(1))) {
    return failf("storage '{}': has a '{}' component; refused", util::printable(uri),
                 util::printable(*bad));
  }
  return split.path;
}

bool is_local_uri(std::string_view uri) {
  return local_path_of(uri).has_value();
}

Result<std::unique_ptr<HaStorage>> open_storage(std::string_view uri,
                                                const StorageOptions& options) {
  if (!config::check_value_bytes(uri)) {
    const util::FlinkPath split = util::parse_flink_path(util::trim(uri));
    switch (util::file_system_kind(split.scheme)) {
    case util::FileSystemKind::hdfs:
      return open_hdfs_storage(split, options);
    case util::FileSystemKind::s3:
      return open_s3_storage(split, options);
    case util::FileSystemKind::local:
    case util::FileSystemKind::other:
      break; // local_path_of refuses another scheme with its message
    }
  }
  auto path = local_path_of(uri);
  if (!path) {
    return std::unexpected(path.error());
  }
  auto storage = LocalStorage::open(*path);
  if (!storage) {
    return std::unexpected(storage.error());
  }
  return std::unique_ptr<HaStorage>(std::move(*storage));
}

} // namespace flinkha::storage
