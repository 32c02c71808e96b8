#include "storage/fake_storage.hpp"

#include <memory>

namespace flinkha::storage {

FakeStorage::FakeStorage(std::string description, bool base_exists)
    : m_description(std::move(description)), m_base_exists(base_exists) {}

void FakeStorage::add_parents(std::string_view relative, std::int64_t mtime_ms) {
  m_base_exists = true;
  for (auto parent = parent_of(relative); !parent.empty(); parent = parent_of(parent)) {
    m_nodes.try_emplace(std::string(parent), Node{EntryType::directory, {}, mtime_ms});
  }
}

void FakeStorage::add_file(std::string_view relative, std::string content, std::int64_t mtime_ms) {
  add_parents(relative, mtime_ms);
  m_nodes[std::string(relative)] = Node{EntryType::file, std::move(content), mtime_ms};
}

void FakeStorage::add_dir(std::string_view relative, std::int64_t mtime_ms) {
  add_parents(relative, mtime_ms);
  m_nodes[std::string(relative)] = Node{EntryType::directory, {}, mtime_ms};
}

void FakeStorage::add_symlink(std::string_view relative, std::string target,
                              std::int64_t mtime_ms) {
  add_parents(relative, mtime_ms);
  m_nodes[std::string(relative)] = Node{EntryType::symlink, std::move(target), mtime_ms};
}

std::vector<std::string> FakeStorage::paths() const {
  std::vector<std::string> result;
  for (const auto& [path, node] : m_nodes) {
    result.push_back(path);
  }
  return result;
}

void FakeStorage::fail_nth_mutation(std::size_t n) {
  auto count = std::make_shared<std::size_t>(0);
  m_hook = [count, n](std::string_view operation) -> Status {
    if (++*count == n) {
      return failf("injected failure at mutation {} ({})", n, operation);
    }
    return {};
  };
}

Status FakeStorage::before_mutation(std::string_view operation) {
  if (m_hook) {
    return m_hook(operation);
  }
  return {};
}

Result<bool> FakeStorage::parents_walkable(std::string_view relative) const {
  std::string walked;
  const auto components = path_components(parent_of(relative));
  for (const auto component : components) {
    walked = join_relative(walked, component);
    const auto it = m_nodes.find(walked);
    if (it == m_nodes.end()) {
      return false;
    }
    if (it->second.type == EntryType::symlink) {
      return fail(through_symlink_message(m_description, relative, walked, it->second.content));
    }
    if (it->second.type != EntryType::directory) {
      return failf("{}/{}: not a directory", m_description, walked);
    }
  }
  return true;
}

Entry FakeStorage::entry_of(const std::string& path, const Node& node) const {
  const auto parent = parent_of(path);
  const std::string name = parent.empty() ? path : path.substr(parent.size() + 1);
  return Entry{name,          path,
               node.type,     static_cast<std::int64_t>(node.content.size()),
               node.mtime_ms, node.type == EntryType::symlink ? node.content : std::string()};
}

Result<std::vector<Entry>> FakeStorage::list(std::string_view relative_dir, Recursive recursive) {
  if (m_list_hook) {
    m_list_hook();
  }
  if (auto valid = validate_relative_path(relative_dir, true); !valid) {
    return std::unexpected(valid.error());
  }
  std::vector<Entry> result;
  if (!relative_dir.empty()) {
    auto walkable = parents_walkable(join_relative(relative_dir, "x"));
    if (!walkable) {
      return std::unexpected(walkable.error());
    }
    if (!*walkable) {
      return result;
    }
  }
  const std::string prefix = relative_dir.empty() ? "" : std::string(relative_dir) + "/";
  for (auto it = m_nodes.lower_bound(prefix); it != m_nodes.end(); ++it) {
    const auto& [path, node] = *it;
    if (!path.starts_with(prefix)) {
      break;
    }
    const std::string_view below = std::string_view(path).substr(prefix.size());
    if (recursive == Recursive::no && below.contains('/')) {
      continue;
    }
    // Never list what is below a symlink (the map cannot hold it, but stay explicit).
    if (!parents_walkable(path).value_or(false)) {
      continue;
    }
    result.push_back(entry_of(path, node));
  }
  return result;
}

Result<std::optional<Entry>> FakeStorage::stat(std::string_view relative) {
  if (m_read_hook) {
    if (auto hook = m_read_hook("stat " + std::string(relative)); !hook) {
      return std::unexpected(hook.error());
    }
  }
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  auto walkable = parents_walkable(relative);
  if (!walkable) {
    return std::unexpected(walkable.error());
  }
  const auto it = m_nodes.find(std::string(relative));
  if (!*walkable || it == m_nodes.end()) {
    return std::optional<Entry>{};
  }
  return std::optional<Entry>(entry_of(it->first, it->second));
}

Result<std::string> FakeStorage::read_file(std::string_view relative, std::size_t max_bytes) {
  if (m_read_hook) {
    if (auto hook = m_read_hook("read_file " + std::string(relative)); !hook) {
      return std::unexpected(hook.error());
    }
  }
  auto entry = stat(relative);
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (!entry->has_value()) {
    return failf("{}/{}: does not exist", m_description, relative);
  }
  const Node& node = m_nodes.at(std::string(relative));
  if (node.type != EntryType::file) {
    return failf("{}/{}: not a regular file", m_description, relative);
  }
  if (node.content.size() > max_bytes) {
    return failf("{}/{}: {} bytes, more than the {} bytes read at most", m_description, relative,
                 node.content.size(), max_bytes);
  }
  return node.content;
}

Result<Removal> FakeStorage::remove_file(std::string_view relative) {
  auto entry = stat(relative);
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (!entry->has_value()) {
    return Removal::already_gone;
  }
  if ((*entry)->type != EntryType::file) {
    return failf("{}/{}: is a {}, not a regular file; left alone", m_description, relative,
                 to_string((*entry)->type));
  }
  if (auto hook = before_mutation("remove_file " + std::string(relative)); !hook) {
    return std::unexpected(hook.error());
  }
  m_nodes.erase(std::string(relative));
  ++m_mutations;
  return Removal::removed;
}

Result<Removal> FakeStorage::remove_empty_dir(std::string_view relative) {
  auto entry = stat(relative);
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (!entry->has_value()) {
    return Removal::already_gone;
  }
  if ((*entry)->type != EntryType::directory) {
    return failf("{}/{}: is a {}, not a directory; left alone", m_description, relative,
                 to_string((*entry)->type));
  }
  const std::string prefix = std::string(relative) + "/";
  if (const auto next = m_nodes.lower_bound(prefix);
      next != m_nodes.end() && next->first.starts_with(prefix)) {
    return failf("{}/{}: directory not empty; left alone", m_description, relative);
  }
  if (auto hook = before_mutation("remove_empty_dir " + std::string(relative)); !hook) {
    return std::unexpected(hook.error());
  }
  m_nodes.erase(std::string(relative));
  ++m_mutations;
  return Removal::removed;
}

Status FakeStorage::rename_file(std::string_view relative, std::string_view new_name) {
  if (auto valid = validate_relative_path(new_name); !valid || new_name.contains('/')) {
    return failf("{}/{}: new name '{}' must be a single path component", m_description, relative,
                 new_name);
  }
  auto entry = stat(relative);
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (!entry->has_value()) {
    return failf("{}/{}: does not exist", m_description, relative);
  }
  if ((*entry)->type != EntryType::file) {
    return failf("{}/{}: is a {}, not a regular file; left alone", m_description, relative,
                 to_string((*entry)->type));
  }
  if (auto hook = before_mutation("rename_file " + std::string(relative)); !hook) {
    return hook;
  }
  auto node = m_nodes.extract(std::string(relative));
  node.key() = join_relative(parent_of(relative), new_name);
  m_nodes.erase(node.key());
  m_nodes.insert(std::move(node));
  ++m_mutations;
  return {};
}

Status FakeStorage::write_file(std::string_view relative, std::string_view content) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return valid;
  }
  auto walkable = parents_walkable(relative);
  if (!walkable) {
    return std::unexpected(walkable.error());
  }
  if (m_nodes.contains(std::string(relative))) {
    return fail(ErrorCategory::refused,
                fmt::format("{}/{}: already exists; not replaced", m_description, relative));
  }
  if (auto hook = before_mutation("write_file " + std::string(relative)); !hook) {
    return hook;
  }
  add_file(relative, std::string(content), m_write_mtime_ms);
  ++m_mutations;
  return {};
}

} // namespace flinkha::storage
