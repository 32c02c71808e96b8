#include "storage/s3_sigv4.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <ctime>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <utility>

namespace flinkha::storage::sigv4 {

namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string hex_of(const unsigned char* data, std::size_t size) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += digits[data[i] >> 4];
    out += digits[data[i] & 0x0f];
  }
  return out;
}

using Digest = std::array<unsigned char, 32>;

Digest hmac(std::string_view key, std::string_view data) {
  Digest out{};
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out.data(), &size);
  return out;
}

std::string_view view_of(const Digest& digest) {
  return {reinterpret_cast<const char*>(digest.data()), digest.size()};
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') {
    return c - '0';
  }
  return (c | 0x20) - 'a' + 10;
}

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Percent-decoding of one query component ('+' stays '+': S3 query values are RFC 3986).
std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && is_hex(text[i + 1]) && is_hex(text[i + 2])) {
      out += static_cast<char>(hex_value(text[i + 1]) * 16 + hex_value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Header values: trimmed, runs of spaces collapsed to one (the test suite's
// get-header-value-trim).
std::string collapse_spaces(std::string_view value) {
  const auto trimmed = util::trim(value);
  std::string out;
  out.reserve(trimmed.size());
  for (const char c : trimmed) {
    if (c == ' ' && !out.empty() && out.back() == ' ') {
      continue;
    }
    out += c;
  }
  return out;
}

struct UrlParts {
  std::string_view scheme;
  std::string_view host_port;
  std::string_view path;
  std::string_view query;
};

UrlParts split_url(std::string_view url) {
  UrlParts parts;
  auto rest = url;
  if (const auto colon = rest.find("://"); colon != std::string_view::npos) {
    parts.scheme = rest.substr(0, colon);
    rest.remove_prefix(colon + 3);
  }
  const auto path_start = rest.find_first_of("/?");
  parts.host_port = rest.substr(0, path_start);
  rest = path_start == std::string_view::npos ? std::string_view{} : rest.substr(path_start);
  const auto question = rest.find('?');
  parts.path = rest.substr(0, question);
  if (question != std::string_view::npos) {
    parts.query = rest.substr(question + 1);
  }
  return parts;
}

// Host as libcurl sends it: the default port of the scheme is left out.
std::string host_header_of(const UrlParts& parts) {
  std::string_view host = parts.host_port;
  const bool https = util::iequals(parts.scheme, "https");
  if (host.ends_with(https ? ":443" : ":80")) {
    host.remove_suffix(https ? 4 : 3);
  }
  return std::string(host);
}

void remove_header(std::vector<http::Header>& headers, std::string_view name) {
  std::erase_if(headers, [&](const http::Header& h) { return util::iequals(h.name, name); });
}

} // namespace

std::string content_md5_base64(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest.data(), &size, EVP_md5(), nullptr);
  std::array<unsigned char, 4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1> text{};
  const int n = EVP_EncodeBlock(text.data(), digest.data(), static_cast<int>(size));
  return {reinterpret_cast<const char*>(text.data()), static_cast<std::size_t>(n)};
}

std::string canonical_uri(std::string_view path) {
  if (path.empty()) {
    return "/";
  }
  static constexpr char digits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(path.size());
  for (std::size_t i = 0; i < path.size(); ++i) {
    const auto c = static_cast<unsigned char>(path[i]);
    if (c == '%' && i + 2 < path.size() && is_hex(path[i + 1]) && is_hex(path[i + 2])) {
      out += '%';
      out += digits[hex_value(path[i + 1])];
      out += digits[hex_value(path[i + 2])];
      i += 2;
    } else if (is_unreserved(c) || c == '/') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += digits[c >> 4];
      out += digits[c & 0x0f];
    }
  }
  return out;
}

std::string canonical_query(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto field : util::split(query, '&')) {
    if (field.empty()) {
      continue;
    }
    const auto equals = field.find('=');
    const auto name = field.substr(0, equals);
    const auto value =
        equals == std::string_view::npos ? std::string_view{} : field.substr(equals + 1);
    params.emplace_back(http::percent_encode(percent_decode(name), false),
                        http::percent_encode(percent_decode(value), false));
  }
  std::ranges::sort(params);
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) {
      out += '&';
    }
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

CanonicalHeaders canonical_headers(const std::vector<http::Header>& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& header : headers) {
    lowered.emplace_back(util::to_lower(util::trim(header.name)), collapse_spaces(header.value));
  }
  // Stable: repeated names keep the order they were given in (joined by ',').
  std::ranges::stable_sort(lowered, {}, &std::pair<std::string, std::string>::first);
  CanonicalHeaders out;
  for (std::size_t i = 0; i < lowered.size(); ++i) {
    if (i > 0 && lowered[i].first == lowered[i - 1].first) {
      out.text.pop_back(); // the '\n' of the previous value
      out.text += ',';
      out.text += lowered[i].second;
      out.text += '\n';
      continue;
    }
    if (!out.signed_headers.empty()) {
      out.signed_headers += ';';
    }
    out.signed_headers += lowered[i].first;
    out.text += lowered[i].first;
    out.text += ':';
    out.text += lowered[i].second;
    out.text += '\n';
  }
  return out;
}

std::string canonical_request(std::string_view method, std::string_view path,
                              std::string_view query, const std::vector<http::Header>& headers,
                              std::string_view payload_hash) {
  const auto canonical = canonical_headers(headers);
  return fmt::format("{}\n{}\n{}\n{}\n{}\n{}", method, canonical_uri(path), canonical_query(query),
                     canonical.text, canonical.signed_headers, payload_hash);
}

std::string string_to_sign(std::string_view amz_date, const Scope& scope,
                           std::string_view canonical_request_text) {
  return fmt::format("{}\n{}\n{}/{}/{}/aws4_request\n{}", kAlgorithm, amz_date,
                     amz_date.substr(0, 8), scope.region, scope.service,
                     sha256_hex(canonical_request_text));
}

std::string authorization(std::string_view method, std::string_view path, std::string_view query,
                          const std::vector<http::Header>& headers, std::string_view payload_hash,
                          const Credentials& credentials, const Scope& scope,
                          std::string_view amz_date) {
  const auto date = amz_date.substr(0, 8);
  const auto creq = canonical_request(method, path, query, headers, payload_hash);
  const auto sts = string_to_sign(amz_date, scope, creq);
  std::string secret = "AWS4";
  secret += credentials.secret_access_key;
  const auto date_key = hmac(secret, date);
  std::fill(secret.begin(), secret.end(), '\0');
  const auto region_key = hmac(view_of(date_key), scope.region);
  const auto service_key = hmac(view_of(region_key), scope.service);
  const auto signing_key = hmac(view_of(service_key), "aws4_request");
  const auto signature = hmac(view_of(signing_key), sts);
  return fmt::format("{} Credential={}/{}/{}/{}/aws4_request, SignedHeaders={}, Signature={}",
                     kAlgorithm, credentials.access_key_id, date, scope.region, scope.service,
                     canonical_headers(headers).signed_headers,
                     hex_of(signature.data(), signature.size()));
}

std::string amz_date_of(std::chrono::system_clock::time_point when) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(when);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  std::array<char, 32> text{};
  const auto n = std::strftime(text.data(), text.size(), "%Y%m%dT%H%M%SZ", &utc);
  return {text.data(), n};
}

void sign_request(http::Request& request, const Credentials& credentials, const Scope& scope,
                  std::chrono::system_clock::time_point now) {
  for (const auto name :
       {"host", "x-amz-date", "x-amz-content-sha256", "x-amz-security-token", "authorization"}) {
    remove_header(request.headers, name);
  }
  const auto parts = split_url(request.url);
  const auto amz_date = amz_date_of(now);
  const auto payload_hash = sha256_hex(request.body);
  request.headers.push_back({"Host", host_header_of(parts)});
  request.headers.push_back({"x-amz-date", amz_date});
  request.headers.push_back({"x-amz-content-sha256", payload_hash});
  if (!credentials.session_token.empty()) {
    request.headers.push_back({"x-amz-security-token", credentials.session_token});
  }
  auto value = authorization(request.method, parts.path, parts.query, request.headers, payload_hash,
                             credentials, scope, amz_date);
  request.headers.push_back({"Authorization", std::move(value)});
}

} // namespace flinkha::storage::sigv4
