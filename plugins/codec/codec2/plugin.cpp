// codec-codec2: Codec 2, very low bitrate speech (700-3200 bit/s), for
// experiments on narrow links. Not in any default preference list.
#include "codec2_codec.hpp"

namespace {

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.codec.codec2",
    .display_name = "Codec 2",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Codec 2 (libcodec2), 8 kHz speech at 3200 down to 700 bit/s",
};

}  // namespace

// Lowest score: chosen only when asked for by name.
PARLEY_PLUGIN(kInfo, parley::sdk::codec<parley::codec2::Codec2>("codec2", 1))
