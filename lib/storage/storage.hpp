#pragma once
// The storage side of Flink's HA data: one base directory (the cluster's
// {high-availability.storageDir}/{cluster-id}, the storageDir itself, or the JobResultStore path)
// seen through a small interface, so that the inventory and the cleanup can be tested against an
// in-memory fake and run against the local file system (local_storage.hpp) today and other
// schemes later (open_storage.hpp).
//
// Paths given to HaStorage are relative to the base: '/'-separated components, no leading '/',
// no empty, "." or ".." component, no NUL byte. "" names the base itself (for listing only).
// Implementations never follow a symbolic link: a link is reported as EntryType::symlink (with
// its target text), never listed into, never read, never removed through. A path with a symlink
// on the way is refused with through_symlink_message, so that a file that exists behind the link
// is not reported as missing.

#include "util/result.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::storage {

enum class EntryType { file, directory, symlink, other };

std::string_view to_string(EntryType type);

struct Entry {
  std::string name;          // last path component
  std::string relative_path; // from the base, e.g. "blob/job_<id>/blob_p-…"
  EntryType type = EntryType::file;
  std::int64_t size_bytes = 0; // st_size (for a symlink: the length of its target text)
  std::int64_t mtime_ms = 0;   // last modification, milliseconds since the Unix epoch
  std::string link_target;     // a symlink's target text (readlink; never resolved), for messages
};

// The message for a path that is reached through a symlink flinkha does not follow:
// "<base>/<relative>: reached through the symlink <base>/<link> → <target>; flinkha does not
// follow symlinks inside storageDir". `link` is the link's relative path, `target` its text.
std::string through_symlink_message(std::string_view base, std::string_view relative,
                                    std::string_view link, std::string_view target);

enum class Recursive { yes, no };

// What a removal found: removed now, or nothing there any more (an earlier, interrupted run
// removed it). Both are success: removals are idempotent.
enum class Removal { removed, already_gone };

class HaStorage {
public:
  virtual ~HaStorage() = default;

  // The base as an operator would write it, for messages: "/data/flink/ha/default".
  virtual std::string describe() const = 0;

  // False when the base directory does not exist (nothing was ever written there; the
  // JobResultStore is created lazily since Flink 1.18). Listing then gives no entries and every
  // removal reports already_gone.
  virtual bool base_exists() const = 0;

  // The entries of directory `relative_dir` ("" = the base), sorted by relative path; with
  // Recursive::yes also everything below, parents before children, never descending into a
  // symlink. A missing directory gives an empty list.
  virtual Result<std::vector<Entry>> list(std::string_view relative_dir, Recursive recursive) = 0;

  // The entry at `relative`, nullopt when nothing is there.
  virtual Result<std::optional<Entry>> stat(std::string_view relative) = 0;

  // The content of a regular file; an error when it is larger than max_bytes, missing, or not a
  // regular file (a symlink is refused, not followed).
  virtual Result<std::string> read_file(std::string_view relative, std::size_t max_bytes) = 0;

  // Whether removals would be accepted now, found without changing anything that matters
  // (HDFS: a NameNode in safe mode or a user without write access refuses a MKDIRS of the
  // existing base; S3: a DeleteObject of a key that does not exist is refused to read-only
  // credentials). Local and fake storages: always. The cleanup asks before its first step.
  virtual Status check_writable() { return {}; }

  // Removes a regular file. A symlink or directory at that name is an error (never removed).
  virtual Result<Removal> remove_file(std::string_view relative) = 0;

  // Removes an empty directory (not a symlink to one). A non-empty directory is an error.
  virtual Result<Removal> remove_empty_dir(std::string_view relative) = 0;

  // Removes many regular files, each as remove_file would; the results are in the order of
  // `relatives`, one per path, and one failure does not stop the others. Remote storages send
  // them concurrently or in batches (S3 DeleteObjects); this default calls remove_file in turn.
  virtual std::vector<Result<Removal>> remove_files(const std::vector<std::string>& relatives);

  // Renames a regular file within its directory: `new_name` is a single component. An existing
  // file of that name is replaced (as Flink's LocalFileSystem.rename does).
  virtual Status rename_file(std::string_view relative, std::string_view new_name) = 0;

  // Creates a regular file holding `content` (small files only, a few MiB at most: job graphs,
  // execution plans, completedCheckpoint files, JobResultStore entries), with its missing parent
  // directories. Never replaces anything: an entry already at `relative` is an error (a caller
  // that may find its own earlier write, such as a rerun of an interrupted restore, compares it
  // first). A symlink on the way is refused. The file appears whole or not at all, as far as the
  // storage allows: local: written under a temporary name in the same directory, fsync'ed, then
  // linked to its name (link(2) refuses an existing name); HDFS: WebHDFS CREATE with
  // overwrite=false (a file is complete once the NameNode closes it); S3: one PutObject (an
  // object appears whole), refused when the key exists. This default refuses: a storage that
  // cannot write says so, naming itself.
  virtual Status write_file(std::string_view relative, std::string_view content);

  Result<bool> exists(std::string_view relative) {
    auto entry = stat(relative);
    if (!entry) {
      return std::unexpected(entry.error());
    }
    return entry->has_value();
  }
};

// Checks a relative path as described at the top; `allow_base` admits "".
Status validate_relative_path(std::string_view relative, bool allow_base = false);

// The components of a validated relative path.
std::vector<std::string_view> path_components(std::string_view relative);

// "a/b" + "c" → "a/b/c"; "" + "c" → "c".
std::string join_relative(std::string_view dir, std::string_view name);

// The directory part of a relative path: "a/b/c" → "a/b", "c" → "".
std::string_view parent_of(std::string_view relative);

} // namespace flinkha::storage
