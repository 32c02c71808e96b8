#include "storage/open_storage.hpp"

#include "config/ha_paths.hpp"
#include "storage/local_storage.hpp"
#include "util/strings.hpp"

namespace flinkha::storage {

namespace {

struct SchemeSplit {
  std::string scheme; // lower-cased; empty when none
  std::string rest;   // after "scheme:"
};

// Flink's Path: a scheme is what comes before a ':' that precedes the first '/'.
SchemeSplit split_scheme(std::string_view uri) {
  const auto colon = uri.find(':');
  const auto slash = uri.find('/');
  if (colon != std::string_view::npos && colon > 0 &&
      (slash == std::string_view::npos || colon < slash)) {
    return {util::to_lower(uri.substr(0, colon)), std::string(uri.substr(colon + 1))};
  }
  return {{}, std::string(uri)};
}

} // namespace

Result<std::string> local_path_of(std::string_view uri) {
  const std::string normalized = config::normalize_flink_path(util::trim(uri));
  const SchemeSplit split = split_scheme(normalized);
  if (!split.scheme.empty() && split.scheme != "file") {
    return fail(fmt::format("storage '{}': scheme {}:// is not supported yet for the storage side "
                            "(the ZooKeeper side still works)",
                            util::printable(uri), split.scheme),
                "inspect and clean this storage with the file system's own tools");
  }
  // normalize_flink_path drops an empty authority ("file:///x" → "file:/x"); one that is left
  // names a host.
  if (split.rest.starts_with("//")) {
    return failf("storage '{}': a file URI with a host is not supported; use file:///path",
                 util::printable(uri));
  }
  if (!split.rest.starts_with('/')) {
    return failf("storage '{}': not an absolute path", util::printable(uri));
  }
  if (split.rest.find('\0') != std::string::npos) {
    return failf("storage '{}': contains a NUL byte", util::printable(uri));
  }
  for (const auto component : util::split(std::string_view(split.rest).substr(1), '/')) {
    if (component == "." || component == "..") {
      return failf("storage '{}': has a '{}' component; refused", util::printable(uri), component);
    }
  }
  return split.rest;
}

bool is_local_uri(std::string_view uri) {
  return local_path_of(uri).has_value();
}

Result<std::unique_ptr<HaStorage>> open_storage(std::string_view uri) {
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
