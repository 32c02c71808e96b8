#include "zk/path.hpp"

namespace flinkha::zk {

std::string join_path(std::string_view parent, std::string_view child) {
  std::string out(parent);
  if (out.empty() || out.back() != '/') {
    out += '/';
  }
  out += child;
  return out;
}

std::string_view parent_path(std::string_view path) {
  const auto slash = path.rfind('/');
  if (slash == std::string_view::npos || slash == 0) {
    return "/";
  }
  return path.substr(0, slash);
}

bool is_within(std::string_view path, std::string_view root) {
  if (root == "/") {
    return path.starts_with('/');
  }
  return path == root ||
         (path.starts_with(root) && path.size() > root.size() && path[root.size()] == '/');
}

} // namespace flinkha::zk
