#pragma once
// WebHDFS calls to the NameNodes of one file system: URL building (/webhdfs/v1<path>?op=…,
// REST API of Hadoop 3.x), NameNode failover, and the server's RemoteException turned into an
// Error an operator can act on.
//
// Failover, as Hadoop's WebHdfsFileSystem does for a nameservice: the calls go to the NameNode
// that answered last (the first one at the start); a StandbyException (HTTP 403 with that
// exception name; captured from a real standby: tests/unit/fixtures/webhdfs/standby_*.json) or
// a connection failure sends them on to the next one, in the configured order, each at most
// once per call. A NameNode that answers becomes the one used first from then on. When none
// answers, the Error (unreachable) names each NameNode, where its address came from, and what
// it said.
//
// Authentication: simple (`user.name` query parameter) when a user is given; Kerberos SPNEGO
// is the HTTP client's (http::Auth::negotiate) and then no user.name is sent.

#include "config/hadoop_namenodes.hpp"
#include "http/client.hpp"
#include "storage/webhdfs_json.hpp"

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace flinkha::storage {

struct WebHdfsCall {
  std::string method = "GET"; // GET, PUT, DELETE
  std::string op;             // GETFILESTATUS, LISTSTATUS_BATCH, OPEN, DELETE, RENAME, …
  std::string path;           // absolute HDFS path, e.g. "/flink/ha/default/blob"
  std::vector<std::pair<std::string, std::string>> params; // unencoded, e.g. {"recursive","false"}
  bool follow_redirects = false;                           // OPEN: the NameNode sends a DataNode
  std::size_t max_body_bytes = std::size_t{64} << 20;
};

// Sends requests (http::Client::perform_all in production; a fake in unit tests).
using HttpSender = std::function<std::vector<Result<http::Response>>(std::vector<http::Request>)>;

class WebHdfsClient {
public:
  // `user`: the simple-authentication user (user.name), or nullopt with Kerberos.
  WebHdfsClient(config::WebHdfsTarget target, std::optional<std::string> user, HttpSender sender);

  // One result per call, in order: the answer of a NameNode that is not standby (any status:
  // see webhdfs_error), or an unreachable Error when none answered.
  std::vector<Result<http::Response>> send(const std::vector<WebHdfsCall>& calls);
  Result<http::Response> send(const WebHdfsCall& call);

  // The second step of CREATE (WebHDFS REST API, "Create and Write to a File"): `content` PUT
  // to the DataNode URL that the NameNode's 307 named (its Location header, taken as it is: it
  // carries user.name, namenoderpcaddress, createparent=true, overwrite=false and, with
  // Kerberos, the delegation token), Content-Type application/octet-stream, redirects not
  // followed. The DataNode (DatanodeWebHdfsMethods / WebHdfsHandler.onCreate) answers 201, or
  // the RemoteException of the NameNode's create (FileAlreadyExistsException,
  // AccessControlException, SafeModeException: the NameNode's 307 checks none of them).
  // `what` names the request in messages; the URL is never put into one (only its origin).
  Result<http::Response> send_to_datanode(const std::string& location, std::string content,
                                          std::string what);

  // The URL of `call` on `namenode`.
  std::string url(const config::NameNodeAddress& namenode, const WebHdfsCall& call) const;

  const config::WebHdfsTarget& target() const { return m_target; }
  const std::optional<std::string>& user() const { return m_user; }
  // "host:port" of the NameNode used first now.
  std::string active() const;

private:
  config::WebHdfsTarget m_target;
  std::optional<std::string> m_user;
  HttpSender m_sender;
  std::size_t m_active = 0;
};

// "host:port" ("[v6]:port").
std::string namenode_name(const config::NameNodeAddress& namenode);

// What the failing answer of a call means, in words (never only a status code):
//  - 401, or SecurityException: refused — Kerberos (SPNEGO) found no valid ticket; `kinit`.
//  - AccessControlException: refused — permission denied, naming the path and the user.
//  - SafeModeException, or RetriableException about safe mode: failed — the NameNode is in
//    safe mode and nothing was deleted (action "write": written); wait or
//    `hdfs dfsadmin -safemode leave`.
//  - PathIsNotEmptyDirectoryException: failed — not empty, left alone.
//  - FileAlreadyExistsException (CREATE overwrite=false): refused — already exists; not
//    replaced.
//  - StandbyException (only when every NameNode is standby): unreachable.
//  - no RemoteException at all (not a WebHDFS server, or WebHDFS disabled): unreachable.
//  - anything else: failed with the server's exception name and message.
// `path_text` is the path as the operator knows it ("hdfs://nn:8020/flink/ha/x"), `action` what
// was tried ("delete", "list").
Error webhdfs_error(const http::Response& response, std::string_view action,
                    std::string_view path_text, std::string_view namenode,
                    const std::optional<std::string>& user);

std::optional<std::string> exception_name(const http::Response& response);
// 404 with FileNotFoundException (or any 404 with a RemoteException).
bool is_not_found(const http::Response& response);
// 400 IllegalArgumentException about the op: an older server without LISTSTATUS_BATCH.
bool is_unknown_op(const http::Response& response);

} // namespace flinkha::storage
