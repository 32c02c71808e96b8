#include "doctor/check_counter.hpp"

#include "flink/state_handle.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace flinkha::doctor {

namespace {

std::optional<std::int64_t> highest_checkpoint(const flink::JobRecord& job) {
  std::optional<std::int64_t> highest;
  for (const auto& checkpoint : job.checkpoints) {
    if (checkpoint.checkpoint_id) {
      highest = std::max(highest.value_or(*checkpoint.checkpoint_id), *checkpoint.checkpoint_id);
    }
  }
  return highest;
}

} // namespace

int reread_counters_behind(zk::ZkReader& reader, flink::HaInventory& inventory) {
  int reread = 0;
  for (auto& [job_id, job] : inventory.jobs) {
    const auto highest = highest_checkpoint(job);
    if (!job.counter || !job.counter->next_checkpoint_id || !highest ||
        *job.counter->next_checkpoint_id > *highest) {
      continue;
    }
    ++reread;
    auto node = reader.get(job.counter->znode);
    if (!node) {
      continue;
    }
    if (auto value = flink::decode_checkpoint_counter(node->data)) {
      job.counter->next_checkpoint_id = *value;
    }
  }
  return reread;
}

std::optional<std::string> check_counter(const Snapshot& snapshot, std::vector<Finding>& out) {
  if (!snapshot.inventory) {
    return "no HA inventory: " + snapshot.inventory_error;
  }
  for (const auto& [job_id, job] : snapshot.inventory->jobs) {
    if (!job.counter) {
      continue;
    }
    const auto& counter = *job.counter;
    if (!counter.next_checkpoint_id) {
      Finding finding;
      finding.code = "counter-unreadable";
      finding.severity = Severity::warning;
      finding.subject = counter.znode;
      finding.message = fmt::format("the checkpoint ID counter of job {} does not decode: {}",
                                    job_id, counter.decode_error);
      finding.remedy = "stop the job with a savepoint and submit it again from the savepoint (a "
                       "new job id starts with a fresh counter); flinkha inspect shows the node";
      out.push_back(std::move(finding));
      continue;
    }
    const auto highest = highest_checkpoint(job);
    const std::int64_t next = *counter.next_checkpoint_id;
    if (!highest || next > *highest) {
      continue;
    }
    Finding finding;
    finding.code = "counter-behind";
    finding.severity = Severity::critical;
    finding.subject = counter.znode;
    finding.flink_issue = "FLINK-14091";
    finding.message = fmt::format(
        "the checkpoint ID counter of job {} says the next checkpoint is {}, but checkpoint {} "
        "is already completed ({} in ZooKeeper): the next checkpoint reuses an id, its znode "
        "exists and adding it fails (FLINK-26741)",
        job_id, next, *highest, job.checkpoints.size());
    finding.remedy = fmt::format(
        "stop the job with a savepoint (flink stop {}) and submit it again from that savepoint "
        "(a new job id starts with a fresh counter); or, while no JobManager runs, set the "
        "counter to {} (a 4-byte big-endian int)",
        job_id, *highest + 1);
    out.push_back(std::move(finding));
  }
  return std::nullopt;
}

} // namespace flinkha::doctor
