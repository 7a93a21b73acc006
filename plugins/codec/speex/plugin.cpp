// codec-speex: Speex narrowband, wideband and ultra-wideband (RFC 5574).
#include "speex_codec.hpp"

namespace {

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.codec.speex",
    .display_name = "Speex",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "Speex CELP speech codec (libspeex): 8, 16 and 32 kHz, VBR, DTX",
};

}  // namespace

// Below Opus, above the fixed-rate codecs; wideband is the better default.
PARLEY_PLUGIN(kInfo, parley::sdk::codec<parley::speex::SpeexWideband>("speex-wb", 60),
              parley::sdk::codec<parley::speex::SpeexNarrowband>("speex-nb", 50),
              parley::sdk::codec<parley::speex::SpeexUltraWideband>("speex-uwb", 55))
