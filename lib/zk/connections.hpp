#pragma once
// The `cons` four-letter word: every client connection of one ZooKeeper server with its session.
// Format as ZooKeeper 3.8 prints it (ConsCommand → ServerCnxn.dumpConnectionInfo), one line per
// connection, e.g.
//   " /127.0.0.1:47134[1](queued=0,recved=40,sent=40,sid=0x10000d665430000,lop=EXIS,…)"
// the remote address as java.net.InetSocketAddress.toString prints it ("[host]/ip:port"), the
// interest ops in brackets, then key=value pairs; a connection without a session yet (the `cons`
// request itself) has no sid. Byte fixture: tests/unit/fixtures/zk/standalone.cons
// (tests/integration/capture_cons_fixture.py recreates it). `cons` is not in ZooKeeper's
// default 4lw.commands.whitelist (srvr only); send it with send_four_letter (four_letter.hpp).

#include "util/result.hpp"
#include "zk/four_letter.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace flinkha::zk {

struct ClientConnection {
  std::string address;         // "127.0.0.1:47134": the client's ip:port as the server sees it
  std::int64_t session_id = 0; // sid
};

// The connections that have a session, in the server's order. A line that does not look like a
// connection is an error naming it (a refusal text or another command's answer is not `cons`).
Result<std::vector<ClientConnection>> parse_cons(std::string_view answer);

// `cons` sent to every "host:port" of the quorum (config::HaSettings::quorum), one after the
// other within `options`' timeouts each, merged: session id → client address. A session is
// connected to one server at a time, so the servers' answers do not overlap. Fails only when no
// server answered a parsable cons, with the last server's error (e.g. "127.0.0.1:2181: cons is
// not executed because it is not in the whitelist").
Result<std::map<std::int64_t, std::string>>
client_addresses(const std::vector<std::string>& servers, const FourLetterOptions& options = {});

} // namespace flinkha::zk
