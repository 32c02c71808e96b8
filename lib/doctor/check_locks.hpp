#pragma once
// Check "locks": Flink's state-handle locks that keep HA data alive (FLINK-10011, FLINK-26284).
//
// Source: ZooKeeperStateHandleStore (flink-runtime, 1.15–2.3). A job graph / execution plan or
// completed-checkpoint pointer {p} is locked by each JobManager that read it with an EPHEMERAL
// child {p}/locks/<lockNode> (getAndLock → get(path, true), owned by that JobManager's
// ZooKeeper session). releaseAndTryRemove deletes its own lock, then {p}/locks — which fails
// with NotEmptyException while another session's lock is there, so {p} stays ("still locked")
// — then discards the file and deletes {p}. A {p} without children is "marked for deletion"
// (isNotMarkedForDeletion: numChildren > 0) and readers skip it.
//
// Findings:
//  - stale-lock (warning; critical for a job graph before 1.15, where no JobResultStore stops
//    a finished job from being recovered, FLINK-10011): a lock child whose ephemeral owner holds
//    no leadership in either leader read of the Snapshot — not the ephemeral owner of a
//    component's connection_info, nor of a latch's first participant. That is a former leader
//    whose session lives on (it now stands by, or hangs), or a session not expired yet. A
//    persistent lock (owner 0) never goes away by itself. Subject: the lock znode.
//  - deletion-stuck (warning): a pointer marked for deletion whose znode was last written more
//    than Thresholds::marked_for_deletion_age_ms ago. Flink deletes it right after the mark, so
//    one that stays is an interrupted removal nobody finishes (the mark does not change the
//    node's mtime, so the age is that of the pointer: an upper bound of how long it is stuck).
//    Subject: the pointer znode.
// Skipped without an inventory, or without a leader read (locks cannot be judged).

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_locks(const Snapshot& snapshot, std::vector<Finding>& out);

// True when check_locks reports `pointer` as deletion-stuck on this snapshot (the inspect
// adapter then leaves out inspect's own marked-for-deletion finding of the same znode).
bool reports_deletion_stuck(const Snapshot& snapshot, const flink::PointerRecord& pointer);

} // namespace flinkha::doctor
