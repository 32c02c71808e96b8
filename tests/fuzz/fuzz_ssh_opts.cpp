// Fuzzes the env.ssh.opts reader (parse_ssh_opts: bash word splitting, ssh's getopt, -o
// Key=Value) and StrictHostKeyChecking values. The value comes from flink-conf.yaml and decides
// how flinkha runs ssh, so whatever it accepts must be in range: a port 1..65535, non-empty
// user and identity files, positive timeouts. Seeds: env.ssh.opts values from the unit tests.
#include "remote/ssh_options.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>

using namespace flinkha::remote;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_host_key_check(text);
  const auto parsed = parse_ssh_opts(text);
  if (!parsed) {
    if (parsed.error().message.empty()) {
      __builtin_trap();
    }
    return 0;
  }
  const auto& o = parsed->options;
  if (o.port && (*o.port < 1 || *o.port > 65535)) {
    __builtin_trap();
  }
  if (o.user && o.user->empty()) {
    __builtin_trap();
  }
  if (o.identity_files) {
    for (const auto& file : *o.identity_files) {
      if (file.empty()) {
        __builtin_trap();
      }
    }
  }
  if (o.connect_timeout && o.connect_timeout->count() < 0) {
    __builtin_trap();
  }
  (void)merge(SshOptions{}, o);
  return 0;
}
