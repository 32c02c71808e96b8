#pragma once
// Rendering of an HA inventory (lib/flink/ha_inventory.hpp) for `flinkha inspect`: JSON with
// every piece, and text grouped by job.

#include "flink/ha_inventory.hpp"
#include "table.hpp"

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>

namespace flinkha::cli {

enum class Verbose { yes, no };

// running: a job graph pointer that is not marked for deletion and no JobResultStore entry;
// dirty / clean: the JobResultStore entry; orphaned: anything else that is left of the job.
std::string_view job_state(const flink::JobRecord& job);

nlohmann::ordered_json inventory_json(const flink::HaInventory& inventory);

void print_inventory_text(const flink::HaInventory& inventory, const std::string& layout_source,
                          const Style& style, Verbose verbose);

// "critical", "warning", "info    " (padded to 8), red / yellow / dim.
std::string severity_text(flink::Severity severity, const Style& style);

// "1.2 KiB", "12 B".
std::string human_bytes(std::int64_t bytes);
// "3d4h", "2h5m", "90s".
std::string human_age(std::int64_t ms);

} // namespace flinkha::cli
