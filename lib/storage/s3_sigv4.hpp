#pragma once
// AWS Signature Version 4 ("AWS4-HMAC-SHA256", signed in the Authorization header) for S3.
//
// Source: AWS S3 API reference, "Authenticating Requests: Using the Authorization Header
// (AWS Signature Version 4)" (sig-v4-header-based-auth), and the Signature Version 4 signing
// process of the AWS General Reference. Checked byte for byte against AWS's published
// aws-sig-v4-test-suite (tests/unit/fixtures/s3/sigv4/, the cases that apply to S3) and the S3
// examples of that page (GET with Range, PUT, a listing with a query).
//
// What S3 does differently from the generic algorithm, and this code with it:
//  - the canonical URI is the path URI-encoded once: S3 neither normalizes nor double-encodes;
//  - the payload's SHA-256 is sent as x-amz-content-sha256 and is one of the signed headers.
// Signed here rather than with libcurl's CURLOPT_AWS_SIGV4, which (curl#9717) signs the query
// string in the order given instead of sorted: canonical_query sorts by encoded name, then value.
// Secrets: the secret key only enters the HMAC; nothing here formats it into a string.

#include "http/client.hpp"
#include "util/sha256.hpp"

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::storage::sigv4 {

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token; // empty: long-term keys; else sent as x-amz-security-token
};

// The credential scope's region and service ("s3"; the test suite uses "service").
struct Scope {
  std::string region = "us-east-1";
  std::string service = "s3";
};

// Lower-case hex SHA-256 of `data`: the one in util/sha256.hpp.
using util::sha256_hex;

// Base64 of the MD5 of `data`: the Content-MD5 header that S3 requires on DeleteObjects.
std::string content_md5_base64(std::string_view data);

// The canonical URI of an already (or partly) encoded path: every byte that is not unreserved,
// '/' or part of a "%XX" escape is percent-encoded, escapes get upper-case hex. Idempotent, so a
// key encoded once by the caller is signed as sent; "" becomes "/".
std::string canonical_uri(std::string_view path);

// The canonical query string: each "name=value" of `query` (without '?') decoded and re-encoded
// with UriEncode, a missing '=' giving an empty value, sorted by name then value, joined by '&'.
std::string canonical_query(std::string_view query);

// Canonical headers ("name:value\n" each: names lower-cased, values trimmed with inner runs of
// spaces collapsed, repeated names joined by ','), sorted by name, and the signed-headers list.
struct CanonicalHeaders {
  std::string text;
  std::string signed_headers; // "host;x-amz-content-sha256;x-amz-date"
};
CanonicalHeaders canonical_headers(const std::vector<http::Header>& headers);

// METHOD \n canonical URI \n canonical query \n canonical headers \n signed headers \n payload hash
std::string canonical_request(std::string_view method, std::string_view path,
                              std::string_view query, const std::vector<http::Header>& headers,
                              std::string_view payload_hash);

// "AWS4-HMAC-SHA256\n<amz_date>\n<yyyymmdd>/<region>/<service>/aws4_request\n<hex(sha256(creq))>"
std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request_text);

// The Authorization header's value for a request whose headers already hold everything to be
// signed (Host and X-Amz-Date included); `amz_date` is "20150830T123600Z".
std::string authorization(std::string_view method, std::string_view path, std::string_view query,
                          const std::vector<http::Header>& headers, std::string_view payload_hash,
                          const Credentials& credentials, const Scope& scope,
                          std::string_view amz_date);

// "YYYYMMDDTHHMMSSZ" of a time point (UTC).
std::string amz_date_of(std::chrono::system_clock::time_point when);

// Signs `request` in place for `now`: sets Host (from the URL, with a non-default port),
// X-Amz-Date, X-Amz-Content-SHA256 (of the body), X-Amz-Security-Token (session credentials)
// and Authorization, replacing the values an earlier attempt set. Meant for
// http::ClientOptions::sign, which runs before every attempt so that the date stays fresh.
void sign_request(http::Request& request, const Credentials& credentials, const Scope& scope,
                  std::chrono::system_clock::time_point now);

} // namespace flinkha::storage::sigv4
