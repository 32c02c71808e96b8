#include "storage/local_storage.hpp"

#include "util/strings.hpp"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

namespace flinkha::storage {

namespace {

// Bounds on a listing, so that a pathological tree (or a loop of bind mounts) ends in an error
// instead of exhausting memory or the stack.
constexpr std::size_t kMaxDepth = 128;
constexpr std::size_t kMaxEntries = 10'000'000;

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

std::string errno_text(int error) {
  return std::generic_category().message(error);
}

class UniqueFd {
public:
  explicit UniqueFd(int fd = -1) : m_fd(fd) {}
  ~UniqueFd() {
    if (m_fd >= 0) {
      ::close(m_fd);
    }
  }
  UniqueFd(UniqueFd&& other) noexcept : m_fd(std::exchange(other.m_fd, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    std::swap(m_fd, other.m_fd);
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return m_fd; }
  int release() { return std::exchange(m_fd, -1); }

private:
  int m_fd;
};

std::int64_t mtime_ms_of(const struct stat& st) {
  return static_cast<std::int64_t>(st.st_mtim.tv_sec) * 1000 + st.st_mtim.tv_nsec / 1'000'000;
}

EntryType type_of(const struct stat& st) {
  if (S_ISREG(st.st_mode)) {
    return EntryType::file;
  }
  if (S_ISDIR(st.st_mode)) {
    return EntryType::directory;
  }
  if (S_ISLNK(st.st_mode)) {
    return EntryType::symlink;
  }
  return EntryType::other;
}

// A symlink's target text, as readlink gives it ("" when it cannot be read).
std::string link_target_of(int dir_fd, const std::string& name) {
  std::string target(4096, '\0');
  const auto n = ::readlinkat(dir_fd, name.c_str(), target.data(), target.size());
  target.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  return target;
}

Entry entry_of(int dir_fd, std::string_view dir, std::string_view name, const struct stat& st) {
  Entry entry{std::string(name), join_relative(dir, name),
              type_of(st),       static_cast<std::int64_t>(st.st_size),
              mtime_ms_of(st),   {}};
  if (S_ISLNK(st.st_mode)) {
    entry.link_target = link_target_of(dir_fd, std::string(name));
  }
  return entry;
}

// An open directory on the way to a target: the base (borrowed) or one opened below it (owned).
struct DirHandle {
  UniqueFd owned;
  int fd = -1;
};

enum class Walk { found, missing };

// Opens every component of `components` below `base` as a directory without following links.
// A missing component gives Walk::missing; a symlink on the way is an error that says so (the
// path `target` may well exist behind it: through_symlink_message), a non-directory another.
// With Create::yes a missing component is made (mkdirat, mode 0777 less the umask, as Flink's
// LocalFileSystem.mkdirs makes directories through java.io.File.mkdir) and its parent fsync'ed.
enum class Create { no, yes };

Result<Walk> open_dirs(int base, const std::string& base_path,
                       const std::vector<std::string_view>& components, DirHandle& out,
                       std::string_view target, Create create = Create::no) {
  out.fd = base;
  std::string walked;
  for (const auto component : components) {
    walked = join_relative(walked, component);
    const std::string name(component);
    int fd = ::openat(out.fd, name.c_str(), kDirFlags);
    if (fd < 0 && errno == ENOENT && create == Create::yes) {
      if (::mkdirat(out.fd, name.c_str(), 0777) != 0 && errno != EEXIST) {
        return failf(ErrorCategory::failed, "{}/{}: cannot create the directory: {}", base_path,
                     walked, errno_text(errno));
      }
      if (::fsync(out.fd) != 0) {
        return failf(ErrorCategory::failed, "{}/{}: fsync of the parent directory: {}", base_path,
                     walked, errno_text(errno));
      }
      fd = ::openat(out.fd, name.c_str(), kDirFlags);
    }
    if (fd < 0) {
      const int error = errno;
      if (error == ENOENT) {
        return Walk::missing;
      }
      if (error == ELOOP || error == ENOTDIR) {
        struct stat st {};
        if (::fstatat(out.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
          return fail(through_symlink_message(base_path, target.empty() ? walked : target, walked,
                                              link_target_of(out.fd, name)));
        }
        return failf("{}/{}: not a directory", base_path, walked);
      }
      return failf("{}/{}: {}", base_path, walked, errno_text(error));
    }
    out.owned = UniqueFd(fd);
    out.fd = fd;
  }
  return Walk::found;
}

// The parent directory of `relative` plus its last component.
struct Parent {
  DirHandle dir;
  std::string name;
  Walk walk = Walk::found;
};

Result<Parent> open_parent(int base, const std::string& base_path, std::string_view relative) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  auto components = path_components(relative);
  Parent parent;
  parent.name = std::string(components.back());
  components.pop_back();
  auto walk = open_dirs(base, base_path, components, parent.dir, relative);
  if (!walk) {
    return std::unexpected(walk.error());
  }
  parent.walk = *walk;
  return parent;
}

struct Lister {
  const std::string& base_path;
  Recursive recursive;
  std::vector<Entry> entries;

  Status list_dir(int dir_fd, const std::string& relative_dir, std::size_t depth) {
    if (depth > kMaxDepth) {
      return failf("{}/{}: deeper than {} levels; listing stopped", base_path, relative_dir,
                   kMaxDepth);
    }
    // fdopendir takes ownership of its descriptor: give it a duplicate.
    const int dup_fd = ::fcntl(dir_fd, F_DUPFD_CLOEXEC, 0);
    if (dup_fd < 0) {
      return failf("{}/{}: {}", base_path, relative_dir, errno_text(errno));
    }
    DIR* dir = ::fdopendir(dup_fd);
    if (dir == nullptr) {
      const int error = errno;
      ::close(dup_fd);
      return failf("{}/{}: {}", base_path, relative_dir, errno_text(error));
    }
    // A duplicate shares the file offset with the base descriptor: start from the beginning.
    ::rewinddir(dir);
    std::vector<std::string> names;
    errno = 0;
    while (const dirent* item = ::readdir(dir)) {
      const std::string_view name = item->d_name;
      if (name != "." && name != "..") {
        names.emplace_back(name);
      }
      errno = 0;
    }
    const int read_error = errno;
    ::closedir(dir);
    if (read_error != 0) {
      return failf("{}/{}: {}", base_path, relative_dir, errno_text(read_error));
    }
    std::sort(names.begin(), names.end());
    for (const auto& name : names) {
      struct stat st {};
      if (::fstatat(dir_fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
        if (errno == ENOENT) {
          continue; // removed while we were listing
        }
        return failf("{}/{}: {}", base_path, join_relative(relative_dir, name), errno_text(errno));
      }
      if (entries.size() >= kMaxEntries) {
        return failf("{}: more than {} entries; listing stopped", base_path, kMaxEntries);
      }
      entries.push_back(entry_of(dir_fd, relative_dir, name, st));
      if (recursive == Recursive::yes && S_ISDIR(st.st_mode)) {
        const int child = ::openat(dir_fd, name.c_str(), kDirFlags);
        if (child < 0) {
          if (errno == ENOENT || errno == ELOOP || errno == ENOTDIR) {
            continue; // replaced while we were listing; the entry says what it was
          }
          return failf("{}/{}: {}", base_path, entries.back().relative_path, errno_text(errno));
        }
        const UniqueFd child_fd(child);
        const std::string child_relative = entries.back().relative_path;
        if (auto status = list_dir(child_fd.get(), child_relative, depth + 1); !status) {
          return status;
        }
      }
    }
    return {};
  }
};

} // namespace

Result<std::unique_ptr<LocalStorage>> LocalStorage::open(std::string_view absolute_dir) {
  const std::string path(util::without_trailing_slashes(absolute_dir));
  if (!path.starts_with('/')) {
    return failf("storage path '{}' is not absolute", util::printable(absolute_dir));
  }
  if (path.find('\0') != std::string::npos) {
    return failf("storage path '{}' contains a NUL byte", util::printable(absolute_dir));
  }
  const int fd = ::open(path.c_str(), kDirFlags);
  if (fd < 0) {
    const int error = errno;
    if (error == ENOENT) {
      return std::unique_ptr<LocalStorage>(new LocalStorage(std::move(path), -1));
    }
    struct stat st {};
    if (error == ELOOP ||
        (error == ENOTDIR && ::lstat(path.c_str(), &st) == 0 && S_ISLNK(st.st_mode))) {
      return fail(
          fmt::format("{}: is a symlink; the storage base must be the real directory", path),
          "give the directory the link points to");
    }
    return failf("{}: {}", path, errno_text(error));
  }
  return std::unique_ptr<LocalStorage>(new LocalStorage(std::move(path), fd));
}

LocalStorage::~LocalStorage() {
  if (m_fd >= 0) {
    ::close(m_fd);
  }
}

Result<std::vector<Entry>> LocalStorage::list(std::string_view relative_dir, Recursive recursive) {
  if (auto valid = validate_relative_path(relative_dir, true); !valid) {
    return std::unexpected(valid.error());
  }
  if (m_fd < 0) {
    return std::vector<Entry>{};
  }
  DirHandle dir;
  auto walk = open_dirs(m_fd, m_path, path_components(relative_dir), dir, relative_dir);
  if (!walk) {
    return std::unexpected(walk.error());
  }
  if (*walk == Walk::missing) {
    return std::vector<Entry>{};
  }
  Lister lister{m_path, recursive, {}};
  if (auto status = lister.list_dir(dir.fd, std::string(relative_dir), 0); !status) {
    return std::unexpected(status.error());
  }
  return std::move(lister.entries);
}

Result<std::optional<Entry>> LocalStorage::stat(std::string_view relative) {
  if (m_fd < 0) {
    if (auto valid = validate_relative_path(relative); !valid) {
      return std::unexpected(valid.error());
    }
    return std::optional<Entry>{}; // no base directory: nothing below it
  }
  auto parent = open_parent(m_fd, m_path, relative);
  if (!parent) {
    return std::unexpected(parent.error());
  }
  if (m_fd < 0 || parent->walk == Walk::missing) {
    return std::optional<Entry>{};
  }
  struct stat st {};
  if (::fstatat(parent->dir.fd, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return std::optional<Entry>{};
    }
    return failf("{}/{}: {}", m_path, relative, errno_text(errno));
  }
  return std::optional<Entry>(entry_of(parent->dir.fd, parent_of(relative), parent->name, st));
}

Result<std::string> LocalStorage::read_file(std::string_view relative, std::size_t max_bytes) {
  if (m_fd < 0) {
    return failf("{}/{}: does not exist", m_path, relative);
  }
  auto parent = open_parent(m_fd, m_path, relative);
  if (!parent) {
    return std::unexpected(parent.error());
  }
  if (m_fd < 0 || parent->walk == Walk::missing) {
    return failf("{}/{}: does not exist", m_path, relative);
  }
  // O_NONBLOCK: a FIFO planted in storageDir must not hang us; it is refused below anyway.
  const int fd = ::openat(parent->dir.fd, parent->name.c_str(),
                          O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP) {
      return failf("{}/{}: is a symlink; not followed", m_path, relative);
    }
    return failf("{}/{}: {}", m_path, relative, errno_text(error));
  }
  const UniqueFd file(fd);
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return failf("{}/{}: {}", m_path, relative, errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return failf("{}/{}: not a regular file", m_path, relative);
  }
  if (static_cast<std::uintmax_t>(st.st_size) > max_bytes) {
    return failf("{}/{}: {} bytes, more than the {} bytes read at most", m_path, relative,
                 st.st_size, max_bytes);
  }
  std::string content(static_cast<std::size_t>(st.st_size), '\0');
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::read(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return failf("{}/{}: {}", m_path, relative, errno_text(errno));
    }
    if (n == 0) {
      break; // truncated while reading
    }
    done += static_cast<std::size_t>(n);
  }
  content.resize(done);
  return content;
}

Result<Removal> LocalStorage::remove_file(std::string_view relative) {
  return remove_entry(relative, false);
}

Result<Removal> LocalStorage::remove_empty_dir(std::string_view relative) {
  return remove_entry(relative, true);
}

Result<Removal> LocalStorage::remove_entry(std::string_view relative, bool directory) {
  auto parent = open_parent(m_fd, m_path, relative);
  if (!parent) {
    return std::unexpected(parent.error());
  }
  if (m_fd < 0 || parent->walk == Walk::missing) {
    return Removal::already_gone;
  }
  struct stat st {};
  if (::fstatat(parent->dir.fd, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    if (errno == ENOENT) {
      return Removal::already_gone;
    }
    return failf("{}/{}: {}", m_path, relative, errno_text(errno));
  }
  if (directory ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
    return failf("{}/{}: is a {}, not a {}; left alone", m_path, relative, to_string(type_of(st)),
                 directory ? "directory" : "regular file");
  }
  // unlinkat removes the name itself; if it became a symlink since fstatat, the link goes, never
  // what it points to (and AT_REMOVEDIR refuses a symlink).
  if (::unlinkat(parent->dir.fd, parent->name.c_str(), directory ? AT_REMOVEDIR : 0) != 0) {
    const int error = errno;
    if (error == ENOENT) {
      return Removal::already_gone;
    }
    if (directory && (error == ENOTEMPTY || error == EEXIST)) {
      return failf("{}/{}: directory not empty; left alone", m_path, relative);
    }
    return failf("{}/{}: {}", m_path, relative, errno_text(error));
  }
  return Removal::removed;
}

Status LocalStorage::rename_file(std::string_view relative, std::string_view new_name) {
  if (auto valid = validate_relative_path(new_name); !valid || new_name.contains('/')) {
    return failf("{}/{}: new name '{}' must be a single path component", m_path, relative,
                 util::printable(new_name));
  }
  auto parent = open_parent(m_fd, m_path, relative);
  if (!parent) {
    return std::unexpected(parent.error());
  }
  if (m_fd < 0 || parent->walk == Walk::missing) {
    return failf("{}/{}: does not exist", m_path, relative);
  }
  struct stat st {};
  if (::fstatat(parent->dir.fd, parent->name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) {
    return failf("{}/{}: {}", m_path, relative, errno_text(errno));
  }
  if (!S_ISREG(st.st_mode)) {
    return failf("{}/{}: is a {}, not a regular file; left alone", m_path, relative,
                 to_string(type_of(st)));
  }
  const std::string target(new_name);
  if (::renameat(parent->dir.fd, parent->name.c_str(), parent->dir.fd, target.c_str()) != 0) {
    return failf("{}/{}: rename to {}: {}", m_path, relative, target, errno_text(errno));
  }
  return {};
}

namespace {

// Writes all of `content` to `fd`: 0, or the errno of the failed write.
int write_all(int fd, std::string_view content) {
  std::size_t done = 0;
  while (done < content.size()) {
    const auto n = ::write(fd, content.data() + done, content.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return errno;
    }
    done += static_cast<std::size_t>(n);
  }
  return 0;
}

// The temporary name of a file being written: hidden, in the same directory, unique to this
// process and call, within NAME_MAX: ".<name, at most 200 bytes>.flinkha-tmp.<pid>.<n>".
std::string temporary_name(std::string_view name) {
  static std::atomic<unsigned> counter = 0;
  return fmt::format(".{}.flinkha-tmp.{}.{}", name.substr(0, 200), ::getpid(), ++counter);
}

} // namespace

Status LocalStorage::create_base() {
  // The directories above the base are resolved as open() resolves them (the operator's path);
  // only the base itself must not be a symlink, which the open below refuses.
  std::string walked;
  for (const auto component : util::split(std::string_view(m_path).substr(1), '/')) {
    if (component.empty()) {
      continue;
    }
    walked += "/" + std::string(component);
    if (::mkdir(walked.c_str(), 0777) != 0 && errno != EEXIST) {
      return failf(ErrorCategory::failed, "{}: cannot create the directory: {}", walked,
                   errno_text(errno));
    }
  }
  const int fd = ::open(m_path.c_str(), kDirFlags);
  if (fd < 0) {
    const int error = errno;
    if (error == ELOOP || error == ENOTDIR) {
      return fail(ErrorCategory::failed,
                  fmt::format("{}: is a symlink or not a directory; nothing written", m_path),
                  "the storage base must be the real directory");
    }
    return failf(ErrorCategory::failed, "{}: {}", m_path, errno_text(error));
  }
  m_fd = fd;
  return {};
}

Status LocalStorage::write_file(std::string_view relative, std::string_view content) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return valid;
  }
  if (m_fd < 0) {
    if (auto made = create_base(); !made) {
      return made;
    }
  }
  auto components = path_components(relative);
  const std::string name(components.back());
  components.pop_back();
  DirHandle dir;
  auto walk = open_dirs(m_fd, m_path, components, dir, relative, Create::yes);
  if (!walk) {
    return std::unexpected(walk.error());
  }
  if (*walk == Walk::missing) { // removed again between mkdirat and openat
    return failf(ErrorCategory::failed, "{}/{}: a parent directory vanished while it was made",
                 m_path, relative);
  }
  struct stat st {};
  if (::fstatat(dir.fd, name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0) {
    return failf(ErrorCategory::refused, "{}/{}: already exists{}; not replaced", m_path, relative,
                 S_ISREG(st.st_mode) ? "" : fmt::format(" (a {})", to_string(type_of(st))));
  }
  const std::string temporary = temporary_name(name);
  const auto failed = [&](std::string_view step, int error) {
    ::unlinkat(dir.fd, temporary.c_str(), 0);
    return failf(ErrorCategory::failed, "{}/{}: {}: {}; nothing written", m_path, relative, step,
                 errno_text(error));
  };
  // Mode 0666 less the umask: what java.io.FileOutputStream (Flink's LocalDataOutputStream,
  // LocalFileSystem.create) gives a new file.
  const int fd = ::openat(dir.fd, temporary.c_str(),
                          O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
  if (fd < 0) {
    const int error = errno;
    return failf(ErrorCategory::failed, "{}/{}: cannot create the temporary file {}: {}", m_path,
                 relative, temporary, errno_text(error));
  }
  {
    UniqueFd file(fd);
    if (const int error = write_all(fd, content); error != 0) {
      return failed("write", error);
    }
    if (::fsync(fd) != 0) {
      return failed("fsync", errno);
    }
    if (::close(file.release()) != 0) {
      return failed("close", errno);
    }
  }
  // link(2) refuses an existing name (EEXIST) atomically, where rename(2) would replace it.
  if (::linkat(dir.fd, temporary.c_str(), dir.fd, name.c_str(), 0) != 0) {
    const int error = errno;
    if (error == EEXIST) {
      ::unlinkat(dir.fd, temporary.c_str(), 0);
      return failf(ErrorCategory::refused, "{}/{}: already exists; not replaced", m_path, relative);
    }
    return failed("link", error);
  }
  if (::unlinkat(dir.fd, temporary.c_str(), 0) != 0) {
    return failf(ErrorCategory::failed,
                 "{}/{}: written, but the temporary file {} could not be removed: {}", m_path,
                 relative, temporary, errno_text(errno));
  }
  if (::fsync(dir.fd) != 0) {
    return failf(ErrorCategory::failed, "{}/{}: written, but fsync of its directory: {}", m_path,
                 relative, errno_text(errno));
  }
  return {};
}

} // namespace flinkha::storage
