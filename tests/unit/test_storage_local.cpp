#include "storage/local_storage.hpp"
#include "storage/open_storage.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <vector>

using flinkha::storage::EntryType;
using flinkha::storage::LocalStorage;
using flinkha::storage::Recursive;
using flinkha::storage::Removal;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> relative_paths(const std::vector<flinkha::storage::Entry>& entries) {
  std::vector<std::string> paths;
  for (const auto& entry : entries) {
    paths.push_back(entry.relative_path);
  }
  return paths;
}

} // namespace

TEST_CASE("storage: local listing is recursive, sorted, and never enters a symlink") {
  flinkha::test::TempDir outside;
  outside.write("secret/keep.txt", "outside");
  flinkha::test::TempDir dir;
  dir.write("completedCheckpoint0123456789ab", "12345");
  dir.write("blob/job_0123/blob_p-1", "b");
  fs::create_directory_symlink(outside.path() / "secret", dir.path() / "blob" / "link");

  auto storage = LocalStorage::open(dir.path().string());
  REQUIRE(storage.has_value());
  CHECK((*storage)->base_exists());
  auto all = (*storage)->list("", Recursive::yes);
  REQUIRE(all.has_value());
  CHECK(relative_paths(*all) == std::vector<std::string>{"blob", "blob/job_0123",
                                                         "blob/job_0123/blob_p-1", "blob/link",
                                                         "completedCheckpoint0123456789ab"});
  CHECK((*all)[3].type == EntryType::symlink);
  CHECK((*all)[4].size_bytes == 5);
  CHECK((*all)[4].mtime_ms > 0);

  auto top = (*storage)->list("", Recursive::no);
  REQUIRE(top.has_value());
  CHECK(relative_paths(*top) ==
        std::vector<std::string>{"blob", "completedCheckpoint0123456789ab"});

  // Through the link: refused, not followed.
  auto through = (*storage)->list("blob/link", Recursive::yes);
  REQUIRE_FALSE(through.has_value());
  CHECK(through.error().message.find("flinkha does not follow symlinks") != std::string::npos);
  CHECK_FALSE((*storage)->remove_file("blob/link/keep.txt").has_value());
  CHECK_FALSE((*storage)->read_file("blob/link/keep.txt", 100).has_value());
  auto link_removal = (*storage)->remove_file("blob/link");
  REQUIRE_FALSE(link_removal.has_value());
  CHECK(link_removal.error().message.find("symlink") != std::string::npos);
  CHECK_FALSE((*storage)->remove_empty_dir("blob/link").has_value());
  CHECK(fs::exists(outside.path() / "secret" / "keep.txt"));
  CHECK(fs::is_symlink(dir.path() / "blob" / "link"));
}

TEST_CASE("storage: local read, remove and rename are relative and idempotent") {
  flinkha::test::TempDir dir;
  dir.write("a/x_DIRTY.json", "{}");
  dir.write("big", std::string(100, 'b'));
  auto opened = LocalStorage::open(dir.path().string());
  REQUIRE(opened.has_value());
  auto& storage = **opened;

  CHECK(storage.read_file("a/x_DIRTY.json", 10).value() == "{}");
  auto too_big = storage.read_file("big", 10);
  REQUIRE_FALSE(too_big.has_value());
  CHECK(too_big.error().message.find("more than the 10 bytes") != std::string::npos);

  REQUIRE(storage.rename_file("a/x_DIRTY.json", "x.json").has_value());
  CHECK(fs::exists(dir.path() / "a" / "x.json"));
  CHECK_FALSE(storage.rename_file("a/x.json", "../escape").has_value());

  CHECK(storage.remove_file("a/x.json").value() == Removal::removed);
  CHECK(storage.remove_file("a/x.json").value() == Removal::already_gone);
  CHECK(storage.remove_file("nowhere/x").value() == Removal::already_gone);
  auto not_a_file = storage.remove_file("a");
  REQUIRE_FALSE(not_a_file.has_value());
  CHECK(storage.remove_empty_dir("a").value() == Removal::removed);
  CHECK(storage.remove_empty_dir("a").value() == Removal::already_gone);
  CHECK_FALSE(storage.exists("a").value());

  dir.write("full/f", "x");
  auto full = storage.remove_empty_dir("full");
  REQUIRE_FALSE(full.has_value());
  CHECK(full.error().message.find("not empty") != std::string::npos);
}

TEST_CASE("storage: paths that could leave the base are refused") {
  flinkha::test::TempDir dir;
  auto opened = LocalStorage::open(dir.path().string());
  REQUIRE(opened.has_value());
  for (const std::string bad : {"../x", "a/../../x", "/etc/passwd", "a//b", "./a", ""}) {
    CAPTURE(bad);
    CHECK_FALSE((*opened)->remove_file(bad).has_value());
    CHECK_FALSE((*opened)->stat(bad).has_value());
  }
  CHECK_FALSE((*opened)->list("..", Recursive::no).has_value());
}

TEST_CASE("storage: a missing base is empty; a symlinked base is refused") {
  flinkha::test::TempDir dir;
  auto missing = LocalStorage::open((dir.path() / "never-written").string());
  REQUIRE(missing.has_value());
  CHECK_FALSE((*missing)->base_exists());
  CHECK((*missing)->list("", Recursive::yes).value().empty());
  CHECK((*missing)->remove_file("x").value() == Removal::already_gone);
  // stat of anything below a missing base is "nothing there" (a restore into a new cluster-id
  // checks its blob/… files there), and a read says the file does not exist.
  const auto below = (*missing)->stat("blob/job_x/blob_p-1");
  REQUIRE_MESSAGE(below.has_value(), (below ? "" : below.error().message));
  CHECK_FALSE(below->has_value());
  const auto read = (*missing)->read_file("blob/job_x/blob_p-1", 10);
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().message.find("does not exist") != std::string::npos);

  fs::create_directory(dir.path() / "real");
  fs::create_directory_symlink(dir.path() / "real", dir.path() / "alias");
  auto alias = LocalStorage::open((dir.path() / "alias").string());
  REQUIRE_FALSE(alias.has_value());
  CHECK(alias.error().message.find("symlink") != std::string::npos);
  CHECK_FALSE(LocalStorage::open("relative/dir").has_value());
}

TEST_CASE("storage: open_storage accepts Flink's local renderings and names other schemes") {
  using flinkha::storage::local_path_of;
  CHECK(local_path_of("/data/flink/ha").value() == "/data/flink/ha");
  CHECK(local_path_of("file:/data/flink/ha").value() == "/data/flink/ha");
  CHECK(local_path_of("file:///data/flink//ha/").value() == "/data/flink/ha");
  CHECK(local_path_of("FILE:///data").value() == "/data");

  // hdfs:// and s3:// have storages of their own (open_storage dispatches them first).
  for (const std::string scheme : {"gs", "abfs", "oss", "wasb"}) {
    CAPTURE(scheme);
    auto error = local_path_of(scheme + "://bucket/flink/ha");
    REQUIRE_FALSE(error.has_value());
    CHECK(error.error().message.find("scheme " + scheme +
                                     ":// is not supported for the storage side (local paths, "
                                     "hdfs:// and s3:// are; the ZooKeeper side still works)") !=
          std::string::npos);
    CHECK_FALSE(flinkha::storage::open_storage(scheme + "://bucket/x").has_value());
  }
  CHECK_FALSE(local_path_of("file://host/data").has_value());
  CHECK_FALSE(local_path_of("relative/ha").has_value());
  CHECK_FALSE(local_path_of("/data/../etc").has_value());
  for (const std::string& bad :
       {std::string("/data/ha\n/etc"), std::string("/data/h\0a", 9), std::string("/data/\xff")}) {
    const auto refused = local_path_of(bad);
    REQUIRE_FALSE(refused.has_value());
    CHECK(refused.error().category == flinkha::ErrorCategory::configuration);
    CHECK(refused.error().message.find("refused") != std::string::npos);
  }

  flinkha::test::TempDir dir;
  dir.write("f", "1");
  auto opened = flinkha::storage::open_storage("file://" + dir.path().string());
  REQUIRE(opened.has_value());
  CHECK((*opened)->exists("f").value());
}

TEST_CASE("storage: a file behind a symlinked directory is refused as such, not as missing") {
  flinkha::test::TempDir outside;
  outside.write("disk2/completedCheckpoint0123456789ab", "12345");
  flinkha::test::TempDir dir;
  dir.write("real/completedCheckpoint0123456789ab", "x");
  fs::create_directory_symlink(outside.path() / "disk2", dir.path() / "moved");

  auto storage = LocalStorage::open(dir.path().string());
  REQUIRE(storage.has_value());
  const auto base = dir.path().string();
  const std::string expected = base +
                               "/moved/completedCheckpoint0123456789ab: reached through the "
                               "symlink " +
                               base + "/moved \u2192 " + (outside.path() / "disk2").string() +
                               "; flinkha does not follow symlinks inside storageDir";
  auto stat = (*storage)->stat("moved/completedCheckpoint0123456789ab");
  REQUIRE_FALSE(stat.has_value());
  CHECK(stat.error().message == expected);
  auto read = (*storage)->read_file("moved/completedCheckpoint0123456789ab", 100);
  REQUIRE_FALSE(read.has_value());
  CHECK(read.error().message == expected);
  auto removal = (*storage)->remove_file("moved/completedCheckpoint0123456789ab");
  REQUIRE_FALSE(removal.has_value());
  CHECK(removal.error().message == expected);
  CHECK(fs::exists(outside.path() / "disk2" / "completedCheckpoint0123456789ab"));

  // The listing names the link with its target, and a file where a directory is expected is
  // "not a directory", not a symlink.
  auto all = (*storage)->list("", Recursive::yes);
  REQUIRE(all.has_value());
  const auto link = std::ranges::find(*all, std::string("moved"), &flinkha::storage::Entry::name);
  REQUIRE(link != all->end());
  CHECK(link->type == EntryType::symlink);
  CHECK(link->link_target == (outside.path() / "disk2").string());
  auto file_as_dir = (*storage)->stat("real/completedCheckpoint0123456789ab/x");
  REQUIRE_FALSE(file_as_dir.has_value());
  CHECK(file_as_dir.error().message ==
        base + "/real/completedCheckpoint0123456789ab: not a directory");
}

namespace {

// Every name in `dir` and below (hidden ones too), relative, sorted.
std::vector<std::string> tree_of(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& item : fs::recursive_directory_iterator(dir)) {
    names.push_back(item.path().lexically_relative(dir).string());
  }
  std::ranges::sort(names);
  return names;
}

// The umask for one scope (the modes below are 0666 / 0777 less it).
class Umask {
public:
  explicit Umask(mode_t mask) : m_old(::umask(mask)) {}
  ~Umask() { ::umask(m_old); }
  Umask(const Umask&) = delete;
  Umask& operator=(const Umask&) = delete;

private:
  mode_t m_old;
};

} // namespace

TEST_CASE("storage: local write_file creates parents, the exact content, Flink's modes") {
  const Umask mask(022);
  flinkha::test::TempDir dir;
  dir.write("existing/keep", "k");
  auto storage = LocalStorage::open(dir.path().string());
  REQUIRE(storage.has_value());
  const std::string content("\0binary\xff\ncontent"
                            "\r\n",
                            18);
  auto written = (*storage)->write_file("jobs/job_1/completedCheckpoint00000000002a", content);
  REQUIRE_MESSAGE(written.has_value(), (written ? "" : written.error().message));
  auto read = (*storage)->read_file("jobs/job_1/completedCheckpoint00000000002a", 1000);
  REQUIRE(read.has_value());
  CHECK(*read == content);
  const auto file = dir.path() / "jobs/job_1/completedCheckpoint00000000002a";
  // java.io.FileOutputStream: 0666 less the umask; java.io.File.mkdir: 0777 less the umask.
  CHECK((fs::status(file).permissions() & fs::perms::all) == fs::perms(0644));
  CHECK((fs::status(dir.path() / "jobs/job_1").permissions() & fs::perms::all) == fs::perms(0755));
  // An empty file, in an existing directory, next to another file.
  REQUIRE((*storage)->write_file("existing/empty", "").has_value());
  CHECK(fs::file_size(dir.path() / "existing/empty") == 0);
  // No temporary file is left behind.
  CHECK(tree_of(dir.path()) ==
        std::vector<std::string>{"existing", "existing/empty", "existing/keep", "jobs",
                                 "jobs/job_1", "jobs/job_1/completedCheckpoint00000000002a"});
}

TEST_CASE("storage: local write_file never replaces, never goes through a symlink") {
  flinkha::test::TempDir outside;
  flinkha::test::TempDir dir;
  dir.write("f", "old");
  fs::create_directory(dir.path() / "d");
  fs::create_symlink(outside.path() / "target", dir.path() / "dangling");
  fs::create_directory_symlink(outside.path(), dir.path() / "linkdir");
  auto storage = LocalStorage::open(dir.path().string());
  REQUIRE(storage.has_value());

  auto again = (*storage)->write_file("f", "new");
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().message == (dir.path() / "f").string() + ": already exists; not replaced");
  CHECK(again.error().category == flinkha::ErrorCategory::refused);
  CHECK(*(*storage)->read_file("f", 100) == "old");

  auto over_dir = (*storage)->write_file("d", "new");
  REQUIRE_FALSE(over_dir.has_value());
  CHECK(over_dir.error().message.ends_with("/d: already exists (a dir); not replaced"));
  // A dangling symlink is an entry too: nothing is created where it points.
  auto over_link = (*storage)->write_file("dangling", "new");
  REQUIRE_FALSE(over_link.has_value());
  CHECK(over_link.error().message.ends_with("dangling: already exists (a symlink); not replaced"));
  CHECK_FALSE(fs::exists(outside.path() / "target"));

  // A symlinked directory on the way: refused as such, nothing written behind it.
  auto through = (*storage)->write_file("linkdir/sub/x", "new");
  REQUIRE_FALSE(through.has_value());
  CHECK(through.error().message.find("reached through the symlink") != std::string::npos);
  CHECK(fs::is_empty(outside.path()));
  // A file where a directory should be.
  auto under_file = (*storage)->write_file("f/x", "new");
  REQUIRE_FALSE(under_file.has_value());
  CHECK(under_file.error().message.ends_with("/f: not a directory"));

  for (const char* bad : {"", "../x", "a/../x", "/abs", "a//b"}) {
    CHECK_FALSE((*storage)->write_file(bad, "x").has_value());
  }
  const auto tree = tree_of(dir.path());
  const std::vector<std::string> expected = {"d", "dangling", "f", "linkdir"};
  CHECK_MESSAGE(tree == expected, fmt::format("{}", fmt::join(tree, " ")));
}

TEST_CASE("storage: local write_file leaves no temporary file after a failed write") {
  flinkha::test::TempDir dir;
  auto storage = LocalStorage::open(dir.path().string());
  REQUIRE(storage.has_value());
  REQUIRE((*storage)->write_file("sub/first", "x").has_value());
  // A write that fails after the temporary file exists: the file size limit (EFBIG).
  struct rlimit old {};
  REQUIRE(::getrlimit(RLIMIT_FSIZE, &old) == 0);
  auto* const old_handler = ::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 4;
  REQUIRE(::setrlimit(RLIMIT_FSIZE, &small) == 0);
  auto written = (*storage)->write_file("sub/large", std::string(100, 'x'));
  ::setrlimit(RLIMIT_FSIZE, &old);
  ::signal(SIGXFSZ, old_handler);
  REQUIRE_FALSE(written.has_value());
  CHECK(written.error().message.find("sub/large: write: ") != std::string::npos);
  CHECK(written.error().message.ends_with("; nothing written"));
  CHECK(tree_of(dir.path()) == std::vector<std::string>{"sub", "sub/first"});
}

TEST_CASE("storage: local write_file into a base that does not exist yet creates it") {
  flinkha::test::TempDir dir;
  const auto base = dir.path() / "job-result-store" / "default";
  auto storage = LocalStorage::open(base.string());
  REQUIRE(storage.has_value());
  CHECK_FALSE((*storage)->base_exists());
  REQUIRE((*storage)->write_file("0123_DIRTY.json", "{}").has_value());
  CHECK((*storage)->base_exists());
  CHECK(*(*storage)->read_file("0123_DIRTY.json", 10) == "{}");
  auto listed = (*storage)->list("", Recursive::no);
  REQUIRE(listed.has_value());
  CHECK(relative_paths(*listed) == std::vector<std::string>{"0123_DIRTY.json"});
}
