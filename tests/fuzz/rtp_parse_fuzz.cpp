// The RTP reader sees every packet from the network before anything else.
#include <cstdint>
#include <span>

#include "media/rtp_packet.hpp"
#include "replay_main.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto parsed = parley::media::parse_rtp(std::span(data, size));
  if (parsed.packet) {
    // Touch every payload byte: out-of-bounds views show up under ASan.
    volatile std::uint8_t sum = 0;
    for (auto byte : parsed.packet->payload) sum = sum + byte;
  }
  return 0;
}
