// S3's XML answers and their mapping to errors, on answers captured from a real SeaweedFS
// (fixtures/s3/README.md).
#include "storage/s3_errors.hpp"
#include "storage/s3_xml.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <string>

namespace s3xml = flinkha::storage::s3xml;
using flinkha::ErrorCategory;
using flinkha::storage::S3Settings;
using flinkha::test::fixture;

TEST_CASE("s3 xml: ListObjectsV2 without a delimiter lists every key as it is") {
  const auto page = s3xml::parse_list_objects_v2(fixture("s3/list-objects-v2.xml"));
  REQUIRE(page.has_value());
  CHECK_FALSE(page->truncated);
  CHECK(page->common_prefixes.empty());
  REQUIRE(page->contents.size() >= 6);
  CHECK(page->contents[0].key ==
        "flink/ha/c1/blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-01");
  CHECK(page->contents[0].size_bytes == 42);
  CHECK(page->contents[0].mtime_ms == 1796296441000); // 2026-12-03T11:14:01.000Z
  CHECK(page->contents[4].key == "flink/ha/c1/odd name+%/\xC3\xA9t\xC3\xA9.bin");
}

TEST_CASE("s3 xml: ListObjectsV2 with a delimiter and continuation tokens") {
  const auto level = s3xml::parse_list_objects_v2(fixture("s3/list-objects-v2-delimiter.xml"));
  REQUIRE(level.has_value());
  CHECK(level->contents.size() == 3);
  CHECK(level->common_prefixes ==
        std::vector<std::string>{"flink/ha/c1/blob/", "flink/ha/c1/odd name+%/"});

  const auto first = s3xml::parse_list_objects_v2(fixture("s3/list-objects-v2-page1.xml"));
  REQUIRE(first.has_value());
  CHECK(first->truncated);
  CHECK(first->next_continuation_token ==
        "flink/ha/c1/blob/job_0123456789abcdef0123456789abcdef/blob_p-00ff-02");
  const auto last = s3xml::parse_list_objects_v2(fixture("s3/list-objects-v2-page-last.xml"));
  REQUIRE(last.has_value());
  CHECK_FALSE(last->truncated);
  CHECK(last->next_continuation_token.empty());

  const auto empty = s3xml::parse_list_objects_v2(fixture("s3/list-objects-v2-empty.xml"));
  REQUIRE(empty.has_value());
  CHECK(empty->contents.empty());

  CHECK_FALSE(s3xml::parse_list_objects_v2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                           "</ListBucketResult>")
                  .has_value());
  CHECK_FALSE(s3xml::parse_list_objects_v2("<html>proxy error</html>").has_value());
  CHECK_FALSE(s3xml::parse_list_objects_v2("not xml <").has_value());
}

TEST_CASE("s3 xml: DeleteObjects results with per-key errors") {
  const auto mixed = s3xml::parse_delete_result(fixture("s3/delete-objects.xml"));
  REQUIRE(mixed.has_value());
  CHECK(mixed->deleted.size() == 3);
  REQUIRE(mixed->errors.size() == 1);
  CHECK(mixed->errors[0].code == "NoSuchKey");
  CHECK(mixed->errors[0].key == "flink/ha/c1/completedCheckpoint0000000000fe");

  const auto denied = s3xml::parse_delete_result(fixture("s3/delete-objects-access-denied.xml"));
  REQUIRE(denied.has_value());
  CHECK(denied->deleted.empty());
  CHECK(denied->errors.size() == 2);
  CHECK(denied->errors[1].code == "AccessDenied");

  const auto quiet = s3xml::parse_delete_result(fixture("s3/delete-objects-quiet.xml"));
  REQUIRE(quiet.has_value());
  CHECK(quiet->errors.empty());
}

TEST_CASE("s3 xml: the DeleteObjects request escapes keys") {
  const auto body = s3xml::delete_request_body({"a/b", "x<&>\"y"});
  CHECK(body.find("<Quiet>true</Quiet>") != std::string::npos);
  CHECK(body.find("<Object><Key>a/b</Key></Object>") != std::string::npos);
  CHECK(body.find("<Key>x&lt;&amp;&gt;\"y</Key>") != std::string::npos);
}

TEST_CASE("s3 xml: dates") {
  CHECK(s3xml::parse_iso8601_ms("1970-01-01T00:00:01.5Z") == 1500);
  CHECK(s3xml::parse_iso8601_ms("2026-12-03T11:14:01Z") == 1796296441000);
  CHECK_FALSE(s3xml::parse_iso8601_ms("2026-12-03 11:14:01Z").has_value());
  CHECK_FALSE(s3xml::parse_iso8601_ms("2026-13-03T11:14:01Z").has_value());
  CHECK(s3xml::parse_http_date_ms("Thu, 03 Dec 2026 11:14:01 GMT") == 1796296441000);
  CHECK_FALSE(s3xml::parse_http_date_ms("Thu, 03 Foo 2026 11:14:01 GMT").has_value());
}

namespace {

S3Settings settings_with_key() {
  S3Settings settings;
  settings.endpoint_scheme = "http";
  settings.endpoint_host = "127.0.0.1:8333";
  settings.endpoint_source = "s3.endpoint (config.yaml:4)";
  settings.credentials = flinkha::storage::S3Credentials{{"flinkha-admin", "very-secret-value", ""},
                                                         "s3.access-key (config.yaml:5)"};
  return settings;
}

flinkha::Error error_of(long status, const std::string& body, std::string_view action,
                        std::string_view key, const S3Settings& settings) {
  flinkha::http::Response response;
  response.status = status;
  response.body = body;
  return flinkha::storage::s3_error(response, {action, "flinkha-fixtures", key, settings});
}

} // namespace

TEST_CASE("s3 errors: each Error code in words, with a category and what to fix") {
  const auto settings = settings_with_key();
  SUBCASE("NoSuchBucket names the bucket and the endpoint") {
    const auto error =
        error_of(404, fixture("s3/error-no-such-bucket.xml"), "ListObjectsV2", "", settings);
    CHECK(error.category == ErrorCategory::failed);
    CHECK(error.message.find("bucket 'flinkha-fixtures' does not exist at http://127.0.0.1:8333") !=
          std::string::npos);
  }
  SUBCASE("InvalidAccessKeyId names the key and its source, never the secret") {
    const auto error =
        error_of(403, fixture("s3/error-invalid-access-key-id.xml"), "ListObjectsV2", "", settings);
    CHECK(error.category == ErrorCategory::refused);
    CHECK(error.message.find("flinkha-admin (from s3.access-key (config.yaml:5))") !=
          std::string::npos);
    CHECK(error.message.find("InvalidAccessKeyId") != std::string::npos);
    CHECK(error.hint.find("s3.secret-key") != std::string::npos);
    CHECK(error.message.find("very-secret-value") == std::string::npos);
  }
  SUBCASE("SignatureDoesNotMatch: the secret is wrong") {
    const auto error = error_of(403, fixture("s3/error-signature-does-not-match.xml"),
                                "ListObjectsV2", "", settings);
    CHECK(error.category == ErrorCategory::refused);
    CHECK(error.message.find("secret key") != std::string::npos);
  }
  SUBCASE("AccessDenied names the object, the action and the permission") {
    const auto error = error_of(403, fixture("s3/error-access-denied.xml"), "DeleteObject",
                                "flink/ha/c1/completedCheckpoint00000000000a", settings);
    CHECK(error.category == ErrorCategory::refused);
    CHECK(error.message.find("denies DeleteObject on "
                             "s3://flinkha-fixtures/flink/ha/c1/completedCheckpoint00000000000a") !=
          std::string::npos);
    CHECK(error.hint.find("s3:DeleteObject") != std::string::npos);
  }
  SUBCASE("a HEAD's 403 without a body is still AccessDenied, not a status number") {
    const auto error = error_of(403, "", "HeadObject", "k", settings);
    CHECK(error.category == ErrorCategory::refused);
    CHECK(error.message.find("403") == std::string::npos);
  }
  SUBCASE("a wrong region names the region to set") {
    flinkha::http::Response response;
    response.status = 301;
    response.headers.push_back({"x-amz-bucket-region", "eu-west-1"});
    response.body = "<Error><Code>PermanentRedirect</Code><Message>The bucket you are attempting "
                    "to access must be addressed using the specified endpoint.</Message>"
                    "<Endpoint>flinkha-fixtures.s3.eu-west-1.amazonaws.com</Endpoint></Error>";
    const auto error =
        flinkha::storage::s3_error(response, {"ListObjectsV2", "flinkha-fixtures", "", settings});
    CHECK(error.category == ErrorCategory::failed);
    CHECK(error.hint == "set s3.endpoint.region: eu-west-1 (or AWS_REGION=eu-west-1)");
  }
  SUBCASE("SlowDown after the client's retries is unreachable") {
    const auto error = error_of(503,
                                "<Error><Code>SlowDown</Code><Message>Reduce your request "
                                "rate.</Message></Error>",
                                "ListObjectsV2", "", settings);
    CHECK(error.category == ErrorCategory::unreachable);
    CHECK(error.hint.find("--storage-timeout") != std::string::npos);
  }
  SUBCASE("anonymous requests say where flinkha looked for credentials") {
    auto anonymous = settings;
    anonymous.credentials.reset();
    anonymous.credentials_searched = "s3.access-key/s3.secret-key, AWS_ACCESS_KEY_ID";
    const auto error =
        error_of(403, fixture("s3/error-access-denied.xml"), "GetObject", "k", anonymous);
    CHECK(error.message.find("anonymous requests (no credentials in s3.access-key") !=
          std::string::npos);
  }
}

TEST_CASE("s3 xml: an Error document, or nothing") {
  const auto error = s3xml::parse_error(fixture("s3/error-no-such-key.xml"));
  REQUIRE(error.has_value());
  CHECK(error->code == "NoSuchKey");
  CHECK_FALSE(s3xml::parse_error("").has_value());
  CHECK_FALSE(s3xml::parse_error(fixture("s3/copy-object.xml")).has_value());
  CHECK_FALSE(s3xml::parse_error("<Error></Error>").has_value());
}

TEST_CASE("s3 xml: GetBucketVersioning's Status") {
  using flinkha::storage::s3xml::parse_versioning_status;
  CHECK(parse_versioning_status("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                                "<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/"
                                "2006-03-01/\"><Status>Enabled</Status></VersioningConfiguration>")
            .value() == "Enabled");
  CHECK(parse_versioning_status("<VersioningConfiguration/>").value().empty());
  CHECK_FALSE(parse_versioning_status("<ListBucketResult/>").has_value());
  CHECK_FALSE(parse_versioning_status("not xml <").has_value());
}
