// codec-gsm: GSM 06.10 full rate (RFC 3551 "GSM", payload type 3).
#include "gsm_codec.hpp"

namespace {

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.codec.gsm",
    .display_name = "GSM full rate",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description = "GSM 06.10 RPE-LTP (libgsm), 8 kHz, 13.2 kbit/s, 33-byte frames",
};

}  // namespace

// Kept for interoperability: it sounds worse than Speex at a similar rate but
// needs a fifth of G.711's bandwidth, so it ranks between the two.
PARLEY_PLUGIN(kInfo, parley::sdk::codec<parley::gsm_fr::GsmFullRate>("gsm", 20))
