// Fuzzes the JobResultStore entry parser (FileSystemJobResultStore JSON, reference
// flink-ha-format.md §4.3): any bytes give a record or an Error naming the file, never a crash.
#include "flink/job_result_store.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  (void)flinkha::flink::parse_job_result(json, "fuzz_DIRTY.json");
  return 0;
}
