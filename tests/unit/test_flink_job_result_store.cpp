#include "flink/job_result_store.hpp"
#include "storage/fake_storage.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace flinkha::flink;
using flinkha::storage::FakeStorage;

namespace {

constexpr std::string_view kSucceeded = "3d8f0e5c9b2a4f718e6d5c4b3a291f01";
constexpr std::string_view kFailed = "a0b1c2d3e4f5061728394a5b6c7d8e9f";
constexpr std::string_view kCanceled = "00000000000000000000000000000000";
constexpr std::string_view kClean = "ffeeddccbbaa99887766554433221100";

// The directory FileSystemJobResultStore of that Flink version wrote (JobResultStoreFixture.java).
FakeStorage real_store(std::string_view version) {
  FakeStorage store;
  for (const auto& name :
       {std::string(kSucceeded) + "_DIRTY.json", std::string(kFailed) + "_DIRTY.json",
        std::string(kCanceled) + "_DIRTY.json", std::string(kClean) + ".json"}) {
    store.add_file(
        name, flinkha::test::fixture("job_result_store/flink-" + std::string(version) + "/" + name),
        1000);
  }
  return store;
}

} // namespace

TEST_CASE("job_result_store: entries written by Flink 1.20.5 and 2.3.0") {
  for (const std::string version : {"1.20.5", "2.3.0"}) {
    CAPTURE(version);
    FakeStorage store = real_store(version);
    store.add_file("README", "not an entry");
    store.add_file("0123_DIRTY.json", "{}");
    store.add_dir("3d8f0e5c9b2a4f718e6d5c4b3a291f0a_DIRTY.json");

    auto listing = list_job_result_store(store);
    REQUIRE(listing.has_value());
    REQUIRE(listing->entries.size() == 4);
    CHECK(listing->unknown.size() == 3);
    CHECK(listing->entries[0].job_id == kCanceled);
    CHECK(listing->entries[0].state == JrsState::dirty);
    CHECK(listing->entries[3].job_id == kClean);
    CHECK(listing->entries[3].state == JrsState::clean);

    std::vector<JobResultRecord> records;
    for (const auto& file : listing->entries) {
      auto record = read_job_result(store, file);
      REQUIRE_MESSAGE(record.has_value(), (record ? "" : record.error().message));
      CHECK(record->version == 1);
      records.push_back(*record);
    }
    CHECK(records[0].application_status == "CANCELED");
    CHECK(records[0].net_runtime_ms == 5);
    CHECK(records[1].job_id == kSucceeded);
    CHECK(records[1].application_status == "SUCCEEDED");
    CHECK(records[1].net_runtime_ms == 84213);
    CHECK_FALSE(records[1].failure_class.has_value());
    CHECK(records[2].application_status == "FAILED");
    CHECK(records[2].failure_class == "java.lang.IllegalStateException");
    if (version == "2.3.0") {
      CHECK(records[1].name == "unknown");
      CHECK(records[1].start_time_ms == -1);
    } else {
      CHECK_FALSE(records[1].name.has_value());
    }
  }
}

TEST_CASE("job_result_store: Flink's defaults and what Flink would reject") {
  const std::string id(kSucceeded);
  auto minimal = parse_job_result(R"({"result":{"id":")" + id + R"("}})", "m.json");
  REQUIRE(minimal.has_value());
  CHECK(minimal->application_status == "UNKNOWN");
  CHECK(minimal->net_runtime_ms == -1);
  CHECK_FALSE(minimal->version.has_value());

  auto lower = parse_job_result(R"({"result":{"id":")" + id +
                                    R"(","application-status":"failed","extra":[1]},"version":1})",
                                "l.json");
  REQUIRE(lower.has_value());
  CHECK(lower->application_status == "FAILED");

  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{", "not valid JSON"},
      {"[]", "not a JSON object"},
      {R"({"version":1})", "no \"result\" object"},
      {R"({"result":{}})", "result.id is missing"},
      {R"({"result":{"id":"XYZ"}})", "not a job id"},
      {R"({"result":{"id":")" + id + R"(","application-status":"RUNNING"}})", "not one of"},
      {R"({"result":{"id":")" + id + R"(","net-runtime":"12"}})", "net-runtime is not an integer"},
      {R"({"result":{"id":")" + id + R"(","net-runtime":1.5}})", "net-runtime is not an integer"},
  };
  for (const auto& [json, message] : bad) {
    CAPTURE(json);
    auto parsed = parse_job_result(json, "x_DIRTY.json");
    REQUIRE_FALSE(parsed.has_value());
    CHECK(parsed.error().message.starts_with("x_DIRTY.json: "));
    CHECK(parsed.error().message.find(message) != std::string::npos);
  }
}

TEST_CASE("job_result_store: a bad entry is an error of that entry, not of the listing") {
  FakeStorage store = real_store("1.20.5");
  const std::string other = "1111111111111111111111111111111f";
  store.add_file(other + "_DIRTY.json", "{\"result\":");
  store.add_file("2222222222222222222222222222222f_DIRTY.json",
                 flinkha::test::fixture("job_result_store/flink-1.20.5/" + std::string(kSucceeded) +
                                        "_DIRTY.json"));
  auto listing = list_job_result_store(store);
  REQUIRE(listing.has_value());
  REQUIRE(listing->entries.size() == 6);
  int errors = 0;
  for (const auto& file : listing->entries) {
    auto record = read_job_result(store, file);
    if (!record) {
      ++errors;
      CHECK(record.error().message.find(file.entry.name) != std::string::npos);
    }
  }
  CHECK(errors == 2); // malformed, and an id that is not the file's
}

TEST_CASE("job_result_store: mark clean deletes or renames, idempotently") {
  const std::string id(kSucceeded);
  FakeStorage store = real_store("1.20.5");
  CHECK(mark_job_result_clean(store, id, DeleteOnCommit::yes).value() == MarkClean::marked);
  CHECK_FALSE(store.has(dirty_file_name(id)));
  CHECK_FALSE(store.has(clean_file_name(id)));
  CHECK(mark_job_result_clean(store, id, DeleteOnCommit::yes).value() == MarkClean::already_clean);

  const std::string failed(kFailed);
  const std::string content = store.read_file(dirty_file_name(failed), kMaxJobResultBytes).value();
  CHECK(mark_job_result_clean(store, failed, DeleteOnCommit::no).value() == MarkClean::marked);
  CHECK_FALSE(store.has(dirty_file_name(failed)));
  CHECK(store.read_file(clean_file_name(failed), kMaxJobResultBytes).value() == content);
  CHECK(mark_job_result_clean(store, failed, DeleteOnCommit::no).value() ==
        MarkClean::already_clean);

  CHECK_FALSE(mark_job_result_clean(store, "../../etc", DeleteOnCommit::yes).has_value());
}
