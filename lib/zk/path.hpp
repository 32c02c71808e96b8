#pragma once
// The znode path helpers, one set for every area (lib/zk, lib/flink). Paths are absolute
// ("/flink/default/jobs"); "/" is the root. No validation here: ZooKeeper checks paths itself.

#include <string>
#include <string_view>

namespace flinkha::zk {

// Joins a parent and a child name: ("/", "a") → "/a", ("/a", "b") → "/a/b".
std::string join_path(std::string_view parent, std::string_view child);

// "/a/b/c" → "/a/b"; "/a" → "/" (a view into `path`).
std::string_view parent_path(std::string_view path);

// True when `path` is `root` or below it (component-wise: "/a/bc" is not below "/a/b").
bool is_within(std::string_view path, std::string_view root);

} // namespace flinkha::zk
