// The codec lab's loss sweep as a picture: MOS and segmental SNR against
// packet loss, one line per codec, drawn by gnuplot from a generated script
// (the data and script stay beside the PNG, so the plot can be redrawn).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace parley::media {

struct SweepPoint {
  double loss_pct = 0;
  double mos = 0;
  double snrseg_db = 0;
  double lsd_db = 0;
};

struct SweepSeries {
  std::string codec;
  std::vector<SweepPoint> points;
};

// Writes <png stem>.dat and <png stem>.gp next to png and runs gnuplot on
// them. Returns an empty string on success, else what went wrong and what to do.
std::string plot_sweep(const std::vector<SweepSeries>& series, const std::filesystem::path& png,
                       const std::string& title);

}  // namespace parley::media
