#include "doctor/leader_pairs.hpp"

namespace flinkha::doctor {

std::optional<std::string> missing_leader_reads(const Snapshot& snapshot) {
  if (snapshot.first_leaders && snapshot.second_leaders) {
    return std::nullopt;
  }
  if (!snapshot.leaders_error.empty()) {
    return "leaders not read: " + snapshot.leaders_error;
  }
  return std::string("leaders not read twice");
}

std::vector<LeaderPair> leader_pairs(const Snapshot& snapshot) {
  std::vector<LeaderPair> out;
  if (!snapshot.first_leaders || !snapshot.second_leaders) {
    return out;
  }
  for (const auto& first : snapshot.first_leaders->leaders) {
    if (first.version < 0) {
      continue;
    }
    for (const auto& second : snapshot.second_leaders->leaders) {
      if (second.connection_info_path == first.connection_info_path && second.version >= 0) {
        out.push_back({&first, &second});
        break;
      }
    }
  }
  return out;
}

} // namespace flinkha::doctor
