#include "storage/s3_settings.hpp"

#include "http/client.hpp"
#include "util/files.hpp"
#include "util/strings.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <map>

namespace flinkha::storage {

namespace {

constexpr std::uintmax_t kMaxProfileFileBytes = std::uintmax_t{1} << 20;

struct Found {
  std::string value;
  std::string source; // "s3.endpoint (config.yaml:7)"
};

// One logical setting: its '.' spelling and, where the plugin mirrors one, its '-' spelling.
struct Key {
  std::string_view dot;
  std::string_view dash; // "" when not mirrored
};

constexpr Key kAccessKey{"access.key", "access-key"};
constexpr Key kSecretKey{"secret.key", "secret-key"};
constexpr Key kSessionToken{"session.token", ""};
constexpr Key kEndpoint{"endpoint", ""};
constexpr Key kRegion{"endpoint.region", ""};
constexpr Key kPathStyle{"path.style.access", "path-style-access"};

std::optional<Found> find_key(const config::ClusterConfig* config, const std::string& key) {
  if (config == nullptr) {
    return std::nullopt;
  }
  const auto* entry = config->flink_conf.config.find(key);
  if (entry == nullptr) {
    return std::nullopt;
  }
  const auto where = config::to_string(entry->where);
  return Found{entry->value, where.empty() ? key : fmt::format("{} ({})", key, where)};
}

// The Flink option that ends up as the plugin's key (see the header): most specific prefix
// first, and the spelling that wins the mirroring first.
std::optional<Found> flink_value(const config::ClusterConfig* config, S3Flavor flavor,
                                 const Key& key) {
  std::vector<std::string_view> forms;
  std::vector<std::string_view> prefixes;
  if (flavor == S3Flavor::hadoop) {
    prefixes = {"fs.s3a.", "s3a.", "s3."};
    if (!key.dash.empty()) {
      forms.push_back(key.dash);
    }
    forms.push_back(key.dot);
  } else {
    prefixes = {"presto.s3.", "s3."};
    forms.push_back(key.dot);
    if (!key.dash.empty()) {
      forms.push_back(key.dash);
    }
  }
  for (const auto form : forms) {
    for (const auto prefix : prefixes) {
      if (auto found = find_key(config, fmt::format("{}{}", prefix, form))) {
        return found;
      }
    }
  }
  return std::nullopt;
}

// Hadoop's Configuration.getBoolean: trimmed, "true"/"false" in any case, else the default.
bool boolean_of(const std::optional<Found>& found, bool fallback) {
  if (!found) {
    return fallback;
  }
  const auto value = util::trim(found->value);
  if (util::iequals(value, "true")) {
    return true;
  }
  if (util::iequals(value, "false")) {
    return false;
  }
  return fallback;
}

std::optional<std::string> env_value(const config::Environment& environment,
                                     std::string_view name) {
  auto value = environment ? environment(name) : std::nullopt;
  if (value && value->empty()) {
    return std::nullopt;
  }
  return value;
}

// An INI file as the AWS SDKs read ~/.aws/credentials and ~/.aws/config: [section] lines,
// "key = value" pairs (names trimmed, lower-cased), '#' and ';' comment lines.
using Sections = std::map<std::string, std::map<std::string, std::string>, std::less<>>;

Sections parse_ini(std::string_view text) {
  Sections sections;
  std::map<std::string, std::string>* current = nullptr;
  for (const auto raw : util::split_lines(text)) {
    const auto line = util::trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') {
      continue;
    }
    if (line.front() == '[') {
      const auto close = line.find(']');
      const auto name =
          util::trim(line.substr(1, close == std::string_view::npos ? line.size() - 1 : close - 1));
      current = &sections[std::string(name)];
      continue;
    }
    const auto equals = line.find('=');
    if (current == nullptr || equals == std::string_view::npos) {
      continue;
    }
    (*current)[util::to_lower(util::trim(line.substr(0, equals)))] =
        std::string(util::trim(line.substr(equals + 1)));
  }
  return sections;
}

struct ProfileFile {
  std::filesystem::path path;
  std::string display; // "~/.aws/credentials" or the path given by the variable
};

std::optional<ProfileFile> profile_file(const config::Environment& environment,
                                        std::string_view variable, std::string_view name) {
  if (auto given = env_value(environment, variable)) {
    return ProfileFile{*given, *given};
  }
  if (auto home = env_value(environment, "HOME")) {
    return ProfileFile{std::filesystem::path(*home) / ".aws" / name,
                       fmt::format("~/.aws/{}", name)};
  }
  return std::nullopt;
}

Result<std::optional<Sections>> read_profiles(const std::optional<ProfileFile>& file) {
  if (!file) {
    return std::nullopt;
  }
  auto text = util::read_optional_file(file->path, kMaxProfileFileBytes);
  if (!text) {
    return std::unexpected(with_category(text.error(), ErrorCategory::configuration));
  }
  if (!*text) {
    return std::nullopt;
  }
  return parse_ini(**text);
}

const std::map<std::string, std::string>* section_of(const Sections& sections,
                                                     std::string_view name) {
  const auto it = sections.find(name);
  return it == sections.end() ? nullptr : &it->second;
}

std::string field(const std::map<std::string, std::string>& section, std::string_view name) {
  const auto it = section.find(std::string(name));
  return it == section.end() ? std::string{} : it->second;
}

std::optional<S3Credentials> credentials_of_section(const std::map<std::string, std::string>* s,
                                                    std::string source) {
  if (s == nullptr) {
    return std::nullopt;
  }
  S3Credentials credentials{{field(*s, "aws_access_key_id"), field(*s, "aws_secret_access_key"),
                             field(*s, "aws_session_token")},
                            std::move(source)};
  if (credentials.keys.access_key_id.empty() || credentials.keys.secret_access_key.empty()) {
    return std::nullopt;
  }
  return credentials;
}

// "s3.eu-west-1.amazonaws.com" / "s3-eu-west-1.amazonaws.com" / "bucket.s3.eu-west-1…" → region.
std::optional<std::string> region_of_aws_host(std::string_view host) {
  if (const auto colon = host.find(':'); colon != std::string_view::npos) {
    host = host.substr(0, colon);
  }
  if (!host.ends_with(".amazonaws.com")) {
    return std::nullopt;
  }
  host.remove_suffix(std::string_view(".amazonaws.com").size());
  const auto labels = util::split(host, '.');
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] == "s3" && i + 1 < labels.size()) {
      return std::string(labels[i + 1]);
    }
    if (labels[i].starts_with("s3-") && labels[i].size() > 3) {
      return std::string(labels[i].substr(3));
    }
  }
  return std::nullopt;
}

bool valid_host_port(std::string_view host_port) {
  if (host_port.empty()) {
    return false;
  }
  for (const char c : host_port) {
    const auto u = static_cast<unsigned char>(c);
    if (!(std::isalnum(u) || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' ||
          c == '_')) {
      return false;
    }
  }
  return true;
}

bool is_ipv4_or_localhost(std::string_view host_port) {
  auto host = host_port.substr(
      0, host_port.rfind(':') == std::string_view::npos ? host_port.size() : host_port.rfind(':'));
  if (host == "localhost" || host.starts_with('[')) {
    return true;
  }
  const auto parts = util::split(host, '.');
  if (parts.size() != 4) {
    return false;
  }
  for (const auto part : parts) {
    if (part.empty() || part.size() > 3 ||
        part.find_first_not_of("0123456789") != std::string_view::npos) {
      return false;
    }
  }
  return true;
}

// S3's DNS-compatible bucket names (lower-case letters, digits, '-', '.', 3–63 chars, starting
// and ending with a letter or digit): the only names that can be a host name label.
bool dns_compatible_bucket(std::string_view bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) {
    return false;
  }
  for (const char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) {
      return false;
    }
  }
  return std::isalnum(static_cast<unsigned char>(bucket.front())) &&
         std::isalnum(static_cast<unsigned char>(bucket.back())) &&
         bucket.find("..") == std::string_view::npos;
}

Status resolve_credentials(const config::ClusterConfig* config,
                           const config::Environment& environment, S3Flavor flavor,
                           const std::string& profile, S3Settings& settings) {
  const auto access = flink_value(config, flavor, kAccessKey);
  const auto secret = flink_value(config, flavor, kSecretKey);
  std::vector<std::string> searched;
  if (access && secret) {
    std::string token;
    if (flavor == S3Flavor::hadoop) {
      if (auto found = flink_value(config, flavor, kSessionToken)) {
        token = std::string(util::trim(found->value));
      }
    }
    settings.credentials = S3Credentials{
        {std::string(util::trim(access->value)), std::string(util::trim(secret->value)), token},
        access->source};
    return {};
  }
  searched.emplace_back(flavor == S3Flavor::hadoop ? "s3.access-key/s3.secret-key"
                                                   : "s3.access-key/s3.secret-key (presto.s3.*)");
  const auto env_access = env_value(environment, "AWS_ACCESS_KEY_ID");
  const auto env_secret = env_value(environment, "AWS_SECRET_ACCESS_KEY");
  if (env_access && env_secret) {
    settings.credentials = S3Credentials{
        {*env_access, *env_secret, env_value(environment, "AWS_SESSION_TOKEN").value_or("")},
        "AWS_ACCESS_KEY_ID"};
    return {};
  }
  searched.emplace_back("AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY");
  const auto credentials_file =
      profile_file(environment, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
  auto credentials_sections = read_profiles(credentials_file);
  if (!credentials_sections) {
    return std::unexpected(credentials_sections.error());
  }
  if (*credentials_sections) {
    const auto source = fmt::format("{} [{}]", credentials_file->display, profile);
    if (auto found = credentials_of_section(section_of(**credentials_sections, profile), source)) {
      settings.credentials = std::move(found);
      return {};
    }
  }
  if (credentials_file) {
    searched.push_back(fmt::format("{} [{}]", credentials_file->display, profile));
  }
  const auto config_file = profile_file(environment, "AWS_CONFIG_FILE", "config");
  auto config_sections = read_profiles(config_file);
  if (!config_sections) {
    return std::unexpected(config_sections.error());
  }
  if (*config_sections) {
    const auto section_name = profile == "default" ? profile : "profile " + profile;
    const auto* section = section_of(**config_sections, section_name);
    const auto source = fmt::format("{} [{}]", config_file->display, section_name);
    if (auto found = credentials_of_section(section, source)) {
      settings.credentials = std::move(found);
    }
    if (section != nullptr && settings.region_source == "default") {
      if (auto region = field(*section, "region"); !region.empty()) {
        settings.region = region;
        settings.region_source = source;
      }
    }
    if (settings.credentials) {
      return {};
    }
  }
  if (config_file) {
    searched.push_back(fmt::format("{} [{}]", config_file->display,
                                   profile == "default" ? profile : "profile " + profile));
  }
  settings.credentials_searched = fmt::format("{}", fmt::join(searched, ", "));
  return {};
}

bool has_control_byte(std::string_view value) {
  return std::ranges::any_of(value, [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7f;
  });
}

// A CR or LF in a credential would end the HTTP header line it is signed into (the session token
// is sent as x-amz-security-token); the value itself is a secret, so it is never shown.
Status check_credential_bytes(const S3Settings& settings) {
  if (!settings.credentials) {
    return {};
  }
  const auto& keys = settings.credentials->keys;
  const std::array<std::pair<std::string_view, const std::string*>, 3> values = {{
      {"access key id", &keys.access_key_id},
      {"secret key", &keys.secret_access_key},
      {"session token", &keys.session_token},
  }};
  for (const auto& [what, value] : values) {
    if (has_control_byte(*value)) {
      return fail(ErrorCategory::configuration,
                  fmt::format("the S3 {} (from {}) contains a control character (CR, LF or "
                              "another); refused",
                              what, settings.credentials->source),
                  "write the credential on one line, without control characters");
    }
  }
  return {};
}

// The AWS regions' names ("eu-west-1"); anything else cannot be in a SigV4 scope or a host name.
bool valid_region(std::string_view region) {
  return !region.empty() && region.size() <= 64 && std::ranges::all_of(region, [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

} // namespace

S3Flavor s3_flavor_of(std::string_view scheme) {
  return util::iequals(scheme, "s3p") ? S3Flavor::presto : S3Flavor::hadoop;
}

std::string S3Settings::endpoint() const {
  return fmt::format("{}://{}", endpoint_scheme, endpoint_host);
}

bool S3Settings::path_style(std::string_view bucket) const {
  if (path_style_setting || is_ipv4_or_localhost(endpoint_host) || !dns_compatible_bucket(bucket)) {
    return true;
  }
  return endpoint_scheme == "https" && bucket.find('.') != std::string_view::npos;
}

std::string S3Settings::url(std::string_view bucket, std::string_view key,
                            std::string_view query) const {
  std::string out = path_style(bucket)
                        ? fmt::format("{}://{}/{}", endpoint_scheme, endpoint_host,
                                      http::percent_encode(bucket, false))
                        : fmt::format("{}://{}.{}", endpoint_scheme, bucket, endpoint_host);
  out += '/';
  out += http::percent_encode(key, true);
  if (!query.empty()) {
    out += '?';
    out += query;
  }
  return out;
}

Result<S3Settings> resolve_s3_settings(const config::ClusterConfig* config,
                                       const config::Environment& environment, S3Flavor flavor) {
  S3Settings settings;
  // Region first: a profile's region may fill it in later (resolve_credentials).
  if (auto region = flink_value(config, S3Flavor::hadoop, kRegion)) {
    settings.region = std::string(util::trim(region->value));
    settings.region_source = region->source;
  } else if (auto env = env_value(environment, "AWS_REGION")) {
    settings.region = *env;
    settings.region_source = "AWS_REGION";
  } else if (auto legacy = env_value(environment, "AWS_DEFAULT_REGION")) {
    settings.region = *legacy;
    settings.region_source = "AWS_DEFAULT_REGION";
  }
  const auto profile = env_value(environment, "AWS_PROFILE").value_or("default");
  if (auto status = resolve_credentials(config, environment, flavor, profile, settings); !status) {
    return std::unexpected(status.error());
  }
  if (auto status = check_credential_bytes(settings); !status) {
    return std::unexpected(status.error());
  }

  const auto ssl = flavor == S3Flavor::hadoop
                       ? flink_value(config, flavor, {"connection.ssl.enabled", ""})
                       : flink_value(config, flavor, {"ssl.enabled", ""});
  const bool tls = boolean_of(ssl, true);
  settings.path_style_setting = boolean_of(flink_value(config, flavor, kPathStyle), false);
  if (auto endpoint = flink_value(config, flavor, kEndpoint);
      endpoint && !util::trim(endpoint->value).empty()) {
    std::string_view text = util::trim(endpoint->value);
    settings.endpoint_source = endpoint->source;
    settings.custom_endpoint = true;
    settings.endpoint_scheme = tls ? "https" : "http";
    if (const auto sep = text.find("://"); sep != std::string_view::npos) {
      settings.endpoint_scheme = util::to_lower(text.substr(0, sep));
      text.remove_prefix(sep + 3);
    }
    while (text.ends_with('/')) {
      text.remove_suffix(1);
    }
    if (endpoint->value.find('@') != std::string::npos) {
      // user:password@host: never echoed, it may be a secret.
      return fail(ErrorCategory::configuration,
                  fmt::format("{}: the S3 endpoint has user information (user@host); refused",
                              endpoint->source),
                  "write credentials in s3.access-key/s3.secret-key or the environment, and only "
                  "http(s)://host[:port] in s3.endpoint");
    }
    if ((settings.endpoint_scheme != "http" && settings.endpoint_scheme != "https") ||
        !valid_host_port(text)) {
      return fail(ErrorCategory::configuration,
                  fmt::format("{}: '{}' is not an S3 endpoint (expected host[:port] or "
                              "http(s)://host[:port])",
                              endpoint->source, util::printable(endpoint->value)),
                  "set s3.endpoint to e.g. https://s3.eu-west-1.amazonaws.com or "
                  "http://127.0.0.1:8333");
    }
    settings.endpoint_host = std::string(text);
    if (settings.region_source == "default") {
      if (auto region = region_of_aws_host(settings.endpoint_host)) {
        settings.region = *region;
        settings.region_source = endpoint->source;
      }
    }
  } else {
    settings.endpoint_host = fmt::format("s3.{}.amazonaws.com", settings.region);
  }
  if (!valid_region(settings.region)) {
    return fail(ErrorCategory::configuration,
                fmt::format("{}: '{}' is not an S3 region (lower-case letters, digits and '-', "
                            "at most 64)",
                            settings.region_source, util::printable(settings.region, 64)),
                "set s3.endpoint.region (or AWS_REGION) to the bucket's region, e.g. eu-west-1");
  }
  return settings;
}

Result<S3Description> describe_s3_credentials(const config::ClusterConfig& config,
                                              const config::Environment& environment,
                                              S3Flavor flavor) {
  auto settings = resolve_s3_settings(&config, environment, flavor);
  if (!settings) {
    return std::unexpected(settings.error());
  }
  S3Description description;
  if (settings->credentials) {
    description.credentials_source = settings->credentials->source;
    description.access_key_id = settings->credentials->keys.access_key_id;
    description.session_token = !settings->credentials->keys.session_token.empty();
  }
  description.region = settings->region;
  description.region_source = settings->region_source;
  description.endpoint = settings->endpoint();
  description.endpoint_source = settings->endpoint_source;
  description.addressing = settings->path_style("bucket") ? "path-style" : "virtual-hosted";
  return description;
}

} // namespace flinkha::storage
