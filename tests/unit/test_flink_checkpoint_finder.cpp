// lib/flink/checkpoint_finder: the HA side on the inventory fixture tree with the real
// completedCheckpoint files of Flink 1.20.5 and 2.3.0 in place of its pointer files, and the
// storage scan on a fake checkpoint directory holding the real _metadata files, laid out as
// Flink's FsCheckpointStorageAccess writes them.
#include "config/flink_conf.hpp"
#include "fixtures/ha_inventory/ha_fixture_tree.hpp"
#include "flink/checkpoint_finder.hpp"
#include "storage/fake_storage.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <memory>
#include <string>

using namespace flinkha;
using flinkha::test::fixture;

namespace {

// Files by absolute URI; the opener gives a FakeStorage of everything below the URI it is asked
// for, so each external pointer is looked up through "its own" storage.
struct World {
  std::map<std::string, std::pair<std::string, std::int64_t>> files;
  std::map<std::string, std::int64_t> dirs;
  std::vector<std::string> opened;
  // "stat <uri>" / "read_file <uri>" → the error that call returns (an unreachable storage).
  std::map<std::string, Error> failures;
  std::vector<std::string> reads; // "read_file <uri>" of every read

  void file(const std::string& uri, std::string content, std::int64_t mtime = 1000) {
    files[uri] = {std::move(content), mtime};
  }

  flink::StorageOpener opener() {
    return [this](std::string_view uri) -> Result<std::unique_ptr<storage::HaStorage>> {
      opened.emplace_back(uri);
      auto s = std::make_unique<storage::FakeStorage>("fake:" + std::string(uri));
      const std::string base = std::string(uri) + "/";
      s->set_read_hook([this, base](std::string_view operation) -> Status {
        const auto space = operation.find(' ');
        const std::string op = std::string(operation.substr(0, space)) + " " + base +
                               std::string(operation.substr(space + 1));
        if (op.starts_with("read_file ")) {
          reads.push_back(op);
        }
        if (const auto it = failures.find(op); it != failures.end()) {
          return std::unexpected(it->second);
        }
        return {};
      });
      for (const auto& [path, f] : files) {
        if (path.starts_with(base)) {
          s->add_file(path.substr(base.size()), f.first, f.second);
        }
      }
      for (const auto& [path, mtime] : dirs) {
        if (path.starts_with(base)) {
          s->add_dir(path.substr(base.size()), mtime);
        }
      }
      return std::unique_ptr<storage::HaStorage>(std::move(s));
    };
  }
};

struct Captured {
  std::string version;
  nlohmann::json manifest;
  std::string job;
  std::vector<std::string> completed;           // the completedCheckpoint files' bytes
  std::map<std::int64_t, std::string> metadata; // checkpoint id → _metadata bytes
  std::string pointer(std::int64_t id) const {
    for (const auto& h : manifest["rest_history"]) {
      if (h["id"].get<std::int64_t>() == id) {
        return h["external_path"];
      }
    }
    return {};
  }
};

Captured captured(const std::string& version) {
  Captured c;
  c.version = version;
  c.manifest = nlohmann::json::parse(fixture("checkpoints/" + version + "/manifest.json"));
  c.job = c.manifest["job_id"];
  for (const auto& f : c.manifest["completed_checkpoint_files"]) {
    c.completed.push_back(fixture("checkpoints/" + version + "/" + f["file"].get<std::string>()));
  }
  for (const auto& f : c.manifest["metadata_files"]) {
    const std::string chk = f["checkpoint"];
    c.metadata[std::stoll(chk.substr(4))] =
        fixture("checkpoints/" + version + "/" + f["file"].get<std::string>());
  }
  return c;
}

// The HA fixture tree with one checkpoint pointer per captured file (znode ids = the metadata
// ids, ascending), the pointer files replaced by the real completedCheckpoint bytes in id order
// (files and ids were captured together: file i holds one of the retained ids).
struct HaCase {
  Captured c;
  test::HaFixtureTree tree{flink::HaEra::v1_15};
  World world;
  std::vector<std::int64_t> ids;

  explicit HaCase(const std::string& version) : c(captured(version)) {
    for (const auto& [id, bytes] : c.metadata) {
      ids.push_back(id);
    }
    tree.add_job_graph(c.job);
    for (const auto& bytes : c.completed) {
      // The znode id must match the id inside the file: decode order is not known here, so
      // place each file under the znode of the id it holds (found by the REST pointer string).
      std::int64_t id = 0;
      for (const auto probe : ids) {
        if (bytes.find(c.pointer(probe)) != std::string::npos) {
          id = probe;
        }
      }
      REQUIRE(id != 0);
      tree.add_checkpoint(c.job, id);
      tree.storage().add_file(tree.last_file(), bytes, test::HaFixtureTree::kNow);
    }
    for (const auto& [id, bytes] : c.metadata) {
      world.file(c.pointer(id) + "/_metadata", bytes);
    }
  }

  flink::HaInventory inventory() {
    auto inv = flink::build_ha_inventory(tree.zk(), tree.input());
    REQUIRE(inv.has_value());
    return *inv;
  }

  flink::CheckpointReport report(std::vector<std::string> jobs = {},
                                 config::FlinkVersion version = {1, 20}) {
    const auto inv = inventory();
    auto r = flink::find_checkpoints_in_ha(inv, &tree.storage(), jobs, world.opener(), version);
    REQUIRE(r.has_value());
    return *r;
  }
};

constexpr const char* kVersions[] = {"flink-1.20.5", "flink-2.3.0"};

} // namespace

TEST_CASE("HA: the latest completed checkpoint of real files, its _metadata there") {
  for (const std::string version : kVersions) {
    CAPTURE(version);
    HaCase h(version);
    const auto r = h.report();
    REQUIRE(r.jobs.size() == 1);
    const auto& job = r.jobs[0];
    CHECK(job.job_id == h.c.job);
    CHECK(job.source == flink::CheckpointSource::ha);
    REQUIRE(job.checkpoints.size() == 3);
    CHECK(job.checkpoints[0].checkpoint_id > job.checkpoints[1].checkpoint_id);
    CHECK(job.checkpoints[1].checkpoint_id > job.checkpoints[2].checkpoint_id);
    REQUIRE(job.latest.has_value());
    const auto latest_id = h.c.manifest["rest_latest_completed"]["id"].get<std::int64_t>();
    CHECK(job.latest->checkpoint_id == latest_id);
    CHECK(job.latest->external_pointer ==
          h.c.manifest["rest_latest_completed"]["external_path"].get<std::string>());
    CHECK(job.latest->timestamp_ms ==
          h.c.manifest["rest_latest_completed"]["trigger_timestamp"].get<std::int64_t>());
    CHECK(job.latest->metadata_exists);
    CHECK(job.latest->metadata_version == (version == "flink-1.20.5" ? 4 : 6));
    CHECK_FALSE(job.fell_back);
    REQUIRE(job.restore.has_value());
    CHECK(job.restore->command.find("run -s " + job.latest->external_pointer + " ") !=
          std::string::npos);
    CHECK(job.restore->option_key == "execution.state-recovery.path");
    CHECK(job.restore->option_value == job.latest->external_pointer);
  }
}

TEST_CASE("HA: the newest _metadata is gone: an older checkpoint, fell_back") {
  HaCase h("flink-1.20.5");
  const auto newest = h.ids.back();
  h.world.files.erase(h.c.pointer(newest) + "/_metadata");
  const auto r = h.report();
  const auto& job = r.jobs.at(0);
  CHECK_FALSE(job.checkpoints[0].metadata_exists);
  CHECK(job.checkpoints[0].metadata_error.find("missing") != std::string::npos);
  REQUIRE(job.latest.has_value());
  CHECK(job.latest->checkpoint_id == h.ids[h.ids.size() - 2]);
  CHECK(job.fell_back);
}

TEST_CASE("HA: a _metadata of another checkpoint is not a restore point") {
  HaCase h("flink-2.3.0");
  const auto newest = h.ids.back();
  h.world.file(h.c.pointer(newest) + "/_metadata", h.c.metadata.at(h.ids.front()));
  const auto r = h.report();
  const auto& job = r.jobs.at(0);
  CHECK(job.checkpoints[0].metadata_exists);
  CHECK_FALSE(job.checkpoints[0].usable());
  CHECK(job.checkpoints[0].metadata_error.find("holds checkpoint") != std::string::npos);
  CHECK(job.latest->checkpoint_id != newest);
  CHECK(job.fell_back);
}

TEST_CASE("HA: every _metadata gone, a missing completedCheckpoint file, an unknown job") {
  HaCase h("flink-1.20.5");
  h.world.files.clear();
  SUBCASE("no _metadata: nothing to restore from") {
    const auto r = h.report();
    CHECK_FALSE(r.jobs.at(0).latest.has_value());
    CHECK_FALSE(r.jobs.at(0).note.empty());
  }
  SUBCASE("a requested job without HA data") {
    const auto r = h.report({"0123456789abcdef0123456789abcdef"});
    REQUIRE(r.jobs.size() == 1);
    CHECK_FALSE(r.jobs[0].latest.has_value());
    CHECK(r.jobs[0].note.find("no HA data") != std::string::npos);
  }
  SUBCASE("pointer file removed: a dangling pointer is an entry with an error") {
    for (const auto& path : h.tree.storage().paths()) {
      if (path.starts_with("completedCheckpoint")) {
        (void)h.tree.storage().remove_file(path);
      }
    }
    const auto r = h.report();
    REQUIRE(r.jobs.at(0).checkpoints.size() == 3);
    CHECK(r.jobs[0].checkpoints[0].error.find("missing") != std::string::npos);
    CHECK_FALSE(r.jobs[0].latest.has_value());
  }
}

TEST_CASE("restore command per Flink version") {
  const auto now = flink::restore_command("file:/data/cp/j/chk-7", {2, 3});
  REQUIRE(now.has_value());
  CHECK(now->command == "bin/flink run -s file:/data/cp/j/chk-7 <job-jar> [<job arguments>]");
  CHECK(now->option_key == "execution.state-recovery.path");
  CHECK(flink::restore_command("file:/x", {1, 20})->option_key == "execution.state-recovery.path");
  CHECK(flink::restore_command("file:/x", {1, 19})->option_key == "execution.savepoint.path");
  CHECK(flink::restore_command("hdfs://nn/a b/chk-1", {1, 20})
            ->command.find("'hdfs://nn/a b/chk-1'") != std::string::npos);
  // Control characters cannot be quoted: no command with the raw pointer in it.
  const auto raw = flink::restore_command("file:/x/chk-1\n; rm -rf /", {1, 20});
  REQUIRE_FALSE(raw.has_value());
  CHECK(raw.error().message.find("\\x0a") != std::string::npos);
}

TEST_CASE("chk-<n> names") {
  CHECK(flink::checkpoint_dir_number("chk-1") == 1);
  CHECK(flink::checkpoint_dir_number("chk-123456") == 123456);
  CHECK_FALSE(flink::checkpoint_dir_number("chk-").has_value());
  CHECK_FALSE(flink::checkpoint_dir_number("chk-1a").has_value());
  CHECK_FALSE(flink::checkpoint_dir_number("chk--1").has_value());
  CHECK_FALSE(flink::checkpoint_dir_number("shared").has_value());
  CHECK_FALSE(flink::checkpoint_dir_number("chk-99999999999999999999").has_value());
}

namespace {

struct StorageCase {
  Captured c;
  World world;
  std::string dir = "file:/data/checkpoints";
  std::string sp_dir = "file:/data/savepoints";

  explicit StorageCase(const std::string& version) : c(captured(version)) {
    for (const auto& [id, bytes] : c.metadata) {
      world.file(dir + "/" + c.job + "/chk-" + std::to_string(id) + "/_metadata", bytes, 1000 + id);
    }
    const auto newest = c.metadata.rbegin()->first;
    // A checkpoint in progress (or aborted): its directory without _metadata.
    world.dirs[dir + "/" + c.job + "/chk-" + std::to_string(newest + 1)] = 5000;
    world.dirs[dir + "/" + c.job + "/shared"] = 10;
    world.dirs[dir + "/" + c.job + "/taskowned"] = 10;
    world.file(dir + "/not-a-job/chk-1/_metadata", c.metadata.begin()->second);
    world.file(sp_dir + "/savepoint-" + c.job.substr(0, 6) + "-5d39b21f0d9c/_metadata",
               fixture("checkpoints/" + version + "/savepoint_metadata"), 900);
  }

  Result<flink::CheckpointReport> scan(std::vector<std::string> jobs = {}, bool subdir = true) {
    flink::StorageScanInput in;
    in.checkpoints_dir = dir;
    in.savepoints_dir = sp_dir;
    in.create_subdir = subdir;
    in.job_ids = std::move(jobs);
    return flink::find_checkpoints_in_storage(in, world.opener(), {2, 3});
  }
};

} // namespace

TEST_CASE("storage: <job-id>/chk-<n>/_metadata newest complete first, aborted ones listed") {
  for (const std::string version : kVersions) {
    CAPTURE(version);
    StorageCase s(version);
    auto r = s.scan();
    REQUIRE(r.has_value());
    CHECK(r->source == flink::CheckpointSource::storage);
    REQUIRE(r->jobs.size() == 1); // not-a-job is not a job id
    const auto& job = r->jobs[0];
    CHECK(job.job_id == s.c.job);
    const auto newest = s.c.metadata.rbegin()->first;
    REQUIRE(job.checkpoints.size() == 4);
    CHECK(job.checkpoints[0].checkpoint_id == newest + 1);
    CHECK(job.checkpoints[0].aborted);
    REQUIRE(job.latest.has_value());
    CHECK(job.latest->checkpoint_id == newest);
    CHECK(job.latest->checkpoint_id ==
          s.c.manifest["rest_latest_completed"]["id"].get<std::int64_t>());
    CHECK(job.latest->external_pointer == s.dir + "/" + s.c.job + "/chk-" + std::to_string(newest));
    CHECK(job.latest->timestamp_ms == 1000 + newest);
    CHECK_FALSE(job.fell_back); // an aborted newer one is no fall-back
    REQUIRE(job.savepoints.size() == 1);
    CHECK(job.savepoints[0].savepoint);
    CHECK(job.savepoints[0].metadata_exists);
    // A checkpoint is the restore point: the savepoint's header is not read ("not checked").
    CHECK_FALSE(job.savepoints[0].header_checked);
    CHECK_FALSE(job.savepoints[0].usable());
    CHECK(job.checkpoints[2].metadata_exists);
    CHECK_FALSE(job.checkpoints[2].header_checked);
  }
}

TEST_CASE("storage: a requested job, only savepoints, nothing, errors") {
  StorageCase s("flink-1.20.5");
  SUBCASE("the newest complete one's _metadata is corrupt: fell back") {
    const auto newest = s.c.metadata.rbegin()->first;
    s.world.file(s.dir + "/" + s.c.job + "/chk-" + std::to_string(newest) + "/_metadata",
                 "not metadata at all");
    auto r = s.scan({s.c.job});
    REQUIRE(r.has_value());
    CHECK(r->jobs.at(0).latest->checkpoint_id == newest - 1);
    CHECK(r->jobs.at(0).fell_back);
  }
  SUBCASE("only a savepoint left") {
    for (auto it = s.world.files.begin(); it != s.world.files.end();) {
      it = it->first.find("/chk-") != std::string::npos ? s.world.files.erase(it) : std::next(it);
    }
    auto r = s.scan({s.c.job});
    REQUIRE(r.has_value());
    REQUIRE(r->jobs.at(0).latest.has_value());
    CHECK(r->jobs[0].latest->savepoint);
    CHECK(r->jobs[0].latest->checkpoint_id == s.c.manifest["savepoint_id"].get<std::int64_t>());
    CHECK(r->jobs[0].latest->usable());
  }
  SUBCASE("a requested job with nothing") {
    auto r = s.scan({"0123456789abcdef0123456789abcdef"});
    REQUIRE(r.has_value());
    REQUIRE(r->jobs.size() == 1);
    CHECK_FALSE(r->jobs[0].latest.has_value());
  }
  SUBCASE("no directory configured") {
    flink::StorageScanInput in;
    auto r = flink::find_checkpoints_in_storage(in, s.world.opener(), {1, 20});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().category == ErrorCategory::configuration);
    CHECK(r.error().hint.find("execution.checkpointing.dir") != std::string::npos);
  }
  SUBCASE("create-subdir false needs the one job id") {
    auto r = s.scan({}, false);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().category == ErrorCategory::usage);
  }
  SUBCASE("create-subdir false: chk-<n> right in the directory") {
    s.dir = s.dir + "/" + s.c.job;
    auto r = s.scan({s.c.job}, false);
    REQUIRE(r.has_value());
    CHECK(r->jobs.at(0).latest->checkpoint_id == s.c.metadata.rbegin()->first);
  }
  SUBCASE("file:/// is rendered as Flink's Path does (file:/), as in externalPointer") {
    StorageCase t("flink-1.20.5");
    t.world.files.clear();
    t.dir = "file:///data/checkpoints";
    const auto id = t.c.metadata.rbegin()->first;
    t.world.file(t.dir + "/" + t.c.job + "/chk-" + std::to_string(id) + "/_metadata",
                 t.c.metadata.at(id));
    auto r = t.scan();
    REQUIRE(r.has_value());
    REQUIRE(r->jobs.size() == 1);
    CHECK(r->jobs[0].latest->external_pointer ==
          "file:/data/checkpoints/" + t.c.job + "/chk-" + std::to_string(id));
  }
  SUBCASE("a storage that cannot be opened") {
    flink::StorageScanInput in;
    in.checkpoints_dir = "gs://bucket/cp";
    auto r = flink::find_checkpoints_in_storage(
        in,
        [](std::string_view uri) -> Result<std::unique_ptr<storage::HaStorage>> {
          return fail(ErrorCategory::unreachable, std::string(uri) + ": no answer");
        },
        {1, 20});
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error().category == ErrorCategory::unreachable);
  }
}

TEST_CASE("HA: a completedCheckpoint file of another job or id under a pointer is refused") {
  const auto c = captured("flink-1.20.5");
  const std::string other = "0123456789abcdef0123456789abcdef";
  test::HaFixtureTree tree(flink::HaEra::v1_15);
  World world;
  for (const auto& [id, bytes] : c.metadata) {
    world.file(c.pointer(id) + "/_metadata", bytes);
  }
  tree.add_checkpoint(other, 1); // a file of job c.job under job `other`
  tree.storage().add_file(tree.last_file(), c.completed.at(0), test::HaFixtureTree::kNow);
  tree.add_checkpoint(c.job, 999'999); // the right job, another checkpoint id
  tree.storage().add_file(tree.last_file(), c.completed.at(0), test::HaFixtureTree::kNow);
  auto inv = flink::build_ha_inventory(tree.zk(), tree.input());
  REQUIRE(inv.has_value());
  auto r =
      flink::find_checkpoints_in_ha(*inv, &tree.storage(), {other, c.job}, world.opener(), {1, 20});
  REQUIRE(r.has_value());
  REQUIRE(r->jobs.size() == 2);
  CHECK(r->jobs[0].job_id == other);
  REQUIRE(r->jobs[0].checkpoints.size() == 1);
  CHECK(r->jobs[0].checkpoints[0].error.find("holds a checkpoint of job " + c.job) !=
        std::string::npos);
  CHECK_FALSE(r->jobs[0].latest.has_value());
  REQUIRE(r->jobs[1].checkpoints.size() == 1);
  CHECK(r->jobs[1].checkpoints[0].error.find("names 999999") != std::string::npos);
  CHECK_FALSE(r->jobs[1].latest.has_value());
}

TEST_CASE("HA: headers are read newest first and only up to the restore point") {
  HaCase h("flink-2.3.0");
  const auto r = h.report();
  const auto& job = r.jobs.at(0);
  REQUIRE(job.latest.has_value());
  CHECK(job.checkpoints[0].header_checked);
  CHECK_FALSE(job.checkpoints[1].header_checked);
  CHECK_FALSE(job.checkpoints[2].header_checked);
  CHECK_FALSE(job.checkpoints[1].usable()); // not checked is not a verified restore point
  CHECK(h.world.reads.size() == 1);
  CHECK(h.world.reads[0] == "read_file " + h.c.pointer(h.ids.back()) + "/_metadata");
}

TEST_CASE("HA: a _metadata that could not be checked is never fallen back past") {
  HaCase h("flink-1.20.5");
  const std::string path = h.c.pointer(h.ids.back()) + "/_metadata";
  for (const std::string op : {"stat ", "read_file "}) {
    CAPTURE(op);
    h.world.failures.clear();
    h.world.reads.clear();
    h.world.failures[op + path] =
        Error{"namenode nn:9870: connection refused", {}, ErrorCategory::unreachable};
    const auto r = h.report();
    const auto& job = r.jobs.at(0);
    CHECK_FALSE(job.latest.has_value());
    CHECK_FALSE(job.restore.has_value());
    CHECK_FALSE(job.fell_back);
    CHECK(job.blocked == ErrorCategory::unreachable);
    CHECK(job.checkpoints[0].check_failure == ErrorCategory::unreachable);
    CHECK(job.note.find(path) != std::string::npos);
    CHECK(job.note.find("connection refused") != std::string::npos);
    CHECK_FALSE(job.checkpoints[1].header_checked);
  }
  SUBCASE("an unclassified storage error blocks too") {
    h.world.failures.clear();
    h.world.failures["read_file " + path] = Error{"read timed out", {}, ErrorCategory::internal};
    const auto r = h.report();
    CHECK_FALSE(r.jobs.at(0).latest.has_value());
    CHECK(r.jobs.at(0).blocked == ErrorCategory::internal);
  }
}

TEST_CASE("storage: a failed _metadata read is never fallen back past; a too large one neither") {
  StorageCase s("flink-1.20.5");
  const auto newest = s.c.metadata.rbegin()->first;
  const std::string path = s.dir + "/" + s.c.job + "/chk-" + std::to_string(newest) + "/_metadata";
  SUBCASE("read refused") {
    s.world.failures["read_file " + path] = Error{"403 Forbidden", {}, ErrorCategory::refused};
    auto r = s.scan({s.c.job});
    REQUIRE(r.has_value());
    CHECK_FALSE(r->jobs.at(0).latest.has_value());
    CHECK(r->jobs.at(0).blocked == ErrorCategory::refused);
    CHECK(r->jobs.at(0).note.find(path) != std::string::npos);
  }
  SUBCASE("stat unreachable") {
    s.world.failures["stat " + path] = Error{"timed out", {}, ErrorCategory::unreachable};
    auto r = s.scan({s.c.job});
    REQUIRE(r.has_value());
    CHECK_FALSE(r->jobs.at(0).latest.has_value());
    CHECK(r->jobs.at(0).blocked == ErrorCategory::unreachable);
  }
  SUBCASE("larger than the header read limit: header not checked, not usable, no fall-back") {
    std::string big = s.c.metadata.at(newest);
    big.resize(flink::kMaxMetadataReadBytes + 1);
    s.world.file(path, std::move(big));
    auto r = s.scan({s.c.job});
    REQUIRE(r.has_value());
    const auto& job = r->jobs.at(0);
    CHECK_FALSE(job.latest.has_value());
    CHECK(job.blocked.has_value());
    CHECK(job.checkpoints.at(1).metadata_exists);
    CHECK_FALSE(job.checkpoints.at(1).usable());
    CHECK(job.checkpoints.at(1).metadata_error.find("header not checked") != std::string::npos);
    CHECK(s.world.reads.empty());
  }
}

TEST_CASE("storage: a pointer with control characters is not a restore point") {
  StorageCase s("flink-1.20.5");
  s.world.files.clear();
  s.dir = "file:/data/check\x01points";
  const auto id = s.c.metadata.rbegin()->first;
  s.world.file(s.dir + "/" + s.c.job + "/chk-" + std::to_string(id) + "/_metadata",
               s.c.metadata.at(id));
  auto r = s.scan({s.c.job});
  REQUIRE(r.has_value());
  const auto& job = r->jobs.at(0);
  REQUIRE(job.checkpoints.size() == 1);
  CHECK_FALSE(job.checkpoints[0].usable());
  CHECK(job.checkpoints[0].error.find("control characters") != std::string::npos);
  CHECK(job.checkpoints[0].error.find("\\x01") != std::string::npos);
  CHECK_FALSE(job.restore.has_value());
}

TEST_CASE("storage: savepoints newest first by mtime, matched by the job-id prefix with a note") {
  StorageCase s("flink-2.3.0");
  const std::string sp = fixture("checkpoints/flink-2.3.0/savepoint_metadata");
  const std::string prefix = s.c.job.substr(0, 6);
  s.world.file(s.sp_dir + "/savepoint-" + prefix + "-000000000001/_metadata", sp, 2000);
  s.world.file(s.sp_dir + "/savepoint-" + prefix + "-ffffffffffff/_metadata", sp, 100);
  SUBCASE("one job") {
    auto r = s.scan({s.c.job});
    REQUIRE(r.has_value());
    const auto& sps = r->jobs.at(0).savepoints;
    REQUIRE(sps.size() == 3);
    CHECK(sps[0].timestamp_ms == 2000);
    CHECK(sps[1].timestamp_ms == 900);
    CHECK(sps[2].timestamp_ms == 100);
    REQUIRE_FALSE(sps[0].notes.empty());
    CHECK(sps[0].notes[0].find("prefix " + prefix + " of its name only") != std::string::npos);
  }
  SUBCASE("two listed jobs share the prefix") {
    const std::string other = prefix + std::string(26, '0');
    auto r = s.scan({s.c.job, other});
    REQUIRE(r.has_value());
    REQUIRE(r->jobs.size() == 2);
    for (const auto& job : r->jobs) {
      REQUIRE(job.savepoints.size() == 3);
      REQUIRE_FALSE(job.savepoints[0].notes.empty());
      const auto& note = job.savepoints[0].notes[0];
      CHECK(note.find("matches jobs") != std::string::npos);
      CHECK(note.find(s.c.job) != std::string::npos);
      CHECK(note.find(other) != std::string::npos);
    }
  }
}

TEST_CASE("Flink booleans are case-insensitive") {
  CHECK(config::flink_bool("false") == false);
  CHECK(config::flink_bool("FALSE") == false);
  CHECK(config::flink_bool(" False ") == false);
  CHECK(config::flink_bool("True") == true);
  CHECK_FALSE(config::flink_bool("no").has_value());
  CHECK_FALSE(config::flink_bool("").has_value());
}

TEST_CASE("HA: a checkpoint without a checkpoint directory is not opened as a path") {
  // NonPersistentMetadataCheckpointStorageLocation.EXTERNAL_POINTER in place of the real pointer
  // (each Java-serialized TC_STRING of it: tag 0x74, a 2-byte length, the bytes).
  HaCase h("flink-1.20.5");
  const std::string marker(flink::kNotExternallyAddressable);
  auto java_string = [](const std::string& text) {
    return std::string("\x74") + static_cast<char>(text.size() >> 8) +
           static_cast<char>(text.size() & 0xff) + text;
  };
  for (const auto& path : h.tree.storage().paths()) {
    if (!path.contains("completedCheckpoint")) {
      continue;
    }
    auto bytes = *h.tree.storage().read_file(path, 1 << 20);
    for (const auto id : h.ids) {
      const std::string from = java_string(h.c.pointer(id));
      for (auto at = bytes.find(from); at != std::string::npos; at = bytes.find(from, at)) {
        bytes.replace(at, from.size(), java_string(marker));
      }
    }
    h.tree.storage().add_file(path, bytes, test::HaFixtureTree::kNow);
  }
  const auto r = h.report();
  const auto& job = r.jobs.at(0);
  REQUIRE(job.checkpoints.size() == 3);
  for (const auto& e : job.checkpoints) {
    CHECK(e.external_pointer == marker);
    CHECK(e.error.find("not externalized") != std::string::npos);
    CHECK(e.error.find("execution.checkpointing.dir") != std::string::npos);
  }
  CHECK_FALSE(job.latest.has_value());
  CHECK(h.world.opened.empty());
}
