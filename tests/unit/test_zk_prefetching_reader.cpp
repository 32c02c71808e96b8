#include "zk/memory_tree.hpp"
#include "zk/prefetching_reader.hpp"

#include <doctest/doctest.h>

#include <map>

using namespace flinkha;

namespace {

// Counts the reads that reach the tree, single and pipelined.
class CountingReader final : public zk::ZkReader {
public:
  explicit CountingReader(zk::MemoryTree& tree) : m_tree(tree) {}
  zk::ZkResult<zk::Node> get(const std::string& path) override {
    ++single;
    return m_tree.get(path);
  }
  zk::ZkResult<std::vector<std::string>> children(const std::string& path) override {
    ++single;
    return m_tree.children(path);
  }
  zk::ZkResult<std::optional<zk::Stat>> exists(const std::string& path) override {
    ++single;
    return m_tree.exists(path);
  }
  std::vector<zk::ZkResult<zk::Node>> get_many(const std::vector<std::string>& paths) override {
    ++pipelined;
    std::vector<zk::ZkResult<zk::Node>> out;
    for (const auto& p : paths) {
      out.push_back(m_tree.get(p));
    }
    return out;
  }
  std::vector<zk::ZkResult<std::vector<std::string>>>
  children_many(const std::vector<std::string>& paths) override {
    ++pipelined;
    children_asked += paths.size();
    std::vector<zk::ZkResult<std::vector<std::string>>> out;
    for (const auto& p : paths) {
      out.push_back(m_tree.children(p));
    }
    return out;
  }
  int single = 0;
  int pipelined = 0;
  std::size_t children_asked = 0;

private:
  zk::MemoryTree& m_tree;
};

} // namespace

TEST_CASE("prefetching_reader: reads map onto the tree, ZNONODE passes through") {
  zk::MemoryTree tree;
  zk::Stat stat;
  stat.ephemeral_owner = 0x1234;
  stat.mtime_ms = 42;
  tree.put("/flink/default/leader/latch/_c_x-latch-0000000001", "", stat);
  tree.put("/flink/default/jobs/a", "data-a");
  CountingReader reader(tree);
  zk::PrefetchingReader client(reader);

  auto node = client.get("/flink/default/jobs/a");
  REQUIRE(node.has_value());
  CHECK(node->data == "data-a");
  auto missing = client.get("/flink/default/nope");
  REQUIRE_FALSE(missing.has_value());
  CHECK(missing.error().code == zk::ZkCode::no_node);
  auto none = client.children("/flink/default/nope");
  REQUIRE_FALSE(none.has_value());
  CHECK(none.error().code == zk::ZkCode::no_node);
  auto latch = client.get("/flink/default/leader/latch/_c_x-latch-0000000001");
  REQUIRE(latch.has_value());
  CHECK(latch->stat.ephemeral_owner == 0x1234);
  CHECK(latch->stat.mtime_ms == 42);
}

TEST_CASE("prefetching_reader: children() prefetches the next level, each answer used once") {
  zk::MemoryTree tree;
  for (int i = 0; i < 50; ++i) {
    tree.put("/ns/jobs/j/checkpoints/" + std::to_string(1000 + i), "p" + std::to_string(i));
  }
  CountingReader reader(tree);
  zk::PrefetchingReader client(reader);
  auto names = client.children("/ns/jobs/j/checkpoints");
  REQUIRE(names.has_value());
  CHECK(names->size() == 50);
  CHECK(reader.single == 1);
  // One round: the data. Every checkpoint's Stat counts no children, so none is asked for them.
  CHECK(reader.pipelined == 1);
  CHECK(reader.children_asked == 0);
  for (const auto& name : *names) {
    auto node = client.get("/ns/jobs/j/checkpoints/" + name);
    REQUIRE(node.has_value());
    CHECK(node->data == "p" + std::to_string(std::stoi(name) - 1000));
    auto kids = client.children("/ns/jobs/j/checkpoints/" + name);
    REQUIRE(kids.has_value());
    CHECK(kids->empty());
  }
  CHECK(reader.single == 1); // everything came from the pipelined round
  // Used once: a second read goes to ZooKeeper again and sees a change.
  tree.put("/ns/jobs/j/checkpoints/1000", "changed");
  auto again = client.get("/ns/jobs/j/checkpoints/1000");
  REQUIRE(again.has_value());
  CHECK(again->data == "changed");
  CHECK(reader.single == 2);
}

TEST_CASE("prefetching_reader: children are asked only of prefetched nodes that have some") {
  zk::MemoryTree tree;
  tree.put("/ns/jobs/a/lock", "");
  tree.put("/ns/jobs/b", "");
  tree.put("/ns/jobs/c/x/y", "");
  CountingReader reader(tree);
  zk::PrefetchingReader client(reader);
  auto jobs = client.children("/ns/jobs");
  REQUIRE(jobs.has_value());
  CHECK(reader.pipelined == 2);
  CHECK(reader.children_asked == 2); // a and c; b is a leaf
  auto b = client.children("/ns/jobs/b");
  REQUIRE(b.has_value());
  CHECK(b->empty());
  auto c = client.children("/ns/jobs/c");
  REQUIRE(c.has_value());
  CHECK(*c == std::vector<std::string>{"x"});
  CHECK(reader.single == 1); // b's and c's children came with the prefetch
}
