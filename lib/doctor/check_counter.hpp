#pragma once
// Check "counter": a job's checkpoint ID counter behind its completed checkpoints
// (FLINK-14091, FLINK-26741).
//
// Source: ZooKeeperCheckpointIDCounter (flink-runtime, 1.x–2.3) keeps the NEXT checkpoint id in
// {ns}/jobs/<jobid>/checkpoint_id_counter (≤1.13: {ns}/checkpoint-counter/<jobid>) as Curator's
// SharedCount, a 4-byte big-endian int; getAndIncrement returns it and writes it + 1 with the
// node's version. CheckpointCoordinator resets it only when it restores from a savepoint
// (restoreSavepoint: setCount(savepoint id + 1)); a recovery from the latest checkpoint keeps
// what the node says. So a counter ≤ the highest completed checkpoint id hands out an id that
// is already taken: the next completed checkpoint's znode ({ns}/jobs/<jobid>/checkpoints/%019d)
// exists, adding it fails, and the order of "latest" checkpoints is wrong on recovery.
//
// Findings (subject: the counter znode):
//  - counter-behind (critical): next_checkpoint_id ≤ the highest completed checkpoint id;
//  - counter-unreadable (warning): the counter node is not 4 bytes (CounterRecord::decode_error).
// Checkpoints marked for deletion count too: their ids were handed out.
// Skipped without an inventory.

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"
#include "zk/reader.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_counter(const Snapshot& snapshot, std::vector<Finding>& out);

// Part of the gathering, before the check: the walk reads a job's counter before the checkpoints
// one level deeper, so a checkpoint triggered and completed in between makes a healthy counter
// look behind (it read C, then checkpoint C appeared). Each counter at or below its job's highest
// checkpoint id is read again and its CounterRecord updated (a read error leaves it as it was),
// so counter-behind reports only a counter that stays behind. Returns how many were read.
int reread_counters_behind(zk::ZkReader& reader, flink::HaInventory& inventory);

} // namespace flinkha::doctor
