// env.ssh.opts as Flink's scripts pass it to ssh (word-split, no quote removal), and the layering
// of SSH settings.

#include "remote/ssh_options.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace flinkha::remote;
using std::chrono::milliseconds;

namespace {

struct Case {
  const char* text;
  SshOptions expected;
  std::vector<std::string> ignored;
};

SshOptions with(auto&& set) {
  SshOptions options;
  set(options);
  return options;
}

} // namespace

TEST_CASE("remote: parse_ssh_opts reads what Flink's scripts pass to ssh") {
  const std::vector<Case> cases{
      {"", {}, {}},
      {"   \t\n ", {}, {}},
      {"-p 2222", with([](auto& o) { o.port = 2222; }), {}},
      {"-p2222", with([](auto& o) { o.port = 2222; }), {}},
      {"  -p\t2222\n -l  flink ",
       with([](auto& o) {
         o.port = 2222;
         o.user = "flink";
       }),
       {}},
      {"-i ~/.ssh/flink -l flink",
       with([](auto& o) {
         o.identity_files = std::vector<std::string>{"~/.ssh/flink"};
         o.user = "flink";
       }),
       {}},
      {"-o Port=2200 -oUser=u -o IdentityFile=/k1 -i /k2",
       with([](auto& o) {
         o.port = 2200;
         o.user = "u";
         o.identity_files = std::vector<std::string>{"/k1", "/k2"};
       }),
       {}},
      {"-o Port 2201 -o User u2",
       with([](auto& o) {
         o.port = 2201;
         o.user = "u2";
       }),
       {}},
      {"-o port=22 -o STRICTHOSTKEYCHECKING=No",
       with([](auto& o) {
         o.port = 22;
         o.host_key_check = HostKeyCheck::off;
       }),
       {}},
      {"-o StrictHostKeyChecking=yes",
       with([](auto& o) { o.host_key_check = HostKeyCheck::strict; }),
       {}},
      {"-o StrictHostKeyChecking=accept-new",
       with([](auto& o) { o.host_key_check = HostKeyCheck::accept_new; }),
       {}},
      {"-o StrictHostKeyChecking=ask",
       with([](auto& o) { o.host_key_check = HostKeyCheck::strict; }),
       {}},
      {"-o ConnectTimeout=5", with([](auto& o) { o.connect_timeout = milliseconds(5000); }), {}},
      {"-o ConnectTimeout 7", with([](auto& o) { o.connect_timeout = milliseconds(7000); }), {}},
      {"-oConnectTimeout=1m30s",
       with([](auto& o) { o.connect_timeout = milliseconds(90000); }),
       {}},
      {"-o UserKnownHostsFile=/tmp/kh", with([](auto& o) { o.known_hosts_file = "/tmp/kh"; }), {}},
      // ssh: the first value obtained wins; -i accumulates.
      {"-p 1 -p 2 -o Port=3", with([](auto& o) { o.port = 1; }), {}},
      {"-o Port=3 -p 4 -l a -o User=b",
       with([](auto& o) {
         o.port = 3;
         o.user = "a";
       }),
       {}},
      // getopt clusters.
      {"-nqp2222", with([](auto& o) { o.port = 2222; }), {"-n", "-q"}},
      {"-vl flink", with([](auto& o) { o.user = "flink"; }), {"-v"}},
      // Understood as ssh options, not applied: reported.
      {"-o BatchMode=yes -F /cfg -v -nq -o ControlMaster=auto -J jump -E/tmp/log -4",
       {},
       {"-o BatchMode=yes", "-F /cfg", "-v", "-n", "-q", "-o ControlMaster=auto", "-J jump",
        "-E/tmp/log", "-4"}},
      // No quote removal: bash hands ssh the quotes as characters.
      {"-o 'User=a b'", {}, {"-o 'User=a", "b'"}},
      {"-l 'flink'", with([](auto& o) { o.user = "'flink'"; }), {}},
      // Words that are not options (ssh would take them as host and command).
      {"somehost", {}, {"somehost"}},
      {"-p 22 -- host cmd", with([](auto& o) { o.port = 22; }), {"host", "cmd"}},
      {"-", {}, {"-"}},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    auto parsed = parse_ssh_opts(c.text);
    REQUIRE(parsed);
    CHECK(parsed->options == c.expected);
    CHECK(parsed->ignored == c.ignored);
  }
}

TEST_CASE("remote: parse_ssh_opts rejects what ssh would reject") {
  for (const char* text :
       {"-p", "-p 0", "-p 70000", "-p abc", "-p 22x", "-i", "-o", "-o Port",
        "-o Port=", "-o ConnectTimeout=abc", "-o ConnectTimeout=0", "-o ConnectTimeout=5x",
        "-o StrictHostKeyChecking=maybe", "-vp", "-oUser=", "-o User= u4",
        "-o IdentityFile=", "-o UserKnownHostsFile="}) {
    CAPTURE(text);
    auto parsed = parse_ssh_opts(text);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message.starts_with("env.ssh.opts"));
    CHECK_FALSE(parsed.error().hint.empty());
  }
}

TEST_CASE("remote: host key policy names") {
  CHECK(parse_host_key_check("strict").value() == HostKeyCheck::strict);
  CHECK(parse_host_key_check("accept-new").value() == HostKeyCheck::accept_new);
  CHECK(parse_host_key_check("OFF").value() == HostKeyCheck::off);
  CHECK_FALSE(parse_host_key_check("lenient"));
  for (auto check : {HostKeyCheck::strict, HostKeyCheck::accept_new, HostKeyCheck::off}) {
    CHECK(parse_host_key_check(to_string(check)).value() == check);
  }
}

TEST_CASE("remote: merge applies the higher layer's set fields; resolve fills defaults") {
  const SshOptions from_opts = parse_ssh_opts("-p 2222 -l flink -i /k1 -o ConnectTimeout=3 "
                                              "-o StrictHostKeyChecking=no")
                                   .value()
                                   .options;
  SshOptions flags;
  flags.user = "ops";
  flags.identity_files = std::vector<std::string>{"/k2"};
  flags.command_timeout = milliseconds(5000);

  const SshOptions merged = merge(from_opts, flags);
  CHECK(merged.port == 2222);                                      // only in the lower layer
  CHECK(merged.user == "ops");                                     // flags win
  CHECK(merged.identity_files == std::vector<std::string>{"/k2"}); // replaced, not appended
  CHECK(merged.connect_timeout == milliseconds(3000));
  CHECK(merged.host_key_check == HostKeyCheck::off);
  CHECK(merged.command_timeout == milliseconds(5000));
  CHECK(merge(merged, SshOptions{}) == merged);
  CHECK(merge(SshOptions{}, merged) == merged);

  const SshSettings settings = resolve(merged);
  CHECK(settings.port == 2222);
  CHECK(settings.identity_files == std::vector<std::string>{"/k2"});
  CHECK(settings.host_key_check == HostKeyCheck::off);

  const SshSettings defaults = resolve(SshOptions{});
  CHECK_FALSE(defaults.user);
  CHECK_FALSE(defaults.port);
  CHECK_FALSE(defaults.known_hosts_file);
  CHECK(defaults.identity_files.empty());
  CHECK(defaults.host_key_check == HostKeyCheck::strict);
  CHECK(defaults.connect_timeout == milliseconds(10000));
  CHECK(defaults.command_timeout == milliseconds(120000));
}
