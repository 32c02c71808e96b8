#include "storage/webhdfs_json.hpp"

#include "util/flink_path.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace flinkha::storage {

namespace {

using nlohmann::json;

Result<json> parse_json(std::string_view body, std::string_view what) {
  json document = json::parse(body, nullptr, false);
  if (document.is_discarded()) {
    return failf("{}: the answer is not JSON: {}", what, util::printable(body, 120));
  }
  return document;
}

std::unexpected<Error> malformed(std::string_view what, std::string_view detail) {
  return failf("{}: unexpected WebHDFS answer: {}", what, detail);
}

// The member `key` of the answer's top-level object (its one wrapper: "FileStatus", "boolean").
Result<json> member_of(std::string_view body, std::string_view what, const char* key) {
  auto document = parse_json(body, what);
  if (!document) {
    return std::unexpected(document.error());
  }
  const auto it = document->is_object() ? document->find(key) : document->end();
  if (it == document->end()) {
    return malformed(what, fmt::format("no {}", key));
  }
  return std::move(*it);
}

// A member of `object` that is an integer; also accepts an integral double (some JSON writers).
std::optional<std::int64_t> integer_at(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end()) {
    return std::nullopt;
  }
  if (it->is_number_integer()) {
    return it->get<std::int64_t>();
  }
  if (it->is_number_unsigned()) {
    const auto value = it->get<std::uint64_t>();
    if (value <= static_cast<std::uint64_t>(INT64_MAX)) {
      return static_cast<std::int64_t>(value);
    }
  }
  return std::nullopt;
}

std::optional<std::string> string_at(const json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || !it->is_string()) {
    return std::nullopt;
  }
  return it->get<std::string>();
}

Result<WebHdfsStatus> status_of(const json& object, std::string_view what) {
  if (!object.is_object()) {
    return malformed(what, "a FileStatus is not an object");
  }
  WebHdfsStatus status;
  const auto type = string_at(object, "type");
  const auto name = string_at(object, "pathSuffix");
  const auto length = integer_at(object, "length");
  const auto mtime = integer_at(object, "modificationTime");
  if (!type || !name || !length || !mtime) {
    return malformed(what, "a FileStatus lacks type, pathSuffix, length or modificationTime");
  }
  if (*type == "FILE") {
    status.type = EntryType::file;
  } else if (*type == "DIRECTORY") {
    status.type = EntryType::directory;
  } else if (*type == "SYMLINK") {
    status.type = EntryType::symlink;
    status.symlink = string_at(object, "symlink").value_or("");
  } else {
    status.type = EntryType::other;
  }
  status.name = *name;
  status.length = *length;
  status.modification_time_ms = *mtime;
  return status;
}

} // namespace

Result<WebHdfsStatus> parse_file_status(std::string_view body, std::string_view what) {
  auto status = member_of(body, what, "FileStatus");
  if (!status) {
    return std::unexpected(status.error());
  }
  return status_of(*status, what);
}

Result<WebHdfsPage> parse_listing(std::string_view body, std::string_view what) {
  auto document = parse_json(body, what);
  if (!document) {
    return std::unexpected(document.error());
  }
  if (!document->is_object()) {
    return malformed(what, "not an object");
  }
  WebHdfsPage page;
  const json* statuses = nullptr;
  if (const auto batch = document->find("DirectoryListing"); batch != document->end()) {
    if (!batch->is_object()) {
      return malformed(what, "DirectoryListing is not an object");
    }
    const auto remaining = integer_at(*batch, "remainingEntries");
    const auto partial = batch->find("partialListing");
    if (!remaining || *remaining < 0 || partial == batch->end() || !partial->is_object()) {
      return malformed(what, "DirectoryListing lacks partialListing or remainingEntries");
    }
    page.remaining_entries = *remaining;
    statuses = &*partial;
  } else {
    statuses = &*document;
  }
  const auto outer = statuses->find("FileStatuses");
  if (outer == statuses->end() || !outer->is_object()) {
    return malformed(what, "no FileStatuses");
  }
  const auto list = outer->find("FileStatus");
  if (list == outer->end() || !list->is_array()) {
    return malformed(what, "FileStatuses has no FileStatus array");
  }
  for (const auto& item : *list) {
    auto status = status_of(item, what);
    if (!status) {
      return std::unexpected(status.error());
    }
    page.statuses.push_back(std::move(*status));
  }
  if (lists_itself(page)) {
    return page;
  }
  for (const auto& status : page.statuses) {
    // A name must stay inside its directory: the walker joins it to a path it may delete.
    if (status.name.empty() || status.name.find('/') != std::string::npos ||
        util::unsafe_component(status.name)) {
      return malformed(what, fmt::format("the entry name '{}' is not a plain name",
                                         util::printable(status.name)));
    }
  }
  return page;
}

bool lists_itself(const WebHdfsPage& page) {
  return page.statuses.size() == 1 && page.statuses[0].name.empty() &&
         page.statuses[0].type != EntryType::directory && page.remaining_entries == 0;
}

Result<WebHdfsContentSummary> parse_content_summary(std::string_view body, std::string_view what) {
  auto summary = member_of(body, what, "ContentSummary");
  if (!summary) {
    return std::unexpected(summary.error());
  }
  if (!summary->is_object()) {
    return malformed(what, "ContentSummary is not an object");
  }
  const auto length = integer_at(*summary, "length");
  const auto files = integer_at(*summary, "fileCount");
  const auto dirs = integer_at(*summary, "directoryCount");
  const auto space = integer_at(*summary, "spaceConsumed");
  if (!length || !files || !dirs) {
    return malformed(what, "ContentSummary lacks length, fileCount or directoryCount");
  }
  return WebHdfsContentSummary{*length, *files, *dirs, space.value_or(*length)};
}

Result<bool> parse_boolean(std::string_view body, std::string_view what) {
  auto value = member_of(body, what, "boolean");
  if (!value) {
    return std::unexpected(value.error());
  }
  if (!value->is_boolean()) {
    return malformed(what, "boolean is not true or false");
  }
  return value->get<bool>();
}

std::optional<RemoteException> parse_remote_exception(std::string_view body) {
  const json document = json::parse(body, nullptr, false);
  if (document.is_discarded() || !document.is_object()) {
    return std::nullopt;
  }
  const auto it = document.find("RemoteException");
  if (it == document.end() || !it->is_object()) {
    return std::nullopt;
  }
  RemoteException exception{string_at(*it, "exception").value_or(""),
                            string_at(*it, "javaClassName").value_or(""),
                            string_at(*it, "message").value_or("")};
  if (exception.exception.empty()) {
    // Older servers name only the class: keep its simple name.
    const auto& name = exception.java_class_name;
    exception.exception =
        name.substr(name.rfind('.') == std::string::npos ? 0 : name.rfind('.') + 1);
  }
  return exception;
}

} // namespace flinkha::storage
