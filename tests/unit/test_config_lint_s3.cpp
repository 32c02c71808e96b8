// The S3 rules of config check (lint_s3.hpp).
#include "config/lint.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <filesystem>
#include <string>

using flinkha::config::Diagnostics;
using flinkha::test::fake_environment;
using flinkha::test::TempDir;

namespace {

Diagnostics lint(TempDir& dir, const std::string& flink_conf, std::filesystem::perms mode) {
  const auto file = dir.write("conf/flink-conf.yaml", flink_conf);
  std::filesystem::permissions(file, mode);
  flinkha::config::LoadRequest request;
  request.conf_dir = dir.path() / "conf";
  request.flink_version = flinkha::config::parse_flink_version("1.20").value();
  request.environment = fake_environment({});
  auto config = flinkha::config::load_cluster_config(request);
  REQUIRE(config.has_value());
  return flinkha::config::lint_cluster_config(*config, fake_environment({}));
}

std::vector<flinkha::config::Diagnostic> with_code(const Diagnostics& all, std::string_view code) {
  std::vector<flinkha::config::Diagnostic> out;
  std::ranges::copy_if(all, std::back_inserter(out), [&](const auto& d) { return d.code == code; });
  return out;
}

using std::filesystem::perms;
constexpr auto kWorldReadable =
    perms::owner_read | perms::owner_write | perms::group_read | perms::others_read;
constexpr auto kPrivate = perms::owner_read | perms::owner_write;

} // namespace

TEST_CASE("lint s3: a secret key in a config file every user can read") {
  TempDir dir;
  const std::string conf = "s3.endpoint: http://127.0.0.1:8333\ns3.access-key: AK\n"
                           "s3.secret-key: SK\nfs.s3a.session.token: T\n";
  const auto found =
      with_code(lint(dir, conf, kWorldReadable), "s3-secret-in-world-readable-config");
  REQUIRE(found.size() == 2);
  CHECK(found[0].where.line == 3);
  CHECK(found[0].message == "s3.secret-key is written in flink-conf.yaml, which every user of "
                            "this host can read");
  CHECK(found[0].hint.find("chmod 600 flink-conf.yaml") != std::string::npos);
  CHECK(found[0].message.find("SK") == std::string::npos);
  CHECK(found[1].where.line == 4);

  CHECK(with_code(lint(dir, conf, kPrivate), "s3-secret-in-world-readable-config").empty());
  CHECK(with_code(lint(dir, "s3.access-key: AK\n", kWorldReadable),
                  "s3-secret-in-world-readable-config")
            .empty());
}

TEST_CASE("lint s3: an access key without its secret key, per prefix") {
  TempDir dir;
  const auto found = with_code(
      lint(dir, "fs.s3a.access.key: AK\ns3.secret-key: SK\ns3.access.key: A2\n", kPrivate),
      "s3-key-without-secret");
  REQUIRE(found.size() == 1);
  CHECK(found[0].message.find("fs.s3a.access.key is set without fs.s3a.secret-key") == 0);
  CHECK(with_code(lint(dir, "presto.s3.access-key: A\npresto.s3.secret.key: S\n", kPrivate),
                  "s3-key-without-secret")
            .empty());
}
