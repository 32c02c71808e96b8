#include "storage/hdfs_storage.hpp"

#include "config/hadoop_conf.hpp"
#include "config/hadoop_namenodes.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <pwd.h>
#include <unistd.h>

namespace flinkha::storage {

namespace {

// The bounds LocalStorage applies, so that a pathological tree ends in an error.
constexpr std::size_t kMaxDepth = 128;
constexpr std::size_t kMaxEntries = 10'000'000;

Entry entry_of(const WebHdfsStatus& status, std::string_view dir, std::string_view name) {
  Entry entry{std::string(name), join_relative(dir, name),    status.type,
              status.length,     status.modification_time_ms, {}};
  if (status.type == EntryType::symlink) {
    entry.link_target = status.symlink;
    entry.size_bytes = static_cast<std::int64_t>(status.symlink.size());
  }
  return entry;
}

std::string_view last_component(std::string_view relative) {
  const auto slash = relative.rfind('/');
  return slash == std::string_view::npos ? relative : relative.substr(slash + 1);
}

std::size_t depth_of(std::string_view relative) {
  return relative.empty() ? 0 : 1 + static_cast<std::size_t>(std::ranges::count(relative, '/'));
}

std::string_view type_text(EntryType type) {
  switch (type) {
  case EntryType::file:
    return "regular file";
  case EntryType::directory:
    return "directory";
  case EntryType::symlink:
    return "symlink";
  case EntryType::other:
    break;
  }
  return "special file";
}

WebHdfsCall make_call(std::string method, std::string op, std::string path) {
  WebHdfsCall call;
  call.method = std::move(method);
  call.op = std::move(op);
  call.path = std::move(path);
  return call;
}

std::string local_user() {
  if (const passwd* pw = ::getpwuid(::geteuid()); pw != nullptr) {
    return pw->pw_name;
  }
  return std::to_string(::geteuid());
}

} // namespace

HdfsStorage::HdfsStorage(std::unique_ptr<WebHdfsClient> client, std::string base_path,
                         std::string description, std::function<void(std::string_view)> progress)
    : m_client(std::move(client)), m_base(std::move(base_path)),
      m_description(std::move(description)), m_progress(std::move(progress)) {}

Result<std::unique_ptr<HdfsStorage>>
HdfsStorage::open(std::unique_ptr<WebHdfsClient> client, std::string base_path,
                  std::string description, std::function<void(std::string_view)> progress) {
  std::unique_ptr<HdfsStorage> storage(new HdfsStorage(
      std::move(client), std::move(base_path), std::move(description), std::move(progress)));
  auto response = storage->m_client->send(make_call("GET", "GETFILESTATUS", storage->m_base));
  if (!response) {
    return std::unexpected(response.error());
  }
  if (is_not_found(*response)) {
    return storage; // nothing was ever written there
  }
  if (response->status != 200) {
    return std::unexpected(storage->error_of(*response, "open", ""));
  }
  auto status = parse_file_status(response->body, "GETFILESTATUS " + storage->m_description);
  if (!status) {
    return std::unexpected(status.error());
  }
  if (status->type != EntryType::directory) {
    return fail(fmt::format("{}: is a {}, not a directory", storage->m_description,
                            type_text(status->type)),
                "high-availability.storageDir must name a directory");
  }
  storage->m_base_exists = true;
  return storage;
}

std::string HdfsStorage::absolute(std::string_view relative) const {
  if (relative.empty()) {
    return m_base;
  }
  return m_base == "/" ? "/" + std::string(relative) : m_base + "/" + std::string(relative);
}

std::string HdfsStorage::shown(std::string_view relative) const {
  return relative.empty() ? m_description : m_description + "/" + util::printable(relative, 300);
}

Error HdfsStorage::error_of(const http::Response& response, std::string_view action,
                            std::string_view relative) const {
  return webhdfs_error(response, action, shown(relative), m_client->active(), m_client->user());
}

Result<std::vector<Entry>> HdfsStorage::list(std::string_view relative_dir, Recursive recursive) {
  if (auto valid = validate_relative_path(relative_dir, true); !valid) {
    return std::unexpected(valid.error());
  }
  if (!m_base_exists) {
    return std::vector<Entry>{};
  }
  const std::string top(relative_dir);
  // Level by level: every directory of a level, and every next page, in one perform_all.
  struct Pending {
    std::string dir;
    std::optional<std::string> start_after;
  };
  std::map<std::string, std::vector<WebHdfsStatus>> children; // listed dir → its entries
  std::vector<Pending> round = {{top, std::nullopt}};
  std::size_t total = 0;
  while (!round.empty()) {
    std::vector<WebHdfsCall> calls;
    calls.reserve(round.size());
    for (const auto& pending : round) {
      WebHdfsCall call = make_call("GET", m_batch_listing ? "LISTSTATUS_BATCH" : "LISTSTATUS",
                                   absolute(pending.dir));
      if (pending.start_after) {
        call.params.emplace_back("startAfter", *pending.start_after);
      }
      calls.push_back(std::move(call));
    }
    const bool batch = m_batch_listing;
    auto results = m_client->send(calls);
    std::vector<Pending> next;
    for (std::size_t i = 0; i < round.size(); ++i) {
      const auto& dir = round[i].dir;
      auto& result = results[i];
      if (!result) {
        return std::unexpected(result.error());
      }
      if (is_not_found(*result)) {
        if (dir == top) {
          return std::vector<Entry>{}; // a missing directory lists empty
        }
        children.erase(dir); // removed while we were listing
        continue;
      }
      if (batch && is_unknown_op(*result)) {
        // A server before LISTSTATUS_BATCH (Hadoop < 2.8): list whole directories instead.
        m_batch_listing = false;
        children.erase(dir);
        next.push_back({dir, std::nullopt});
        continue;
      }
      if (result->status != 200) {
        return std::unexpected(error_of(*result, "list", dir));
      }
      auto page = parse_listing(result->body, fmt::format("{} {}", calls[i].op, shown(dir)));
      if (!page) {
        return std::unexpected(page.error());
      }
      if (lists_itself(*page)) {
        if (dir == top) {
          return failf("{}: not a directory", shown(dir));
        }
        children.erase(dir); // replaced by a file while we were listing
        continue;
      }
      // A page must make progress: with entries remaining it holds some, all after startAfter
      // (a server that ignores startAfter, or sends empty pages, would loop us forever).
      if (page->remaining_entries > 0 && page->statuses.empty()) {
        return failf("{}: the NameNode answered an empty page with {} entries remaining; "
                     "listing stopped",
                     shown(dir), page->remaining_entries);
      }
      if (const auto& start_after = round[i].start_after;
          start_after && !page->statuses.empty() && page->statuses.front().name <= *start_after) {
        return failf("{}: the NameNode's page does not start after '{}'; listing stopped",
                     shown(dir), util::printable(*round[i].start_after));
      }
      total += page->statuses.size();
      if (total > kMaxEntries) {
        return failf("{}: more than {} entries; listing stopped", shown(top), kMaxEntries);
      }
      auto& listed = children[dir];
      for (auto& status : page->statuses) {
        if (recursive == Recursive::yes && status.type == EntryType::directory) {
          const std::string child = join_relative(dir, status.name);
          if (depth_of(child) - depth_of(top) > kMaxDepth) {
            return failf("{}: deeper than {} levels; listing stopped", shown(child), kMaxDepth);
          }
          children.try_emplace(child);
          next.push_back({child, std::nullopt});
        }
        listed.push_back(std::move(status));
      }
      if (page->remaining_entries > 0 && !listed.empty()) {
        next.push_back({dir, listed.back().name});
      }
    }
    if (m_progress && total > 0 && !next.empty()) {
      m_progress(fmt::format("{} entries listed in {}", total, shown(top)));
    }
    round = std::move(next);
  }
  // Parents before children, each directory's entries sorted by name (as LocalStorage).
  std::vector<Entry> entries;
  entries.reserve(total);
  const auto emit = [&](const auto& self, const std::string& dir) -> void {
    auto it = children.find(dir);
    if (it == children.end()) {
      return;
    }
    auto& listed = it->second;
    std::ranges::sort(listed, {}, &WebHdfsStatus::name);
    for (const auto& status : listed) {
      entries.push_back(entry_of(status, dir, status.name));
      if (recursive == Recursive::yes && status.type == EntryType::directory) {
        self(self, entries.back().relative_path);
      }
    }
  };
  emit(emit, top);
  return entries;
}

std::vector<Result<std::optional<WebHdfsStatus>>>
HdfsStorage::statuses(const std::vector<std::string>& relatives) {
  std::vector<WebHdfsCall> calls;
  calls.reserve(relatives.size());
  for (const auto& relative : relatives) {
    calls.push_back(make_call("GET", "GETFILESTATUS", absolute(relative)));
  }
  auto results = m_client->send(calls);
  std::vector<Result<std::optional<WebHdfsStatus>>> out;
  out.reserve(relatives.size());
  for (std::size_t i = 0; i < relatives.size(); ++i) {
    auto& result = results[i];
    if (!result) {
      out.emplace_back(std::unexpected(result.error()));
    } else if (is_not_found(*result)) {
      out.emplace_back(std::optional<WebHdfsStatus>{});
    } else if (result->status != 200) {
      out.emplace_back(std::unexpected(error_of(*result, "stat", relatives[i])));
    } else if (auto status =
                   parse_file_status(result->body, "GETFILESTATUS " + shown(relatives[i]));
               !status) {
      out.emplace_back(std::unexpected(status.error()));
    } else {
      out.emplace_back(std::optional<WebHdfsStatus>(std::move(*status)));
    }
  }
  return out;
}

Result<std::optional<Entry>> HdfsStorage::stat(std::string_view relative) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return std::unexpected(valid.error());
  }
  if (!m_base_exists) {
    return std::optional<Entry>{};
  }
  auto status = std::move(statuses({std::string(relative)}).front());
  if (!status) {
    return std::unexpected(status.error());
  }
  if (!*status) {
    return std::optional<Entry>{};
  }
  return std::optional<Entry>(entry_of(**status, parent_of(relative), last_component(relative)));
}

Result<http::Response> HdfsStorage::answered(const WebHdfsCall& call, std::string_view action,
                                             std::string_view relative) {
  auto response = m_client->send(call);
  if (!response) {
    return std::unexpected(response.error());
  }
  if (is_not_found(*response)) {
    return failf("{}: does not exist", shown(relative));
  }
  if (response->status != 200) {
    return std::unexpected(error_of(*response, action, relative));
  }
  return response;
}

Result<Entry> HdfsStorage::regular_file(std::string_view relative, std::string_view otherwise) {
  auto entry = stat(relative);
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (!*entry) {
    return failf("{}: does not exist", shown(relative));
  }
  if ((*entry)->type != EntryType::file) {
    return failf("{}: is a {}, not a regular file; {}", shown(relative), type_text((*entry)->type),
                 otherwise);
  }
  return std::move(**entry);
}

Result<std::string> HdfsStorage::read_file(std::string_view relative, std::size_t max_bytes) {
  auto entry = regular_file(relative, "not read");
  if (!entry) {
    return std::unexpected(entry.error());
  }
  if (static_cast<std::uint64_t>(entry->size_bytes) > max_bytes) {
    return failf("{}: {} bytes, more than the {} bytes read at most", shown(relative),
                 entry->size_bytes, max_bytes);
  }
  WebHdfsCall call = make_call("GET", "OPEN", absolute(relative));
  call.follow_redirects = true;
  call.max_body_bytes = max_bytes;
  auto response = answered(call, "read", relative);
  if (!response) {
    return std::unexpected(response.error());
  }
  return std::move(response->body);
}

std::vector<Result<Removal>> HdfsStorage::remove_entries(const std::vector<std::string>& relatives,
                                                         EntryType expected) {
  std::vector<Result<Removal>> out(relatives.size(), Removal::already_gone);
  std::vector<std::string> valid;
  std::vector<std::size_t> valid_index;
  for (std::size_t i = 0; i < relatives.size(); ++i) {
    if (auto checked = validate_relative_path(relatives[i]); !checked) {
      out[i] = std::unexpected(checked.error());
    } else if (m_base_exists) {
      valid.push_back(relatives[i]);
      valid_index.push_back(i);
    }
  }
  if (valid.empty()) {
    return out;
  }
  // Round 1: the type of each (never delete what is not of the expected type).
  auto found = statuses(valid);
  std::vector<WebHdfsCall> deletes;
  std::vector<std::size_t> delete_of; // index into valid
  for (std::size_t k = 0; k < valid.size(); ++k) {
    auto& status = found[k];
    const auto i = valid_index[k];
    if (!status) {
      out[i] = std::unexpected(status.error());
    } else if (!*status) {
      out[i] = Removal::already_gone;
    } else if ((*status)->type != expected) {
      out[i] = failf("{}: is a {}, not a {}; left alone", shown(valid[k]),
                     type_text((*status)->type), type_text(expected));
    } else {
      WebHdfsCall call = make_call("DELETE", "DELETE", absolute(valid[k]));
      call.params.emplace_back("recursive", "false"); // never recursive
      deletes.push_back(std::move(call));
      delete_of.push_back(k);
    }
  }
  if (deletes.empty()) {
    return out;
  }
  // Round 2: the deletes, all in flight.
  auto results = m_client->send(deletes);
  for (std::size_t d = 0; d < deletes.size(); ++d) {
    const auto k = delete_of[d];
    const auto i = valid_index[k];
    auto& result = results[d];
    if (!result) {
      out[i] = std::unexpected(result.error());
      continue;
    }
    if (is_not_found(*result)) {
      out[i] = Removal::already_gone;
      continue;
    }
    if (result->status != 200) {
      out[i] = std::unexpected(error_of(*result, "delete", valid[k]));
      continue;
    }
    auto deleted = parse_boolean(result->body, "DELETE " + shown(valid[k]));
    if (!deleted) {
      out[i] = std::unexpected(deleted.error());
    } else {
      out[i] = *deleted ? Removal::removed : Removal::already_gone;
    }
  }
  return out;
}

Status HdfsStorage::check_writable() {
  if (!m_base_exists) {
    return {}; // nothing to remove; a MKDIRS would create the base
  }
  if (auto made = answered(make_call("PUT", "MKDIRS", m_base), "check before changing", "");
      !made) {
    return std::unexpected(made.error());
  }
  WebHdfsCall access = make_call("GET", "CHECKACCESS", m_base);
  access.params.emplace_back("fsaction", "-wx");
  auto response = m_client->send(access);
  if (!response) {
    return std::unexpected(response.error());
  }
  if (response->status != 200 && !is_unknown_op(*response)) {
    return std::unexpected(error_of(*response, "check before changing", ""));
  }
  return {};
}

Result<Removal> HdfsStorage::remove_file(std::string_view relative) {
  return std::move(remove_entries({std::string(relative)}, EntryType::file).front());
}

std::vector<Result<Removal>> HdfsStorage::remove_files(const std::vector<std::string>& relatives) {
  return remove_entries(relatives, EntryType::file);
}

Result<Removal> HdfsStorage::remove_empty_dir(std::string_view relative) {
  return std::move(remove_entries({std::string(relative)}, EntryType::directory).front());
}

Status HdfsStorage::rename_file(std::string_view relative, std::string_view new_name) {
  if (auto valid = validate_relative_path(new_name); !valid || new_name.contains('/')) {
    return failf("{}: new name '{}' must be a single path component", shown(relative),
                 util::printable(new_name));
  }
  if (auto entry = regular_file(relative, "left alone"); !entry) {
    return std::unexpected(entry.error());
  }
  const std::string target = join_relative(parent_of(relative), new_name);
  WebHdfsCall call = make_call("PUT", "RENAME", absolute(relative));
  call.params.emplace_back("destination", absolute(target));
  call.params.emplace_back("renameoptions", "OVERWRITE"); // rename2: replace, atomically
  auto response = answered(call, "rename", relative);
  if (!response) {
    // The client retries a PUT whose connection broke: when the first attempt went through, the
    // retry finds no source. The rename happened if the target is there and the source is not.
    if (auto source = statuses({std::string(relative), target});
        source.size() == 2 && source[0] && !source[0]->has_value() && source[1] &&
        source[1]->has_value() && (*source[1])->type == EntryType::file) {
      return {};
    }
    return std::unexpected(response.error());
  }
  // rename2 answers an empty body; a server that ignored the option answers {"boolean": …}.
  if (auto renamed = parse_boolean(response->body, "RENAME " + shown(relative));
      renamed && !*renamed) {
    return failf("{}: the NameNode refused to rename it to {} (the destination exists?)",
                 shown(relative), util::printable(new_name));
  }
  return {};
}

Status HdfsStorage::write_file(std::string_view relative, std::string_view content) {
  if (auto valid = validate_relative_path(relative); !valid) {
    return valid;
  }
  WebHdfsCall call = make_call("PUT", "CREATE", absolute(relative));
  call.params.emplace_back("overwrite", "false"); // never replace
  auto redirect = m_client->send(call);
  if (!redirect) {
    return std::unexpected(redirect.error());
  }
  if (redirect->status != 307) {
    return std::unexpected(error_of(*redirect, "write", relative));
  }
  const auto location = redirect->header("location");
  if (!location || location->empty()) {
    return failf(ErrorCategory::failed,
                 "write {}: NameNode {} answered 307 without a Location; nothing written",
                 shown(relative), m_client->active());
  }
  const std::string datanode_url(*location);
  const std::string datanode = "DataNode " + http::origin_of(datanode_url);
  auto written = m_client->send_to_datanode(
      datanode_url, std::string(content),
      fmt::format("CREATE {} (DataNode)", util::printable(absolute(relative), 200)));
  if (!written) {
    return std::unexpected(written.error());
  }
  if (written->status == 201) {
    m_base_exists = true;
    return {};
  }
  if (written->attempts > 1 && exception_name(*written) == "FileAlreadyExistsException") {
    // The body was sent again after a broken connection: the first attempt may have made it
    // (and with it the base).
    m_base_exists = true;
    if (auto stored = read_file(relative, content.size()); stored && *stored == content) {
      m_base_exists = true;
      return {};
    }
  }
  if (!exception_name(*written)) {
    return failf(ErrorCategory::failed,
                 "write {}: {} answered HTTP {} to the CREATE the NameNode sent it to ({})",
                 shown(relative), datanode, written->status, util::printable(written->body, 120));
  }
  // The DataNode passes on the NameNode's RemoteException (its create refused): the NameNode's.
  return std::unexpected(error_of(*written, "write", relative));
}

Result<std::unique_ptr<HaStorage>> open_hdfs_storage(const util::FlinkPath& uri,
                                                     const StorageOptions& options) {
  const std::string shown_uri = util::printable(util::render_flink_path(uri), 300);
  if (!uri.path.starts_with('/')) {
    return failf(ErrorCategory::configuration, "storage '{}': not an absolute path", shown_uri);
  }
  if (const auto bad = util::unsafe_component(std::string_view(uri.path).substr(1))) {
    return failf(ErrorCategory::configuration, "storage '{}': has a '{}' component; refused",
                 shown_uri, util::printable(*bad));
  }
  const config::Environment environment = [&options](std::string_view name) {
    auto value = environment_value(options, name);
    return value && value->empty() ? std::nullopt : value;
  };
  static const config::FlatConfig kNoOptions;
  const config::FlatConfig& flink = options.config ? options.config->flink_conf.config : kNoOptions;
  const config::FlinkVersion version =
      options.config ? options.config->flink_version.value : config::kNewestSupported;
  auto hadoop = config::load_hadoop_conf(flink, version, environment);
  if (!hadoop) {
    return std::unexpected(hadoop.error());
  }
  auto target = config::resolve_webhdfs(uri.scheme, uri.authority, *hadoop);
  if (!target) {
    auto error = target.error();
    error.message = fmt::format("storage '{}': {}", shown_uri, error.message);
    return std::unexpected(error);
  }
  const bool kerberos =
      util::to_lower(util::trim(
          hadoop->get("hadoop.security.authentication").value_or("simple"))) == "kerberos";
  std::optional<std::string> user;
  if (!kerberos) {
    user = environment("HADOOP_USER_NAME").value_or(local_user());
  }
  http::ClientOptions client_options;
  client_options.budget_ms = options.timeout_ms;
  client_options.connect_timeout_ms = std::min<std::int64_t>(10'000, options.timeout_ms);
  client_options.auth = kerberos ? http::Auth::negotiate : http::Auth::none;
  auto http_client = http::Client::create(client_options);
  if (!http_client) {
    return std::unexpected(http_client.error());
  }
  std::shared_ptr<http::Client> shared(std::move(*http_client));
  HttpSender sender = [shared](std::vector<http::Request> requests) {
    return shared->perform_all(std::move(requests));
  };
  // The file system as the operator wrote it, with the authority it resolved to.
  std::string description =
      fmt::format("{}://{}{}", util::to_lower(uri.scheme), target->authority, uri.path);
  auto client = std::make_unique<WebHdfsClient>(std::move(*target), user, std::move(sender));
  auto storage = HdfsStorage::open(std::move(client), uri.path, util::printable(description, 300),
                                   options.progress);
  if (!storage) {
    return std::unexpected(storage.error());
  }
  return std::unique_ptr<HaStorage>(std::move(*storage));
}

} // namespace flinkha::storage
