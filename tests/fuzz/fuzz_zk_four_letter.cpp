// Fuzzes the four-letter-word parsers (parse_srvr, parse_mntr, parse_zxid, parse_server_mode,
// classify_refusal) and feeds whatever srvr/mntr parse into the quorum health model: answers
// come from the network, so no input may crash, hang or read out of bounds. Seeds: answers captured
// from ZooKeeper 3.8.0.
#include "zk/four_letter.hpp"
#include "zk/quorum_health.hpp"

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

using namespace flinkha::zk;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  (void)classify_refusal(input);
  (void)parse_zxid(input);
  (void)parse_server_mode(input);

  auto srvr = parse_srvr(input);
  auto mntr = parse_mntr(input);
  if (mntr) {
    (void)mntr->server_state();
    (void)mntr->synced_followers();
    (void)mntr->followers();
    (void)mntr->avg_latency_ms();
    for (const auto& [key, value] : mntr->values()) {
      (void)mntr->get_int(key);
      (void)mntr->get_double(key);
    }
  }

  // A 3-voter ensemble where every peer answered this input (and the leader's mntr too).
  std::vector<PeerProbe> probes;
  for (std::int64_t id = 1; id <= 3; ++id) {
    PeerProbe probe{PeerTarget{id, "127.0.0.1", 2180 + static_cast<int>(id), id != 3},
                    std::unexpected(FourLetterError{FourLetterErrorKind::malformed, "x", ""}),
                    std::nullopt};
    if (srvr) {
      probe.srvr = *srvr;
    }
    if (mntr) {
      probe.mntr = *mntr;
    }
    probes.push_back(std::move(probe));
  }
  (void)assess_quorum(probes);
  return 0;
}
