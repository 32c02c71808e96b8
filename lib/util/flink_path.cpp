#include "util/flink_path.hpp"

#include "util/strings.hpp"

namespace flinkha::util {

std::string normalize_flink_path_part(std::string_view path) {
  std::string result;
  result.reserve(path.size());
  for (const char c : path) {
    const char d = c == '\\' ? '/' : c;
    if (d == '/' && result.ends_with('/')) {
      continue;
    }
    result.push_back(d);
  }
  if (result.size() > 1 && result.ends_with('/')) {
    result.pop_back();
  }
  return result;
}

FlinkPath parse_flink_path(std::string_view text) {
  FlinkPath parts;
  std::size_t start = 0;
  const auto colon = text.find(':');
  const auto slash = text.find('/');
  if (colon != std::string_view::npos && (slash == std::string_view::npos || colon < slash)) {
    parts.scheme = std::string(text.substr(0, colon));
    start = colon + 1;
  }
  if (text.substr(start).starts_with("//") && text.size() - start > 2) {
    const auto next_slash = text.find('/', start + 2);
    const auto end = next_slash == std::string_view::npos ? text.size() : next_slash;
    parts.authority = std::string(text.substr(start + 2, end - start - 2));
    start = end;
  }
  parts.path = normalize_flink_path_part(text.substr(start));
  return parts;
}

std::string render_flink_path(const FlinkPath& path) {
  std::string result;
  if (!path.scheme.empty()) {
    result += path.scheme;
    result += ':';
  }
  if (!path.authority.empty()) {
    result += "//";
    result += path.authority;
  }
  result += path.path;
  return result;
}

std::optional<std::string_view> unsafe_component(std::string_view relative) {
  if (relative.empty()) {
    return std::nullopt;
  }
  for (const auto component : split(relative, '/')) {
    if (component.empty() || component == "." || component == "..") {
      return component;
    }
    for (const char c : component) {
      if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
        return component;
      }
    }
  }
  return std::nullopt;
}

FileSystemKind file_system_kind(std::string_view scheme) {
  const auto lower = to_lower(scheme);
  if (lower.empty() || lower == "file") {
    return FileSystemKind::local;
  }
  if (lower == "hdfs" || lower == "webhdfs" || lower == "swebhdfs") {
    return FileSystemKind::hdfs;
  }
  if (lower == "s3" || lower == "s3a" || lower == "s3p") {
    return FileSystemKind::s3;
  }
  return FileSystemKind::other;
}

} // namespace flinkha::util
