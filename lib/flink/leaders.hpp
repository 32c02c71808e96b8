#pragma once
// Who leads a Flink cluster, read from ZooKeeper the way Flink itself decides it (reference
// flink-ha-format.md §3):
//  1. the latch participants, sorted as Curator's LeaderLatch sorts them
//     (StandardLockInternalsDriver.standardFixForSorting: the text after the LAST "latch-");
//     index 0 leads;
//  2. per component, the connection_info node: the leader's address and leader session id
//     (decoded by leader_info.hpp) and the node's ephemeral owner;
//  3. consistent = the connection_info's ephemeralOwner is the session holding the latch. A
//     writer only writes while it holds the latch and replaces nodes owned by other sessions, so
//     a mismatch is a stale node or a failover in progress.
// resolve_leaders() is a pure function of what a ZkReader returns (unit tests run it on an
// in-memory tree of real fixtures). FailoverTracker turns successive reports into the changes
// `leader watch` prints (leader lost, new leader elected with the failover duration, …).

#include "flink/ha_layout.hpp"
#include "zk/reader.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace flinkha::flink {

struct LatchParticipant {
  std::string latch; // the latch parent path
  std::string node;  // "_c_<uuid>-latch-0000000003"
  std::int64_t owner = 0;
  std::int64_t ctime_ms = 0;
  bool leader = false;    // first in Curator's order
  std::int64_t czxid = 0; // zxid that created the participant (its election; FLINK-27848 check)
};

// Sorts latch children as Curator does: by the text after the last "latch-" (names without it
// sort by the whole name), ties by the whole name.
std::vector<std::string> curator_sorted(std::vector<std::string> names);

struct ComponentLeader {
  std::string component; // "dispatcher", …, or a job id
  ComponentKind kind = ComponentKind::cluster;
  std::string connection_info_path;
  std::string latch_path;
  std::optional<std::string> address;
  std::optional<std::string> session_id;   // the leader session id (UUID)
  std::optional<std::int64_t> owner;       // ephemeralOwner of connection_info
  std::optional<std::int64_t> latch_owner; // ephemeralOwner of the latch's first participant
  std::int64_t mzxid = 0;                  // of connection_info (0: missing)
  // Stat.version of connection_info: one per write since the node was created (-1: missing).
  // A leader that keeps rewriting it (FLINK-27848) shows a rising version between two reads.
  std::int32_t version = -1;
  std::int64_t latch_czxid = 0; // czxid of the latch's first participant (0: no latch)
  std::string note;             // why the leader is not consistent, or "" when it is
  bool consistent() const { return note.empty(); }
};

enum class LeaderVerdict { consistent, inconsistent, none };
std::string_view to_string(LeaderVerdict verdict);

struct LeaderReport {
  std::string ns;
  HaEra era = HaEra::v1_15;
  std::string layout_source; // how the era was chosen: detection evidence or "--flink-version"
  std::vector<ComponentLeader> leaders; // cluster components first, then jobs by id
  std::vector<LatchParticipant> latch;  // every latch read, each in Curator's order
  // consistent: every component with a leader or a latch is consistent (and there is one);
  // none: no component has a leader and no latch has participants; else inconsistent.
  LeaderVerdict verdict = LeaderVerdict::none;
};

struct ResolveOptions {
  LayoutOptions layout;
  std::optional<HaEra> forced_era;   // --flink-version: skip detection
  HaEra fallback_era = HaEra::v1_15; // when detection finds nothing (e.g. an empty namespace)
};

// Reads the latches and connection_info nodes of every component (pipelined through
// ZkReader::get_many). Fails only when ZooKeeper fails (not for missing nodes, nor for an
// undecodable connection_info, which becomes the component's note).
zk::ZkResult<LeaderReport> resolve_leaders(zk::ZkReader& reader, const ResolveOptions& options);

// ---- changes between reports (leader watch) ---------------------------------------------------

enum class LeaderChangeKind {
  initial,         // the first report: the current leader of a component
  leader_lost,     // a consistent leader is gone (node deleted, latch lost, or now stale)
  leader_elected,  // a consistent leader with a new session appeared
  address_changed, // the same leader session publishes another address
  participant_joined,
  participant_left,
};
std::string_view to_string(LeaderChangeKind kind);

struct LeaderChange {
  LeaderChangeKind kind = LeaderChangeKind::initial;
  std::string component;                   // empty for participant changes
  std::optional<ComponentLeader> leader;   // the state now (elected / address / initial)
  std::optional<ComponentLeader> previous; // the last consistent leader (lost / elected / address)
  std::optional<LatchParticipant> participant;
  // leader_elected after leader_lost: from the report where the leader was lost to this one.
  std::optional<std::int64_t> failover_ms;
  std::string note;
};

// Compares each new report with the last and remembers when a component lost its leader.
class FailoverTracker {
public:
  using Clock = std::chrono::system_clock;

  std::vector<LeaderChange> observe(const LeaderReport& report, Clock::time_point now);

private:
  struct Known {
    std::optional<ComponentLeader> consistent; // the last consistent leader
    bool leading = false;                      // whether it still leads
    std::optional<Clock::time_point> lost_at;
  };
  bool m_first = true;
  std::map<std::string, Known> m_components;
  std::map<std::string, LatchParticipant> m_participants; // by latch + "/" + node
};

} // namespace flinkha::flink
