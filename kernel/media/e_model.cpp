#include "media/e_model.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>

namespace parley::media {
namespace {

// G.107 defaults (Table 3): the electro-acoustic parameters of a well-behaved
// handset connection, from which Ro = 94.77 and No = -61.18 dBm0p follow.
constexpr double kRo = 94.77;
constexpr double kRoe = 94.77;  // -1.5 (No - RLR), RLR = 2 dB
constexpr double kTelrDb = 65;  // talker echo loudness rating
constexpr double kWepl = 110;   // weighted echo path loss

double talker_echo_impairment(double t_ms) {  // Idte, STMR = 15 dB
  const double terv = kTelrDb - 40 * std::log10((1 + t_ms / 10) / (1 + t_ms / 150)) +
                      6 * std::exp(-0.3 * t_ms * t_ms);
  const double re = 80 + 2.5 * (terv - 14);
  const double half = (kRoe - re) / 2;
  return (half + std::sqrt(half * half + 100) - 1) * (1 - std::exp(-t_ms));
}

double listener_echo_impairment(double tr_ms) {  // Idle
  const double rle = 10.5 * (kWepl + 7) * std::pow(tr_ms + 1, -0.25);
  const double half = (kRo - rle) / 2;
  return half + std::sqrt(half * half + 169);
}

double absolute_delay_impairment(double ta_ms) {  // Idd, sT = 1, mT = 100 ms
  if (ta_ms <= 100) return 0;
  const double x = std::log10(ta_ms / 100) / std::log10(2.0);
  return 25 * (std::pow(1 + std::pow(x, 6), 1.0 / 6) -
               3 * std::pow(1 + std::pow(x / 3, 6), 1.0 / 6) + 2);
}

struct KnownCodec {
  std::string_view name;  // interface name, or its prefix
  double ie;
  double bpl_without_plc;
  double bpl_with_plc;
  double lookahead_ms;
  std::string_view source;
};

// Ie and Bpl are listening-test results; only G.711's and GSM-FR's come from
// ITU-T G.113 Appendix I. The others are our planning choices, stated here and
// in docs/media.md, not ITU values.
constexpr std::array kKnownCodecs{
    KnownCodec{
        "pcmu", 0, 4.3, 25.1, 0,
        "ITU-T G.113 Appendix I: G.711 Ie 0; Bpl 4.3 without PLC, 25.1 with (Appendix I PLC)"},
    KnownCodec{
        "pcma", 0, 4.3, 25.1, 0,
        "ITU-T G.113 Appendix I: G.711 Ie 0; Bpl 4.3 without PLC, 25.1 with (Appendix I PLC)"},
    KnownCodec{"gsm", 20, 10, 10, 0,
               "ITU-T G.113 Appendix I: GSM 06.10 full rate Ie 20; no G.113 Bpl: 10 assumed "
               "(its PLC only repeats and mutes frames)"},
    KnownCodec{
        "opus", 0, 25.1, 25.1, 6.5,
        "not in G.113: wideband Opus at its default rate is rated above narrowband codecs in "
        "published listening tests (e.g. Ramo & Toukomaa, Interspeech 2011), so Ie 0, the "
        "narrowband scale's best (assumed); Bpl 25.1, G.711+PLC's, as a floor for its PLC "
        "(assumed); lookahead 6.5 ms (RFC 6716)"},
    KnownCodec{"speex-nb", 11, 19, 19, 10,
               "not in G.113: 8 kbit/s CELP like G.729A, so G.729A's Ie 11 and Bpl 19 (G.113 "
               "Appendix I); lookahead 10 ms (Speex manual)"},
    KnownCodec{"speex-wb", 0, 19, 19, 14,
               "not in G.113: wideband CELP, Ie 0 on the narrowband scale; Bpl 19 as Speex NB; "
               "lookahead 14 ms (Speex manual, wideband QMF)"},
    KnownCodec{"speex-uwb", 0, 19, 19, 14, "not in G.113: as Speex wideband"},
    KnownCodec{"codec2", 30, 10, 10, 10,
               "not in G.113: sub-4 kbit/s vocoder, placed like 2.4 kbit/s MELP-class codecs "
               "(Ie 30, assumed); Bpl 10 assumed"},
};

std::string lower(std::string_view text) {
  std::string out(text);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const KnownCodec* find_codec(std::string_view interface_name, std::string_view encoding_name) {
  const auto name = lower(interface_name);
  for (const auto& codec : kKnownCodecs) {
    if (name == codec.name) return &codec;
  }
  for (const auto& codec : kKnownCodecs) {
    if (name.starts_with(codec.name)) return &codec;  // "codec2-1600", "speex-nb-vbr"
  }
  const auto encoding = lower(encoding_name);
  for (const auto& codec : kKnownCodecs) {
    if (encoding == codec.name) return &codec;
  }
  return nullptr;
}

}  // namespace

CodecImpairment codec_impairment(std::string_view interface_name, std::string_view encoding_name,
                                 bool has_concealment) {
  const auto* known = find_codec(interface_name, encoding_name);
  if (known == nullptr) {
    return {15, 10, 10,
            "unknown codec: Ie 15 and Bpl 10 assumed (between G.723.1 and G.729A without PLC)"};
  }
  return {known->ie, has_concealment ? known->bpl_with_plc : known->bpl_without_plc,
          known->lookahead_ms, std::string(known->source)};
}

double delay_impairment(double one_way_delay_ms) {
  const double ta = std::max(0.0, one_way_delay_ms);
  return talker_echo_impairment(ta) + listener_echo_impairment(2 * ta) -
         listener_echo_impairment(0) + absolute_delay_impairment(ta);
}

double effective_equipment_impairment(double ie, double bpl, double packet_loss_pct,
                                      double burst_ratio) {
  const double ppl = std::clamp(packet_loss_pct, 0.0, 100.0);
  if (ppl == 0) return ie;
  const double burst = std::max(burst_ratio, 1e-9);
  return ie + (95 - ie) * ppl / (ppl / burst + bpl);
}

double mos_from_r(double r) {
  if (r <= 0) return 1;
  if (r >= 100) return 4.5;
  return 1 + 0.035 * r + r * (r - 60) * (100 - r) * 7e-6;
}

EModelResult e_model(const EModelInput& input) {
  EModelResult result;
  result.delay_impairment = delay_impairment(input.one_way_delay_ms);
  result.effective_equipment_impairment =
      effective_equipment_impairment(input.ie, input.bpl, input.packet_loss_pct, input.burst_ratio);
  result.r = kDefaultRating - result.delay_impairment - result.effective_equipment_impairment;
  result.mos = mos_from_r(result.r);
  return result;
}

double burst_ratio(const std::vector<bool>& lost) {
  std::uint64_t after_received = 0, lost_after_received = 0, after_lost = 0,
                received_after_lost = 0;
  for (std::size_t i = 1; i < lost.size(); ++i) {
    if (lost[i - 1]) {
      ++after_lost;
      if (!lost[i]) ++received_after_lost;
    } else {
      ++after_received;
      if (lost[i]) ++lost_after_received;
    }
  }
  if (lost_after_received == 0 || after_received == 0 || after_lost == 0) return 1;
  const double p = double(lost_after_received) / double(after_received);
  const double q = double(received_after_lost) / double(after_lost);
  return 1 / (p + q);
}

}  // namespace parley::media
