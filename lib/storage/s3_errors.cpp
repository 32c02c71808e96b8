#include "storage/s3_errors.hpp"

#include "storage/s3_xml.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

namespace flinkha::storage {

namespace {

std::string object_of(const S3RequestContext& context) {
  if (context.key.empty()) {
    return fmt::format("s3://{}", context.bucket);
  }
  return fmt::format("s3://{}/{}", context.bucket, util::printable(context.key, 200));
}

std::string who(const S3Settings& settings) {
  if (settings.credentials) {
    return fmt::format("the access key {} (from {})", settings.credentials->keys.access_key_id,
                       settings.credentials->source);
  }
  return fmt::format("anonymous requests (no credentials in {})", settings.credentials_searched);
}

// The IAM permission an action needs, for the hint of AccessDenied.
std::string_view permission_of(std::string_view action) {
  if (action == "ListObjectsV2") {
    return "s3:ListBucket";
  }
  if (action == "DeleteObject" || action == "DeleteObjects") {
    return "s3:DeleteObject";
  }
  if (action == "CopyObject") {
    return "s3:GetObject and s3:PutObject";
  }
  if (action == "PutObject") {
    return "s3:PutObject";
  }
  return "s3:GetObject";
}

constexpr std::string_view kCredentialsHint =
    "check s3.access-key and s3.secret-key in the Flink configuration (or fs.s3a.access.key / "
    "fs.s3a.secret.key), AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, or the profile in "
    "~/.aws/credentials — whichever flinkha used";

} // namespace

Error s3_error(const http::Response& response, const S3RequestContext& context) {
  const auto document = s3xml::parse_error(response.body);
  const auto& settings = context.settings;
  const auto endpoint = settings.endpoint();
  std::string code = document ? document->code : std::string{};
  const std::string message = document ? util::printable(document->message, 200) : std::string{};
  const auto object = object_of(context);
  const auto words = message.empty() ? std::string{} : fmt::format(": {}", message);

  if (code.empty()) {
    switch (response.status) {
    case 301:
    case 307:
      code = "PermanentRedirect";
      break;
    case 403:
      code = "AccessDenied";
      break;
    case 404:
      code = context.key.empty() ? "NoSuchBucket" : "NoSuchKey";
      break;
    default:
      code = response.status >= 500 ? "ServiceUnavailable" : "";
    }
  }

  if (code == "NoSuchBucket") {
    return {fmt::format("bucket '{}' does not exist at {} ({} {})", context.bucket, endpoint,
                        context.action, object),
            fmt::format("check the bucket in high-availability.storageDir and the endpoint ({})",
                        settings.endpoint_source),
            ErrorCategory::failed};
  }
  if (code == "InvalidAccessKeyId") {
    return {fmt::format("{} is refused by {}: the access key is unknown there (InvalidAccessKeyId "
                        "on {} {})",
                        who(settings), endpoint, context.action, object),
            std::string(kCredentialsHint), ErrorCategory::refused};
  }
  if (code == "SignatureDoesNotMatch") {
    return {fmt::format("{} is refused by {}: the signature does not match, so the secret key is "
                        "not the one of that access key (SignatureDoesNotMatch on {} {})",
                        who(settings), endpoint, context.action, object),
            std::string(kCredentialsHint), ErrorCategory::refused};
  }
  if (code == "ExpiredToken" || code == "InvalidToken" || code == "TokenRefreshRequired") {
    return {fmt::format("{} is refused by {}: {} on {} {}{}", who(settings), endpoint, code,
                        context.action, object, words),
            "the session token (AWS_SESSION_TOKEN / fs.s3a.session.token / the profile's "
            "aws_session_token) expired or is invalid: refresh it",
            ErrorCategory::refused};
  }
  if (code == "AccessDenied" || code == "AllAccessDisabled") {
    // s3:ListBucket is a permission on the bucket itself; the object ones are on its keys.
    const auto resource = context.action == "ListObjectsV2"
                              ? fmt::format("arn:aws:s3:::{}", context.bucket)
                              : fmt::format("arn:aws:s3:::{}/*", context.bucket);
    return {fmt::format("{} denies {} on {} to {}{}", endpoint, context.action, object,
                        who(settings), words),
            fmt::format("grant {} on {} to that principal, or use credentials that have it",
                        permission_of(context.action), resource),
            ErrorCategory::refused};
  }
  if (code == "PermanentRedirect" || code == "AuthorizationHeaderMalformed" ||
      code == "IllegalLocationConstraintException") {
    std::string region = document ? document->region : std::string{};
    if (const auto header = response.header("x-amz-bucket-region"); header && region.empty()) {
      region = std::string(*header);
    }
    const auto where = !region.empty() ? fmt::format("region {}", region)
                       : document && !document->endpoint.empty()
                           ? fmt::format("the endpoint {}", document->endpoint)
                           : std::string("another region");
    return {fmt::format("bucket '{}' is in {}, not in {} ({}) as flinkha asked {} ({} {})",
                        context.bucket, where, settings.region, settings.region_source, endpoint,
                        context.action, object),
            region.empty()
                ? std::string("set s3.endpoint.region (fs.s3a.endpoint.region) or "
                              "s3.endpoint to the bucket's region")
                : fmt::format("set s3.endpoint.region: {} (or AWS_REGION={})", region, region),
            ErrorCategory::failed};
  }
  if (code == "RequestTimeTooSkewed") {
    return {fmt::format("{} refuses the request time: this host's clock is more than 15 minutes "
                        "off ({} {})",
                        endpoint, context.action, object),
            "synchronize the clock (NTP) and retry", ErrorCategory::refused};
  }
  if (code == "SlowDown" || code == "ServiceUnavailable" || code == "InternalError" ||
      response.status >= 500) {
    return {fmt::format("{} is overloaded or failing: {} after {} attempt(s) of {} {}{}", endpoint,
                        code.empty() ? "a server error" : code, response.attempts, context.action,
                        object, words),
            "retry later, or give it more time with --storage-timeout", ErrorCategory::unreachable};
  }
  if (code == "PreconditionFailed" || (code.empty() && response.status == 412)) {
    // PutObject with If-None-Match: * of a key that exists (S3 conditional writes).
    return {fmt::format("{}: already exists; not replaced ({})", object, context.action),
            {},
            ErrorCategory::refused};
  }
  if (code == "ConditionalRequestConflict") {
    // 409: another conditional write of the same key is in flight.
    return {fmt::format("{}: being written by another request at the same time; not replaced "
                        "({})",
                        object, context.action),
            "retry once the other writer has finished", ErrorCategory::failed};
  }
  if (code == "NoSuchKey") {
    return {
        fmt::format("{} does not exist ({})", object, context.action), {}, ErrorCategory::failed};
  }
  return {fmt::format("{} answered {} on {} with {}{}", endpoint, context.action, object,
                      code.empty() ? fmt::format("status {}", response.status) : code, words),
          {},
          ErrorCategory::failed};
}

} // namespace flinkha::storage
