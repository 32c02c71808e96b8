#include "flink/job_result_store.hpp"

#include "util/strings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace flinkha::flink {

namespace {

// FileSystemJobResultStore.FILE_EXTENSION / DIRTY_FILE_EXTENSION.
constexpr std::string_view kCleanSuffix = ".json";
constexpr std::string_view kDirtySuffix = "_DIRTY.json";

// org.apache.flink.runtime.clusterframework.ApplicationStatus constants.
constexpr std::string_view kStatuses[] = {"SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"};

std::string to_upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return result;
}

// A JSON integer as Jackson's getLongValue accepts it (no fractions, no strings).
std::optional<std::int64_t> as_long(const nlohmann::json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned()) {
      const auto unsigned_value = value.get<std::uint64_t>();
      if (unsigned_value > static_cast<std::uint64_t>(INT64_MAX)) {
        return std::nullopt;
      }
      return static_cast<std::int64_t>(unsigned_value);
    }
    return value.get<std::int64_t>();
  }
  return std::nullopt;
}

Result<std::optional<std::int64_t>>
optional_long(const nlohmann::json& result, std::string_view key, std::string_view file_name) {
  const auto it = result.find(key);
  if (it == result.end() || it->is_null()) {
    return std::optional<std::int64_t>{};
  }
  const auto value = as_long(*it);
  if (!value) {
    return failf("{}: result.{} is not an integer", file_name, key);
  }
  return value;
}

} // namespace

std::string_view to_string(JrsState state) {
  return state == JrsState::dirty ? "dirty" : "clean";
}

bool looks_like_job_id(std::string_view text) {
  return text.size() == 32 && std::all_of(text.begin(), text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

std::string dirty_file_name(std::string_view job_id) {
  return std::string(job_id) + std::string(kDirtySuffix);
}

std::string clean_file_name(std::string_view job_id) {
  return std::string(job_id) + std::string(kCleanSuffix);
}

Result<JrsListing> list_job_result_store(storage::HaStorage& store) {
  auto entries = store.list("", storage::Recursive::no);
  if (!entries) {
    return std::unexpected(entries.error());
  }
  JrsListing listing;
  for (auto& entry : *entries) {
    // getDirtyResults only looks at non-directory files; a link is not followed either.
    std::optional<JrsState> state;
    std::string_view job_id;
    const std::string_view name = entry.name;
    if (name.ends_with(kDirtySuffix)) {
      state = JrsState::dirty;
      job_id = name.substr(0, name.size() - kDirtySuffix.size());
    } else if (name.ends_with(kCleanSuffix)) {
      state = JrsState::clean;
      job_id = name.substr(0, name.size() - kCleanSuffix.size());
    }
    if (state && looks_like_job_id(job_id) && entry.type == storage::EntryType::file) {
      listing.entries.push_back(JrsFile{std::string(job_id), *state, std::move(entry)});
    } else {
      listing.unknown.push_back(std::move(entry));
    }
  }
  std::sort(listing.entries.begin(), listing.entries.end(), [](const JrsFile& a, const JrsFile& b) {
    return std::tie(a.job_id, a.state) < std::tie(b.job_id, b.state);
  });
  return listing;
}

Result<JobResultRecord> parse_job_result(std::string_view json, std::string_view file_name) {
  const auto document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) {
    return failf("{}: not valid JSON", file_name);
  }
  if (!document.is_object()) {
    return failf("{}: not a JSON object", file_name);
  }
  const auto result_it = document.find("result");
  if (result_it == document.end() || !result_it->is_object()) {
    return failf("{}: no \"result\" object", file_name);
  }
  const nlohmann::json& result = *result_it;

  JobResultRecord record;
  const auto id = result.find("id");
  if (id == result.end() || !id->is_string()) {
    return failf("{}: result.id is missing or not a string", file_name);
  }
  record.job_id = id->get<std::string>();
  if (!looks_like_job_id(record.job_id)) {
    return failf("{}: result.id '{}' is not a job id (32 lower-case hex characters)", file_name,
                 util::printable(record.job_id));
  }

  // JobResultDeserializer: ApplicationStatus.valueOf(text.toUpperCase()), UNKNOWN when absent.
  record.application_status = "UNKNOWN";
  if (const auto status = result.find("application-status");
      status != result.end() && !status->is_null()) {
    if (!status->is_string()) {
      return failf("{}: result.application-status is not a string", file_name);
    }
    record.application_status = to_upper(status->get<std::string>());
    if (std::find(std::begin(kStatuses), std::end(kStatuses), record.application_status) ==
        std::end(kStatuses)) {
      return failf("{}: result.application-status '{}' is not one of SUCCEEDED, FAILED, "
                   "CANCELED, UNKNOWN (Flink cannot read this entry)",
                   file_name, util::printable(record.application_status));
    }
  }

  auto net_runtime = optional_long(result, "net-runtime", file_name);
  if (!net_runtime) {
    return std::unexpected(net_runtime.error());
  }
  record.net_runtime_ms = net_runtime->value_or(-1);
  auto start_time = optional_long(result, "start-time", file_name);
  if (!start_time) {
    return std::unexpected(start_time.error());
  }
  record.start_time_ms = *start_time;
  auto end_time = optional_long(result, "end-time", file_name);
  if (!end_time) {
    return std::unexpected(end_time.error());
  }
  record.end_time_ms = *end_time;

  if (const auto name = result.find("name"); name != result.end() && name->is_string()) {
    record.name = name->get<std::string>();
  }
  if (const auto cause = result.find("failure-cause");
      cause != result.end() && cause->is_object()) {
    if (const auto cls = cause->find("class"); cls != cause->end() && cls->is_string()) {
      record.failure_class = cls->get<std::string>();
    }
  }
  if (const auto version = document.find("version"); version != document.end()) {
    record.version = as_long(*version);
  }
  return record;
}

Result<JobResultRecord> read_job_result(storage::HaStorage& store, const JrsFile& file) {
  auto content = store.read_file(file.entry.relative_path, kMaxJobResultBytes);
  if (!content) {
    return std::unexpected(content.error());
  }
  auto record = parse_job_result(*content, file.entry.name);
  if (record && record->job_id != file.job_id) {
    return failf("{}: result.id is {}, not the job id of the file name", file.entry.name,
                 record->job_id);
  }
  return record;
}

Result<MarkClean> mark_job_result_clean(storage::HaStorage& store, std::string_view job_id,
                                        DeleteOnCommit delete_on_commit) {
  if (!looks_like_job_id(job_id)) {
    return failf("'{}' is not a job id (32 lower-case hex characters)", util::printable(job_id));
  }
  const std::string dirty = dirty_file_name(job_id);
  if (delete_on_commit == DeleteOnCommit::yes) {
    auto removal = store.remove_file(dirty);
    if (!removal) {
      return std::unexpected(removal.error());
    }
    return *removal == storage::Removal::removed ? MarkClean::marked : MarkClean::already_clean;
  }
  auto exists = store.exists(dirty);
  if (!exists) {
    return std::unexpected(exists.error());
  }
  if (!*exists) {
    return MarkClean::already_clean;
  }
  if (auto renamed = store.rename_file(dirty, clean_file_name(job_id)); !renamed) {
    return std::unexpected(renamed.error());
  }
  return MarkClean::marked;
}

} // namespace flinkha::flink
