#pragma once
// From an S3 answer that is not a success to an Error an operator can act on: the server's own
// Error document (Code, Message; s3_xml.hpp) mapped to words and a category, naming the
// endpoint, the bucket or object, the action, and the access key with where it came from (never
// the secret). Source of the codes: Amazon S3 API Reference, "Error responses" (List of error
// codes).
//   NoSuchBucket                        → failed (the bucket and endpoint to fix)
//   InvalidAccessKeyId, SignatureDoesNotMatch, AccessDenied, 403 → refused
//   PermanentRedirect, AuthorizationHeaderMalformed, 301 → failed (the region to set)
// A missing bucket or a wrong region is exit 2 (failed), like refused credentials, not 78: the
// configuration files are valid, the storage they name does not fit them.
//   RequestTimeTooSkewed                → refused (the clock)
//   PreconditionFailed, 412 (PutObject If-None-Match: *) → refused ("already exists; not
//                                         replaced"); ConditionalRequestConflict (409) → failed
//   SlowDown, 5xx (after the client's retries) → unreachable
//   NoSuchKey, 404, anything else       → failed

#include "http/client.hpp"
#include "storage/s3_settings.hpp"
#include "util/result.hpp"

#include <string_view>

namespace flinkha::storage {

struct S3RequestContext {
  std::string_view action; // "ListObjectsV2", "HeadObject", "GetObject", "DeleteObjects", …
  std::string_view bucket;
  std::string_view key; // "" for the bucket itself
  const S3Settings& settings;
};

// The Error of `response` (status >= 300) to `context`'s request. Credentials refused
// (InvalidAccessKeyId, SignatureDoesNotMatch, ExpiredToken, InvalidToken, TokenRefreshRequired,
// AccessDenied) are `refused`; AccessDenied's hint names the permission and its resource: the
// bucket ARN for ListObjectsV2 (s3:ListBucket), the objects' ARN (bucket/*) otherwise.
Error s3_error(const http::Response& response, const S3RequestContext& context);

} // namespace flinkha::storage
