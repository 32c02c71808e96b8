#include "storage/fake_storage.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using flinkha::storage::FakeStorage;
using flinkha::storage::Recursive;
using flinkha::storage::Removal;

TEST_CASE("storage: the fake behaves like the local storage") {
  FakeStorage storage;
  storage.add_file("blob/job_1/blob_p-1", "abc", 5);
  storage.add_symlink("blob/link", "/etc");
  storage.add_file("f", "x", 7);

  auto all = storage.list("", Recursive::yes);
  REQUIRE(all.has_value());
  CHECK(all->size() == 5);
  CHECK(storage.list("", Recursive::no).value().size() == 2);
  CHECK(storage.list("blob", Recursive::no).value().size() == 2);
  CHECK_FALSE(storage.list("blob/link", Recursive::no).has_value());
  CHECK_FALSE(storage.remove_file("blob/link").has_value());
  CHECK_FALSE(storage.read_file("blob/link", 10).has_value());
  CHECK(storage.read_file("blob/job_1/blob_p-1", 10).value() == "abc");
  CHECK_FALSE(storage.remove_empty_dir("blob/job_1").has_value());
  CHECK(storage.remove_file("blob/job_1/blob_p-1").value() == Removal::removed);
  CHECK(storage.remove_empty_dir("blob/job_1").value() == Removal::removed);
  CHECK(storage.remove_empty_dir("blob/job_1").value() == Removal::already_gone);
  CHECK_FALSE(storage.remove_file("../f").has_value());
  REQUIRE(storage.rename_file("f", "g").has_value());
  CHECK(storage.has("g"));
  CHECK_FALSE(storage.has("f"));
}

TEST_CASE("storage: the fake fails the n-th mutation without effect") {
  FakeStorage storage;
  for (int i = 0; i < 4; ++i) {
    storage.add_file("f" + std::to_string(i), "x");
  }
  storage.fail_nth_mutation(3);
  CHECK(storage.remove_file("f0").has_value());
  CHECK(storage.remove_file("f1").has_value());
  auto third = storage.remove_file("f2");
  REQUIRE_FALSE(third.has_value());
  CHECK(third.error().message.find("injected") != std::string::npos);
  CHECK(storage.has("f2"));
  CHECK(storage.remove_file("f2").has_value());
  CHECK(storage.mutations() == 3);
}
