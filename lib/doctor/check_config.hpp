#pragma once
// Check "config": every `config check` diagnostic as a finding (same code; an error is critical,
// a warning a warning; the subject is file:line; the remedy is the lint's own hint).

#include "doctor/finding.hpp"
#include "doctor/snapshot.hpp"

#include <optional>
#include <string>
#include <vector>

namespace flinkha::doctor {

std::optional<std::string> check_config(const Snapshot& snapshot, std::vector<Finding>& out);

} // namespace flinkha::doctor
