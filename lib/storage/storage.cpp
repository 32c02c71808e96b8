#include "storage/storage.hpp"

#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace flinkha::storage {

std::vector<Result<Removal>> HaStorage::remove_files(const std::vector<std::string>& relatives) {
  std::vector<Result<Removal>> results;
  results.reserve(relatives.size());
  for (const auto& relative : relatives) {
    results.push_back(remove_file(relative));
  }
  return results;
}

Status HaStorage::write_file(std::string_view relative, std::string_view /*content*/) {
  return fail(ErrorCategory::refused,
              fmt::format("{}/{}: this storage cannot write files; copy the file there with the "
                          "storage's own tools",
                          describe(), relative));
}

std::string_view to_string(EntryType type) {
  switch (type) {
  case EntryType::file:
    return "file";
  case EntryType::directory:
    return "dir";
  case EntryType::symlink:
    return "symlink";
  case EntryType::other:
    return "other";
  }
  return "other";
}

Status validate_relative_path(std::string_view relative, bool allow_base) {
  if (relative.empty()) {
    if (allow_base) {
      return {};
    }
    return fail("empty path: the storage base itself cannot be the target");
  }
  if (relative.find('\0') != std::string_view::npos) {
    return failf("path '{}' contains a NUL byte", util::printable(relative));
  }
  if (relative.starts_with('/')) {
    return failf("path '{}' is absolute; only paths inside the storage base are accepted",
                 util::printable(relative));
  }
  if (const auto bad = util::unsafe_component(relative)) {
    return failf("path '{}' has a '{}' component; refused (it could leave the storage base)",
                 util::printable(relative), util::printable(*bad));
  }
  return {};
}

std::string through_symlink_message(std::string_view base, std::string_view relative,
                                    std::string_view link, std::string_view target) {
  return fmt::format("{}/{}: reached through the symlink {}/{} \u2192 {}; flinkha does not follow "
                     "symlinks inside storageDir",
                     base, util::printable(relative, 300), base, util::printable(link, 300),
                     util::printable(target, 300));
}

std::vector<std::string_view> path_components(std::string_view relative) {
  if (relative.empty()) {
    return {};
  }
  return util::split(relative, '/');
}

std::string join_relative(std::string_view dir, std::string_view name) {
  if (dir.empty()) {
    return std::string(name);
  }
  std::string joined(dir);
  joined += '/';
  joined += name;
  return joined;
}

std::string_view parent_of(std::string_view relative) {
  const auto slash = relative.rfind('/');
  return slash == std::string_view::npos ? std::string_view{} : relative.substr(0, slash);
}

} // namespace flinkha::storage
