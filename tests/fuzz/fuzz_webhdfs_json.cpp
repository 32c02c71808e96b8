// Fuzzes the WebHDFS answer parsers (FileStatus, LISTSTATUS / LISTSTATUS_BATCH pages,
// ContentSummary, boolean, RemoteException; storage/webhdfs_json.hpp): any bytes a NameNode or
// something pretending to be one sends give a value or an Error, never a crash, and no listing
// entry whose name could leave its directory.
#include "storage/webhdfs_json.hpp"
#include "util/flink_path.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace flinkha::storage;
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  (void)parse_file_status(body, "fuzz");
  if (auto page = parse_listing(body, "fuzz"); page && !lists_itself(*page)) {
    for (const auto& status : page->statuses) {
      if (status.name.empty() || status.name.find('/') != std::string::npos ||
          flinkha::util::unsafe_component(status.name)) {
        std::abort(); // a name the walker would join to a path it may delete
      }
    }
  }
  (void)parse_content_summary(body, "fuzz");
  (void)parse_boolean(body, "fuzz");
  (void)parse_remote_exception(body);
  return 0;
}
