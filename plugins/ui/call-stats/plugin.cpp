// ui-call-stats: the live statistics of the current call in the desktop client.
#include "call_stats_extension.hpp"
#include "parley/sdk/ui_extension.hpp"
#include "parley/sdk/wx.hpp"

namespace {

constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.ui.call-stats",
    .display_name = "Call statistics",
    .version = "1.0.0",
    .license = "LGPL-2.1-or-later",
    .description =
        "Codec, bitrate, loss, jitter, round-trip time, MOS and path of the current call",
    .ui_toolkit = PARLEY_WX_TOOLKIT,
};

}  // namespace

PARLEY_PLUGIN(kInfo,
              parley::sdk::ui_extension<parley::call_stats::CallStatsExtension>("call-stats", 50))
