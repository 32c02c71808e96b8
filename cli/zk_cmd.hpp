#pragma once
// `flinkha zk start|stop|status` (see man/flinkha-zk.1). zk_cmd.cpp registers the subcommands
// and runs start/stop (fan-out report); zk_cmd_status.cpp runs status and --watch.

#include "context.hpp"

#include <optional>

namespace flinkha::cli {

struct ZkStatusOptions {
  int timeout_ms = 2000;       // per peer, srvr and mntr together
  bool no_mntr = false;        // srvr only (the one command every peer allows)
  std::optional<double> watch; // --watch SECONDS
};

ExitCode run_zk_status(Context& context, const ZkStatusOptions& options);

} // namespace flinkha::cli
