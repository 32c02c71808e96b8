#pragma once
// The S3 REST API's XML documents flinkha reads and writes, through pugixml.
// Source: Amazon S3 API Reference: ListObjectsV2 (ListBucketResult: Contents Key/Size/
// LastModified, CommonPrefixes/Prefix, IsTruncated, NextContinuationToken), DeleteObjects
// (request Delete/Quiet/Object/Key; response DeleteResult: Deleted/Key, Error/Key/Code/Message),
// "Error responses" (Error: Code, Message, Resource, RequestId, and per code BucketName, Region,
// Endpoint). Listings are requested without encoding-type=url: keys arrive as XML text, and a
// key that XML cannot carry never occurs in Flink's HA data.
// Every parser takes untrusted bytes (fuzzed: tests/fuzz/fuzz_s3_xml.cpp) and returns an error,
// never throws.

#include "util/result.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::storage::s3xml {

struct Object {
  std::string key;
  std::int64_t size_bytes = 0;
  std::int64_t mtime_ms = 0; // LastModified (ISO 8601, UTC), ms since the epoch; 0 if unparsable
};

struct ListPage {
  std::vector<Object> contents;
  std::vector<std::string> common_prefixes; // "a/b/" (with the delimiter)
  bool truncated = false;
  std::string next_continuation_token; // "" when not truncated
};

// A ListObjectsV2 answer (ListBucketResult). Errors: not XML, another root element, a truncated
// page without NextContinuationToken.
Result<ListPage> parse_list_objects_v2(std::string_view xml);

struct KeyError {
  std::string key;
  std::string code; // "AccessDenied", …
  std::string message;
};

struct DeleteResult {
  std::vector<std::string> deleted;
  std::vector<KeyError> errors;
};

// A DeleteObjects answer (DeleteResult). Errors: not XML, another root element.
Result<DeleteResult> parse_delete_result(std::string_view xml);

// The DeleteObjects request body for `keys` (at most 1,000, S3's limit), in Quiet mode (only
// failures are listed in the answer).
std::string delete_request_body(const std::vector<std::string>& keys);

struct ErrorDocument {
  std::string code;    // "NoSuchBucket", "InvalidAccessKeyId", "SignatureDoesNotMatch", …
  std::string message; // the server's words
  std::string resource;
  std::string bucket_name;   // NoSuchBucket
  std::string region;        // AuthorizationHeaderMalformed: the region expected
  std::string endpoint;      // PermanentRedirect: the endpoint to use
  std::string access_key_id; // InvalidAccessKeyId: AWSAccessKeyId
};

// An S3 Error document, nullopt when `xml` is not one (empty, HTML from a proxy, …).
std::optional<ErrorDocument> parse_error(std::string_view xml);

// A GetBucketVersioning answer (VersioningConfiguration/Status, Amazon S3 API Reference:
// GetBucketVersioning): "Enabled", "Suspended", or "" for a bucket that never had versioning.
// Errors: not XML, another root element.
Result<std::string> parse_versioning_status(std::string_view xml);

// "2009-10-12T17:50:30.000Z" → ms since the epoch; nullopt when not of that shape.
std::optional<std::int64_t> parse_iso8601_ms(std::string_view text);

// RFC 7231 IMF-fixdate ("Wed, 12 Oct 2009 17:50:00 GMT", HeadObject's Last-Modified) → ms.
std::optional<std::int64_t> parse_http_date_ms(std::string_view text);

} // namespace flinkha::storage::s3xml
