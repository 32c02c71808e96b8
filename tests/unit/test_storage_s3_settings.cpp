// The S3 settings as Flink's S3 file systems and the AWS SDKs read them (s3_settings.hpp): the
// credential chain, the key mirroring, endpoint, region and addressing.
#include "storage/s3_settings.hpp"
#include "test_support.hpp"

#include <doctest/doctest.h>

#include <map>
#include <string>

using flinkha::config::ClusterConfig;
using flinkha::storage::resolve_s3_settings;
using flinkha::storage::S3Flavor;
using flinkha::storage::S3Settings;
using flinkha::test::fake_environment;
using flinkha::test::TempDir;

namespace {

struct Setup {
  TempDir dir;
  std::map<std::string, std::string> env;

  ClusterConfig config(const std::string& flink_conf) {
    dir.write("conf/flink-conf.yaml", flink_conf);
    flinkha::config::LoadRequest request;
    request.conf_dir = dir.path() / "conf";
    request.flink_version = flinkha::config::parse_flink_version("1.20").value();
    request.environment = fake_environment({});
    auto loaded = flinkha::config::load_cluster_config(request);
    REQUIRE(loaded.has_value());
    return std::move(*loaded);
  }

  S3Settings resolve(const std::string& flink_conf, S3Flavor flavor = S3Flavor::hadoop) {
    const auto loaded = config(flink_conf);
    auto settings = resolve_s3_settings(&loaded, fake_environment(env), flavor);
    REQUIRE(settings.has_value());
    return std::move(*settings);
  }
};

} // namespace

TEST_CASE("s3 settings: the credential chain, first found wins") {
  struct Case {
    std::string name;
    std::string flink_conf;
    std::map<std::string, std::string> env;
    std::map<std::string, std::string> files; // relative to the temp dir
    S3Flavor flavor = S3Flavor::hadoop;
    std::string access_key; // "" = none found
    std::string source;
    std::string session_token;
  };
  const std::vector<Case> cases = {
      {"Flink's s3.* keys",
       "s3.access-key: AK1\ns3.secret-key: SK1\n",
       {{"AWS_ACCESS_KEY_ID", "ENV"}, {"AWS_SECRET_ACCESS_KEY", "ENVS"}},
       {},
       S3Flavor::hadoop,
       "AK1",
       "s3.access-key (flink-conf.yaml:1)",
       ""},
      {"the fs.s3a.* keys, with a session token",
       "fs.s3a.access.key: AK2\nfs.s3a.secret.key: SK2\nfs.s3a.session.token: T2\n",
       {},
       {},
       S3Flavor::hadoop,
       "AK2",
       "fs.s3a.access.key (flink-conf.yaml:1)",
       "T2"},
      {"the '-' spelling wins the mirroring in flink-s3-fs-hadoop",
       "s3.access.key: DOT\ns3.access-key: DASH\ns3.secret-key: S\n",
       {},
       {},
       S3Flavor::hadoop,
       "DASH",
       "s3.access-key (flink-conf.yaml:2)",
       ""},
      {"the '.' spelling wins in flink-s3-fs-presto",
       "s3.access.key: DOT\ns3.access-key: DASH\ns3.secret-key: S\n",
       {},
       {},
       S3Flavor::presto,
       "DOT",
       "s3.access.key (flink-conf.yaml:1)",
       ""},
      {"presto.s3.* keys for s3p://",
       "presto.s3.access-key: P\npresto.s3.secret-key: PS\n",
       {},
       {},
       S3Flavor::presto,
       "P",
       "presto.s3.access-key (flink-conf.yaml:1)",
       ""},
      {"an access key without a secret in the config: the environment",
       "s3.access-key: AK\n",
       {{"AWS_ACCESS_KEY_ID", "ENV"},
        {"AWS_SECRET_ACCESS_KEY", "ENVS"},
        {"AWS_SESSION_TOKEN", "ENVT"}},
       {},
       S3Flavor::hadoop,
       "ENV",
       "AWS_ACCESS_KEY_ID",
       "ENVT"},
      {"~/.aws/credentials [default]",
       "",
       {},
       {{"home/.aws/credentials",
         "# comment\n[default]\naws_access_key_id = FILE\naws_secret_access_key = FS\n"}},
       S3Flavor::hadoop,
       "FILE",
       "~/.aws/credentials [default]",
       ""},
      {"AWS_PROFILE in ~/.aws/config as [profile ci]",
       "",
       {{"AWS_PROFILE", "ci"}},
       {{"home/.aws/credentials", "[default]\naws_access_key_id = D\naws_secret_access_key = DS\n"},
        {"home/.aws/config", "[profile ci]\nregion = eu-north-1\naws_access_key_id = "
                             "CI\naws_secret_access_key = CS\n"}},
       S3Flavor::hadoop,
       "CI",
       "~/.aws/config [profile ci]",
       ""},
      {"AWS_SHARED_CREDENTIALS_FILE",
       "",
       {{"AWS_SHARED_CREDENTIALS_FILE", "@/creds"}},
       {{"creds", "[default]\naws_access_key_id=SH\naws_secret_access_key=SHS\n"}},
       S3Flavor::hadoop,
       "SH",
       "@/creds [default]",
       ""},
      {"nothing anywhere: unsigned requests", "", {}, {}, S3Flavor::hadoop, "", "", ""},
  };
  for (const auto& c : cases) {
    CAPTURE(c.name);
    Setup setup;
    const auto root = setup.dir.path().string();
    const auto expand = [&](std::string text) {
      if (text.starts_with('@')) {
        text = root + text.substr(1);
      }
      return text;
    };
    setup.env = {{"HOME", root + "/home"}};
    for (const auto& [name, value] : c.env) {
      setup.env[name] = expand(value);
    }
    for (const auto& [path, content] : c.files) {
      setup.dir.write(path, content);
    }
    const auto settings = setup.resolve(c.flink_conf, c.flavor);
    if (c.access_key.empty()) {
      CHECK_FALSE(settings.credentials.has_value());
      CHECK(settings.credentials_searched.find("AWS_ACCESS_KEY_ID") != std::string::npos);
      CHECK(settings.credentials_searched.find("~/.aws/credentials [default]") !=
            std::string::npos);
      continue;
    }
    REQUIRE(settings.credentials.has_value());
    CHECK(settings.credentials->keys.access_key_id == c.access_key);
    CHECK(settings.credentials->source == expand(c.source));
    CHECK(settings.credentials->keys.session_token == c.session_token);
  }
}

TEST_CASE("s3 settings: endpoint, region and addressing") {
  Setup setup;
  SUBCASE("AWS by default, virtual-hosted, region us-east-1") {
    const auto settings = setup.resolve("");
    CHECK(settings.endpoint() == "https://s3.us-east-1.amazonaws.com");
    CHECK_FALSE(settings.custom_endpoint);
    CHECK(settings.region == "us-east-1");
    CHECK(settings.url("my-bucket", "flink/ha/a b") ==
          "https://my-bucket.s3.us-east-1.amazonaws.com/flink/ha/a%20b");
  }
  SUBCASE("the region from the environment picks the AWS endpoint") {
    setup.env = {{"AWS_REGION", "eu-west-1"}, {"AWS_DEFAULT_REGION", "us-west-2"}};
    const auto settings = setup.resolve("");
    CHECK(settings.endpoint() == "https://s3.eu-west-1.amazonaws.com");
    CHECK(settings.region_source == "AWS_REGION");
  }
  SUBCASE("s3.endpoint.region (fs.s3a.endpoint.region) beats the environment") {
    setup.env = {{"AWS_REGION", "eu-west-1"}};
    const auto settings = setup.resolve("s3.endpoint.region: ap-south-1\n");
    CHECK(settings.region == "ap-south-1");
    CHECK(settings.region_source == "s3.endpoint.region (flink-conf.yaml:1)");
  }
  SUBCASE("a custom endpoint on an IP address is path style") {
    const auto settings = setup.resolve("s3.endpoint: http://127.0.0.1:8333\n");
    CHECK(settings.endpoint() == "http://127.0.0.1:8333");
    CHECK(settings.custom_endpoint);
    CHECK(settings.endpoint_source == "s3.endpoint (flink-conf.yaml:1)");
    CHECK(settings.path_style("flink"));
    CHECK(settings.url("flink", "ha/x", "list-type=2") ==
          "http://127.0.0.1:8333/flink/ha/x?list-type=2");
  }
  SUBCASE("a scheme-less endpoint follows fs.s3a.connection.ssl.enabled (Hadoop S3A)") {
    CHECK(setup.resolve("s3.endpoint: minio.internal:9000\n").endpoint() ==
          "https://minio.internal:9000");
    const auto plain =
        setup.resolve("s3.endpoint: minio.internal:9000\nfs.s3a.connection.ssl.enabled: false\n");
    CHECK(plain.endpoint() == "http://minio.internal:9000");
    CHECK_FALSE(plain.path_style("flink"));
    CHECK(plain.url("flink", "k") == "http://flink.minio.internal:9000/k");
  }
  SUBCASE("s3.path.style.access, and its '-' spelling") {
    CHECK(setup.resolve("s3.endpoint: minio.internal\ns3.path.style.access: true\n")
              .path_style("flink"));
    CHECK(setup.resolve("s3.endpoint: minio.internal\ns3.path-style-access: TRUE\n")
              .path_style("flink"));
  }
  SUBCASE("bucket names: dots over TLS and non-DNS names go path style") {
    const auto settings = setup.resolve("");
    CHECK(settings.path_style("my.bucket"));
    CHECK(settings.path_style("My_Bucket"));
    CHECK_FALSE(settings.path_style("my-bucket"));
    CHECK(settings.url("my.bucket", "") == "https://s3.us-east-1.amazonaws.com/my.bucket/");
    CHECK_FALSE(setup.resolve("s3.endpoint: http://s3.example.com\n").path_style("my.bucket"));
  }
  SUBCASE("an AWS endpoint names its region") {
    const auto settings = setup.resolve("s3.endpoint: s3.eu-central-1.amazonaws.com\n");
    CHECK(settings.region == "eu-central-1");
  }
  SUBCASE("a profile's region") {
    setup.env = {{"HOME", setup.dir.path().string()}};
    setup.dir.write(".aws/config", "[default]\nregion = sa-east-1\n");
    CHECK(setup.resolve("").region == "sa-east-1");
  }
  SUBCASE("an endpoint that is not one") {
    const auto loaded = setup.config("s3.endpoint: ftp://x\n");
    const auto settings = resolve_s3_settings(&loaded, fake_environment({}), S3Flavor::hadoop);
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().category == flinkha::ErrorCategory::configuration);
    CHECK(settings.error().message.find("s3.endpoint (flink-conf.yaml:1)") != std::string::npos);
  }
}

TEST_CASE("s3 settings: describe_s3_credentials never shows the secret") {
  Setup setup;
  const auto loaded = setup.config("s3.access-key: AKID\ns3.secret-key: TOPSECRET\n"
                                   "s3.endpoint: http://127.0.0.1:8333\n");
  const auto description = flinkha::storage::describe_s3_credentials(loaded, fake_environment({}));
  REQUIRE(description.has_value());
  CHECK(description->credentials_source == "s3.access-key (flink-conf.yaml:1)");
  CHECK(description->access_key_id == "AKID");
  CHECK(description->endpoint == "http://127.0.0.1:8333");
  CHECK(description->addressing == "path-style");
}

TEST_CASE("s3 settings: credentials with control bytes are refused, unshown; tokens trimmed") {
  Setup setup;
  SUBCASE("a CR LF in the session token from the environment") {
    const auto loaded = setup.config("");
    const auto settings =
        resolve_s3_settings(&loaded,
                            fake_environment({{"AWS_ACCESS_KEY_ID", "AK"},
                                              {"AWS_SECRET_ACCESS_KEY", "SK"},
                                              {"AWS_SESSION_TOKEN", "T0K3N\r\nX-Injected: yes"}}),
                            S3Flavor::hadoop);
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().category == flinkha::ErrorCategory::configuration);
    CHECK(settings.error().message.find("session token (from AWS_ACCESS_KEY_ID)") !=
          std::string::npos);
    CHECK(settings.error().message.find("Injected") == std::string::npos);
    CHECK(settings.error().message.find("T0K3N") == std::string::npos);
  }
  SUBCASE("a control byte in a profile's secret key") {
    setup.dir.write(".aws/credentials",
                    "[default]\naws_access_key_id = AK\naws_secret_access_key = S\x01K\n");
    const auto loaded = setup.config("");
    const auto settings = resolve_s3_settings(
        &loaded, fake_environment({{"HOME", setup.dir.path().string()}}), S3Flavor::hadoop);
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().category == flinkha::ErrorCategory::configuration);
    CHECK(settings.error().message.find("secret key") != std::string::npos);
  }
  SUBCASE("fs.s3a.session.token is trimmed like the keys (config.yaml keeps quoted blanks)") {
    setup.dir.write("conf/config.yaml", "fs.s3a.access.key: ' AK '\nfs.s3a.secret.key: ' SK '\n"
                                        "fs.s3a.session.token: ' TOKEN\t'\n");
    flinkha::config::LoadRequest request;
    request.conf_dir = setup.dir.path() / "conf";
    request.flink_version = flinkha::config::parse_flink_version("2.0").value();
    request.environment = fake_environment({});
    const auto loaded = flinkha::config::load_cluster_config(request);
    REQUIRE(loaded.has_value());
    const auto settings = resolve_s3_settings(&*loaded, fake_environment({}), S3Flavor::hadoop);
    REQUIRE(settings.has_value());
    REQUIRE(settings->credentials.has_value());
    CHECK(settings->credentials->keys.access_key_id == "AK");
    CHECK(settings->credentials->keys.session_token == "TOKEN");
  }
}

TEST_CASE("s3 settings: a region that is not one, and an endpoint with user information") {
  Setup setup;
  for (const auto& flink_conf : std::vector<std::string>{
           "s3.endpoint.region: EU_WEST_1\n", "s3.endpoint.region: eu-west-1/../x\n",
           "s3.endpoint.region: " + std::string(65, 'a') + "\n"}) {
    CAPTURE(flink_conf);
    const auto loaded = setup.config(flink_conf);
    const auto settings = resolve_s3_settings(&loaded, fake_environment({}), S3Flavor::hadoop);
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().category == flinkha::ErrorCategory::configuration);
    CHECK(settings.error().message.find("s3.endpoint.region (flink-conf.yaml:1)") !=
          std::string::npos);
    CHECK(settings.error().message.find("is not an S3 region") != std::string::npos);
  }
  {
    const auto loaded = setup.config("");
    const auto settings = resolve_s3_settings(
        &loaded, fake_environment({{"AWS_REGION", "eu-west-1\x1b[31m"}}), S3Flavor::hadoop);
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().message.find("AWS_REGION") != std::string::npos);
    CHECK(settings.error().message.find('\x1b') == std::string::npos);
  }
  CHECK(setup.resolve("s3.endpoint.region: eu-west-1\n").region == "eu-west-1");

  for (const std::string endpoint : {"http://user:SECRET@127.0.0.1:8333", "AK:SECRET@minio:9000"}) {
    CAPTURE(endpoint);
    const auto loaded = setup.config("s3.endpoint: " + endpoint + "\n");
    const auto settings = resolve_s3_settings(&loaded, fake_environment({}), S3Flavor::hadoop);
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().category == flinkha::ErrorCategory::configuration);
    CHECK(settings.error().message.find("s3.endpoint (flink-conf.yaml:1)") != std::string::npos);
    CHECK(settings.error().message.find("SECRET") == std::string::npos);
    CHECK(settings.error().hint.find("SECRET") == std::string::npos);
  }
}
