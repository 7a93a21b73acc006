// The media relay's default per-call rate, shared by the node's configuration
// ([node] relay_bytes_per_s) and the relay itself.
#pragma once

#include <cstddef>

namespace parley::overlay {

// Relayed payload (RTP, codec payload and auth tag) per call, both directions
// together: G.711 at 20 ms is 2 x 50 x 188 B = 18.8 kB/s, Opus at 32 kbit/s
// 2 x 50 x (80 + 28) B = 10.8 kB/s; this leaves room for RTCP and a louder codec.
inline constexpr std::size_t kDefaultRelayBytesPerS = 24'000;
// A slot may send this many seconds of its rate at once.
inline constexpr double kRelayBurstSeconds = 4;

}  // namespace parley::overlay
