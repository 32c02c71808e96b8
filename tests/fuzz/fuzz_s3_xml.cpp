// Fuzzes the S3 answer parsers (s3_xml.hpp: ListObjectsV2, DeleteObjects, Error documents, the
// two date forms S3 uses) and the SigV4 canonicalisation of a query and a path: any bytes give a
// value or an Error, never a crash.
#include "storage/s3_sigv4.hpp"
#include "storage/s3_xml.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  namespace s3xml = flinkha::storage::s3xml;
  (void)s3xml::parse_list_objects_v2(text);
  (void)s3xml::parse_delete_result(text);
  (void)s3xml::parse_error(text);
  (void)s3xml::parse_iso8601_ms(text);
  (void)s3xml::parse_http_date_ms(text);
  (void)flinkha::storage::sigv4::canonical_query(text);
  (void)flinkha::storage::sigv4::canonical_uri(text);
  return 0;
}
