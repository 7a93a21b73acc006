// `parley demo --loopback`: no network, no second process: the shipped
// speech through every loaded codec, the preferred cipher and a real UDP
// socket pair on 127.0.0.1, one row per codec (api/media_loopback.hpp).
// What the live call demo was before it existed; plugin authors still use
// it to see their codec carry speech (`parley demo --codec l16`).
#pragma once

#include <boost/program_options.hpp>

#include "config/settings.hpp"

namespace parley::cli::demo {

// Takes the demo's parsed options: input, output-dir, codec, seconds, json.
int run_loopback_demo(const boost::program_options::variables_map& values,
                      const config::Settings& settings);

}  // namespace parley::cli::demo
