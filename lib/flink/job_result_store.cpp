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

// org.apache.flink.api.common.ApplicationState constants (2.3).
constexpr std::string_view kApplicationStates[] = {"CREATED",   "RUNNING",  "FAILING", "FAILED",
                                                   "CANCELING", "CANCELED", "FINISHED"};

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

// An entry of either store: {"result":{…},"version":1}.
struct ParsedEntry {
  nlohmann::json result;
  std::optional<std::int64_t> version;
};

Result<ParsedEntry> parse_entry(std::string_view json, std::string_view file_name) {
  auto document = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
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
  ParsedEntry entry{std::move(*result_it), {}};
  if (const auto version = document.find("version"); version != document.end()) {
    entry.version = as_long(*version);
  }
  return entry;
}

// result.<key>: a string of 32 lower-case hex characters (JobID / ApplicationID).
Result<std::string> required_id(const nlohmann::json& result, std::string_view key,
                                std::string_view file_name, std::string_view what) {
  const auto id = result.find(key);
  if (id == result.end() || !id->is_string()) {
    return failf("{}: result.{} is missing or not a string", file_name, key);
  }
  auto text = id->get<std::string>();
  if (!looks_like_job_id(text)) {
    return failf("{}: result.{} '{}' is not {} (32 lower-case hex characters)", file_name, key,
                 util::printable(text), what);
  }
  return text;
}

// result.start-time and result.end-time (2.x), both optional integers.
Status read_times(const nlohmann::json& result, std::string_view file_name,
                  std::optional<std::int64_t>& start_ms, std::optional<std::int64_t>& end_ms) {
  auto start_time = optional_long(result, "start-time", file_name);
  if (!start_time) {
    return std::unexpected(start_time.error());
  }
  auto end_time = optional_long(result, "end-time", file_name);
  if (!end_time) {
    return std::unexpected(end_time.error());
  }
  start_ms = *start_time;
  end_ms = *end_time;
  return {};
}

// A store entry's file, read and parsed, its id checked against the file name.
template <typename Record, typename Parse, typename IdOf>
Result<Record> read_entry(storage::HaStorage& store, const JrsFile& file, Parse parse, IdOf id_of,
                          std::string_view what) {
  auto content = store.read_file(file.entry.relative_path, kMaxJobResultBytes);
  if (!content) {
    return std::unexpected(content.error());
  }
  auto record = parse(*content, file.entry.name);
  if (record && id_of(*record) != file.job_id) {
    return failf("{}: {} is {}, not the id of the file name", file.entry.name, what,
                 id_of(*record));
  }
  return record;
}

std::string to_upper(std::string_view text) {
  std::string result(text);
  for (char& c : result) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>(c - 'a' + 'A');
    }
  }
  return result;
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
  const auto parsed = parse_entry(json, file_name);
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  const nlohmann::json& result = parsed->result;

  JobResultRecord record;
  record.version = parsed->version;
  auto id = required_id(result, "id", file_name, "a job id");
  if (!id) {
    return std::unexpected(id.error());
  }
  record.job_id = std::move(*id);

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
  if (auto times = read_times(result, file_name, record.start_time_ms, record.end_time_ms);
      !times) {
    return std::unexpected(times.error());
  }

  if (const auto name = result.find("name"); name != result.end() && name->is_string()) {
    record.name = name->get<std::string>();
  }
  if (const auto cause = result.find("failure-cause");
      cause != result.end() && cause->is_object()) {
    if (const auto cls = cause->find("class"); cls != cause->end() && cls->is_string()) {
      record.failure_class = cls->get<std::string>();
    }
  }
  if (const auto app = result.find("application-id"); app != result.end() && app->is_string()) {
    record.application_id = app->get<std::string>();
  }
  return record;
}

Result<JobResultRecord> read_job_result(storage::HaStorage& store, const JrsFile& file) {
  return read_entry<JobResultRecord>(
      store, file, parse_job_result, [](const JobResultRecord& r) { return r.job_id; },
      "result.id");
}

Result<ApplicationResultRecord> parse_application_result(std::string_view json,
                                                         std::string_view file_name) {
  const auto parsed = parse_entry(json, file_name);
  if (!parsed) {
    return std::unexpected(parsed.error());
  }
  const nlohmann::json& result = parsed->result;
  ApplicationResultRecord record;
  record.version = parsed->version;
  // ApplicationResultDeserializer: assertNextToken(VALUE_STRING) for both fields, then
  // ApplicationID.fromHexString and ApplicationState.valueOf; the constructor rejects nulls.
  auto id = required_id(result, "application-id", file_name, "an application id");
  if (!id) {
    return std::unexpected(id.error());
  }
  record.application_id = std::move(*id);
  const auto state = result.find("application-state");
  if (state == result.end() || !state->is_string()) {
    return failf("{}: result.application-state is missing or not a string (Flink cannot read "
                 "this entry)",
                 file_name);
  }
  record.application_state = state->get<std::string>();
  if (std::find(std::begin(kApplicationStates), std::end(kApplicationStates),
                record.application_state) == std::end(kApplicationStates)) {
    return failf("{}: result.application-state '{}' is not an ApplicationState (Flink cannot "
                 "read this entry)",
                 file_name, util::printable(record.application_state));
  }
  if (const auto name = result.find("application-name");
      name != result.end() && name->is_string()) {
    record.name = name->get<std::string>();
  }
  if (auto times = read_times(result, file_name, record.start_time_ms, record.end_time_ms);
      !times) {
    return std::unexpected(times.error());
  }
  return record;
}

Result<ApplicationResultRecord> read_application_result(storage::HaStorage& store,
                                                        const JrsFile& file) {
  return read_entry<ApplicationResultRecord>(
      store, file, parse_application_result,
      [](const ApplicationResultRecord& r) { return r.application_id; }, "result.application-id");
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
