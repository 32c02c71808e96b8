#include "test_support.hpp"
#include "zk/client.hpp"
#include "zk/client_settings.hpp"
#include "zk/memory_tree.hpp"
#include "zk/path.hpp"

#include <doctest/doctest.h>

#include <chrono>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

using namespace flinkha;

TEST_CASE("zk_client: durations as Flink's TimeUtils reads them") {
  CHECK(zk::parse_duration_ms("60000") == 60'000);
  CHECK(zk::parse_duration_ms("60 s") == 60'000);
  CHECK(zk::parse_duration_ms("1 min") == 60'000);
  CHECK(zk::parse_duration_ms("500ms") == 500);
  CHECK(zk::parse_duration_ms(" 2 H ") == 7'200'000);
  CHECK(zk::parse_duration_ms("1d") == 86'400'000);
  CHECK(zk::parse_duration_ms("15 seconds") == 15'000);
  CHECK_FALSE(zk::parse_duration_ms("").has_value());
  CHECK_FALSE(zk::parse_duration_ms("s").has_value());
  CHECK_FALSE(zk::parse_duration_ms("5 fortnights").has_value());
  CHECK_FALSE(zk::parse_duration_ms("99999999999999999999").has_value());
}

TEST_CASE("zk_client: digest credentials") {
  CHECK(zk::parse_digest_auth("flink:secret\n", "f") == "flink:secret");
  CHECK(zk::parse_digest_auth("flink:pa:ss\r\nignored", "f") == "flink:pa:ss");
  CHECK_FALSE(zk::parse_digest_auth("nocolon", "f").has_value());
  CHECK_FALSE(zk::parse_digest_auth(":pw", "f").has_value());
}

TEST_CASE("zk_client: Curator's exponential backoff, capped") {
  CHECK(zk::backoff_ms(100, 0, 10'000, 0.0) == 100);  // max(1, nextInt(2))
  CHECK(zk::backoff_ms(100, 0, 10'000, 0.99) == 100); // nextInt(2) = 1
  CHECK(zk::backoff_ms(100, 2, 10'000, 0.99) == 700); // nextInt(8) = 7
  CHECK(zk::backoff_ms(5000, 3, 6000, 0.99) == 6000); // capped by max-retry-wait
}

TEST_CASE("zk_client: settings from the cluster's own configuration") {
  test::TempDir dir;
  dir.write("conf/config.yaml", "high-availability.type: zookeeper\n"
                                "high-availability.zookeeper.quorum: zk1:2181,zk2:2181/chroot\n"
                                "high-availability.zookeeper.client.session-timeout: 6 s\n"
                                "high-availability.zookeeper.client.connection-timeout: 2500\n"
                                "high-availability.zookeeper.client.max-retry-attempts: 5\n"
                                "security.kerberos.login.contexts: Client\n");
  config::LoadRequest request;
  request.conf_dir = dir.path() / "conf";
  request.flink_version = config::FlinkVersion{1, 20};
  request.environment = [](std::string_view) { return std::optional<std::string>{}; };
  const auto config = config::load_cluster_config(request);
  REQUIRE_MESSAGE(config.has_value(), (config ? "" : config.error().message));
  const auto settings = zk::client_settings(*config, {std::nullopt, 1234, false});
  REQUIRE(settings.has_value());
  CHECK(settings->settings.connect_string == "zk1:2181,zk2:2181/chroot");
  CHECK(settings->settings.session_timeout_ms == 6000);
  CHECK(settings->settings.connection_timeout_ms == 1234); // --zk-timeout wins
  CHECK(settings->settings.max_retry_attempts == 5);
  CHECK(settings->settings.retry_wait_ms == 5000);
  REQUIRE(settings->notes.size() == 1);
  CHECK(settings->notes[0].find("SASL") != std::string::npos);
}

TEST_CASE("zk_client: a quorum entry config check reports never reaches the client") {
  for (const auto* quorum :
       {"zk1:2181,zk2:70000", "zk1:2181,-oProxyCommand=x:2181", "zk1;id:2181"}) {
    CAPTURE(quorum);
    test::TempDir dir;
    dir.write("conf/config.yaml", std::string("high-availability.type: zookeeper\n"
                                              "high-availability.zookeeper.quorum: ") +
                                      quorum + "\n");
    config::LoadRequest request;
    request.conf_dir = dir.path() / "conf";
    request.flink_version = config::FlinkVersion{1, 20};
    request.environment = [](std::string_view) { return std::optional<std::string>{}; };
    const auto config = config::load_cluster_config(request).value();
    const auto settings = zk::client_settings(config, {std::nullopt, 1234, false});
    REQUIRE_FALSE(settings.has_value());
    CHECK(settings.error().category == ErrorCategory::configuration);
    CHECK(settings.error().message.find("high-availability.zookeeper.quorum: quorum entry") !=
          std::string::npos);
  }
}

TEST_CASE("zk_client: no ZooKeeper listening is ZCONNECTIONLOSS within the connect timeout") {
  // A port that nobody listens on: bind, read the port, close.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  zk::ClientSettings settings;
  settings.connect_string = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  settings.connection_timeout_ms = 300;
  const auto started = std::chrono::steady_clock::now();
  const auto client = zk::ZkClient::connect(settings);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  REQUIRE_FALSE(client.has_value());
  CHECK(client.error().code == zk::ZkCode::connection_loss);
  CHECK(zk::describe(client.error()).starts_with("ZCONNECTIONLOSS: no connection to ZooKeeper"));
  CHECK(elapsed < std::chrono::seconds(3));
  CHECK_FALSE(zk::to_error(client.error()).hint.empty());
}

TEST_CASE("zk_client: error texts carry the code name and the znode path") {
  const zk::ZkError error{zk::ZkCode::no_auth, "/flink/x", "not authenticated"};
  CHECK(zk::describe(error) == "ZNOAUTH: /flink/x: not authenticated");
  CHECK(zk::to_error(error).hint.find("--zk-auth-file") != std::string::npos);
  CHECK(zk::code_name(zk::ZkCode::session_expired) == "ZSESSIONEXPIRED");
  CHECK(zk::format_session_id(72057734629752832) == "0x1000020bbed0000");
}

TEST_CASE("zk_client: the in-memory tree answers like ZooKeeper") {
  zk::MemoryTree tree;
  zk::Stat stat;
  stat.ephemeral_owner = 42;
  tree.put("/a/b/c", "data", stat);
  CHECK(tree.children("/a") == std::vector<std::string>{"b"});
  CHECK(tree.get("/a/b/c")->data == "data");
  CHECK(tree.get("/a/b/c")->stat.ephemeral_owner == 42);
  CHECK(tree.get("/a/b")->stat.num_children == 1);
  CHECK(tree.get("/nope").error().code == zk::ZkCode::no_node);
  CHECK_FALSE(tree.exists("/nope")->has_value());
  const auto many = tree.get_many({"/a/b/c", "/nope"});
  CHECK(many[0].has_value());
  CHECK_FALSE(many[1].has_value());
  // ZooKeeper's delete is never recursive: a parent goes only after its children.
  CHECK(tree.remove("/a/b").error().code == zk::ZkCode::not_empty);
  CHECK(tree.exists("/a/b/c")->has_value());
  CHECK(tree.remove("/a/b/c").has_value());
  CHECK(tree.remove("/a/b").has_value());
  CHECK_FALSE(tree.exists("/a/b/c")->has_value());
  CHECK(tree.remove("/a/b").error().code == zk::ZkCode::no_node);
}

TEST_CASE("zk_client: the one set of znode path helpers") {
  CHECK(zk::join_path("/", "a") == "/a");
  CHECK(zk::join_path("/a/b", "c") == "/a/b/c");
  CHECK(zk::parent_path("/a/b/c") == "/a/b");
  CHECK(zk::parent_path("/a") == "/");
  CHECK(zk::is_within("/a/b", "/a/b"));
  CHECK(zk::is_within("/a/b/c", "/a/b"));
  CHECK_FALSE(zk::is_within("/a/bc", "/a/b"));
  CHECK(zk::is_within("/x", "/"));
}
