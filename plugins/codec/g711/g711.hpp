// ITU-T G.711 companding: mu-law (PCMU) and A-law (PCMA), 8 kHz, 64 kbit/s.
#pragma once

#include <cstdint>

namespace parley::g711 {

std::uint8_t linear_to_ulaw(std::int16_t sample);
std::int16_t ulaw_to_linear(std::uint8_t code);
std::uint8_t linear_to_alaw(std::int16_t sample);
std::int16_t alaw_to_linear(std::uint8_t code);

}  // namespace parley::g711
