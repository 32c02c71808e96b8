#include "storage/local_storage.hpp"
#include "storage/open_storage.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>
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

  for (const std::string scheme : {"hdfs", "s3", "s3a", "gs", "abfs", "oss"}) {
    CAPTURE(scheme);
    auto error = local_path_of(scheme + "://bucket/flink/ha");
    REQUIRE_FALSE(error.has_value());
    CHECK(error.error().message.find("scheme " + scheme +
                                     ":// is not supported yet for the storage side (the "
                                     "ZooKeeper side still works)") != std::string::npos);
    CHECK_FALSE(flinkha::storage::open_storage(scheme + "://bucket/x").has_value());
  }
  CHECK_FALSE(local_path_of("file://host/data").has_value());
  CHECK_FALSE(local_path_of("relative/ha").has_value());
  CHECK_FALSE(local_path_of("/data/../etc").has_value());

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
