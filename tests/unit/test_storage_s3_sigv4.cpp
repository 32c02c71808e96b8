// SigV4 against AWS's published test vectors (fixtures/s3/sigv4, see its README) and the S3
// examples of the S3 API reference, byte for byte.
#include "storage/s3_sigv4.hpp"
#include "test_support.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <string>
#include <vector>

namespace sigv4 = flinkha::storage::sigv4;
using flinkha::http::Header;
using flinkha::test::fixture;

namespace {

struct SuiteRequest {
  std::string method;
  std::string path;
  std::string query;
  std::vector<Header> headers;
  std::string body;
};

// A .req file of the suite: "METHOD target HTTP/1.1", "Name:value" lines, a blank line, the body.
SuiteRequest parse_req(const std::string& text) {
  SuiteRequest out;
  const auto blank = text.find("\n\n");
  const std::string head = text.substr(0, blank);
  if (blank != std::string::npos) {
    out.body = text.substr(blank + 2);
  }
  const auto lines = flinkha::util::split(head, '\n');
  const auto first = std::string(lines.front());
  const auto space = first.find(' ');
  const auto target = first.substr(space + 1, first.rfind(' ') - space - 1);
  out.method = first.substr(0, space);
  const auto question = target.find('?');
  out.path = target.substr(0, question);
  if (question != std::string::npos) {
    out.query = target.substr(question + 1);
  }
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const auto colon = lines[i].find(':');
    out.headers.push_back(
        {std::string(lines[i].substr(0, colon)), std::string(lines[i].substr(colon + 1))});
  }
  return out;
}

const sigv4::Credentials kSuiteCredentials{"AKIDEXAMPLE",
                                           "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", ""};
const sigv4::Scope kSuiteScope{"us-east-1", "service"};

// The S3 reference's example credentials and time.
const sigv4::Credentials kS3Credentials{"AKIAIOSFODNN7EXAMPLE",
                                        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", ""};
const sigv4::Scope kS3Scope{"us-east-1", "s3"};
constexpr std::string_view kEmptyHash =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

std::string signature_of(const std::string& authorization) {
  return authorization.substr(authorization.rfind("Signature=") + 10);
}

} // namespace

TEST_CASE("s3 sigv4: AWS's test suite, the cases that hold for S3") {
  for (const std::string name :
       {"get-vanilla", "get-vanilla-query-order-key-case", "get-vanilla-query-order-key",
        "get-vanilla-query-unreserved", "get-vanilla-empty-query-key", "get-vanilla-utf8-query",
        "get-utf8", "get-header-value-trim", "post-vanilla", "post-x-www-form-urlencoded",
        "post-sts-header-before"}) {
    CAPTURE(name);
    const auto request = parse_req(fixture("s3/sigv4/" + name + "/" + name + ".req"));
    const auto expected = fixture("s3/sigv4/" + name + "/" + name + ".authz");
    CHECK(sigv4::authorization(request.method, request.path, request.query, request.headers,
                               sigv4::sha256_hex(request.body), kSuiteCredentials, kSuiteScope,
                               "20150830T123600Z") == expected);
  }
}

TEST_CASE("s3 sigv4: canonical requests of the suite") {
  for (const std::string name : {"post-x-www-form-urlencoded", "get-vanilla-query-order-key"}) {
    CAPTURE(name);
    const auto request = parse_req(fixture("s3/sigv4/" + name + "/" + name + ".req"));
    CHECK(sigv4::canonical_request(request.method, request.path, request.query, request.headers,
                                   sigv4::sha256_hex(request.body)) ==
          fixture("s3/sigv4/" + name + "/" + name + ".creq"));
  }
}

TEST_CASE("s3 sigv4: the S3 reference's examples") {
  SUBCASE("GET object with a range") {
    const std::vector<Header> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                         {"Range", "bytes=0-9"},
                                         {"x-amz-content-sha256", std::string(kEmptyHash)},
                                         {"x-amz-date", "20130524T000000Z"}};
    const auto creq = sigv4::canonical_request("GET", "/test.txt", "", headers, kEmptyHash);
    CHECK(creq == "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
                  "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b"
                  "7852b855\nx-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;"
                  "x-amz-date\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(sigv4::string_to_sign("20130524T000000Z", kS3Scope, creq) ==
          "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
          "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
    CHECK(signature_of(sigv4::authorization("GET", "/test.txt", "", headers, kEmptyHash,
                                            kS3Credentials, kS3Scope, "20130524T000000Z")) ==
          "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  }
  SUBCASE("PUT object: '$' in the key is encoded once") {
    const std::string body = "Welcome to Amazon S3.";
    const auto hash = sigv4::sha256_hex(body);
    CHECK(hash == "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
    const std::vector<Header> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                         {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                                         {"x-amz-date", "20130524T000000Z"},
                                         {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                                         {"x-amz-content-sha256", hash}};
    CHECK(sigv4::canonical_uri("/test$file.text") == "/test%24file.text");
    CHECK(signature_of(sigv4::authorization("PUT", "/test$file.text", "", headers, hash,
                                            kS3Credentials, kS3Scope, "20130524T000000Z")) ==
          "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
  }
  SUBCASE("GET bucket lifecycle: a query parameter without a value") {
    const std::vector<Header> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                         {"x-amz-date", "20130524T000000Z"},
                                         {"x-amz-content-sha256", std::string(kEmptyHash)}};
    CHECK(sigv4::canonical_query("lifecycle") == "lifecycle=");
    CHECK(signature_of(sigv4::authorization("GET", "/", "lifecycle", headers, kEmptyHash,
                                            kS3Credentials, kS3Scope, "20130524T000000Z")) ==
          "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
  }
  SUBCASE("GET bucket (a listing): the query sorted whatever the order sent") {
    const std::vector<Header> headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                                         {"x-amz-date", "20130524T000000Z"},
                                         {"x-amz-content-sha256", std::string(kEmptyHash)}};
    for (const std::string query : {"max-keys=2&prefix=J", "prefix=J&max-keys=2"}) {
      CAPTURE(query);
      CHECK(signature_of(sigv4::authorization("GET", "/", query, headers, kEmptyHash,
                                              kS3Credentials, kS3Scope, "20130524T000000Z")) ==
            "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
    }
  }
}

TEST_CASE("s3 sigv4: sign_request sets the headers S3 needs and re-signs each attempt") {
  flinkha::http::Request request;
  request.url = "https://examplebucket.s3.amazonaws.com/test.txt";
  request.headers.push_back({"Range", "bytes=0-9"});
  const auto when = std::chrono::sys_days{std::chrono::year{2013} / 5 / 24};
  sigv4::sign_request(request, kS3Credentials, kS3Scope, when);
  sigv4::sign_request(request, kS3Credentials, kS3Scope, when); // a retry: replaced, not added
  std::map<std::string, std::string> headers;
  for (const auto& header : request.headers) {
    CHECK(headers.emplace(flinkha::util::to_lower(header.name), header.value).second);
  }
  CHECK(headers["host"] == "examplebucket.s3.amazonaws.com");
  CHECK(headers["x-amz-date"] == "20130524T000000Z");
  CHECK(headers["x-amz-content-sha256"] == kEmptyHash);
  CHECK(headers["authorization"] ==
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
  CHECK_FALSE(headers.contains("x-amz-security-token"));

  SUBCASE("session credentials sign the token; a non-default port is part of Host") {
    flinkha::http::Request local;
    local.url = "http://127.0.0.1:8333/bucket/a%20b?list-type=2";
    sigv4::sign_request(local, {"id", "secret", "token"}, kS3Scope, when);
    std::string authorization;
    std::string host;
    for (const auto& header : local.headers) {
      if (header.name == "Authorization") {
        authorization = header.value;
      }
      if (header.name == "Host") {
        host = header.value;
      }
    }
    CHECK(host == "127.0.0.1:8333");
    CHECK(authorization.find("SignedHeaders=host;x-amz-content-sha256;x-amz-date;"
                             "x-amz-security-token,") != std::string::npos);
    CHECK(authorization.find("secret") == std::string::npos);
  }
}

TEST_CASE("s3 sigv4: canonical URI and query encoding") {
  CHECK(sigv4::canonical_uri("") == "/");
  CHECK(sigv4::canonical_uri("/a b/c") == "/a%20b/c");
  CHECK(sigv4::canonical_uri("/a%20b/c%2f") == "/a%20b/c%2F"); // idempotent on encoded keys
  CHECK(sigv4::canonical_uri("/\xE1\x88\xB4") == "/%E1%88%B4");
  CHECK(sigv4::canonical_query("b=2&a=1&a=0") == "a=0&a=1&b=2");
  CHECK(sigv4::canonical_query("prefix=a%2Fb%2F&delimiter=%2F") == "delimiter=%2F&prefix=a%2Fb%2F");
  CHECK(sigv4::canonical_query("continuation-token=1+x/y=") == "continuation-token=1%2Bx%2Fy%3D");
  CHECK(sigv4::content_md5_base64("") == "1B2M2Y8AsgTpgAmY7PhCfg==");
}
