#pragma once
// HaStorage on S3 (s3://, s3a://, s3p://): one bucket and a key prefix (the base), through the
// S3 REST API signed with SigV4 (s3_sigv4.hpp), configured as Flink's S3 file systems are
// (s3_settings.hpp), errors mapped from S3's Error documents (s3_errors.hpp).
//
// S3 has no directories. A relative path "a/b" is the key "<prefix>/a/b"; a directory is a key
// prefix "<prefix>/a/" that some key starts with, or a directory marker (a key ending in '/', as
// Hadoop S3A writes them). So:
//  - base_exists: some key lies under the prefix (decided when opened: ListObjectsV2, 1 key);
//  - list: ListObjectsV2 (list-type=2, continuation tokens, 1,000 keys a page); Recursive::yes
//    without a delimiter, directory entries synthesised from the key prefixes (parents before
//    children); Recursive::no with delimiter '/' (CommonPrefixes are the directories). Keys that
//    are no valid relative path (an empty, "." or ".." component) cannot be named through
//    HaStorage and are not listed. A directory's mtime is its marker's, else 0;
//  - stat: HeadObject, and in the same round trip a one-key listing that decides "directory";
//  - read_file: GetObject with Range: bytes=0-<max>, so a large object is never downloaded;
//  - remove_file: HeadObject (S3's DeleteObject answers 204 for a missing key too, so already_gone
//    needs the look first), then DeleteObject;
//  - remove_files: existence from one listing of the paths' common prefix (or HeadObject each, for
//    a few), then DeleteObjects (Quiet, Content-MD5, 1,000 keys a request, requests in flight
//    together), per-key errors mapped;
//  - remove_empty_dir: removes the directory marker if there is one, else already_gone; refused
//    while any key remains below;
//  - check_writable: DeleteObject of a key that does not exist (HeadObject proves it first);
//    skipped (ok) on a bucket whose versioning (GetBucketVersioning) is Enabled or Suspended,
//    where that DeleteObject would write a delete marker;
//  - a HeadObject 404 is "not there" only with S3's x-amz-request-id / x-amz-id-2 headers;
//    without them a one-byte GetObject must answer NoSuchKey;
//  - ListObjectsV2 fails on a repeated continuation token or a truncated page without keys;
//  - rename_file: CopyObject (x-amz-copy-source) then DeleteObject; a rerun after a crash between
//    the two copies again and deletes, and one after both finds only the new name: done.
//  - write_file: stat first (an object or a directory prefix at the name is refused), then one
//    PutObject with If-None-Match: * (S3 conditional writes; SeaweedFS honours it), signed like
//    every request (x-amz-content-sha256 of the body, Content-Length): an object appears whole,
//    and a key created between the look and the PutObject is refused by the server with 412
//    PreconditionFailed → "already exists; not replaced". When the body had to be sent again
//    (a broken connection) and the answer is 412, the object is read back: our own bytes are
//    our own first attempt. Nothing to create for parents (S3 has no directories).
// No symlinks exist on S3: nothing is ever reported as one.

#include "http/client.hpp"
#include "storage/s3_settings.hpp"
#include "storage/s3_xml.hpp"
#include "storage/storage.hpp"
#include "storage/storage_options.hpp"
#include "util/flink_path.hpp"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace flinkha::storage {

class S3Storage final : public HaStorage {
public:
  // Sends requests; results in the order of the requests (http::Client::perform_all, or a
  // scripted answerer in unit tests).
  using Transport =
      std::function<std::vector<Result<http::Response>>(std::vector<http::Request> requests)>;

  struct Location {
    std::string scheme; // "s3", "s3a" or "s3p", as written (for describe())
    std::string bucket;
    std::string prefix; // key prefix without leading or trailing '/'; "" for the bucket root
  };

  // Opens the base: one listing, which also proves that the endpoint, bucket and credentials
  // work. Errors: those of s3_error (a missing bucket, refused credentials, a wrong region) and
  // of the transport (unreachable).
  static Result<std::unique_ptr<S3Storage>> open(Location location, S3Settings settings,
                                                 Transport transport,
                                                 std::function<void(std::string_view)> progress);

  std::string describe() const override;
  bool base_exists() const override { return m_base_exists; }
  Result<std::vector<Entry>> list(std::string_view relative_dir, Recursive recursive) override;
  Result<std::optional<Entry>> stat(std::string_view relative) override;
  Result<std::string> read_file(std::string_view relative, std::size_t max_bytes) override;
  Result<Removal> remove_file(std::string_view relative) override;
  Result<Removal> remove_empty_dir(std::string_view relative) override;
  std::vector<Result<Removal>> remove_files(const std::vector<std::string>& relatives) override;
  Status rename_file(std::string_view relative, std::string_view new_name) override;
  Status write_file(std::string_view relative, std::string_view content) override;
  // DeleteObject of a key under the base that does not exist (a random name, looked up first):
  // S3 refuses it to credentials without s3:DeleteObject and changes nothing otherwise. Skipped
  // (ok, nothing sent but GetBucketVersioning) when the bucket's versioning is Enabled or
  // Suspended: there that DeleteObject would write a delete marker.
  Status check_writable() override;

private:
  S3Storage(Location location, S3Settings settings, Transport transport,
            std::function<void(std::string_view)> progress);

  std::string key_of(std::string_view relative) const;
  std::string dir_prefix_of(std::string_view relative_dir) const;
  http::Request request(std::string method, std::string_view key, std::string query,
                        std::string_view action) const;
  Result<http::Response> send(http::Request request);
  Error error_of(const http::Response& response, std::string_view action,
                 std::string_view key) const;
  // Every object under `prefix` (with `delimiter` "/" also the common prefixes), all pages, at
  // most `max_pages` of them (0: no limit; more: nullopt).
  struct Objects {
    std::vector<s3xml::Object> contents;
    std::vector<std::string> common_prefixes;
  };
  Result<std::optional<Objects>> list_objects(const std::string& prefix, bool delimited,
                                              std::size_t max_keys, std::size_t max_pages);
  // DeleteObject of one key (S3 answers 204 whether or not it existed).
  Status delete_object(const std::string& key);
  // A HeadObject answer's error with the detail only a body gives (HEAD has none): the same key
  // fetched with GetObject.
  Error head_error(const http::Response& response, std::string_view key);
  // A HeadObject 404 of `key`: ok when it is S3's "no such key" (its request-id headers, or a
  // one-byte GetObject answering NoSuchKey), else the error that says what answered instead.
  Status confirm_missing(const http::Response& head, std::string_view key);

  Location m_location;
  S3Settings m_settings;
  Transport m_transport;
  std::function<void(std::string_view)> m_progress;
  bool m_base_exists = false;
};

// `uri` is the split storage URI (scheme s3, s3a or s3p; authority the bucket). Settings from
// options.config and options.environment (s3_settings.hpp); every request has options.timeout_ms
// with its retries.
Result<std::unique_ptr<HaStorage>> open_s3_storage(const util::FlinkPath& uri,
                                                   const StorageOptions& options);

} // namespace flinkha::storage
