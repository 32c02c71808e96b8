#include "storage/s3_xml.hpp"

#include "util/strings.hpp"

#include <fmt/format.h>

#include <array>
#include <charconv>
#include <ctime>
#include <pugixml.hpp>
#include <sstream>

namespace flinkha::storage::s3xml {

namespace {

// Parses `xml` into `doc` and gives its root element `root`, or the error naming the answer.
Result<pugi::xml_node> root_of(pugi::xml_document& doc, std::string_view xml, std::string_view what,
                               const char* root) {
  const auto parsed =
      doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8);
  if (!parsed) {
    return fail(ErrorCategory::failed,
                fmt::format("the {} answer is not XML ({} at byte {}): {}", what,
                            parsed.description(), parsed.offset, util::printable(xml, 120)));
  }
  const auto node = doc.child(root);
  if (!node) {
    return fail(ErrorCategory::failed, fmt::format("the {} answer is not a {}: {}", what, root,
                                                   util::printable(xml, 120)));
  }
  return node;
}

std::string text_of(const pugi::xml_node& node, const char* child) {
  return node.child(child).text().as_string();
}

std::optional<std::int64_t> number_of(std::string_view text) {
  std::int64_t value = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
    return std::nullopt;
  }
  return value;
}

int digits(std::string_view text, std::size_t at, std::size_t count, bool& ok) {
  int value = 0;
  if (at + count > text.size()) {
    ok = false;
    return 0;
  }
  for (std::size_t i = at; i < at + count; ++i) {
    if (text[i] < '0' || text[i] > '9') {
      ok = false;
      return 0;
    }
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::optional<std::int64_t> epoch_ms(int year, int month, int day, int hour, int minute, int second,
                                     int millis) {
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<std::int64_t>(timegm(&tm)) * 1000 + millis;
}

} // namespace

std::optional<std::int64_t> parse_iso8601_ms(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff…]Z
  bool ok = text.size() >= 20 && text[4] == '-' && text[7] == '-' && text[10] == 'T' &&
            text[13] == ':' && text[16] == ':' && text.back() == 'Z';
  if (!ok) {
    return std::nullopt;
  }
  const int year = digits(text, 0, 4, ok);
  const int month = digits(text, 5, 2, ok);
  const int day = digits(text, 8, 2, ok);
  const int hour = digits(text, 11, 2, ok);
  const int minute = digits(text, 14, 2, ok);
  const int second = digits(text, 17, 2, ok);
  int millis = 0;
  if (text.size() > 20) {
    if (text[19] != '.') {
      return std::nullopt;
    }
    const auto fraction = text.substr(20, text.size() - 21);
    if (fraction.empty()) {
      return std::nullopt;
    }
    int scale = 100;
    for (const char c : fraction) {
      if (c < '0' || c > '9') {
        return std::nullopt;
      }
      millis += (c - '0') * scale;
      scale /= 10;
    }
  } else if (text.size() != 20) {
    return std::nullopt;
  }
  if (!ok) {
    return std::nullopt;
  }
  return epoch_ms(year, month, day, hour, minute, second, millis);
}

std::optional<std::int64_t> parse_http_date_ms(std::string_view text) {
  // "Wed, 12 Oct 2009 17:50:00 GMT"
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  if (text.size() != 29 || text.substr(3, 2) != ", " || !text.ends_with(" GMT")) {
    return std::nullopt;
  }
  bool ok =
      text[7] == ' ' && text[11] == ' ' && text[16] == ' ' && text[19] == ':' && text[22] == ':';
  const int day = digits(text, 5, 2, ok);
  int month = 0;
  for (std::size_t i = 0; i < kMonths.size(); ++i) {
    if (text.substr(8, 3) == kMonths[i]) {
      month = static_cast<int>(i) + 1;
    }
  }
  const int year = digits(text, 12, 4, ok);
  const int hour = digits(text, 17, 2, ok);
  const int minute = digits(text, 20, 2, ok);
  const int second = digits(text, 23, 2, ok);
  if (!ok || month == 0) {
    return std::nullopt;
  }
  return epoch_ms(year, month, day, hour, minute, second, 0);
}

Result<ListPage> parse_list_objects_v2(std::string_view xml) {
  pugi::xml_document doc;
  const auto found = root_of(doc, xml, "ListObjectsV2", "ListBucketResult");
  if (!found) {
    return std::unexpected(found.error());
  }
  const auto root = *found;
  ListPage page;
  for (const auto& contents : root.children("Contents")) {
    Object object;
    object.key = text_of(contents, "Key");
    object.size_bytes = number_of(text_of(contents, "Size")).value_or(0);
    object.mtime_ms = parse_iso8601_ms(text_of(contents, "LastModified")).value_or(0);
    page.contents.push_back(std::move(object));
  }
  for (const auto& prefix : root.children("CommonPrefixes")) {
    page.common_prefixes.push_back(text_of(prefix, "Prefix"));
  }
  page.truncated = util::iequals(util::trim(text_of(root, "IsTruncated")), "true");
  page.next_continuation_token = text_of(root, "NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return fail(ErrorCategory::failed,
                "the ListObjectsV2 answer is truncated but has no NextContinuationToken; the "
                "listing cannot continue");
  }
  return page;
}

Result<DeleteResult> parse_delete_result(std::string_view xml) {
  pugi::xml_document doc;
  const auto found = root_of(doc, xml, "DeleteObjects", "DeleteResult");
  if (!found) {
    return std::unexpected(found.error());
  }
  const auto root = *found;
  DeleteResult result;
  for (const auto& deleted : root.children("Deleted")) {
    result.deleted.push_back(text_of(deleted, "Key"));
  }
  for (const auto& error : root.children("Error")) {
    result.errors.push_back(
        {text_of(error, "Key"), text_of(error, "Code"), text_of(error, "Message")});
  }
  return result;
}

std::string delete_request_body(const std::vector<std::string>& keys) {
  pugi::xml_document doc;
  auto decl = doc.append_child(pugi::node_declaration);
  decl.append_attribute("version") = "1.0";
  decl.append_attribute("encoding") = "UTF-8";
  auto root = doc.append_child("Delete");
  root.append_attribute("xmlns") = "http://s3.amazonaws.com/doc/2006-03-01/";
  root.append_child("Quiet").text().set("true");
  for (const auto& key : keys) {
    root.append_child("Object").append_child("Key").text().set(key.c_str());
  }
  std::ostringstream out;
  doc.save(out, "", pugi::format_raw);
  return out.str();
}

std::optional<ErrorDocument> parse_error(std::string_view xml) {
  if (xml.empty()) {
    return std::nullopt;
  }
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size(), pugi::parse_default, pugi::encoding_utf8)) {
    return std::nullopt;
  }
  const auto root = doc.child("Error");
  if (!root || text_of(root, "Code").empty()) {
    return std::nullopt;
  }
  return ErrorDocument{text_of(root, "Code"),          text_of(root, "Message"),
                       text_of(root, "Resource"),      text_of(root, "BucketName"),
                       text_of(root, "Region"),        text_of(root, "Endpoint"),
                       text_of(root, "AWSAccessKeyId")};
}

Result<std::string> parse_versioning_status(std::string_view xml) {
  pugi::xml_document doc;
  auto root = root_of(doc, xml, "GetBucketVersioning", "VersioningConfiguration");
  if (!root) {
    return std::unexpected(root.error());
  }
  return std::string(util::trim(text_of(*root, "Status")));
}

} // namespace flinkha::storage::s3xml
