#pragma once
// Where and as whom flinkha talks to S3 for a storageDir s3://bucket/prefix: the endpoint, the
// addressing style, the region and the credentials, read exactly as Flink's S3 file systems read
// them, then the AWS SDKs' environment and shared files.
//
// Flink's keys (flink-filesystems, S3FileSystemFactory of flink-s3-fs-hadoop and
// flink-s3-fs-presto, HadoopConfigLoader): every Flink option whose key starts with one of the
// plugin's prefixes is copied with the prefix replaced by the plugin's own, then a few keys are
// mirrored between their '-' and '.' spellings:
//  - s3:// and s3a:// (flink-s3-fs-hadoop, Hadoop S3A): prefixes "s3.", "s3a.", "fs.s3a." →
//    "fs.s3a."; mirrored fs.s3a.access-key → fs.s3a.access.key, fs.s3a.secret-key →
//    fs.s3a.secret.key, fs.s3a.path-style-access → fs.s3a.path.style.access (the '-' spelling
//    wins when both are set). Read: fs.s3a.access.key, fs.s3a.secret.key, fs.s3a.session.token,
//    fs.s3a.endpoint, fs.s3a.endpoint.region, fs.s3a.path.style.access,
//    fs.s3a.connection.ssl.enabled.
//  - s3p:// (flink-s3-fs-presto): prefixes "s3.", "presto.s3." → "presto.s3."; mirrored
//    presto.s3.access.key → presto.s3.access-key, presto.s3.secret.key → presto.s3.secret-key,
//    presto.s3.path.style.access → presto.s3.path-style-access (the '.' spelling wins). Read:
//    presto.s3.access-key, presto.s3.secret-key, presto.s3.endpoint, presto.s3.path-style-access,
//    presto.s3.ssl.enabled; the region as for S3A (fs.s3a.endpoint.region / s3.endpoint.region).
//  Flink copies its keys in HashMap order, so two prefixes giving one target key (s3.endpoint and
//  fs.s3a.endpoint) have no defined winner in Flink; flinkha takes the most specific prefix
//  (fs.s3a. over s3a. over s3.; presto.s3. over s3.).
//
// Endpoint (Hadoop S3A DefaultS3ClientFactory): one without "://" gets https:// or, with
// fs.s3a.connection.ssl.enabled false, http://; none is AWS: https://s3.<region>.amazonaws.com.
// Region: fs.s3a.endpoint.region (s3.endpoint.region), else AWS_REGION, AWS_DEFAULT_REGION, the
// profile's `region` in ~/.aws/config, the region in an AWS endpoint name
// (s3.<region>.amazonaws.com, s3-<region>.amazonaws.com), else us-east-1.
// Addressing (AWS SDK for Java v1, AmazonS3Client.shouldPerformHostStyleAddressing): virtual-hosted
// (bucket.host) unless path style is set, the endpoint's host is an IPv4 address or "localhost",
// or the bucket is not a DNS-compatible name; a bucket with a '.' is path style over TLS too (its
// virtual-hosted name does not match the endpoint's wildcard certificate; AWS's S3 user guide,
// "Virtual hosting of buckets").
// Credentials, first found: the Flink keys above (access key and secret key both set), then
// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN), then the profile AWS_PROFILE
// (else "default") in the shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
// ~/.aws/credentials: section [name]) and then in the config file (AWS_CONFIG_FILE, else
// ~/.aws/config: [default] or [profile name]), keys aws_access_key_id, aws_secret_access_key,
// aws_session_token — the order of the AWS SDKs' default chain. Instance profiles and web
// identity are not read: without credentials requests go unsigned (anonymous), and a refusal
// names where flinkha looked.

#include "config/cluster_config.hpp"
#include "storage/s3_sigv4.hpp"
#include "util/result.hpp"

#include <optional>
#include <string>
#include <string_view>

namespace flinkha::storage {

enum class S3Flavor {
  hadoop, // s3://, s3a://: flink-s3-fs-hadoop's keys
  presto, // s3p://: flink-s3-fs-presto's keys
};

// The flavor of a storage URI scheme (case-insensitive): "s3p" → presto, anything else hadoop.
S3Flavor s3_flavor_of(std::string_view scheme);

struct S3Credentials {
  sigv4::Credentials keys;
  // Where they came from, for messages and `config show`: "s3.access-key (config.yaml:12)",
  // "AWS_ACCESS_KEY_ID", "~/.aws/credentials [default]", "~/.aws/config [profile ci]".
  std::string source;
};

struct S3Settings {
  std::string endpoint_scheme = "https";   // "https" or "http"
  std::string endpoint_host;               // "s3.eu-west-1.amazonaws.com", "127.0.0.1:8333"
  std::string endpoint_source = "default"; // "s3.endpoint (config.yaml:7)" or "default"
  bool custom_endpoint = false;            // not AWS's default endpoint
  bool path_style_setting = false;         // as configured (the per-bucket choice: path_style())
  std::string region = "us-east-1";
  std::string region_source = "default";
  std::optional<S3Credentials> credentials; // nullopt: none found, requests go unsigned
  std::string credentials_searched;         // where flinkha looked, for a refusal's hint

  // "https://s3.eu-west-1.amazonaws.com" (no trailing '/').
  std::string endpoint() const;
  // Path style for this bucket (the addressing rule above).
  bool path_style(std::string_view bucket) const;
  // The URL of `key` in `bucket`: "https://bucket.host/key" or "https://host/bucket/key"; `key`
  // is percent-encoded here ('/' kept); `query` ("list-type=2&prefix=…", already encoded) is
  // appended after '?' when not empty. An empty key addresses the bucket.
  std::string url(std::string_view bucket, std::string_view key, std::string_view query = {}) const;
};

// Reads the settings for one scheme flavor. `config` may be null (no Flink options). Errors
// (configuration): an endpoint that is not a URL or host[:port], or has user information
// (user@host, never echoed); a region not of [a-z0-9-]{1,64} (named with its source); a
// credential (access key id, secret key, session token) with a control byte such as CR or LF
// (never shown); a profile file that cannot be read. Values from the Flink options are trimmed.
Result<S3Settings> resolve_s3_settings(const config::ClusterConfig* config,
                                       const config::Environment& environment, S3Flavor flavor);

// What `config show` prints about S3 (never the secret key or the session token).
struct S3Description {
  std::string credentials_source; // "" when none was found
  std::string access_key_id;      // "" when none was found
  bool session_token = false;     // whether a session token is used
  std::string region;
  std::string region_source;
  std::string endpoint;        // "https://s3.us-east-1.amazonaws.com"
  std::string endpoint_source; // "s3.endpoint (config.yaml:7)" | "default"
  std::string addressing;      // "path-style" | "virtual-hosted" (for DNS-style bucket names)
};

// For `config show`: the settings of the storageDir's flavor (s3:// unless it is s3p://),
// described. Errors as resolve_s3_settings.
Result<S3Description> describe_s3_credentials(const config::ClusterConfig& config,
                                              const config::Environment& environment,
                                              S3Flavor flavor = S3Flavor::hadoop);

} // namespace flinkha::storage
