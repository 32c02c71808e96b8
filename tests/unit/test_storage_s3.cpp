// S3Storage on answers captured from a real SeaweedFS (fixtures/s3/README.md), sent back by a
// scripted transport: what it asks for (requests) and what it makes of the answers.
#include "storage/s3_sigv4.hpp"
#include "storage/s3_storage.hpp"
#include "test_support.hpp"
#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

using flinkha::ErrorCategory;
using flinkha::http::Request;
using flinkha::http::Response;
using flinkha::storage::EntryType;
using flinkha::storage::Recursive;
using flinkha::storage::Removal;
using flinkha::storage::S3Settings;
using flinkha::storage::S3Storage;
using flinkha::test::fixture;

namespace {

Response answer(long status, std::string body = {}) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

// A captured *.headers file: "HTTP/1.1 200", then "Name: value" lines (CRLF).
Response answer_of_headers(const std::string& text) {
  Response response;
  const auto lines = flinkha::util::split_lines(text);
  response.status = std::stol(std::string(lines.front().substr(lines.front().find(' ') + 1)));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    if (colon == std::string_view::npos) {
      continue;
    }
    response.headers.push_back({flinkha::util::to_lower(lines[i].substr(0, colon)),
                                std::string(flinkha::util::trim(lines[i].substr(colon + 1)))});
  }
  return response;
}

// S3's own 404 to a HeadObject: no body, but its x-amz-request-id (captured from SeaweedFS).
Response missing_head() {
  return answer_of_headers(fixture("s3/head-object-missing.headers"));
}

bool has(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

struct Script {
  std::vector<Request> sent;
  std::function<Response(const Request&)> answer_of;

  S3Storage::Transport transport() {
    return [this](std::vector<Request> requests) {
      std::vector<flinkha::Result<Response>> out;
      for (auto& request : requests) {
        out.push_back(answer_of(request));
        sent.push_back(std::move(request));
      }
      return out;
    };
  }
};

S3Settings local_settings() {
  S3Settings settings;
  settings.endpoint_scheme = "http";
  settings.endpoint_host = "127.0.0.1:8333";
  settings.credentials = flinkha::storage::S3Credentials{{"AKID", "SECRET", ""}, "test"};
  return settings;
}

std::unique_ptr<S3Storage> open(Script& script, std::string prefix = "flink/ha/c1") {
  auto storage = S3Storage::open({"s3", "flinkha-fixtures", std::move(prefix)}, local_settings(),
                                 script.transport(), {});
  REQUIRE(storage.has_value());
  return std::move(*storage);
}

// The error of opening a storage whose every request is answered `status` with `body`.
flinkha::Error open_error(long status, const std::string& body) {
  Script script;
  script.answer_of = [&](const Request&) { return answer(status, body); };
  auto opened =
      S3Storage::open({"s3", "flinkha-fixtures", "x"}, local_settings(), script.transport(), {});
  REQUIRE_FALSE(opened.has_value());
  return opened.error();
}

} // namespace

TEST_CASE("s3 storage: a recursive listing synthesises the directories, sorted") {
  Script script;
  script.answer_of = [](const Request&) { return answer(200, fixture("s3/list-objects-v2.xml")); };
  auto storage = open(script);
  CHECK(storage->describe() == "s3://flinkha-fixtures/flink/ha/c1");
  CHECK(storage->base_exists());
  CHECK(script.sent.back().url ==
        "http://127.0.0.1:8333/flinkha-fixtures/?list-type=2&prefix=flink%2Fha%2Fc1%2F&max-keys=1");

  const auto entries = storage->list("", Recursive::yes);
  REQUIRE(entries.has_value());
  std::vector<std::string> paths;
  for (const auto& entry : *entries) {
    paths.push_back(entry.relative_path + (entry.type == EntryType::directory ? "/" : ""));
  }
  CHECK(paths == std::vector<std::string>{
                     "blob/",
                     "blob/job_0123456789abcdef0123456789abcdef/",
                     "blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-01",
                     "blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-02",
                     "completedCheckpoint00000000000a",
                     "completedCheckpoint00000000000b",
                     "odd name+%/",
                     "odd name+%/\xC3\xA9t\xC3\xA9.bin",
                     "submittedExecutionPlan0123456789ab",
                 });
  CHECK((*entries)[2].size_bytes == 42);
  CHECK((*entries)[2].name == "blob_p-00ff-01");
  CHECK(has(script.sent.back().url, "prefix=flink%2Fha%2Fc1%2F&max-keys=1000"));
  CHECK_FALSE(has(script.sent.back().url, "delimiter"));
}

TEST_CASE("s3 storage: one level with the delimiter; CommonPrefixes are directories") {
  Script script;
  script.answer_of = [](const Request&) {
    return answer(200, fixture("s3/list-objects-v2-delimiter.xml"));
  };
  auto storage = open(script);
  const auto entries = storage->list("", Recursive::no);
  REQUIRE(entries.has_value());
  REQUIRE(entries->size() == 5);
  CHECK((*entries)[0].relative_path == "blob");
  CHECK((*entries)[0].type == EntryType::directory);
  CHECK((*entries)[3].relative_path == "odd name+%");
  CHECK(has(script.sent.back().url, "delimiter=%2F"));
}

TEST_CASE("s3 storage: continuation tokens are followed to the last page") {
  Script script;
  const auto first = fixture("s3/list-objects-v2-page1.xml");
  script.answer_of = [&](const Request& request) {
    if (has(request.url, "continuation-token=flink%2Fha%2Fc1%2Fblob")) {
      return answer(200, fixture("s3/list-objects-v2-page2.xml"));
    }
    if (has(request.url, "continuation-token=flink%2Fha%2Fc1%2FcompletedCheckpoint")) {
      return answer(200, fixture("s3/list-objects-v2-page-last.xml"));
    }
    return answer(200, first);
  };
  auto storage = open(script);
  script.sent.clear();
  const auto entries = storage->list("", Recursive::yes);
  REQUIRE(entries.has_value());
  CHECK(script.sent.size() == 3);
  std::size_t files = 0;
  for (const auto& entry : *entries) {
    files += entry.type == EntryType::file ? 1 : 0;
  }
  CHECK(files == 6);
}

TEST_CASE("s3 storage: stat is HeadObject, else a one-key listing decides 'directory'") {
  Script script;
  script.answer_of = [](const Request& request) {
    if (request.method == "HEAD" && has(request.url, "completedCheckpoint")) {
      return answer_of_headers(fixture("s3/head-object.headers"));
    }
    if (request.method == "HEAD") {
      return answer_of_headers(fixture("s3/head-object-missing.headers"));
    }
    if (has(request.url, "prefix=flink%2Fha%2Fc1%2Fblob%2F")) {
      return answer(200, fixture("s3/list-objects-v2-page1.xml"));
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  const auto file = storage->stat("completedCheckpoint00000000000a");
  REQUIRE(file.has_value());
  REQUIRE(file->has_value());
  CHECK((*file)->type == EntryType::file);
  CHECK((*file)->size_bytes == 1200);
  CHECK((*file)->mtime_ms == 1796296441000);
  const auto dir = storage->stat("blob");
  REQUIRE(dir.has_value());
  REQUIRE(dir->has_value());
  CHECK((*dir)->type == EntryType::directory);
  const auto none = storage->stat("missing");
  REQUIRE(none.has_value());
  CHECK_FALSE(none->has_value());
  CHECK_FALSE(storage->stat("../x").has_value());
}

TEST_CASE("s3 storage: remove_files looks first, then DeleteObjects; per-key errors map") {
  Script script;
  script.answer_of = [](const Request& request) {
    if (request.method == "HEAD" && has(request.url, "gone")) {
      return missing_head();
    }
    if (request.method == "HEAD") {
      return answer_of_headers(fixture("s3/head-object.headers"));
    }
    if (request.method == "POST") {
      return answer(200, fixture("s3/delete-objects-access-denied.xml"));
    }
    return answer(200, fixture("s3/list-objects-v2-page1.xml"));
  };
  auto storage = open(script);
  script.sent.clear();
  const auto results = storage->remove_files(
      {"completedCheckpoint00000000000a", "gone", "completedCheckpoint0000000000ff", "a/../b"});
  REQUIRE(results.size() == 4);
  REQUIRE_FALSE(results[0].has_value());
  CHECK(results[0].error().category == ErrorCategory::refused);
  CHECK(has(results[0].error().message, "denies DeleteObjects on "
                                        "s3://flinkha-fixtures/flink/ha/c1/"
                                        "completedCheckpoint00000000000a"));
  REQUIRE(results[1].has_value());
  CHECK(*results[1] == Removal::already_gone);
  CHECK_FALSE(results[2].has_value());
  CHECK_FALSE(results[3].has_value());

  const auto& post = script.sent.back();
  CHECK(post.method == "POST");
  CHECK(has(post.url, "?delete="));
  CHECK(has(post.body, "<Quiet>true</Quiet>"));
  CHECK_FALSE(has(post.body, "gone"));
  bool md5 = false;
  for (const auto& header : post.headers) {
    md5 = md5 || (header.name == "Content-MD5" &&
                  header.value == flinkha::storage::sigv4::content_md5_base64(post.body));
  }
  CHECK(md5);
}

TEST_CASE("s3 storage: remove_file is idempotent; DeleteObject only for a key that exists") {
  Script script;
  bool present = true;
  script.answer_of = [&](const Request& request) {
    if (request.method == "HEAD") {
      return present ? answer_of_headers(fixture("s3/head-object.headers")) : missing_head();
    }
    if (request.method == "DELETE") {
      present = false;
      return answer(204);
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  CHECK_FALSE(storage->base_exists());
  CHECK(storage->remove_file("k").value() == Removal::removed);
  CHECK(storage->remove_file("k").value() == Removal::already_gone);
  CHECK(script.sent.size() == 4); // the probe, HEAD, DELETE, HEAD
}

TEST_CASE("s3 storage: rename is CopyObject then DeleteObject, and done on a rerun") {
  Script script;
  bool source = true;
  bool target = false;
  script.answer_of = [&](const Request& request) {
    const bool is_source = has(request.url, "_DIRTY.json");
    if (request.method == "HEAD") {
      return (is_source ? source : target) ? answer(200) : missing_head();
    }
    if (request.method == "PUT") {
      target = true;
      return answer(200, fixture("s3/copy-object.xml"));
    }
    if (request.method == "DELETE") {
      source = false;
      return answer(204);
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script, "flink/ha/job-result-store/c1");
  REQUIRE(storage->rename_file("j_DIRTY.json", "j.json").has_value());
  bool copy_source = false;
  for (const auto& request : script.sent) {
    for (const auto& header : request.headers) {
      copy_source = copy_source ||
                    (header.name == "x-amz-copy-source" &&
                     header.value == "/flinkha-fixtures/flink/ha/job-result-store/c1/j_DIRTY.json");
    }
  }
  CHECK(copy_source);
  CHECK_FALSE(source);
  CHECK(target);
  REQUIRE(storage->rename_file("j_DIRTY.json", "j.json").has_value());
  CHECK_FALSE(storage->rename_file("j_DIRTY.json", "a/b").has_value());
}

TEST_CASE("s3 storage: read_file asks for a range and refuses a larger object") {
  Script script;
  script.answer_of = [](const Request& request) {
    if (has(request.url, "missing")) {
      return answer(404, fixture("s3/error-no-such-key.xml"));
    }
    if (request.method == "GET" && has(request.url, "job.json")) {
      return answer(206, fixture("s3/get-object-job-result.json"));
    }
    if (request.method == "GET" && has(request.url, "empty")) {
      return answer(416);
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  const auto content = storage->read_file("job.json", 1 << 20);
  REQUIRE(content.has_value());
  CHECK(*content == fixture("s3/get-object-job-result.json"));
  bool range = false;
  for (const auto& header : script.sent.back().headers) {
    range = range || (header.name == "Range" && header.value == "bytes=0-1048576");
  }
  CHECK(range);
  CHECK_FALSE(storage->read_file("job.json", 3).has_value());
  CHECK(storage->read_file("empty", 10).value().empty());
  const auto missing = storage->read_file("missing", 10);
  REQUIRE_FALSE(missing.has_value());
  CHECK(has(missing.error().message, "no such file"));
}

TEST_CASE("s3 storage: opening with refused credentials or a missing bucket fails clearly") {
  Script script;
  script.answer_of = [](const Request&) {
    return answer(403, fixture("s3/error-invalid-access-key-id.xml"));
  };
  auto refused =
      S3Storage::open({"s3a", "flinkha-fixtures", "x"}, local_settings(), script.transport(), {});
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().category == ErrorCategory::refused);
  CHECK(has(refused.error().message, "AKID (from test)"));
  CHECK_FALSE(has(refused.error().message, "SECRET"));

  script.answer_of = [](const Request&) {
    return answer(404, fixture("s3/error-no-such-bucket.xml"));
  };
  auto missing = S3Storage::open({"s3", "flinkha-no-such-bucket", ""}, local_settings(),
                                 script.transport(), {});
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().category == ErrorCategory::failed);
}

TEST_CASE("s3 storage: many removals learn what exists from one listing, not a HEAD each") {
  Script script;
  std::string listing = "<ListBucketResult><IsTruncated>false</IsTruncated>";
  for (int i = 0; i < 70; ++i) {
    listing +=
        "<Contents><Key>flink/ha/c1/many/f" + std::to_string(i) + "</Key><Size>1</Size></Contents>";
  }
  listing += "</ListBucketResult>";
  script.answer_of = [&](const Request& request) {
    if (request.method == "POST") {
      return answer(200, fixture("s3/delete-objects-quiet.xml"));
    }
    return answer(200, listing);
  };
  auto storage = open(script);
  script.sent.clear();
  std::vector<std::string> paths;
  for (int i = 0; i < 100; ++i) {
    paths.push_back("many/f" + std::to_string(i));
  }
  const auto results = storage->remove_files(paths);
  REQUIRE(results.size() == 100);
  for (int i = 0; i < 100; ++i) {
    CAPTURE(i);
    REQUIRE(results[i].has_value());
    CHECK(*results[i] == (i < 70 ? Removal::removed : Removal::already_gone));
  }
  REQUIRE(script.sent.size() == 2);
  CHECK(has(script.sent[0].url, "prefix=flink%2Fha%2Fc1%2Fmany%2F"));
  CHECK(script.sent[1].method == "POST");
  CHECK_FALSE(has(script.sent[1].body, "many/f70<"));
}

TEST_CASE("s3 storage: check_writable deletes a key that does not exist, after looking") {
  Script script;
  bool denied = false;
  script.answer_of = [&](const Request& request) {
    if (request.method == "HEAD") {
      return missing_head();
    }
    if (request.method == "DELETE") {
      return denied ? answer(403, fixture("s3/error-access-denied.xml")) : answer(204);
    }
    if (has(request.url, "?versioning=")) {
      return answer(200,
                    "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                    "</VersioningConfiguration>");
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  script.sent.clear();
  CHECK(storage->check_writable().has_value());
  REQUIRE(script.sent.size() == 3);
  CHECK(has(script.sent[0].url, "/flinkha-fixtures/?versioning="));
  CHECK(script.sent[1].method == "HEAD");
  CHECK(has(script.sent[2].url, "/flink/ha/c1/.flinkha-check-writable-"));
  denied = true;
  const auto refused = storage->check_writable();
  REQUIRE_FALSE(refused.has_value());
  CHECK(refused.error().category == ErrorCategory::refused);
  CHECK(has(refused.error().message, "removals would be refused"));
  CHECK(has(refused.error().message, "AKID (from test)"));
}

TEST_CASE("s3 storage: check_writable sends no DeleteObject to a versioned bucket") {
  for (const std::string status : {"Enabled", "Suspended"}) {
    CAPTURE(status);
    Script script;
    script.answer_of = [&](const Request& request) {
      if (has(request.url, "?versioning=")) {
        return answer(200, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<VersioningConfiguration "
                           "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Status>" +
                               status + "</Status></VersioningConfiguration>");
      }
      if (request.method == "HEAD") {
        return missing_head();
      }
      if (request.method == "DELETE") {
        return answer(204);
      }
      return answer(200, fixture("s3/list-objects-v2-empty.xml"));
    };
    auto storage = open(script);
    script.sent.clear();
    CHECK(storage->check_writable().has_value());
    for (const auto& request : script.sent) {
      CHECK(request.method != "DELETE");
    }
  }
}

TEST_CASE("s3 storage: a listing that repeats a token or pages without keys fails, never loops") {
  Script script;
  std::size_t lists = 0;
  std::string page = "<ListBucketResult><IsTruncated>true</IsTruncated>"
                     "<NextContinuationToken>same</NextContinuationToken>"
                     "<Contents><Key>flink/ha/c1/a</Key><Size>1</Size></Contents>"
                     "</ListBucketResult>";
  script.answer_of = [&](const Request& request) {
    if (has(request.url, "max-keys=1000")) {
      ++lists;
      if (lists > 10) {
        return answer(500); // a loop: the test still ends
      }
      return answer(200, page);
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  const auto repeated = storage->list("", Recursive::yes);
  REQUIRE_FALSE(repeated.has_value());
  CHECK(repeated.error().category == ErrorCategory::failed);
  CHECK(has(repeated.error().message, "http://127.0.0.1:8333"));
  CHECK(has(repeated.error().message, "s3://flinkha-fixtures/flink/ha/c1/"));
  CHECK(has(repeated.error().message, "continuation token"));
  CHECK(lists == 2);

  lists = 0;
  page = "<ListBucketResult><IsTruncated>true</IsTruncated>"
         "<NextContinuationToken>next</NextContinuationToken></ListBucketResult>";
  const auto empty = storage->list("blob", Recursive::no);
  REQUIRE_FALSE(empty.has_value());
  CHECK(empty.error().category == ErrorCategory::failed);
  CHECK(has(empty.error().message, "s3://flinkha-fixtures/flink/ha/c1/blob/"));
  CHECK(has(empty.error().message, "truncated page holding no keys"));
  CHECK(lists == 1);
}

TEST_CASE("s3 storage: a HEAD 404 without S3's request id is confirmed by a ranged GET") {
  Script script;
  std::string get_status = "NoSuchKey";
  script.answer_of = [&](const Request& request) {
    if (request.method == "HEAD") {
      return answer(404); // no x-amz-request-id: not known to be S3's
    }
    if (request.method == "GET" && has(request.url, "/k")) {
      if (get_status == "NoSuchKey") {
        return answer(404, fixture("s3/error-no-such-key.xml"));
      }
      if (get_status == "proxy") {
        return answer(404, "<html><body>Not Found</body></html>");
      }
      return answer(206, "x");
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  script.sent.clear();
  CHECK(storage->remove_file("k").value() == Removal::already_gone);
  REQUIRE(script.sent.size() == 2);
  bool range = false;
  for (const auto& header : script.sent[1].headers) {
    range = range || (header.name == "Range" && header.value == "bytes=0-0");
  }
  CHECK(range);

  get_status = "proxy";
  const auto proxy = storage->remove_file("k");
  REQUIRE_FALSE(proxy.has_value());
  const auto found = storage->stat("k");
  REQUIRE_FALSE(found.has_value());
  get_status = "there";
  const auto there = storage->remove_file("k");
  REQUIRE_FALSE(there.has_value());
  CHECK(has(there.error().message, "does not answer as S3 does"));
  const auto results = storage->remove_files({"k"});
  REQUIRE(results.size() == 1);
  CHECK_FALSE(results[0].has_value());
  for (const auto& request : script.sent) {
    CHECK(request.method != "DELETE");
    CHECK(request.method != "POST");
  }

  // S3's own 404 (SeaweedFS sends x-amz-request-id): no GET.
  script.answer_of = [](const Request& request) {
    return request.method == "HEAD" ? missing_head()
                                    : answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  script.sent.clear();
  CHECK(storage->remove_file("k").value() == Removal::already_gone);
  CHECK(script.sent.size() == 1);
}

TEST_CASE("s3 storage: denied listings name the bucket ARN; expired tokens say refresh") {
  const auto denied = open_error(403, fixture("s3/error-access-denied.xml"));
  CHECK(denied.category == ErrorCategory::refused);
  CHECK(has(denied.hint, "s3:ListBucket on arn:aws:s3:::flinkha-fixtures to"));
  CHECK_FALSE(has(denied.hint, "flinkha-fixtures/*"));

  Script script;
  script.answer_of = [](const Request& request) {
    if (request.method == "DELETE") {
      return answer(403, fixture("s3/error-access-denied.xml"));
    }
    return request.method == "HEAD" ? missing_head()
                                    : answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  const auto writable = storage->check_writable(); // other actions keep the objects' ARN
  REQUIRE_FALSE(writable.has_value());
  CHECK(has(writable.error().hint, "s3:DeleteObject on arn:aws:s3:::flinkha-fixtures/* to"));

  for (const std::string code : {"ExpiredToken", "InvalidToken", "TokenRefreshRequired"}) {
    CAPTURE(code);
    const auto expired = open_error(400, "<Error><Code>" + code +
                                             "</Code><Message>The provided token has "
                                             "expired.</Message></Error>");
    CHECK(expired.category == ErrorCategory::refused);
    CHECK(has(expired.message, code));
    CHECK(has(expired.hint, "expired or is invalid: refresh it"));
    CHECK(has(expired.hint, "AWS_SESSION_TOKEN"));
  }
}

TEST_CASE("s3 storage: a URI with user information is refused without echoing it") {
  for (const std::string text :
       {"s3://KEY:SECRET@bucket/x", "s3a://KEY@bucket/flink/ha", "s3p://:SECRET@b/"}) {
    CAPTURE(text);
    const auto uri = flinkha::util::parse_flink_path(text);
    REQUIRE(uri.authority.find('@') != std::string::npos);
    const auto opened = flinkha::storage::open_s3_storage(uri, {});
    REQUIRE_FALSE(opened.has_value());
    CHECK(opened.error().category == ErrorCategory::configuration);
    CHECK(has(opened.error().message, "storage URI has user information in its authority"));
    CHECK_FALSE(has(opened.error().message, "SECRET"));
    CHECK_FALSE(has(opened.error().message, "KEY"));
    CHECK_FALSE(has(opened.error().hint, "SECRET"));
  }
}

namespace {

// An S3 bucket for write_file: HeadObject and listings of what `objects` holds, PutObject with
// If-None-Match: * answered as SeaweedFS did (fixtures/s3/put-object-if-none-match*): 200 for a
// new key, 412 PreconditionFailed for an existing one.
struct PutBucket {
  std::map<std::string, std::string> objects; // key → bytes
  std::set<std::string> hidden;               // keys HEAD and listings do not see (a race)
  int put_attempts = 1;                       // Response::attempts of a PutObject answer

  static std::string key_of(const Request& request) {
    const std::string prefix = "http://127.0.0.1:8333/flinkha-fixtures/";
    const auto end = request.url.find('?');
    return request.url.substr(prefix.size(), end == std::string::npos ? end : end - prefix.size());
  }

  // The prefix= of a listing, its "%2F" decoded (the keys here need nothing else).
  static std::string listed_prefix(const Request& request) {
    const auto start = request.url.find("prefix=") + 7;
    const auto end = request.url.find('&', start);
    std::string text = request.url.substr(start, end == std::string::npos ? end : end - start);
    for (auto at = text.find("%2F"); at != std::string::npos; at = text.find("%2F")) {
      text.replace(at, 3, "/");
    }
    return text;
  }

  Response operator()(const Request& request) {
    if (request.method == "GET" && has(request.url, "list-type=2")) {
      const auto prefix = listed_prefix(request);
      for (const auto& [key, _] : objects) {
        if (!hidden.contains(key) && key.starts_with(prefix)) {
          return answer(200, fixture("s3/list-objects-v2-page1.xml")); // some key below
        }
      }
      return answer(200, fixture("s3/list-objects-v2-empty.xml"));
    }
    const auto key = key_of(request);
    const auto it = objects.find(key);
    const bool visible = it != objects.end() && !hidden.contains(key);
    if (request.method == "HEAD") {
      return visible ? answer_of_headers(fixture("s3/head-object.headers")) : missing_head();
    }
    if (request.method == "GET") {
      return it != objects.end() ? answer(206, it->second)
                                 : answer(404, fixture("s3/error-no-such-key.xml"));
    }
    REQUIRE(request.method == "PUT");
    Response response;
    if (it != objects.end()) {
      response = answer(412, fixture("s3/put-object-if-none-match-exists.xml"));
    } else {
      response = answer_of_headers(fixture("s3/put-object-if-none-match.headers"));
      objects[key] = request.body;
    }
    response.attempts = put_attempts;
    return response;
  }
};

std::string header_of(const Request& request, std::string_view name) {
  for (const auto& header : request.headers) {
    if (flinkha::util::iequals(header.name, name)) {
      return header.value;
    }
  }
  return "<none>";
}

} // namespace

TEST_CASE("s3 storage: write_file is one conditional PutObject of the exact bytes") {
  PutBucket bucket;
  Script script;
  script.answer_of = std::ref(bucket);
  auto storage = open(script);
  CHECK_FALSE(storage->base_exists());
  const std::string content("restored\0bytes\xff", 15);
  script.sent.clear();
  auto written = storage->write_file("restored/completedCheckpoint00000000002a", content);
  REQUIRE_MESSAGE(written.has_value(), (written ? "" : written.error().message));
  CHECK(storage->base_exists());
  CHECK(bucket.objects.at("flink/ha/c1/restored/completedCheckpoint00000000002a") == content);
  // The look (HeadObject + a one-key listing of the name as a directory), then the PutObject.
  REQUIRE(script.sent.size() == 3);
  const auto& put = script.sent.back();
  CHECK(put.method == "PUT");
  CHECK(put.url == "http://127.0.0.1:8333/flinkha-fixtures/flink/ha/c1/restored/"
                   "completedCheckpoint00000000002a");
  CHECK(header_of(put, "If-None-Match") == "*");
  CHECK(put.body == content);
  // Signed as every request: the body's SHA-256 is the signed x-amz-content-sha256.
  Request signed_put = put;
  flinkha::storage::sigv4::sign_request(signed_put, {"AKID", "SECRET", ""}, {"us-east-1", "s3"},
                                        std::chrono::system_clock::now());
  CHECK(header_of(signed_put, "x-amz-content-sha256") ==
        flinkha::storage::sigv4::sha256_hex(content));
  CHECK(has(header_of(signed_put, "Authorization"), "if-none-match"));
}

TEST_CASE("s3 storage: write_file never replaces an object or a directory") {
  PutBucket bucket;
  bucket.objects["flink/ha/c1/f"] = "old";
  bucket.objects["flink/ha/c1/blob/job_1/blob_p-1"] = "b";
  Script script;
  script.answer_of = std::ref(bucket);
  auto storage = open(script);

  auto existing = storage->write_file("f", "new");
  REQUIRE_FALSE(existing.has_value());
  CHECK(existing.error().message == "s3://flinkha-fixtures/flink/ha/c1/f: already exists; not "
                                    "replaced");
  CHECK(existing.error().category == ErrorCategory::refused);
  CHECK(bucket.objects.at("flink/ha/c1/f") == "old");
  CHECK(script.sent.back().method != "PUT"); // refused before any PutObject

  auto directory = storage->write_file("blob", "new");
  REQUIRE_FALSE(directory.has_value());
  CHECK(directory.error().message.ends_with("blob: already exists (a directory); not replaced"));
  CHECK_FALSE(bucket.objects.contains("flink/ha/c1/blob"));

  // Created by someone else between the look and the PutObject: the server's 412 refuses it.
  bucket.hidden.insert("flink/ha/c1/f");
  auto raced = storage->write_file("f", "new");
  REQUIRE_FALSE(raced.has_value());
  CHECK(raced.error().category == ErrorCategory::refused);
  CHECK(has(raced.error().message, "flink/ha/c1/f: already exists; not replaced (PutObject)"));
  CHECK(bucket.objects.at("flink/ha/c1/f") == "old");
  CHECK_FALSE(storage->write_file("../x", "x").has_value());
  CHECK_FALSE(storage->write_file("", "x").has_value());
}

TEST_CASE("s3 storage: a resent PutObject that finds its own first attempt succeeds") {
  PutBucket bucket;
  Script script;
  script.answer_of = std::ref(bucket);
  auto storage = open(script);
  // The first attempt stored it, the connection broke, the resend got 412.
  bucket.objects["flink/ha/c1/jrs/a_DIRTY.json"] = "{\"v\":1}";
  bucket.hidden.insert("flink/ha/c1/jrs/a_DIRTY.json");
  bucket.put_attempts = 2;
  CHECK(storage->write_file("jrs/a_DIRTY.json", "{\"v\":1}").has_value());
  // Other bytes there: refused.
  bucket.objects["flink/ha/c1/jrs/b_DIRTY.json"] = "{\"v\":2}";
  bucket.hidden.insert("flink/ha/c1/jrs/b_DIRTY.json");
  auto other = storage->write_file("jrs/b_DIRTY.json", "{\"v\":1}");
  REQUIRE_FALSE(other.has_value());
  CHECK(has(other.error().message, "already exists; not replaced"));
}

TEST_CASE("s3 errors: PutObject refused to a read-only identity names s3:PutObject") {
  Script script;
  script.answer_of = [](const Request& request) {
    if (request.method == "PUT") {
      return answer(403, fixture("s3/error-access-denied-put.xml"));
    }
    if (request.method == "HEAD") {
      return missing_head();
    }
    return answer(200, fixture("s3/list-objects-v2-empty.xml"));
  };
  auto storage = open(script);
  auto denied = storage->write_file("x", "y");
  REQUIRE_FALSE(denied.has_value());
  CHECK(denied.error().category == ErrorCategory::refused);
  CHECK(has(denied.error().message, "denies PutObject on"));
  CHECK(has(denied.error().hint, "s3:PutObject on arn:aws:s3:::flinkha-fixtures/*"));
}
