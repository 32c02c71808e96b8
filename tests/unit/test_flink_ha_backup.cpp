// flink/ha_backup: what a backup records from a Flink HA tree (HaFixtureTree: pointers written by
// Flink's own classes, JobResultStore entries as Flink 1.20.5 wrote them), the manifest JSON and
// its checks, the directory format, and the consistency re-read.

#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/ha_backup.hpp"
#include "test_support.hpp"
#include "util/sha256.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <functional>
#include <limits>
#include <string>

using namespace flinkha;
using namespace flinkha::flink;
using flinkha::test::HaFixtureTree;

namespace {

constexpr std::string_view kJob = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";

BackupOptions options(bool with_files = false) {
  BackupOptions o;
  o.with_files = with_files;
  o.flinkha_version = "0.1.0";
  o.flink_version = "1.20";
  o.flink_version_source = "lib/flink-dist-1.20.5.jar";
  o.now_ms = HaFixtureTree::kNow;
  return o;
}

Backup backup_of(HaFixtureTree& tree, bool with_files = false) {
  auto backup = take_backup(tree.zk(), tree.input(), options(with_files));
  REQUIRE_MESSAGE(backup.has_value(), (backup ? "" : backup.error().message));
  return std::move(*backup);
}

// Forwards to a MemoryTree; runs `change` when the ACLs are read (after the data, before the
// consistency re-read), so a test can change the tree while the backup is taken.
class ChangingReader final : public zk::ZkReader {
public:
  // When the change lands: after the inventory's walk, before take_backup reads the data (T1),
  // or after the data, before the ACLs and the re-read.
  enum class When { before_data, before_acls };
  ChangingReader(zk::MemoryTree& tree, std::function<void()> change, When when = When::before_acls)
      : m_tree(tree), m_change(std::move(change)), m_when(when) {}
  std::vector<zk::ZkResult<zk::Node>> get_many(const std::vector<std::string>& paths) override {
    if (m_when == When::before_data && ++m_reads == 1) {
      m_change();
    }
    return m_tree.get_many(paths);
  }
  zk::ZkResult<zk::Node> get(const std::string& path) override { return m_tree.get(path); }
  zk::ZkResult<std::vector<std::string>> children(const std::string& path) override {
    return m_tree.children(path);
  }
  zk::ZkResult<std::optional<zk::Stat>> exists(const std::string& path) override {
    return m_tree.exists(path);
  }
  zk::ZkResult<zk::Acl> get_acl(const std::string& path) override { return m_tree.get_acl(path); }
  // take_backup reads the ACLs after the data and before the re-read.
  std::vector<zk::ZkResult<zk::Acl>> get_acl_many(const std::vector<std::string>& paths) override {
    if (m_when == When::before_acls && ++m_reads == 1) {
      m_change();
    }
    return m_tree.get_acl_many(paths);
  }

private:
  zk::MemoryTree& m_tree;
  std::function<void()> m_change;
  When m_when;
  int m_reads = 0;
};

} // namespace

TEST_CASE("ha_backup: container and TTL nodes are no ephemeral nodes") {
  CHECK_FALSE(zk::is_session_owner(0));
  CHECK(zk::is_session_owner(0x100016ea6e00000));
  CHECK(zk::is_session_owner(static_cast<std::int64_t>(0xfe00000000000001ULL)));
  CHECK_FALSE(zk::is_session_owner(std::numeric_limits<std::int64_t>::min()));         // container
  CHECK_FALSE(zk::is_session_owner(static_cast<std::int64_t>(0xff00000000003a98ULL))); // TTL
  BackupZnode container;
  container.stat.ephemeral_owner = std::numeric_limits<std::int64_t>::min();
  CHECK_FALSE(container.ephemeral());
}

TEST_CASE("ha_backup: every znode with data, ACL and Stat; ephemeral ones marked") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 3);
  const zk::Acl custom{zk::AclEntry{31, "digest", "flink:base64hash="}};
  tree.zk().set_acl(tree.at("/jobgraphs"), custom);
  const auto backup = backup_of(tree);
  const auto& m = backup.manifest;
  CHECK(m.format_version == kBackupFormatVersion);
  CHECK(m.layout == "1.15-1.20");
  CHECK(m.flink_version == "1.20");
  CHECK(m.zk_namespace == "/flink/default");
  CHECK(m.created_ms == HaFixtureTree::kNow);
  std::vector<std::string> paths;
  for (const auto& node : m.znodes) {
    paths.push_back(node.path);
  }
  // Every node of the namespace, the namespace included, parents before children.
  auto expected = tree.zk().paths();
  std::erase_if(expected, [&](const std::string& p) { return !zk::is_within(p, tree.ns()); });
  CHECK(paths == expected);
  CHECK(std::ranges::is_sorted(paths));
  for (const auto& node : m.znodes) {
    const auto* real = tree.zk().find(node.path);
    REQUIRE(real != nullptr);
    CHECK(node.data == real->data);
    CHECK(node.ephemeral() == (real->stat.ephemeral_owner != 0));
    if (node.path == tree.at("/jobgraphs")) {
      CHECK(node.acl == custom);
    } else {
      CHECK(node.acl == zk::open_acl_unsafe());
    }
  }
  const auto lock = std::ranges::find_if(m.znodes, [](const BackupZnode& n) {
    return n.path.ends_with("/locks/8d3b6f1e-2c4a-4f0b-9e7d-1a2b3c4d5e6f");
  });
  REQUIRE(lock != m.znodes.end());
  CHECK(lock->ephemeral());
  CHECK(lock->role == ZnodeRole::lock);
}

TEST_CASE("ha_backup: referenced files with size and SHA-256; copies only with --with-files") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 2);
  for (const bool with_files : {false, true}) {
    CAPTURE(with_files);
    const auto backup = backup_of(tree, with_files);
    std::size_t referenced = 0;
    std::size_t entries = 0;
    for (const auto& file : backup.manifest.files) {
      if (file.side == BackupSide::cluster_storage) {
        ++referenced;
        auto content = tree.storage().read_file(file.path, 1 << 20);
        REQUIRE(content.has_value());
        CHECK(file.status == FileStatus::present);
        CHECK(file.sha256 == util::sha256_hex(*content));
        CHECK(file.size_bytes == static_cast<std::int64_t>(content->size()));
        CHECK(file.referenced_by.size() == 1);
        CHECK(file.uri == tree.input().cluster_storage_uri + "/" + file.path);
        CHECK(file.copy.empty() == !with_files);
        if (with_files) {
          CHECK(backup.copies.at(file.copy) == *content);
          CHECK(file.copy == "files/cluster-storage/" + file.path);
        }
      } else {
        ++entries;
        CHECK(file.side == BackupSide::job_result_store);
        CHECK(file.path == std::string(kJob) + "_DIRTY.json");
        CHECK(backup.copies.at(file.copy) == tree.jrs().read_file(file.path, 1 << 20).value());
      }
    }
    CHECK(referenced == 4); // the job graph, two checkpoints and the job's blob (its jar)
    CHECK(entries == 1);
  }
}

TEST_CASE("ha_backup: a dangling pointer is recorded as missing, with a note") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_job_graph(kJob);
  const auto file = tree.last_file();
  REQUIRE(tree.storage().remove_file(file).has_value());
  const auto backup = backup_of(tree);
  const auto it = std::ranges::find(backup.manifest.files, file, &BackupFile::path);
  REQUIRE(it != backup.manifest.files.end());
  CHECK(it->status == FileStatus::missing);
  CHECK(it->sha256.empty());
  REQUIRE(backup.manifest.notes.size() == 1);
  CHECK(backup.manifest.notes[0].find("dangling") != std::string::npos);
}

TEST_CASE("ha_backup: a change during the backup fails it (modified, created, deleted)") {
  const std::vector<std::pair<std::string, std::function<void(HaFixtureTree&)>>> changes{
      {"modified",
       [](HaFixtureTree& t) {
         t.zk().put(t.at("/jobs/") + std::string(kJob) + "/checkpoint_id_counter",
                    "\x00\x00\x00\x09");
       }},
      {"created", [](HaFixtureTree& t) { t.zk().put(t.at("/jobgraphs/new"), "x"); }},
      {"deleted",
       [](HaFixtureTree& t) {
         REQUIRE(t.zk().remove(t.at("/jobs/") + std::string(kJob) + "/checkpoint_id_counter"));
       }},
  };
  for (const auto& [what, change] : changes) {
    CAPTURE(what);
    HaFixtureTree tree(HaEra::v1_15);
    tree.add_dirty_job(kJob, 1);
    ChangingReader reader(tree.zk(), [&] { change(tree); });
    auto backup = take_backup(reader, tree.input(), options());
    REQUIRE_FALSE(backup.has_value());
    CHECK(backup.error().message.find(what) != std::string::npos);
    CHECK(backup.error().message.find("while the backup was taken") != std::string::npos);
  }
  // A pointer replaced between the inventory's walk (which named its file) and the data read:
  // the saved pointer would name a file never checked or copied. Only its mzxid tells.
  {
    HaFixtureTree tree(HaEra::v1_15);
    tree.add_dirty_job(kJob, 1);
    const std::string pointer = tree.checkpoint_znode(kJob, 1);
    ChangingReader reader(
        tree.zk(),
        [&] {
          zk::Stat stat = tree.zk().find(pointer)->stat;
          stat.mzxid += 100;
          tree.zk().put(pointer, tree.zk().find(pointer)->data, stat);
        },
        ChangingReader::When::before_data);
    auto backup = take_backup(reader, tree.input(), options());
    REQUIRE_FALSE(backup.has_value());
    CHECK(backup.error().message.find(pointer + ": modified") != std::string::npos);
  }
  // An ephemeral node that comes or goes is no change to what a restore writes.
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 1);
  ChangingReader reader(tree.zk(), [&] {
    tree.zk().put_owned(tree.at("/leader/latch/_c_x-latch-0000000001"), "", 7);
  });
  CHECK(take_backup(reader, tree.input(), options()).has_value());
}

TEST_CASE("ha_backup: no namespace, nothing to back up") {
  HaFixtureTree tree(HaEra::v1_15);
  auto backup = take_backup(tree.zk(), tree.input(), options());
  REQUIRE_FALSE(backup.has_value());
  CHECK(backup.error().message.find("/flink/default") != std::string::npos);
}

TEST_CASE("ha_backup: the manifest JSON round-trips (null data, ACLs, stats, files)") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 2);
  tree.zk().put_null(tree.at("/leader/resource_manager"));
  auto backup = backup_of(tree, true);
  const auto json = manifest_to_json(backup.manifest);
  auto parsed = parse_manifest(json, "manifest.json");
  REQUIRE_MESSAGE(parsed.has_value(), (parsed ? "" : parsed.error().message));
  CHECK(manifest_to_json(*parsed) == json);
  const auto null_node =
      std::ranges::find(parsed->znodes, tree.at("/leader/resource_manager"), &BackupZnode::path);
  REQUIRE(null_node != parsed->znodes.end());
  CHECK(null_node->null_data);
  for (std::size_t i = 0; i < parsed->znodes.size(); ++i) {
    CHECK(parsed->znodes[i].data == backup.manifest.znodes[i].data);
    CHECK(parsed->znodes[i].stat.ephemeral_owner == backup.manifest.znodes[i].stat.ephemeral_owner);
  }
  CHECK(json.find("\"format\": \"flinkha-ha-backup\"") != std::string::npos);
}

TEST_CASE("ha_backup: parse_manifest refuses what it cannot trust, naming the field") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 1);
  const auto json = manifest_to_json(backup_of(tree, true).manifest);
  const auto broken = [&](std::string_view from, std::string_view to) {
    std::string text = json;
    const auto at = text.find(from);
    REQUIRE(at != std::string::npos);
    text.replace(at, from.size(), to);
    return parse_manifest(text, "b/manifest.json");
  };
  const std::vector<std::tuple<std::string, std::string, std::string>> cases{
      {"\"format_version\": 1", "\"format_version\": 2", "format_version 2"},
      {"\"format\": \"flinkha-ha-backup\"", "\"format\": \"other\"", "format is 'other'"},
      {"\"path\": \"/flink/default/jobgraphs\"", "\"path\": \"/elsewhere\"", "path '/elsewhere'"},
      {"\"data_base64\": \"", "\"data_base64\": \"!", "base64"},
      {"\"sha256\": \"", "\"sha256\": \"zz", "sha256"},
      {"\"copy\": \"files/", "\"copy\": \"../files/", "copy"},
      {"\"perms\": 31", "\"perms\": 99", "acl"},
  };
  for (const auto& [from, to, message] : cases) {
    CAPTURE(to);
    auto parsed = broken(from, to);
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.find("b/manifest.json") != std::string::npos);
    CHECK(parsed.error().message.find(message) != std::string::npos);
  }
  CHECK_FALSE(parse_manifest("[]", "m").has_value());
  CHECK_FALSE(parse_manifest("{", "m").has_value());
  CHECK_FALSE(parse_manifest("", "m").has_value());
}

TEST_CASE("ha_backup: one directory, copies then manifest.json; read back checks every copy") {
  HaFixtureTree tree(HaEra::v1_15);
  tree.add_dirty_job(kJob, 2);
  const auto backup = backup_of(tree, true);
  test::TempDir dir;
  const auto target = dir.path() / "b";
  REQUIRE(write_backup(target, backup).has_value());
  CHECK(std::filesystem::exists(target / "manifest.json"));
  for (const auto& [copy, content] : backup.copies) {
    CHECK(std::filesystem::file_size(target / copy) == content.size());
  }
  auto read = read_backup(target);
  REQUIRE_MESSAGE(read.has_value(), (read ? "" : read.error().message));
  CHECK(read->copies == backup.copies);
  CHECK(manifest_to_json(read->manifest) == manifest_to_json(backup.manifest));
  // Never over another backup.
  auto again = write_backup(target, backup);
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().category == ErrorCategory::refused);
  // An altered copy is named.
  const auto& copy = backup.copies.begin()->first;
  dir.write("b/" + copy, std::string(backup.copies.begin()->second.size(), 'y'));
  auto altered = read_backup(target);
  REQUIRE_FALSE(altered.has_value());
  CHECK(altered.error().message.find(copy) != std::string::npos);
  CHECK(altered.error().message.find("SHA-256") != std::string::npos);
  // No manifest: not a backup.
  auto none = read_backup(dir.path() / "nothing");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().message.find("manifest.json") != std::string::npos);
}
