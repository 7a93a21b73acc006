// codec-opus: Opus (RFC 6716) with the RTP payload format of RFC 7587.
#include "opus_codec.hpp"

namespace {

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.codec.opus",
    .display_name = "Opus",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Opus speech and audio codec (libopus), 6-510 kbit/s, in-band FEC, DTX",
};

}  // namespace

// Highest score: the best speech quality per bit of the bundled codecs.
PARLEY_PLUGIN(kInfo, parley::sdk::codec<parley::opus::OpusCodec>("opus", 100))
