#pragma once
// HaStorage on the local file system. The base directory is opened once
// (open(O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) and everything else is done relative to that
// descriptor: each path component is opened with openat(O_DIRECTORY | O_NOFOLLOW), entries are
// examined with fstatat(AT_SYMLINK_NOFOLLOW), removed with unlinkat and renamed with renameat.
// No symlink is ever followed, so a link inside storageDir that points elsewhere can never make
// a cleanup touch what it points to; a renamed or replaced parent directory cannot redirect a
// removal either, since no absolute path is resolved after open().

#include "storage/storage.hpp"

#include <memory>
#include <string>

namespace flinkha::storage {

class LocalStorage final : public HaStorage {
public:
  // Opens `absolute_dir`. A directory that does not exist gives a storage with
  // base_exists() == false; a base that is a symlink, not a directory or unreadable is an error.
  static Result<std::unique_ptr<LocalStorage>> open(std::string_view absolute_dir);

  ~LocalStorage() override;
  LocalStorage(const LocalStorage&) = delete;
  LocalStorage& operator=(const LocalStorage&) = delete;

  std::string describe() const override { return m_path; }
  bool base_exists() const override { return m_fd >= 0; }
  Result<std::vector<Entry>> list(std::string_view relative_dir, Recursive recursive) override;
  Result<std::optional<Entry>> stat(std::string_view relative) override;
  Result<std::string> read_file(std::string_view relative, std::size_t max_bytes) override;
  Result<Removal> remove_file(std::string_view relative) override;
  Result<Removal> remove_empty_dir(std::string_view relative) override;
  Status rename_file(std::string_view relative, std::string_view new_name) override;
  // Missing parents (and a missing base) are made with mkdirat, mode 0777 less the umask (as
  // java.io.File.mkdir under Flink's LocalFileSystem.mkdirs), each opened with
  // openat(O_DIRECTORY | O_NOFOLLOW) like every other walk here, so a symlink on the way is
  // refused (through_symlink_message). The content goes to a hidden temporary file in the target
  // directory (".<name>.flinkha-tmp.<pid>.<n>", O_CREAT | O_EXCL | O_NOFOLLOW, mode 0666 less the
  // umask: what java.io.FileOutputStream gives a new file under Flink's LocalDataOutputStream,
  // 1.20 and 2.3), is fsync'ed, then linkat(2) gives it its name: an existing entry of that name
  // (any type, a symlink included) is refused atomically, never replaced. The temporary name is
  // then unlinked and the directory fsync'ed. A failure removes the temporary file; only a
  // SIGKILL between open and unlink can leave one behind (hidden, never at the target name).
  // Errors: an existing name is refused ("already exists; not replaced", ErrorCategory::refused);
  // I/O errors name the file and the step (ErrorCategory::failed).
  Status write_file(std::string_view relative, std::string_view content) override;

private:
  LocalStorage(std::string path, int fd) : m_path(std::move(path)), m_fd(fd) {}

  // Removes `relative` if it is of the expected type (a regular file, or with `directory` an
  // empty directory), relative to its opened parent; never through a symlink.
  Result<Removal> remove_entry(std::string_view relative, bool directory);
  // Creates the missing base directory (write_file into a storage never written to) and opens it.
  Status create_base();

  std::string m_path; // the absolute base path, for messages only
  int m_fd;           // the opened base directory; -1 when it does not exist
};

} // namespace flinkha::storage
