#pragma once
// An in-memory HaStorage for tests: files, directories and symlinks in a map, the same rules as
// LocalStorage (symlinks are listed but never entered, read or removed; removals are
// idempotent), plus failure injection so that tests can stop a cleanup at any mutation and check
// what it left behind (a crash, even SIGKILL, between two steps).

#include "storage/storage.hpp"

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace flinkha::storage {

class FakeStorage final : public HaStorage {
public:
  explicit FakeStorage(std::string description = "fake:/storage", bool base_exists = true);

  // Setup. Parent directories are created as needed (with the same mtime).
  void add_file(std::string_view relative, std::string content, std::int64_t mtime_ms = 0);
  void add_dir(std::string_view relative, std::int64_t mtime_ms = 0);
  void add_symlink(std::string_view relative, std::string target, std::int64_t mtime_ms = 0);

  bool has(std::string_view relative) const { return m_nodes.contains(std::string(relative)); }
  std::vector<std::string> paths() const; // every entry, sorted

  // Called before each mutation (remove_file, remove_empty_dir, rename_file) with a description
  // such as "remove_file blob/x"; an error makes the mutation fail without effect.
  using MutationHook = std::function<Status(std::string_view operation)>;
  void set_mutation_hook(MutationHook hook) { m_hook = std::move(hook); }
  // Convenience: the n-th mutation from now (1-based) fails; the others succeed.
  void fail_nth_mutation(std::size_t n);
  std::size_t mutations() const { return m_mutations; } // mutations that took effect
  // Called at the start of each list(): a test moves the world while it is listed (a running
  // job writing and subsuming checkpoints between flinkha's ZooKeeper walk and its listing).
  void set_list_hook(std::function<void()> hook) { m_list_hook = std::move(hook); }
  // Called at the start of each stat() ("stat a/b") and read_file() ("read_file a/b", which then
  // also passes through stat): an error is returned as that call's (an unreachable NameNode, a
  // timeout, a refused read).
  using ReadHook = std::function<Status(std::string_view operation)>;
  void set_read_hook(ReadHook hook) { m_read_hook = std::move(hook); }
  // What check_writable answers (a NameNode in safe mode, read-only credentials); ok by default.
  void set_writable(Status writable) { m_writable = std::move(writable); }

  std::string describe() const override { return m_description; }
  bool base_exists() const override { return m_base_exists; }
  Result<std::vector<Entry>> list(std::string_view relative_dir, Recursive recursive) override;
  Result<std::optional<Entry>> stat(std::string_view relative) override;
  Result<std::string> read_file(std::string_view relative, std::size_t max_bytes) override;
  Result<Removal> remove_file(std::string_view relative) override;
  Result<Removal> remove_empty_dir(std::string_view relative) override;
  Status rename_file(std::string_view relative, std::string_view new_name) override;
  // Also a mutation ("write_file a/b"): the hook can stop it; mtime_ms is write_mtime_ms().
  Status write_file(std::string_view relative, std::string_view content) override;
  void set_write_mtime_ms(std::int64_t mtime_ms) { m_write_mtime_ms = mtime_ms; }
  std::int64_t write_mtime_ms() const { return m_write_mtime_ms; }
  Status check_writable() override { return m_writable; }

private:
  struct Node {
    EntryType type = EntryType::file;
    std::string content; // file content or symlink target
    std::int64_t mtime_ms = 0;
  };

  void add_parents(std::string_view relative, std::int64_t mtime_ms);
  // Error when a parent of `relative` is a symlink or a file (as openat(O_NOFOLLOW) refuses);
  // false when a parent is missing.
  Result<bool> parents_walkable(std::string_view relative) const;
  Status before_mutation(std::string_view operation);
  Entry entry_of(const std::string& path, const Node& node) const;

  std::string m_description;
  bool m_base_exists;
  std::map<std::string, Node> m_nodes;
  MutationHook m_hook;
  std::function<void()> m_list_hook;
  ReadHook m_read_hook;
  std::size_t m_mutations = 0;
  Status m_writable;
  std::int64_t m_write_mtime_ms = 0;
};

} // namespace flinkha::storage
