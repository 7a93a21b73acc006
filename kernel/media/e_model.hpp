// The E-model of ITU-T G.107 (06/2015), narrowband, every parameter at its
// default except the delay and the codec:
//   R = 93.2 - Id(Ta) - Ie,eff
//   Ie,eff = Ie + (95 - Ie) * Ppl / (Ppl / BurstR + Bpl)
//   MOS = 1 + 0.035 R + R (R - 60) (100 - R) 7e-6   (0 < R < 100)
// 93.2 is R with the default parameters and no delay (Ro - Is - Idle(0));
// Id is G.107's Idte + Idle + Idd at one-way delay Ta = T = Tr/2, less the
// Idle(0) already inside 93.2. Ppl is the frame loss seen by the listener in
// percent (after FEC recovery), BurstR G.107's burst ratio: 1 for random loss,
// above 1 when losses bunch.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace parley::media {

// G.107's default R with no delay and no codec impairment.
inline constexpr double kDefaultRating = 93.2;

// Codec planning values, and where they come from.
struct CodecImpairment {
  double ie = 0;            // equipment impairment factor
  double bpl = 0;           // packet-loss robustness factor
  double lookahead_ms = 0;  // algorithmic delay beyond the frame itself
  std::string source;       // why these numbers
};

// By codec interface name ("pcmu", "opus", "speex-wb"...), falling back on the
// RTP encoding name; an unknown codec gets conservative values and says so.
// has_concealment: a PLC (the codec's or the kernel's) runs on lost frames.
CodecImpairment codec_impairment(std::string_view interface_name, std::string_view encoding_name,
                                 bool has_concealment);

struct EModelInput {
  double one_way_delay_ms = 0;  // mouth to ear
  double ie = 0;
  double bpl = 1;
  double packet_loss_pct = 0;
  double burst_ratio = 1;
};

struct EModelResult {
  double r = 0;
  double mos = 0;
  double delay_impairment = 0;                // Id
  double effective_equipment_impairment = 0;  // Ie,eff
};

// G.107 delay impairment at one-way delay Ta (ms), relative to Ta = 0.
double delay_impairment(double one_way_delay_ms);
double effective_equipment_impairment(double ie, double bpl, double packet_loss_pct,
                                      double burst_ratio);
double mos_from_r(double r);
EModelResult e_model(const EModelInput& input);

// G.107's BurstR from a loss pattern (true = lost): 1 / (p + q) with
// p = P(lost | previous received), q = P(received | previous lost); 1 without losses.
double burst_ratio(const std::vector<bool>& lost);

}  // namespace parley::media
