#include "http/client.hpp"

#include <doctest/doctest.h>

using flinkha::http::origin_of;
using flinkha::http::percent_encode;
using flinkha::http::Response;

TEST_CASE("http: percent_encode keeps RFC 3986's unreserved characters only") {
  CHECK(percent_encode("AZaz09-_.~", false) == "AZaz09-_.~");
  CHECK(percent_encode("a b+c=d&e", false) == "a%20b%2Bc%3Dd%26e");
  CHECK(percent_encode("dir/file name", false) == "dir%2Ffile%20name");
  CHECK(percent_encode("dir/file name", true) == "dir/file%20name");
  CHECK(percent_encode("\xc3\xa9", false) == "%C3%A9"); // upper-case hex, as SigV4 requires
  CHECK(percent_encode(std::string_view("\0", 1), false) == "%00");
}

TEST_CASE("http: origin_of shows scheme, host and port, never user info, path or query") {
  CHECK(origin_of("http://127.0.0.1:9870/webhdfs/v1/x?op=LISTSTATUS&user.name=u") ==
        "http://127.0.0.1:9870");
  CHECK(origin_of("https://key:secret@bucket.s3.amazonaws.com/k") ==
        "https://bucket.s3.amazonaws.com");
  CHECK(origin_of("http://[::1]:8333") == "http://[::1]:8333");
  CHECK(origin_of("nohost/path") == "nohost");
}

TEST_CASE("http: Response::header finds the first header of a lower-case name") {
  Response response;
  response.headers = {
      {"content-type", "application/json"}, {"x-amz-request-id", "1"}, {"x-amz-request-id", "2"}};
  CHECK(response.header("x-amz-request-id") == "1");
  CHECK_FALSE(response.header("etag").has_value());
}
