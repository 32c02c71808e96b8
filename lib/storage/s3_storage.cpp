#include "storage/s3_storage.hpp"

#include "storage/s3_errors.hpp"
#include "storage/s3_sigv4.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <random>
#include <set>

namespace flinkha::storage {

namespace {

// S3's limits: ListObjectsV2 gives at most 1,000 keys a page, DeleteObjects takes at most 1,000.
constexpr std::size_t kPageKeys = 1000;
constexpr std::size_t kDeleteBatch = 1000;
// Up to this many paths, remove_files looks at each with HeadObject; above, one listing of their
// common prefix (a page per 1,000 keys) is cheaper, unless it holds far more than the paths.
constexpr std::size_t kHeadEach = 64;
// Bounds on a listing, as LocalStorage's: a pathological bucket ends in an error.
constexpr std::size_t kMaxEntries = 10'000'000;
// Room for an S3 Error document in the answer to a small read.
constexpr std::size_t kErrorBodyBytes = std::size_t{64} << 10;

std::string query_param(std::string_view name, std::string_view value) {
  return fmt::format("{}={}", name, http::percent_encode(value, false));
}

bool success(const http::Response& response) {
  return response.status >= 200 && response.status < 300;
}

std::string last_component(std::string_view relative) {
  const auto slash = relative.rfind('/');
  return std::string(slash == std::string_view::npos ? relative : relative.substr(slash + 1));
}

// The longest common directory of validated relative paths ("" when they share none).
std::string common_dir(const std::vector<std::string_view>& relatives) {
  if (relatives.empty()) {
    return {};
  }
  std::string_view common = parent_of(relatives.front());
  for (const auto relative : relatives) {
    while (!common.empty() && !(relative.starts_with(common) && relative.size() > common.size() &&
                                relative[common.size()] == '/')) {
      common = parent_of(common);
    }
  }
  return std::string(common);
}

} // namespace

S3Storage::S3Storage(Location location, S3Settings settings, Transport transport,
                     std::function<void(std::string_view)> progress)
    : m_location(std::move(location)), m_settings(std::move(settings)),
      m_transport(std::move(transport)), m_progress(std::move(progress)) {}

Result<std::unique_ptr<S3Storage>> S3Storage::open(Location location, S3Settings settings,
                                                   Transport transport,
                                                   std::function<void(std::string_view)> progress) {
  std::unique_ptr<S3Storage> storage(new S3Storage(std::move(location), std::move(settings),
                                                   std::move(transport), std::move(progress)));
  auto probe = storage->list_objects(storage->dir_prefix_of(""), false, 1, 1);
  if (!probe) {
    return std::unexpected(probe.error());
  }
  storage->m_base_exists =
      storage->m_location.prefix.empty() || !probe->has_value() || !(*probe)->contents.empty();
  return storage;
}

std::string S3Storage::describe() const {
  if (m_location.prefix.empty()) {
    return fmt::format("{}://{}", m_location.scheme, m_location.bucket);
  }
  return fmt::format("{}://{}/{}", m_location.scheme, m_location.bucket, m_location.prefix);
}

std::string S3Storage::key_of(std::string_view relative) const {
  if (m_location.prefix.empty()) {
    return std::string(relative);
  }
  if (relative.empty()) {
    return m_location.prefix;
  }
  return fmt::format("{}/{}", m_location.prefix, relative);
}

std::string S3Storage::dir_prefix_of(std::string_view relative_dir) const {
  auto key = key_of(relative_dir);
  if (!key.empty()) {
    key += '/';
  }
  return key;
}

http::Request S3Storage::request(std::string method, std::string_view key, std::string query,
                                 std::string_view action) const {
  http::Request request;
  request.method = std::move(method);
  request.url = m_settings.url(m_location.bucket, key, query);
  request.what = fmt::format("{} s3://{}/{}", action, m_location.bucket, util::printable(key, 200));
  return request;
}

Result<http::Response> S3Storage::send(http::Request request) {
  std::vector<http::Request> one;
  one.push_back(std::move(request));
  auto answers = m_transport(std::move(one));
  if (answers.empty()) {
    return fail(ErrorCategory::internal, "the S3 transport gave no answer");
  }
  return std::move(answers.front());
}

Error S3Storage::error_of(const http::Response& response, std::string_view action,
                          std::string_view key) const {
  return s3_error(response, {action, m_location.bucket, key, m_settings});
}

Error S3Storage::head_error(const http::Response& response, std::string_view key) {
  auto get = request("GET", key, {}, "GetObject");
  get.headers.push_back({"Range", "bytes=0-0"});
  get.max_body_bytes = kErrorBodyBytes;
  if (auto answer = send(std::move(get)); answer && !success(*answer)) {
    return error_of(*answer, "HeadObject", key);
  }
  return error_of(response, "HeadObject", key);
}

Status S3Storage::confirm_missing(const http::Response& head, std::string_view key) {
  if (head.header("x-amz-request-id") || head.header("x-amz-id-2")) {
    return {}; // an S3 server's own 404
  }
  // A 404 without S3's headers may be a proxy's or another server's: a HEAD has no body to say
  // which, so a one-byte GetObject asks for the Error document.
  auto get = request("GET", key, {}, "GetObject");
  get.headers.push_back({"Range", "bytes=0-0"});
  get.max_body_bytes = kErrorBodyBytes;
  auto answer = send(std::move(get));
  if (!answer) {
    return std::unexpected(answer.error());
  }
  if (answer->status == 404) {
    if (const auto document = s3xml::parse_error(answer->body);
        document && document->code == "NoSuchKey") {
      return {};
    }
  }
  if (success(*answer) || answer->status == 416) {
    return fail(ErrorCategory::failed,
                fmt::format("{} answered HeadObject of s3://{}/{} with 404 but GetObject finds "
                            "it: the endpoint does not answer as S3 does",
                            m_settings.endpoint(), m_location.bucket, util::printable(key, 200)),
                "check s3.endpoint: it must be the S3 server, not a proxy in front of it");
  }
  return std::unexpected(error_of(*answer, "HeadObject", key));
}

Status S3Storage::delete_object(const std::string& key) {
  auto removed = send(request("DELETE", key, {}, "DeleteObject"));
  if (!removed) {
    return std::unexpected(removed.error());
  }
  if (!success(*removed)) {
    return std::unexpected(error_of(*removed, "DeleteObject", key));
  }
  return {};
}

Result<std::optional<S3Storage::Objects>> S3Storage::list_objects(const std::string& prefix,
                                                                  bool delimited,
                                                                  std::size_t max_keys,
                                                                  std::size_t max_pages) {
  Objects objects;
  std::string token;
  std::set<std::string> tokens; // every one seen: a server that repeats one would loop forever
  std::size_t pages = 0;
  do {
    if (max_pages != 0 && pages == max_pages) {
      if (max_keys < kPageKeys) {
        break; // a bounded probe: the first page said enough
      }
      return std::optional<Objects>{};
    }
    std::string query = "list-type=2&" + query_param("prefix", prefix);
    if (delimited) {
      query += "&delimiter=%2F";
    }
    query += fmt::format("&max-keys={}", max_keys);
    if (!token.empty()) {
      query += "&" + query_param("continuation-token", token);
    }
    auto list = request("GET", "", std::move(query), "ListObjectsV2");
    list.what =
        fmt::format("ListObjectsV2 s3://{}/{}", m_location.bucket, util::printable(prefix, 200));
    auto answer = send(std::move(list));
    if (!answer) {
      return std::unexpected(answer.error());
    }
    if (!success(*answer)) {
      return std::unexpected(error_of(*answer, "ListObjectsV2", prefix));
    }
    auto page = s3xml::parse_list_objects_v2(answer->body);
    if (!page) {
      return std::unexpected(Error{
          fmt::format("{}: {}", describe(), page.error().message), {}, ErrorCategory::failed});
    }
    ++pages;
    std::ranges::move(page->contents, std::back_inserter(objects.contents));
    std::ranges::move(page->common_prefixes, std::back_inserter(objects.common_prefixes));
    if (objects.contents.size() + objects.common_prefixes.size() > kMaxEntries) {
      return fail(ErrorCategory::failed,
                  fmt::format("{}: more than {} keys under {}; refusing to list further",
                              describe(), kMaxEntries, util::printable(prefix, 200)));
    }
    if (m_progress && pages > 1) {
      m_progress(fmt::format("{} keys listed under {}", objects.contents.size(), describe()));
    }
    token = page->truncated ? page->next_continuation_token : std::string{};
    const auto paging_error = [&](std::string_view what) {
      return fail(ErrorCategory::failed,
                  fmt::format("{} answered ListObjectsV2 of s3://{}/{} with {}; refusing to list "
                              "further",
                              m_settings.endpoint(), m_location.bucket,
                              util::printable(prefix, 200), what),
                  "the server does not page as S3 does; report it to its operators");
    };
    if (page->truncated && page->contents.empty() && page->common_prefixes.empty()) {
      return paging_error("a truncated page holding no keys");
    }
    if (!token.empty() && !tokens.insert(token).second) {
      return paging_error("a continuation token it had given before");
    }
  } while (!token.empty());
  return std::optional<Objects>(std::move(objects));
}

Result<std::vector<Entry>> S3Storage::list(std::string_view relative_dir, Recursive recursive) {
  if (auto valid = validate_relative_path(relative_dir, true); !valid) {
    return std::unexpected(valid.error());
  }
  const auto prefix = dir_prefix_of(relative_dir);
  auto objects = list_objects(prefix, recursive == Recursive::no, kPageKeys, 0);
  if (!objects) {
    return std::unexpected(objects.error());
  }
  std::map<std::string, Entry> entries; // by relative path: sorted, parents before children
  const auto add_directory = [&](std::string_view rest, std::int64_t mtime_ms) {
    auto relative = join_relative(relative_dir, rest);
    auto& entry = entries[relative];
    if (entry.relative_path.empty() || entry.type != EntryType::directory) {
      entry =
          Entry{last_component(rest), std::move(relative), EntryType::directory, 0, mtime_ms, {}};
    } else if (mtime_ms != 0) {
      entry.mtime_ms = mtime_ms;
    }
  };
  for (const auto& object : (*objects)->contents) {
    if (!object.key.starts_with(prefix)) {
      continue;
    }
    std::string_view rest = std::string_view(object.key).substr(prefix.size());
    const bool marker = rest.ends_with('/');
    if (marker) {
      rest.remove_suffix(1);
    }
    if (rest.empty() || !validate_relative_path(rest)) {
      continue; // the directory's own marker, or a key no relative path can name
    }
    for (auto slash = rest.find('/'); slash != std::string_view::npos;
         slash = rest.find('/', slash + 1)) {
      add_directory(rest.substr(0, slash), 0);
    }
    if (marker) {
      add_directory(rest, object.mtime_ms);
      continue;
    }
    auto relative = join_relative(relative_dir, rest);
    if (const auto it = entries.find(relative); it != entries.end()) {
      continue; // "a" as a directory (from "a/…") and as an object: the directory is listed
    }
    entries.emplace(relative, Entry{last_component(rest),
                                    relative,
                                    EntryType::file,
                                    object.size_bytes,
                                    object.mtime_ms,
                                    {}});
  }
  for (const auto& common : (*objects)->common_prefixes) {
    if (!common.starts_with(prefix)) {
      continue;
    }
    std::string_view rest = std::string_view(common).substr(prefix.size());
    if (rest.ends_with('/')) {
      rest.remove_suffix(1);
    }
    if (!rest.empty() && validate_relative_path(rest) && rest.find('/') == std::string_view::npos) {
      add_directory(rest, 0);
    }
  }
  std::vector<Entry> out;
  out.reserve(entries.size());
  for (auto& [relative, entry] : entries) {
    out.push_back(std::move(entry));
  }
  return out;
}

Result<std::optional<Entry>> S3Storage::stat(std::string_view relative) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  const auto key = key_of(relative);
  std::vector<http::Request> requests;
  requests.push_back(request("HEAD", key, {}, "HeadObject"));
  requests.push_back(request(
      "GET", "", "list-type=2&max-keys=1&" + query_param("prefix", key + "/"), "ListObjectsV2"));
  auto answers = m_transport(std::move(requests));
  if (answers.size() != 2) {
    return fail(ErrorCategory::internal, "the S3 transport lost an answer");
  }
  auto& head = answers[0];
  if (!head) {
    return std::unexpected(head.error());
  }
  if (success(*head)) {
    Entry entry{last_component(relative), std::string(relative), EntryType::file, 0, 0, {}};
    if (const auto length = head->header("content-length")) {
      entry.size_bytes = std::strtoll(std::string(*length).c_str(), nullptr, 10);
    }
    if (const auto modified = head->header("last-modified")) {
      entry.mtime_ms = s3xml::parse_http_date_ms(util::trim(*modified)).value_or(0);
    }
    return std::optional<Entry>(std::move(entry));
  }
  auto& listing = answers[1];
  if (!listing) {
    return std::unexpected(listing.error());
  }
  if (!success(*listing)) {
    return std::unexpected(error_of(*listing, "ListObjectsV2", key + "/"));
  }
  if (head->status != 404) {
    return std::unexpected(head_error(*head, key));
  }
  if (auto missing = confirm_missing(*head, key); !missing) {
    return std::unexpected(missing.error());
  }
  auto page = s3xml::parse_list_objects_v2(listing->body);
  if (!page) {
    return std::unexpected(page.error());
  }
  if (page->contents.empty() && page->common_prefixes.empty()) {
    return std::optional<Entry>{};
  }
  std::int64_t mtime_ms = 0;
  if (!page->contents.empty() && page->contents.front().key == key + "/") {
    mtime_ms = page->contents.front().mtime_ms;
  }
  return std::optional<Entry>(Entry{
      last_component(relative), std::string(relative), EntryType::directory, 0, mtime_ms, {}});
}

Result<std::string> S3Storage::read_file(std::string_view relative, std::size_t max_bytes) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  const auto key = key_of(relative);
  auto get = request("GET", key, {}, "GetObject");
  // One byte more than allowed: a larger object shows as such without being downloaded.
  get.headers.push_back({"Range", fmt::format("bytes=0-{}", max_bytes)});
  // An error document needs room too; a server that ignored the Range is cut off there.
  get.max_body_bytes = std::max<std::size_t>(max_bytes + 1, kErrorBodyBytes);
  auto answer = send(std::move(get));
  if (!answer) {
    return std::unexpected(answer.error());
  }
  if (answer->status == 416) {
    return std::string{}; // a range from byte 0 is unsatisfiable only for an empty object
  }
  if (!success(*answer)) {
    if (answer->status == 404) {
      const auto document = s3xml::parse_error(answer->body);
      if (!document || document->code == "NoSuchKey") {
        return fail(ErrorCategory::failed,
                    fmt::format("{}/{}: no such file", describe(), util::printable(relative, 200)));
      }
    }
    return std::unexpected(error_of(*answer, "GetObject", key));
  }
  if (answer->body.size() > max_bytes) {
    return fail(ErrorCategory::failed,
                fmt::format("{}/{}: larger than {} bytes; not read", describe(),
                            util::printable(relative, 200), max_bytes));
  }
  return std::move(answer->body);
}

Result<Removal> S3Storage::remove_file(std::string_view relative) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  const auto key = key_of(relative);
  auto head = send(request("HEAD", key, {}, "HeadObject"));
  if (!head) {
    return std::unexpected(head.error());
  }
  if (head->status == 404) {
    if (auto missing = confirm_missing(*head, key); !missing) {
      return std::unexpected(missing.error());
    }
    return Removal::already_gone;
  }
  if (!success(*head)) {
    return std::unexpected(head_error(*head, key));
  }
  if (auto removed = delete_object(key); !removed) {
    return std::unexpected(removed.error());
  }
  return Removal::removed;
}

std::vector<Result<Removal>> S3Storage::remove_files(const std::vector<std::string>& relatives) {
  std::vector<std::optional<Result<Removal>>> results(relatives.size());
  std::map<std::string, std::vector<std::size_t>> wanted; // key → indexes into relatives
  std::vector<std::string_view> valid;
  for (std::size_t i = 0; i < relatives.size(); ++i) {
    if (auto check = validate_relative_path(relatives[i]); !check) {
      results[i] = std::unexpected(check.error());
      continue;
    }
    wanted[key_of(relatives[i])].push_back(i);
    valid.push_back(relatives[i]);
  }
  const auto settle = [&](const std::string& key, const Result<Removal>& result) {
    for (const auto index : wanted[key]) {
      results[index] = result;
    }
  };

  // Which keys exist now.
  std::set<std::string> existing;
  bool known = false;
  if (wanted.size() > kHeadEach) {
    const auto prefix = dir_prefix_of(common_dir(valid));
    // A listing much larger than the paths would cost more than HeadObject for each.
    auto objects = list_objects(prefix, false, kPageKeys, wanted.size() / 250 + 4);
    if (!objects) {
      for (const auto& [key, indexes] : wanted) {
        settle(key, std::unexpected(objects.error()));
      }
      wanted.clear();
    } else if (objects->has_value()) {
      for (const auto& object : (*objects)->contents) {
        if (wanted.contains(object.key)) {
          existing.insert(object.key);
        }
      }
      known = true;
    }
  }
  if (!known && !wanted.empty()) {
    std::vector<http::Request> heads;
    std::vector<std::string> keys;
    for (const auto& [key, indexes] : wanted) {
      heads.push_back(request("HEAD", key, {}, "HeadObject"));
      keys.push_back(key);
    }
    auto answers = m_transport(std::move(heads));
    for (std::size_t i = 0; i < keys.size() && i < answers.size(); ++i) {
      if (!answers[i]) {
        settle(keys[i], std::unexpected(answers[i].error()));
      } else if (success(*answers[i])) {
        existing.insert(keys[i]);
      } else if (answers[i]->status != 404) {
        settle(keys[i], std::unexpected(head_error(*answers[i], keys[i])));
      } else if (auto missing = confirm_missing(*answers[i], keys[i]); !missing) {
        settle(keys[i], std::unexpected(missing.error()));
      }
    }
  }
  for (const auto& [key, indexes] : wanted) {
    if (!existing.contains(key) && !results[indexes.front()]) {
      settle(key, Removal::already_gone);
    }
  }

  // DeleteObjects, 1,000 keys a request, the requests in flight together.
  std::vector<std::vector<std::string>> batches;
  for (const auto& key : existing) {
    if (batches.empty() || batches.back().size() == kDeleteBatch) {
      batches.emplace_back();
    }
    batches.back().push_back(key);
  }
  if (m_progress && existing.size() > kDeleteBatch) {
    m_progress(fmt::format("deleting {} objects from {} ({} requests)", existing.size(), describe(),
                           batches.size()));
  }
  std::vector<http::Request> deletes;
  for (const auto& batch : batches) {
    auto post = request("POST", "", "delete=", "DeleteObjects");
    post.what = fmt::format("DeleteObjects ({} keys) in s3://{}", batch.size(), m_location.bucket);
    post.body = s3xml::delete_request_body(batch);
    post.headers.push_back({"Content-Type", "application/xml"});
    post.headers.push_back({"Content-MD5", sigv4::content_md5_base64(post.body)});
    deletes.push_back(std::move(post));
  }
  auto answers = m_transport(std::move(deletes));
  for (std::size_t b = 0; b < batches.size(); ++b) {
    const auto& batch = batches[b];
    if (b >= answers.size() || !answers[b]) {
      const Error error =
          b < answers.size()
              ? answers[b].error()
              : Error{"the S3 transport lost an answer", {}, ErrorCategory::internal};
      for (const auto& key : batch) {
        settle(key, std::unexpected(error));
      }
      continue;
    }
    if (!success(*answers[b])) {
      const auto error = error_of(*answers[b], "DeleteObjects", batch.front());
      for (const auto& key : batch) {
        settle(key, std::unexpected(error));
      }
      continue;
    }
    auto parsed = s3xml::parse_delete_result(answers[b]->body);
    std::map<std::string, const s3xml::KeyError*> failed;
    if (parsed) {
      for (const auto& error : parsed->errors) {
        failed[error.key] = &error;
      }
    }
    for (const auto& key : batch) {
      if (!parsed) {
        settle(key, std::unexpected(parsed.error()));
      } else if (const auto it = failed.find(key); it != failed.end()) {
        http::Response synthetic;
        synthetic.status = 403;
        synthetic.body = fmt::format("<Error><Code>{}</Code><Message>{}</Message></Error>",
                                     it->second->code, it->second->message);
        settle(key, std::unexpected(error_of(synthetic, "DeleteObjects", key)));
      } else {
        settle(key, Removal::removed);
      }
    }
  }

  std::vector<Result<Removal>> out;
  out.reserve(results.size());
  for (auto& result : results) {
    out.push_back(result ? std::move(*result)
                         : Result<Removal>(std::unexpected(
                               Error{"no answer for this path", {}, ErrorCategory::internal})));
  }
  return out;
}

Result<Removal> S3Storage::remove_empty_dir(std::string_view relative) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  const auto marker = key_of(relative) + "/";
  auto objects = list_objects(marker, false, 2, 1);
  if (!objects) {
    return std::unexpected(objects.error());
  }
  bool has_marker = false;
  for (const auto& object : (*objects)->contents) {
    if (object.key == marker) {
      has_marker = true;
      continue;
    }
    return fail(ErrorCategory::failed,
                fmt::format("{}/{}: not empty (keys remain below it, e.g. {}); not removed",
                            describe(), util::printable(relative, 200),
                            util::printable(object.key, 200)));
  }
  if (!has_marker) {
    return Removal::already_gone; // S3 has no directories: nothing to remove but a marker
  }
  if (auto removed = delete_object(marker); !removed) {
    return std::unexpected(removed.error());
  }
  return Removal::removed;
}

Status S3Storage::rename_file(std::string_view relative, std::string_view new_name) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  if (new_name.find('/') != std::string_view::npos) {
    return failf("rename of {}/{}: the new name '{}' is not a single component", describe(),
                 util::printable(relative, 200), util::printable(new_name));
  }
  if (auto valid = validate_relative_path(new_name); !valid) {
    return std::unexpected(valid.error());
  }
  const auto source = key_of(relative);
  const auto target = key_of(join_relative(parent_of(relative), new_name));
  std::vector<http::Request> heads;
  heads.push_back(request("HEAD", source, {}, "HeadObject"));
  heads.push_back(request("HEAD", target, {}, "HeadObject"));
  auto answers = m_transport(std::move(heads));
  if (answers.size() != 2) {
    return fail(ErrorCategory::internal, "the S3 transport lost an answer");
  }
  for (std::size_t i = 0; i < 2; ++i) {
    if (!answers[i]) {
      return std::unexpected(answers[i].error());
    }
    if (!success(*answers[i]) && answers[i]->status != 404) {
      return std::unexpected(head_error(*answers[i], i == 0 ? source : target));
    }
    if (answers[i]->status == 404) {
      if (auto missing = confirm_missing(*answers[i], i == 0 ? source : target); !missing) {
        return std::unexpected(missing.error());
      }
    }
  }
  if (answers[0]->status == 404) {
    if (answers[1]->status != 404) {
      return {}; // a rerun: an earlier run copied and deleted
    }
    return fail(ErrorCategory::failed, fmt::format("rename of {}/{}: no such file", describe(),
                                                   util::printable(relative, 200)));
  }
  auto copy = request("PUT", target, {}, "CopyObject");
  copy.headers.push_back({"x-amz-copy-source", fmt::format("/{}/{}", m_location.bucket,
                                                           http::percent_encode(source, true))});
  auto copied = send(std::move(copy));
  if (!copied) {
    return std::unexpected(copied.error());
  }
  // CopyObject can fail after its 200 has been sent: the Error is then in the body.
  if (!success(*copied) || s3xml::parse_error(copied->body)) {
    return std::unexpected(error_of(*copied, "CopyObject", target));
  }
  return delete_object(source);
}

Status S3Storage::write_file(std::string_view relative, std::string_view content) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return valid;
  }
  // A directory (a key prefix "<key>/") or an object already at the name: refused before
  // anything is sent. The object case is decided atomically by If-None-Match below; this look
  // names a directory, which a conditional PutObject of "<key>" would not see.
  auto existing = stat(relative);
  if (!existing) {
    return std::unexpected(existing.error());
  }
  if (*existing) {
    return fail(ErrorCategory::refused,
                fmt::format("{}/{}: already exists{}; not replaced", describe(),
                            util::printable(relative, 200),
                            (*existing)->type == EntryType::directory ? " (a directory)" : ""));
  }
  const auto key = key_of(relative);
  auto put = request("PUT", key, {}, "PutObject");
  // S3 conditional writes: the PutObject fails with 412 PreconditionFailed when the key exists
  // (honoured by SeaweedFS 4.53 too: fixtures/s3/put-object-if-none-match-exists.xml).
  put.headers.push_back({"If-None-Match", "*"});
  put.headers.push_back({"Content-Type", "application/octet-stream"});
  put.body = std::string(content);
  auto answer = send(std::move(put));
  if (!answer) {
    return std::unexpected(answer.error());
  }
  if (!success(*answer)) {
    if (answer->status == 412 && answer->attempts > 1) {
      // Sent again after a broken connection: the first attempt may have stored it.
      if (auto stored = read_file(relative, content.size()); stored && *stored == content) {
        m_base_exists = true;
        return {};
      }
    }
    return std::unexpected(error_of(*answer, "PutObject", key));
  }
  m_base_exists = true;
  return {};
}

Status S3Storage::check_writable() {
  // On a versioned bucket (Enabled or Suspended) DeleteObject of a missing key is not a no-op: it
  // writes a delete marker. The probe is then skipped (ok): removals are checked when they run.
  // An answer that does not say (refused, not implemented) leaves the probe to decide.
  auto versioning = send(request("GET", "", "versioning=", "GetBucketVersioning"));
  if (!versioning) {
    return std::unexpected(versioning.error());
  }
  if (success(*versioning)) {
    if (const auto status = s3xml::parse_versioning_status(versioning->body);
        status && (*status == "Enabled" || *status == "Suspended")) {
      return {};
    }
  }
  std::random_device random;
  const auto key = key_of(fmt::format(".flinkha-check-writable-{:08x}{:08x}", random(), random()));
  auto head = send(request("HEAD", key, {}, "HeadObject"));
  if (!head) {
    return std::unexpected(head.error());
  }
  if (head->status != 404) {
    // Never delete what happens to be there; an answer other than 404 is the storage's error.
    return success(*head) ? Status{} : Status(std::unexpected(head_error(*head, key)));
  }
  if (auto missing = confirm_missing(*head, key); !missing) {
    return missing;
  }
  if (auto deleted = delete_object(key); !deleted) {
    auto error = deleted.error();
    error.message = fmt::format("{}: removals would be refused: {}", describe(), error.message);
    return std::unexpected(std::move(error));
  }
  return {};
}

Result<std::unique_ptr<HaStorage>> open_s3_storage(const util::FlinkPath& uri,
                                                   const StorageOptions& options) {
  if (uri.authority.find('@') != std::string::npos) {
    // s3://KEY:SECRET@bucket/…: the authority is never echoed, it holds a secret.
    return fail(ErrorCategory::configuration,
                "storage URI has user information in its authority; refused (write credentials "
                "in s3.access-key/s3.secret-key or the environment, never in the URI)",
                "fix high-availability.storageDir to s3://bucket/path");
  }
  const auto rendered = util::printable(util::render_flink_path(uri));
  if (uri.authority.empty()) {
    return fail(ErrorCategory::configuration,
                fmt::format("storage '{}': an S3 URI needs a bucket (s3://bucket/path)", rendered),
                "fix high-availability.storageDir, e.g. s3://my-bucket/flink/ha");
  }
  std::string prefix(util::trim_slashes(uri.path));
  if (const auto bad = util::unsafe_component(prefix)) {
    return fail(ErrorCategory::configuration,
                fmt::format("storage '{}': has a '{}' component; refused", rendered,
                            util::printable(*bad)));
  }
  const config::Environment environment =
      options.environment ? options.environment : config::process_environment();
  auto settings = resolve_s3_settings(options.config, environment, s3_flavor_of(uri.scheme));
  if (!settings) {
    return std::unexpected(settings.error());
  }
  http::ClientOptions client_options;
  client_options.budget_ms = options.timeout_ms;
  client_options.connect_timeout_ms = std::min<std::int64_t>(options.timeout_ms, 10'000);
  if (settings->credentials) {
    client_options.sign = [keys = settings->credentials->keys,
                           scope = sigv4::Scope{settings->region, "s3"}](http::Request& request) {
      sigv4::sign_request(request, keys, scope, std::chrono::system_clock::now());
    };
  } else {
    client_options.sign = [](http::Request& request) {
      std::erase_if(request.headers, [](const http::Header& header) {
        return util::iequals(header.name, "x-amz-content-sha256");
      });
      request.headers.push_back({"x-amz-content-sha256", sigv4::sha256_hex(request.body)});
    };
  }
  auto client = http::Client::create(std::move(client_options));
  if (!client) {
    return std::unexpected(client.error());
  }
  std::shared_ptr<http::Client> shared(std::move(*client));
  S3Storage::Transport transport = [shared](std::vector<http::Request> requests) {
    return shared->perform_all(std::move(requests));
  };
  auto storage = S3Storage::open({util::to_lower(uri.scheme), uri.authority, std::move(prefix)},
                                 std::move(*settings), std::move(transport), options.progress);
  if (!storage) {
    return std::unexpected(storage.error());
  }
  return std::unique_ptr<HaStorage>(std::move(*storage));
}

} // namespace flinkha::storage
