// Cost of calling through a loaded plugin interface (kernel RAII wrapper ->
// C table -> SDK thunk with exception guard -> plugin code) against calling the
// same code directly, in the same run. Work per call: one 20 ms G.711 frame,
// and, to isolate the boundary itself, a one-sample frame.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <vector>

#include "g711.hpp"
#include "plugin/codec_plugin.hpp"
#include "plugin/plugin_loader.hpp"

namespace {

using Clock = std::chrono::steady_clock;

// Best of several rounds: the least disturbed measurement of the same work.
template <typename Work>
double best_ns_per_call(Work&& work, int calls_per_round) {
  double best = 1e300;
  for (int round = 0; round < 7; ++round) {
    const auto start = Clock::now();
    for (int i = 0; i < calls_per_round; ++i) work();
    const std::chrono::duration<double, std::nano> elapsed = Clock::now() - start;
    best = std::min(best, elapsed.count() / calls_per_round);
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  const bool as_json = argc > 1 && std::strcmp(argv[1], "--json") == 0;
  const auto record = parley::plugin::load_plugin(std::filesystem::path(PARLEY_BUILT_PLUGIN_DIR) /
                                                  "parley-codec-g711.so");
  if (!record.loaded) {
    std::fprintf(stderr, "bench: cannot load g711 plugin: %s\n", record.reason.c_str());
    return 1;
  }
  const parley::plugin::CodecPlugin codec({&record, &record.interfaces[0]});  // pcmu
  nlohmann::json results = nlohmann::json::array();
  std::printf("%-28s %14s %14s %8s\n", "WORK PER CALL", "DIRECT ns", "PLUGIN ns", "RATIO");
  for (const std::uint32_t frame_ms : {20u, 10u}) {
    parley_codec_params params{sizeof params, 8000, 1, frame_ms, 0, -1, 0, 0, 0, 0, {}};
    auto encoder = codec.make_encoder(params);
    const std::size_t samples = 8 * frame_ms;
    std::vector<std::int16_t> pcm(samples);
    for (std::size_t i = 0; i < samples; ++i) pcm[i] = static_cast<std::int16_t>((i * 977) % 20000);
    std::vector<std::uint8_t> out(samples);
    volatile std::uint8_t sink = 0;  // keeps the direct loop from being optimised away

    const double direct = best_ns_per_call(
        [&] {
          for (std::size_t i = 0; i < samples; ++i) out[i] = parley::g711::linear_to_ulaw(pcm[i]);
          sink = sink + out[samples / 2];
        },
        200000);
    const double through_plugin = best_ns_per_call(
        [&] {
          encoder.encode(pcm, out);
          sink = sink + out[samples / 2];
        },
        200000);
    const std::string label = "G.711 encode, " + std::to_string(frame_ms) + " ms frame";
    std::printf("%-28s %14.1f %14.1f %7.2fx\n", label.c_str(), direct, through_plugin,
                through_plugin / direct);
    results.push_back({{"work", label},
                       {"direct_ns", direct},
                       {"plugin_ns", through_plugin},
                       {"ratio", through_plugin / direct},
                       {"boundary_overhead_ns", through_plugin - direct}});
  }
  if (as_json) std::printf("%s\n", results.dump(2).c_str());
  return 0;
}
