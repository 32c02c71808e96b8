#include "remote/host_result.hpp"

namespace flinkha::remote {

void record_run(HostResult& row, const Result<CommandResult>& ran) {
  if (!ran) {
    const auto& error = ran.error();
    row.error = error.hint.empty() ? error.message : error.message + " (" + error.hint + ")";
    return;
  }
  row.exit_status = ran->exit_status;
  row.duration = ran->duration;
  row.stdout_text = ran->stdout_text;
  row.stderr_text = ran->stderr_text;
}

} // namespace flinkha::remote
