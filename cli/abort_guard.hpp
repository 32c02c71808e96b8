#pragma once
// The SIGABRT guard: when the ZooKeeper C client aborts the process on a server's protocol
// violation (an assertion in zookeeper_process(), see zk::handle_open in zk/client.hpp), the
// command ends with a message naming the servers and exit 3 (nothing could be reached to decide),
// not a signal exit. Any other abort is left alone: it is re-raised with the default action, so a
// bug in flinkha still dumps core.

namespace flinkha::cli {

void install_abort_guard();

} // namespace flinkha::cli
