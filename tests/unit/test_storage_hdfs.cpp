// HdfsStorage and its WebHDFS layer without a network: the JSON parsers and the RemoteException
// mapping on answers captured from a real NameNode (fixtures/webhdfs, Hadoop 3.4.1), and the
// storage logic (paged level-by-level listing, removals, rename, failover) against a fake
// NameNode that answers in the same formats.

#include "storage/hdfs_storage.hpp"
#include "storage/webhdfs_client.hpp"
#include "storage/webhdfs_json.hpp"
#include "test_support.hpp"
#include "util/strings.hpp"

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace flinkha::storage;
using flinkha::ErrorCategory;
using flinkha::Result;
using flinkha::http::Request;
using flinkha::http::Response;
using flinkha::test::fixture;

namespace {

std::string webhdfs(std::string_view name) {
  return fixture(std::string("webhdfs/") + std::string(name) + ".json");
}

Response answer(long status, std::string body) {
  Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

} // namespace

TEST_CASE("WebHDFS JSON: FileStatus, listings, pages, summary, boolean (captured answers)") {
  auto file = parse_file_status(webhdfs("getfilestatus_file"), "t");
  REQUIRE(file);
  CHECK(file->type == EntryType::file);
  CHECK(file->length == 1234);
  CHECK(file->modification_time_ms == 1796296586865);
  auto dir = parse_file_status(webhdfs("getfilestatus_dir"), "t");
  REQUIRE(dir);
  CHECK(dir->type == EntryType::directory);

  auto listing = parse_listing(webhdfs("liststatus"), "t");
  REQUIRE(listing);
  CHECK(listing->statuses.size() > 3);
  CHECK(listing->remaining_entries == 0);
  CHECK_FALSE(lists_itself(*listing));

  auto page1 = parse_listing(webhdfs("liststatus_batch_page1"), "t");
  REQUIRE(page1);
  CHECK(page1->remaining_entries == 5);
  CHECK(page1->statuses.size() == 3);
  auto page3 = parse_listing(webhdfs("liststatus_batch_page3"), "t");
  REQUIRE(page3);
  CHECK(page3->remaining_entries == 0);
  CHECK(page3->statuses[0].name == "odd name \xc3\xbc.txt");

  auto of_file = parse_listing(webhdfs("liststatus_of_file"), "t");
  REQUIRE(of_file);
  CHECK(lists_itself(*of_file));
  auto empty = parse_listing(webhdfs("liststatus_empty"), "t");
  REQUIRE(empty);
  CHECK(empty->statuses.empty());

  auto summary = parse_content_summary(webhdfs("getcontentsummary"), "t");
  REQUIRE(summary);
  CHECK(summary->length == 1747);
  CHECK(summary->file_count == 7);
  CHECK(summary->directory_count == 3);

  CHECK(parse_boolean(webhdfs("delete_true"), "t") == true);
  CHECK(parse_boolean(webhdfs("delete_false"), "t") == false);
  CHECK(parse_boolean(webhdfs("rename_false"), "t") == false);
}

TEST_CASE("WebHDFS JSON: bad answers are errors, names that leave a directory are refused") {
  CHECK_FALSE(parse_file_status("<html>", "GETFILESTATUS x"));
  CHECK(parse_file_status("<html>", "GETFILESTATUS x")
            .error()
            .message.starts_with("GETFILESTATUS x: the answer is not JSON"));
  CHECK_FALSE(parse_file_status(R"({"FileStatus":{"type":"FILE"}})", "t"));
  CHECK_FALSE(parse_listing(R"({"FileStatuses":{"FileStatus":{}}})", "t"));
  for (const char* bad : {"..", ".", "a/b", ""}) {
    const std::string body =
        fmt::format(R"({{"FileStatuses":{{"FileStatus":[{{"type":"FILE","pathSuffix":"{}",)"
                    R"("length":1,"modificationTime":2}},{{"type":"FILE","pathSuffix":"x",)"
                    R"("length":1,"modificationTime":2}}]}}}})",
                    bad);
    CHECK_FALSE(parse_listing(body, "t"));
  }
  CHECK_FALSE(parse_boolean("{}", "t"));
  CHECK_FALSE(parse_remote_exception("{}").has_value());
}

TEST_CASE("WebHDFS errors: RemoteException mapped to words and categories (captured answers)") {
  const std::optional<std::string> bob = "bob";
  SUBCASE("FileNotFoundException is not found") {
    CHECK(is_not_found(answer(404, webhdfs("getfilestatus_missing"))));
    CHECK(is_not_found(answer(404, webhdfs("liststatus_batch_missing"))));
    CHECK_FALSE(is_not_found(answer(404, "<html>not found</html>")));
  }
  SUBCASE("AccessControlException: refused, naming path and user") {
    const auto error = webhdfs_error(answer(403, webhdfs("accesscontrol_delete")), "delete",
                                     "hdfs://nn:8020/private/alice/f", "nn:9870", bob);
    CHECK(error.category == ErrorCategory::refused);
    CHECK(error.message.find("hdfs://nn:8020/private/alice/f") != std::string::npos);
    CHECK(error.message.find("permission denied for user bob") != std::string::npos);
    CHECK(error.hint.find("HADOOP_USER_NAME") != std::string::npos);
    CHECK(error.message.find("403") == std::string::npos);
  }
  SUBCASE("SafeModeException: failed, nothing deleted, what to do") {
    const auto error = webhdfs_error(answer(403, webhdfs("safemode_delete")), "delete",
                                     "hdfs://nn:8020/x", "nn:9870", bob);
    CHECK(error.category == ErrorCategory::failed);
    CHECK(error.message == "delete hdfs://nn:8020/x: NameNode nn:9870 is in safe mode; nothing "
                           "was deleted");
    CHECK(error.hint.find("hdfs dfsadmin -safemode leave") != std::string::npos);
  }
  SUBCASE("PathIsNotEmptyDirectoryException: left alone") {
    const auto error = webhdfs_error(answer(403, webhdfs("delete_nonempty_dir")), "delete",
                                     "hdfs://nn:8020/blob", "nn:9870", bob);
    CHECK(error.message == "delete hdfs://nn:8020/blob: directory not empty; left alone");
  }
  SUBCASE("401: Kerberos") {
    const auto error = webhdfs_error(answer(401, "<html>Authentication required</html>"), "list",
                                     "hdfs://nn:8020/x", "nn:9870", std::nullopt);
    CHECK(error.category == ErrorCategory::refused);
    CHECK(error.hint.find("kinit") != std::string::npos);
  }
  SUBCASE("not a WebHDFS server: unreachable") {
    const auto error =
        webhdfs_error(answer(404, "<html>"), "list", "hdfs://nn:8020/x", "nn:9870", bob);
    CHECK(error.category == ErrorCategory::unreachable);
    CHECK(error.hint.find("dfs.namenode.http-address") != std::string::npos);
  }
  SUBCASE("an unknown op") {
    CHECK(is_unknown_op(answer(400, webhdfs("unknown_op"))));
    CHECK_FALSE(is_unknown_op(answer(403, webhdfs("unknown_op"))));
  }
}

namespace {

// A NameNode over an in-memory tree, answering as the real one does (the fixtures' formats):
// paged LISTSTATUS_BATCH (page_size entries), 404 FileNotFoundException, DELETE/RENAME
// {"boolean": …}, rename2 with OVERWRITE. Hosts listed in `standby` answer StandbyException,
// those in `down` do not answer.
struct FakeNameNode {
  struct Node {
    EntryType type = EntryType::file;
    std::string content;
    std::int64_t mtime = 1000;
  };
  std::map<std::string, Node> nodes = {{"/", {EntryType::directory, {}, 0}}};
  std::size_t page_size = 2;
  bool batch_supported = true;
  bool ignore_start_after = false; // a broken server: every page is the first one
  std::set<std::string> standby;
  std::set<std::string> down;
  std::map<std::string, std::set<std::string>> down_for; // host → paths it does not answer
  std::vector<std::string> log;                          // "host:port METHOD OP path"
  std::vector<std::size_t> batch_sizes;
  bool safe_mode = false;

  void add(const std::string& path, EntryType type, std::string content = {}) {
    for (auto slash = path.find('/', 1); slash != std::string::npos;
         slash = path.find('/', slash + 1)) {
      nodes.try_emplace(path.substr(0, slash), Node{EntryType::directory, {}, 0});
    }
    nodes[path] = {type, std::move(content), 1000};
  }

  static std::string decode(std::string_view text) {
    std::string out;
    for (std::size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '%' && i + 2 < text.size()) {
        out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
        i += 2;
      } else {
        out += text[i];
      }
    }
    return out;
  }

  static nlohmann::json status_json(const std::string& name, const Node& node) {
    const char* type = node.type == EntryType::directory ? "DIRECTORY"
                       : node.type == EntryType::symlink ? "SYMLINK"
                                                         : "FILE";
    nlohmann::json status = {{"pathSuffix", name},
                             {"type", type},
                             {"length", node.type == EntryType::file ? node.content.size() : 0},
                             {"modificationTime", node.mtime},
                             {"owner", "root"}};
    if (node.type == EntryType::symlink) {
      status["symlink"] = node.content;
    }
    return status;
  }

  static Response not_found(const std::string& path) {
    return answer(404, nlohmann::json{{"RemoteException",
                                       {{"exception", "FileNotFoundException"},
                                        {"javaClassName", "java.io.FileNotFoundException"},
                                        {"message", "File does not exist: " + path}}}}
                           .dump());
  }

  std::vector<std::pair<std::string, Node>> children_of(const std::string& dir) const {
    std::vector<std::pair<std::string, Node>> out;
    const std::string prefix = dir == "/" ? "/" : dir + "/";
    for (auto it = nodes.upper_bound(prefix); it != nodes.end(); ++it) {
      if (!it->first.starts_with(prefix)) {
        break;
      }
      const auto rest = it->first.substr(prefix.size());
      if (!rest.empty() && rest.find('/') == std::string::npos) {
        out.emplace_back(rest, it->second);
      }
    }
    return out;
  }

  Result<Response> handle(const Request& request) {
    const auto scheme_end = request.url.find("://");
    const auto path_start = request.url.find('/', scheme_end + 3);
    const std::string host = request.url.substr(scheme_end + 3, path_start - scheme_end - 3);
    const auto query_start = request.url.find('?');
    const std::string path =
        decode(request.url.substr(path_start + 11, query_start - path_start - 11));
    std::map<std::string, std::string> query;
    const std::string query_text = request.url.substr(query_start + 1);
    for (const auto part : flinkha::util::split(query_text, '&')) {
      const auto eq = part.find('=');
      query[std::string(part.substr(0, eq))] = decode(part.substr(eq + 1));
    }
    const std::string op = query["op"];
    log.push_back(fmt::format("{} {} {} {}", host, request.method, op, path));
    if (down.contains(host) || (down_for.contains(host) && down_for[host].contains(path))) {
      return flinkha::fail(ErrorCategory::unreachable,
                           fmt::format("{} http://{}: Connection refused", request.what, host));
    }
    if (standby.contains(host)) {
      return answer(403, webhdfs("standby_getfilestatus"));
    }
    REQUIRE(query.contains("user.name"));
    const auto it = nodes.find(path);
    if (host.starts_with("dn")) {
      return datanode_create(request, path, query);
    }
    if (op == "GETFILESTATUS") {
      if (it == nodes.end()) {
        return not_found(path);
      }
      return answer(200, nlohmann::json{{"FileStatus", status_json("", it->second)}}.dump());
    }
    if (op == "LISTSTATUS" || op == "LISTSTATUS_BATCH") {
      if (op == "LISTSTATUS_BATCH" && !batch_supported) {
        return answer(400, webhdfs("unknown_op"));
      }
      if (it == nodes.end()) {
        return not_found(path);
      }
      nlohmann::json list = nlohmann::json::array();
      if (it->second.type != EntryType::directory) {
        list.push_back(status_json("", it->second));
        return answer(200, nlohmann::json{{"FileStatuses", {{"FileStatus", list}}}}.dump());
      }
      auto entries = children_of(path);
      std::size_t start = 0;
      if (query.contains("startAfter") && !ignore_start_after) {
        while (start < entries.size() && entries[start].first <= query["startAfter"]) {
          ++start;
        }
      }
      const std::size_t end =
          op == "LISTSTATUS" ? entries.size() : std::min(entries.size(), start + page_size);
      for (std::size_t i = start; i < end; ++i) {
        list.push_back(status_json(entries[i].first, entries[i].second));
      }
      if (op == "LISTSTATUS") {
        return answer(200, nlohmann::json{{"FileStatuses", {{"FileStatus", list}}}}.dump());
      }
      return answer(200,
                    nlohmann::json{{"DirectoryListing",
                                    {{"partialListing", {{"FileStatuses", {{"FileStatus", list}}}}},
                                     {"remainingEntries", entries.size() - end}}}}
                        .dump());
    }
    if (op == "OPEN") {
      CHECK(request.follow_redirects);
      if (it == nodes.end()) {
        return not_found(path);
      }
      return answer(200, it->second.content);
    }
    if (op == "CHECKACCESS") {
      CHECK(query["fsaction"] == "-wx");
      return query["user.name"] == "mallory" ? answer(403, webhdfs("accesscontrol_delete"))
                                             : answer(200, "");
    }
    if (safe_mode) {
      return answer(403, webhdfs("safemode_delete"));
    }
    if (op == "CREATE") {
      // The NameNode checks nothing here: it sends every CREATE to a DataNode (captured:
      // create_redirect, create_exists_redirect, create_safemode_redirect).
      CHECK_FALSE(request.follow_redirects);
      CHECK(request.body.empty());
      Response redirect = answer(307, webhdfs("create_redirect"));
      redirect.headers.push_back(
          {"location", fmt::format("http://dn1:9864/webhdfs/v1{}?op=CREATE&user.name={}&"
                                   "namenoderpcaddress=nn1:8020&createflag=&createparent=true&"
                                   "overwrite={}",
                                   flinkha::http::percent_encode(path, true), query["user.name"],
                                   query["overwrite"])});
      return redirect;
    }
    if (op == "MKDIRS") {
      REQUIRE(it != nodes.end()); // only ever of the existing base
      return answer(200, webhdfs("delete_true"));
    }
    if (op == "DELETE") {
      REQUIRE(query["recursive"] == "false"); // never recursive
      if (it == nodes.end()) {
        return answer(200, webhdfs("delete_false"));
      }
      if (it->second.type == EntryType::directory && !children_of(path).empty()) {
        return answer(403, webhdfs("delete_nonempty_dir"));
      }
      nodes.erase(it);
      return answer(200, webhdfs("delete_true"));
    }
    if (op == "RENAME") {
      REQUIRE(query["renameoptions"] == "OVERWRITE");
      if (it == nodes.end()) {
        return not_found(path);
      }
      nodes[query["destination"]] = it->second;
      nodes.erase(path);
      return answer(200, "");
    }
    return answer(400, webhdfs("unknown_op"));
  }

  // The DataNode's half of CREATE: the NameNode's create, refused with its RemoteException as
  // the real DataNode passes it on (create_exists_datanode, create_accesscontrol_datanode,
  // create_safemode_datanode), else 201 with no body (create_datanode).
  int create_attempts = 1;         // Response::attempts of the DataNode's answer
  bool create_lands_twice = false; // the first attempt stored it, the resend finds it there
  Response datanode_create(const Request& request, const std::string& path,
                           std::map<std::string, std::string>& query) {
    CHECK(query["op"] == "CREATE");
    CHECK(query["createparent"] == "true");
    CHECK_FALSE(request.follow_redirects);
    CHECK(std::ranges::any_of(request.headers, [](const auto& header) {
      return header.name == "Content-Type" && header.value == "application/octet-stream";
    }));
    Response response;
    if (query["user.name"] == "mallory") {
      response = answer(403, webhdfs("create_accesscontrol_datanode"));
    } else if (safe_mode) {
      response = answer(403, webhdfs("create_safemode_datanode"));
    } else if (nodes.contains(path) && query["overwrite"] == "false") {
      response = answer(403, webhdfs("create_exists_datanode"));
    } else {
      add(path, EntryType::file, request.body);
      response = answer(create_lands_twice ? 403 : 201, create_lands_twice
                                                            ? webhdfs("create_exists_datanode")
                                                            : webhdfs("create_datanode"));
    }
    response.attempts = create_attempts;
    return response;
  }

  HttpSender sender() {
    return [this](std::vector<Request> requests) {
      batch_sizes.push_back(requests.size());
      std::vector<Result<Response>> out;
      for (const auto& request : requests) {
        out.push_back(handle(request));
      }
      return out;
    };
  }
};

flinkha::config::WebHdfsTarget target(std::vector<std::string> hosts) {
  flinkha::config::WebHdfsTarget target;
  target.authority = "ns1";
  target.nameservice = hosts.size() > 1 ? "ns1" : "";
  for (std::size_t i = 0; i < hosts.size(); ++i) {
    target.namenodes.push_back(
        {hosts[i], 9870, "nn" + std::to_string(i + 1),
         fmt::format("dfs.namenode.http-address.ns1.nn{} (hdfs-site.xml:{})", i + 1, 10 + i)});
  }
  return target;
}

std::unique_ptr<HdfsStorage> open(FakeNameNode& nn, std::vector<std::string> hosts = {"nn1"},
                                  std::function<void(std::string_view)> progress = {}) {
  auto client = std::make_unique<WebHdfsClient>(target(std::move(hosts)), "flink", nn.sender());
  auto storage = HdfsStorage::open(std::move(client), "/flink/ha/default",
                                   "hdfs://ns1/flink/ha/default", std::move(progress));
  REQUIRE_MESSAGE(storage, (storage ? "" : storage.error().message));
  return std::move(*storage);
}

std::vector<std::string> paths(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const auto& entry : entries) {
    out.push_back(entry.relative_path);
  }
  return out;
}

} // namespace

TEST_CASE("HdfsStorage: recursive listing, paged, level by level, parents first") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/blob/job_1/blob_a", EntryType::file, "aaaa");
  nn.add("/flink/ha/default/blob/job_1/blob_b", EntryType::file, "b");
  nn.add("/flink/ha/default/blob/job_2/blob_c", EntryType::file, "c");
  nn.add("/flink/ha/default/completedCheckpoint1", EntryType::file, "cp");
  nn.add("/flink/ha/default/completedCheckpoint2", EntryType::file, "cp2");
  nn.add("/flink/ha/default/a-b", EntryType::file, "x");
  nn.add("/flink/ha/default/link", EntryType::symlink, "/elsewhere");
  nn.add("/flink/ha/default/blob/job_1/sub/deep", EntryType::file, "d");
  std::vector<std::string> progress;
  auto storage = open(nn, {"nn1"}, [&](std::string_view text) { progress.emplace_back(text); });
  CHECK(storage->base_exists());

  auto entries = storage->list("", Recursive::yes);
  REQUIRE(entries);
  const std::vector<std::string> expected = {"a-b",
                                             "blob",
                                             "blob/job_1",
                                             "blob/job_1/blob_a",
                                             "blob/job_1/blob_b",
                                             "blob/job_1/sub",
                                             "blob/job_1/sub/deep",
                                             "blob/job_2",
                                             "blob/job_2/blob_c",
                                             "completedCheckpoint1",
                                             "completedCheckpoint2",
                                             "link"};
  CHECK(paths(*entries) == expected);
  CHECK((*entries)[3].size_bytes == 4);
  CHECK((*entries)[3].mtime_ms == 1000);
  CHECK((*entries)[11].type == EntryType::symlink);
  CHECK((*entries)[11].link_target == "/elsewhere");
  // Level by level: the two job dirs were listed in one batch, not one after the other.
  CHECK(std::ranges::find(nn.batch_sizes, 2u) != nn.batch_sizes.end());
  // Never listed into the symlink.
  for (const auto& line : nn.log) {
    CHECK(line.find("LISTSTATUS_BATCH /flink/ha/default/link") == std::string::npos);
  }
  CHECK_FALSE(progress.empty());

  auto top = storage->list("blob", Recursive::no);
  REQUIRE(top);
  CHECK(paths(*top) == std::vector<std::string>{"blob/job_1", "blob/job_2"});
  auto missing = storage->list("nothing/here", Recursive::yes);
  REQUIRE(missing);
  CHECK(missing->empty());
  auto of_file = storage->list("a-b", Recursive::no);
  REQUIRE_FALSE(of_file);
  CHECK(of_file.error().message == "hdfs://ns1/flink/ha/default/a-b: not a directory");
  CHECK_FALSE(storage->list("../x", Recursive::no));
}

TEST_CASE("HdfsStorage: falls back to LISTSTATUS on a server without LISTSTATUS_BATCH") {
  FakeNameNode nn;
  nn.batch_supported = false;
  nn.add("/flink/ha/default/d/x", EntryType::file, "1");
  nn.add("/flink/ha/default/y", EntryType::file, "2");
  auto storage = open(nn);
  auto entries = storage->list("", Recursive::yes);
  REQUIRE(entries);
  CHECK(paths(*entries) == std::vector<std::string>{"d", "d/x", "y"});
}

TEST_CASE("HdfsStorage: a server whose pages make no progress stops the listing, never loops") {
  FakeNameNode nn;
  nn.ignore_start_after = true;
  for (const char* name : {"a", "b", "c", "d", "e"}) {
    nn.add(std::string("/flink/ha/default/") + name, EntryType::file, "1");
  }
  auto storage = open(nn);
  auto entries = storage->list("", Recursive::yes);
  REQUIRE_FALSE(entries);
  CHECK(entries.error().message.find("does not start after 'b'") != std::string::npos);
  CHECK(nn.log.size() < 10);
}

TEST_CASE("HdfsStorage: a missing base exists() false, lists empty, removals already gone") {
  FakeNameNode nn;
  auto storage = open(nn);
  CHECK_FALSE(storage->base_exists());
  CHECK(storage->list("", Recursive::yes)->empty());
  CHECK(storage->remove_file("x") == Removal::already_gone);
  CHECK_FALSE(storage->stat("x")->has_value());
}

TEST_CASE("HdfsStorage: stat, read, remove, rmdir, rename") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/f", EntryType::file, "hello");
  nn.add("/flink/ha/default/d/g", EntryType::file, "g");
  nn.add("/flink/ha/default/empty", EntryType::directory);
  nn.add("/flink/ha/default/jrs/abc_DIRTY.json", EntryType::file, "{}");
  nn.add("/flink/ha/default/jrs/abc.json", EntryType::file, "old");
  auto storage = open(nn);

  auto stat = storage->stat("d/g");
  REQUIRE(stat);
  REQUIRE(stat->has_value());
  CHECK((*stat)->name == "g");
  CHECK((*stat)->relative_path == "d/g");
  CHECK_FALSE(storage->stat("nope")->has_value());

  CHECK(storage->read_file("f", 100) == "hello");
  CHECK(storage->read_file("f", 3).error().message.find("5 bytes, more than the 3") !=
        std::string::npos);
  CHECK(storage->read_file("d", 100).error().message.find("is a directory") != std::string::npos);
  CHECK(storage->read_file("nope", 100).error().message.find("does not exist") !=
        std::string::npos);

  auto dir_as_file = storage->remove_file("d");
  REQUIRE_FALSE(dir_as_file);
  CHECK(dir_as_file.error().message ==
        "hdfs://ns1/flink/ha/default/d: is a directory, not a regular file; left alone");
  CHECK(nn.nodes.contains("/flink/ha/default/d"));

  auto nonempty = storage->remove_empty_dir("d");
  REQUIRE_FALSE(nonempty);
  CHECK(nonempty.error().message.find("directory not empty; left alone") != std::string::npos);
  CHECK(storage->remove_empty_dir("empty") == Removal::removed);
  CHECK(storage->remove_empty_dir("f").error().message.find("not a directory") !=
        std::string::npos);

  const auto results = storage->remove_files({"f", "d/g", "f", "gone", "../evil"});
  REQUIRE(results.size() == 5);
  CHECK(results[0] == Removal::removed);
  CHECK(results[1] == Removal::removed);
  CHECK(results[2].has_value()); // the same file twice: removed once, then already gone
  CHECK(results[3] == Removal::already_gone);
  CHECK_FALSE(results[4]);
  CHECK_FALSE(storage->remove_file(""));

  // The JobResultStore mark: an existing clean file is replaced (rename2 OVERWRITE).
  REQUIRE(storage->rename_file("jrs/abc_DIRTY.json", "abc.json"));
  CHECK(nn.nodes.at("/flink/ha/default/jrs/abc.json").content == "{}");
  CHECK_FALSE(nn.nodes.contains("/flink/ha/default/jrs/abc_DIRTY.json"));
  CHECK(storage->rename_file("jrs/abc_DIRTY.json", "abc.json")
            .error()
            .message.find("does not exist") != std::string::npos);
  CHECK_FALSE(storage->rename_file("jrs/abc.json", "../x"));
}

TEST_CASE("HdfsStorage: safe mode refuses, nothing deleted") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/f", EntryType::file, "hello");
  auto storage = open(nn);
  nn.safe_mode = true;
  auto removed = storage->remove_file("f");
  REQUIRE_FALSE(removed);
  CHECK(removed.error().category == ErrorCategory::failed);
  CHECK(removed.error().message.find("is in safe mode; nothing was deleted") != std::string::npos);
  CHECK(nn.nodes.contains("/flink/ha/default/f"));
}

TEST_CASE("HdfsStorage: a standby NameNode first moves on and the active one is remembered") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/f", EntryType::file, "x");
  nn.standby = {"nn1:9870"};
  auto storage = open(nn, {"nn1", "nn2"});
  CHECK(storage->base_exists());
  nn.log.clear();
  REQUIRE(storage->stat("f"));
  REQUIRE(nn.log.size() == 1);
  CHECK(nn.log[0].starts_with("nn2:9870 GET GETFILESTATUS"));
}

TEST_CASE("HdfsStorage: every NameNode down or standby is one error naming each") {
  FakeNameNode nn;
  nn.standby = {"nn1:9870"};
  nn.down = {"nn2:9870"};
  auto client = std::make_unique<WebHdfsClient>(target({"nn1", "nn2"}), "flink", nn.sender());
  auto storage = HdfsStorage::open(std::move(client), "/flink/ha/default", "hdfs://ns1/x");
  REQUIRE_FALSE(storage);
  const auto& error = storage.error();
  CHECK(error.category == ErrorCategory::unreachable);
  CHECK(error.message.find("no active NameNode answered in nameservice ns1") != std::string::npos);
  CHECK(error.message.find("NameNode nn1:9870 [nn1] (dfs.namenode.http-address.ns1.nn1 "
                           "(hdfs-site.xml:10)): is standby") != std::string::npos);
  CHECK(error.message.find("nn2:9870") != std::string::npos);
  CHECK(error.message.find("Connection refused") != std::string::npos);
}

TEST_CASE("WebHdfsClient: URLs encode the path and parameters, user.name for simple auth") {
  FakeNameNode nn;
  WebHdfsClient simple(target({"nn1"}), "fl ink", nn.sender());
  WebHdfsCall call;
  call.op = "RENAME";
  call.path = "/flink/odd name \xc3\xbc";
  call.params = {{"destination", "/a b/c"}};
  CHECK(simple.url(simple.target().namenodes[0], call) ==
        "http://nn1:9870/webhdfs/v1/flink/odd%20name%20%C3%BC?op=RENAME&user.name=fl%20ink&"
        "destination=%2Fa%20b%2Fc");
  auto kerberos_target = target({"::1"});
  kerberos_target.https = true;
  WebHdfsClient kerberos(kerberos_target, std::nullopt, nn.sender());
  call.params.clear();
  CHECK(kerberos.url(kerberos.target().namenodes[0], call) ==
        "https://[::1]:9870/webhdfs/v1/flink/odd%20name%20%C3%BC?op=RENAME");
}

TEST_CASE("open_hdfs_storage: hdfs:/// without fs.defaultFS is a configuration error") {
  flinkha::test::TempDir dir;
  StorageOptions options;
  options.environment = flinkha::test::fake_environment({{"HADOOP_CONF_DIR", dir.path().string()}});
  auto storage = open_hdfs_storage(flinkha::util::parse_flink_path("hdfs:///flink/ha"), options);
  REQUIRE_FALSE(storage);
  CHECK(storage.error().category == ErrorCategory::configuration);
  CHECK(
      storage.error().message.starts_with("storage 'hdfs:/flink/ha': hdfs:/// names no NameNode"));
  auto relative = open_hdfs_storage(flinkha::util::parse_flink_path("hdfs://nn/../x"), options);
  REQUIRE_FALSE(relative);
}

TEST_CASE("WebHdfsClient: each NameNode is tried once per call, from the one used last") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/a", EntryType::file, "a");
  nn.add("/flink/ha/default/b", EntryType::file, "b");
  auto storage = open(nn, {"nn1", "nn2", "nn3"});
  nn.log.clear();
  nn.down = {"nn1:9870"};
  nn.down_for["nn2:9870"] = {"/flink/ha/default/b"};
  // nn1 answers neither, nn2 answers a only, nn3 must get b (not nn1 again).
  const auto results = storage->remove_files({"a", "b"});
  CHECK(results[0] == Removal::removed);
  CHECK(results[1] == Removal::removed);
  CHECK_FALSE(nn.nodes.contains("/flink/ha/default/b"));
}

TEST_CASE("HdfsStorage: check_writable finds safe mode and a user without write access") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/f", EntryType::file, "x");
  auto storage = open(nn);
  CHECK(storage->check_writable());
  nn.safe_mode = true;
  auto safe = storage->check_writable();
  REQUIRE_FALSE(safe);
  CHECK(safe.error().message.find("is in safe mode") != std::string::npos);
  nn.safe_mode = false;
  auto client =
      std::make_unique<WebHdfsClient>(target({"nn1"}), std::string("mallory"), nn.sender());
  auto other = HdfsStorage::open(std::move(client), "/flink/ha/default", "hdfs://ns1/x");
  REQUIRE(other);
  auto denied = (*other)->check_writable();
  REQUIRE_FALSE(denied);
  CHECK(denied.error().category == ErrorCategory::refused);
  CHECK(denied.error().message.find("permission denied for user mallory") != std::string::npos);
  CHECK(nn.nodes.contains("/flink/ha/default/f"));
  // A missing base: nothing to check, nothing created.
  FakeNameNode empty;
  CHECK(open(empty)->check_writable());
}

TEST_CASE("WebHDFS errors: CREATE's refusals from the DataNode (captured answers)") {
  const std::optional<std::string> bob = "bob";
  const auto exists = webhdfs_error(answer(403, webhdfs("create_exists_datanode")), "write",
                                    "hdfs://nn:8020/flink/ha/x", "nn:9870", bob);
  CHECK(exists.category == ErrorCategory::refused);
  CHECK(exists.message == "write hdfs://nn:8020/flink/ha/x: already exists; not replaced");
  const auto denied = webhdfs_error(answer(403, webhdfs("create_accesscontrol_datanode")), "write",
                                    "hdfs://nn:8020/private/alice/f", "nn:9870", bob);
  CHECK(denied.category == ErrorCategory::refused);
  CHECK(denied.message.find("write hdfs://nn:8020/private/alice/f: permission denied for user "
                            "bob on NameNode nn:9870: Permission denied: user=bob, "
                            "access=EXECUTE") != std::string::npos);
  const auto safe = webhdfs_error(answer(403, webhdfs("create_safemode_datanode")), "write",
                                  "hdfs://nn:8020/x", "nn:9870", bob);
  CHECK(safe.category == ErrorCategory::failed);
  CHECK(safe.message == "write hdfs://nn:8020/x: NameNode nn:9870 is in safe mode; nothing was "
                        "written");
}

TEST_CASE("HdfsStorage: write_file is CREATE overwrite=false, then the bytes to the DataNode") {
  FakeNameNode nn;
  auto storage = open(nn);
  CHECK_FALSE(storage->base_exists());
  const std::string content("restored\0bytes\xff", 15);
  auto written = storage->write_file("restored/completedCheckpoint00000000002a", content);
  REQUIRE_MESSAGE(written.has_value(), (written ? "" : written.error().message));
  CHECK(storage->base_exists());
  CHECK(nn.nodes.at("/flink/ha/default/restored/completedCheckpoint00000000002a").content ==
        content);
  CHECK(nn.nodes.at("/flink/ha/default/restored").type == EntryType::directory);
  REQUIRE(nn.log.size() >= 2);
  CHECK(nn.log[nn.log.size() - 2] ==
        "nn1:9870 PUT CREATE /flink/ha/default/restored/completedCheckpoint00000000002a");
  CHECK(nn.log.back() ==
        "dn1:9864 PUT CREATE /flink/ha/default/restored/completedCheckpoint00000000002a");
}

TEST_CASE("HdfsStorage: write_file never replaces; refusals name the path and user") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/f", EntryType::file, "old");
  auto storage = open(nn);
  auto again = storage->write_file("f", "new");
  REQUIRE_FALSE(again.has_value());
  CHECK(again.error().category == ErrorCategory::refused);
  CHECK(again.error().message == "write hdfs://ns1/flink/ha/default/f: already exists; not "
                                 "replaced");
  CHECK(nn.nodes.at("/flink/ha/default/f").content == "old");

  nn.safe_mode = true;
  auto safe = storage->write_file("g", "new");
  REQUIRE_FALSE(safe.has_value());
  CHECK(safe.error().message == "write hdfs://ns1/flink/ha/default/g: NameNode nn1:9870 is in "
                                "safe mode; nothing was written");
  CHECK_FALSE(nn.nodes.contains("/flink/ha/default/g"));
  nn.safe_mode = false;

  auto client = std::make_unique<WebHdfsClient>(target({"nn1"}), "mallory", nn.sender());
  auto as_mallory =
      HdfsStorage::open(std::move(client), "/flink/ha/default", "hdfs://ns1/flink/ha/default");
  REQUIRE(as_mallory);
  auto denied = (*as_mallory)->write_file("h", "new");
  REQUIRE_FALSE(denied.has_value());
  CHECK(denied.error().category == ErrorCategory::refused);
  CHECK(denied.error().message.find("write hdfs://ns1/flink/ha/default/h: permission denied for "
                                    "user mallory") != std::string::npos);
  CHECK(denied.error().hint.find("HADOOP_USER_NAME") != std::string::npos);
  CHECK_FALSE(storage->write_file("../x", "x").has_value());
  CHECK_FALSE(storage->write_file("", "x").has_value());
}

TEST_CASE("HdfsStorage: write_file on a standby NameNode moves on; a resent body is our own") {
  FakeNameNode nn;
  nn.add("/flink/ha/default/x", EntryType::file, "x");
  nn.standby = {"nn1:9870"};
  auto storage = open(nn, {"nn1", "nn2"});
  REQUIRE(storage->write_file("a", "bytes").has_value());
  CHECK(nn.nodes.at("/flink/ha/default/a").content == "bytes");
  CHECK(std::ranges::find(nn.log, "nn2:9870 PUT CREATE /flink/ha/default/a") != nn.log.end());
  // The DataNode stored the first attempt, the connection broke, the resend was refused: the
  // bytes there are ours, so the write succeeded.
  nn.create_attempts = 2;
  nn.create_lands_twice = true;
  CHECK(storage->write_file("b", "mine").has_value());
  // Without a resend the same refusal is a refusal.
  nn.create_attempts = 1;
  auto c = storage->write_file("c", "mine");
  REQUIRE_FALSE(c.has_value());
  CHECK(c.error().message.find("already exists; not replaced") != std::string::npos);
}

TEST_CASE("HdfsStorage: a resent CREATE into a base that did not exist reads its bytes back") {
  FakeNameNode nn;
  auto storage = open(nn);
  REQUIRE_FALSE(storage->base_exists());
  nn.create_attempts = 2;
  nn.create_lands_twice = true;
  auto written = storage->write_file("jrs/a_DIRTY.json", "{}");
  REQUIRE_MESSAGE(written.has_value(), (written ? "" : written.error().message));
  CHECK(storage->base_exists());
}
