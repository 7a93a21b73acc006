// wav_correlate SOURCE.wav RECORDING.wav: how well a call's recording matches
// what the other side sent, as one JSON object on stdout: the normalised
// cross-correlation at the best lag, the lag, how much of the source the
// recording covers, and per one-second window (a gap mid-call shows there).
// The alignment is the one `parley demo` uses (kernel/cli/demo_alignment.hpp).
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>
#include <vector>

#include "cli/demo_alignment.hpp"
#include "media/resampler.hpp"
#include "wav_file.hpp"

namespace {

struct Audio {
  std::uint32_t rate_hz = 0;
  std::vector<std::int16_t> samples;
};

// At most ten minutes: a recording is a call's length, not arbitrary input.
Audio read_mono(const char* path) {
  parley::wav::WavReader reader(path);
  if (reader.format().channels != 1) throw std::runtime_error(std::string(path) + " is not mono");
  if (reader.frames_total() > std::uint64_t{600} * reader.format().sample_rate_hz) {
    throw std::runtime_error(std::string(path) + " is longer than 10 minutes");
  }
  Audio audio;
  audio.rate_hz = reader.format().sample_rate_hz;
  audio.samples.resize(reader.frames_total());
  audio.samples.resize(reader.read(audio.samples));
  return audio;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: wav_correlate SOURCE.wav RECORDING.wav\n";
    return 2;
  }
  try {
    const auto source = read_mono(argv[1]);
    auto recording = read_mono(argv[2]);
    if (recording.rate_hz != source.rate_hz) {
      parley::media::Resampler resampler(1, recording.rate_hz, source.rate_hz);
      recording.samples = resampler.process(recording.samples);
    }
    const auto match =
        parley::cli::demo::match_recording(source.samples, recording.samples, source.rate_hz);
    nlohmann::json windows = nlohmann::json::array();
    for (const auto& w : match.windows) {
      windows.push_back(
          {{"start_s", w.start_s}, {"correlation", w.correlation}, {"active", w.active}});
    }
    const nlohmann::json out = {{"rate_hz", source.rate_hz},
                                {"source_s", double(source.samples.size()) / source.rate_hz},
                                {"recording_s", double(recording.samples.size()) / source.rate_hz},
                                {"correlation", match.correlation},
                                {"lag_samples", match.lag_samples},
                                {"lag_ms", 1000.0 * double(match.lag_samples) / source.rate_hz},
                                {"overlap_s", match.overlap_s},
                                {"min_window_correlation", match.min_window_correlation},
                                {"windows", windows}};
    std::cout << out.dump() << '\n';
    return 0;
  } catch (const std::exception& error) {
    std::cerr << "wav_correlate: " << error.what() << '\n';
    return 1;
  }
}
