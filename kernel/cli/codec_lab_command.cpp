// `parley codec-lab`: compare installed codecs on a WAV file through the real
// packetizer, jitter buffer and decoders over a simulated network.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "cli/table.hpp"
#include "cli/wav_files.hpp"
#include "config/list_option.hpp"
#include "media/codec_lab.hpp"
#include "media/codec_lab_plot.hpp"
#include "media/codec_lab_report.hpp"
#include "plugin/audio_plugin.hpp"
#include "plugin/cipher_plugin.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr const char* kUsage =
    "Usage: parley codec-lab INPUT.wav [options]\n"
    "Runs each codec on INPUT through the real RTP packetizer, jitter buffer and decoder\n"
    "over a simulated network (seeded, faster than real time), writes the decoded audio\n"
    "and prints one comparison table.\n"
    "  parley codec-lab share/samples/speech-en-16k.wav --codec all --loss 5 --jitter-ms 10\n"
    "  parley codec-lab talk.wav --codec opus,pcmu --fec --sweep-loss 0,1,2,5,10,15,20\n";

struct Options {
  fs::path input;
  std::vector<std::string> codecs;
  media::CodecLabSettings settings;
  media::CodecLabScenario scenario;
  std::vector<double> sweep_loss_pct;
  fs::path out_dir = "codec-lab-out";
  std::optional<fs::path> plot;
  bool write_wavs = true;
  bool as_json = false;
  bool quiet = false;
};

std::string lower(std::string text) {
  for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

// --- choosing codecs and the cipher overhead --------------------------------------

const plugin::Offer* find_offer(const std::vector<plugin::Ranked>& ranked,
                                const std::string& name) {
  for (const auto& choice : ranked) {
    if (lower(choice.offer.interface->name) == lower(name)) return &choice.offer;
  }
  return nullptr;
}

std::vector<plugin::Offer> chosen_codecs(const plugin::PluginHost& host,
                                         const std::vector<std::string>& names) {
  const auto ranked = host.ranked(PARLEY_KIND_CODEC);
  std::vector<plugin::Offer> offers;
  if (names.empty() || (names.size() == 1 && lower(names[0]) == "all")) {
    for (const auto& choice : ranked) offers.push_back(choice.offer);
    if (offers.empty())
      throw std::runtime_error("no codec plugin found (see `parley plugins list`)");
    return offers;
  }
  for (const auto& name : names) {
    const auto* offer = find_offer(ranked, name);
    if (offer == nullptr) {
      std::string installed;
      for (const auto& choice : ranked) installed += " " + choice.offer.interface->name;
      throw std::runtime_error("no codec named '" + name +
                               "'; installed:" + (installed.empty() ? " none" : installed));
    }
    offers.push_back(*offer);
  }
  return offers;
}

struct CipherOverhead {
  std::uint32_t tag_bytes = media::kDefaultCipherTagBytes;
  std::string source = "not loaded: AES-GCM's 16-byte tag assumed (RFC 7714)";
};

CipherOverhead cipher_overhead(const plugin::PluginHost& host) {
  CipherOverhead overhead;
  // The cipher a call would choose: the first in preference order (insecure
  // suites are left out unless configuration allows them).
  for (const auto& choice : host.ranked(PARLEY_KIND_CIPHER)) {
    try {
      const plugin::CipherPlugin cipher(choice.offer);
      overhead.tag_bytes = static_cast<std::uint32_t>(cipher.rtp_overhead());
      const auto suite = cipher.info().suite_name;
      overhead.source = "selected plugin " + cipher.name() + " (" +
                        std::string(suite.data == nullptr ? "" : suite.data, suite.size) + ")";
      break;
    } catch (const std::runtime_error&) {
      continue;  // a malformed table: the next choice
    }
  }
  return overhead;
}

// --- progress ---------------------------------------------------------------------

class Progress {
 public:
  Progress(bool quiet, std::size_t runs)
      : quiet_(quiet), terminal_(isatty(STDERR_FILENO) != 0), runs_(runs) {}
  void start(std::size_t run, const std::string& label) {
    run_ = run;
    label_ = label;
    last_percent_ = -1;
    started_ = std::chrono::steady_clock::now();
    update(0);
  }
  void update(double fraction) {
    if (quiet_ || !terminal_) return;
    const int percent = static_cast<int>(fraction * 100);
    if (percent == last_percent_) return;
    last_percent_ = percent;
    std::fprintf(stderr, "\r\033[Kcodec-lab [%zu/%zu] %s: %d%%", run_ + 1, runs_, label_.c_str(),
                 percent);
    std::fflush(stderr);
  }
  // The run failed and says so itself: just clear the progress line.
  void abandon() {
    if (!quiet_ && terminal_) std::fprintf(stderr, "\r\033[K");
  }
  void finish() {
    if (quiet_) return;
    if (terminal_) {
      if (run_ + 1 == runs_) std::fprintf(stderr, "\r\033[K");
      return;
    }
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started_;
    std::fprintf(stderr, "codec-lab [%zu/%zu] %s: done in %.1f s\n", run_ + 1, runs_,
                 label_.c_str(), took.count());
  }

 private:
  bool quiet_;
  bool terminal_;
  std::size_t runs_;
  std::size_t run_ = 0;
  std::string label_;
  int last_percent_ = -1;
  std::chrono::steady_clock::time_point started_;
};

// --- reporting --------------------------------------------------------------------

struct Run {
  double loss_pct = 0;  // as configured
  media::CodecLabResult result;
  fs::path wav;
};

json run_json(const Run& run) {
  auto out = media::result_json(run.result);
  out["configured_loss_pct"] = run.loss_pct;
  out["wav"] = run.wav.string();
  return out;
}

void print_table(const std::vector<Run>& runs, bool sweep, std::ostream& out) {
  std::vector<std::string> headers{"CODEC", "kHz"};
  if (sweep) headers.emplace_back("LOSS%");
  for (const char* h :
       {"PAYLOAD kb/s", "WIRE kb/s", "WIRE KB/s", "PKT/s", "ENC xRT", "DEC xRT", "LOST", "LATE",
        "CONCEAL", "FEC", "JB ms", "SNRseg dB", "LSD dB", "LSDin dB", "R", "MOS"}) {
    headers.emplace_back(h);
  }
  Table table(headers);
  for (const auto& run : runs) {
    const auto& r = run.result;
    const auto& jb = r.receive.jitter;
    std::vector<std::string> row{r.codec,
                                 fixed(r.codec_rate_hz / 1000.0, r.codec_rate_hz % 1000 ? 1 : 0)};
    if (sweep) row.push_back(fixed(run.loss_pct, run.loss_pct == std::floor(run.loss_pct) ? 0 : 1));
    for (const auto& cell :
         {fixed(r.payload_bitrate_bps / 1000, 1), fixed(r.wire_bitrate_bps / 1000, 1),
          fixed(r.wire_bitrate_bps / 8000, 2), fixed(r.packets_per_second, 1),
          fixed(r.encode_speed_x, 0), fixed(r.decode_speed_x, 0),
          std::to_string(r.network.packets_lost), std::to_string(jb.packets_late),
          std::to_string(jb.frames_concealed), std::to_string(jb.frames_fec_recovered),
          fixed(jb.mean_delay_ms, 1), fixed(r.snrseg_db, 1), fixed(r.lsd_db, 2),
          fixed(r.lsd_vs_original_db, 2), fixed(r.e_model.r, 1), fixed(r.e_model.mos, 2)}) {
      row.push_back(cell);
    }
    table.add_row(row);
  }
  table.print(out);
}

void print_notes(const std::vector<Run>& runs, const Options& options, const CipherOverhead& cipher,
                 std::ostream& out) {
  out << "\nNetwork: " << options.scenario.network.describe(options.sweep_loss_pct.empty());
  if (options.scenario.receiver_clock_ppm != 0) {
    out << ", receiver clock " << options.scenario.receiver_clock_ppm << " ppm";
  }
  out << "\nWire: payload + RTP 12 + UDP 8 + IPv4 20 + cipher tag " << cipher.tag_bytes
      << " bytes per packet; cipher " << cipher.source << "\n"
      << "LOST: dropped by the network; LATE: arrived after their playout time; CONCEAL: frames "
         "concealed (lost or late); FEC: frames rebuilt from the next packet.\n"
      << "JB ms: mean jitter-buffer delay beyond the fastest packet. SNRseg and LSD: segmental SNR "
         "and log-spectral distance of the heard audio against the same codec's clean decode\n"
         "(what the network did); LSDin: the clean decode against the input, in the codec's band "
         "(what the codec did).\n"
      << "R and MOS: ITU-T G.107 E-model; one-way delay = network minimum + JB + frame + codec "
         "lookahead; codec Ie/Bpl:\n";
  std::vector<std::string> seen;
  for (const auto& run : runs) {
    if (std::find(seen.begin(), seen.end(), run.result.codec) != seen.end()) continue;
    seen.push_back(run.result.codec);
    out << "  " << run.result.codec << ": Ie " << run.result.impairment.ie << ", Bpl "
        << run.result.impairment.bpl << " - " << run.result.impairment.source << "\n";
  }
  if (options.write_wavs && !runs.empty()) {
    out << "Decoded audio: " << options.out_dir.string() << "/\n";
  }
}

// --- options ----------------------------------------------------------------------

std::vector<double> parse_numbers(const std::string& text, const char* option) {
  std::vector<double> values;
  for (const auto& item : config::split_list(text)) {
    std::size_t used = 0;
    double value = 0;
    try {
      value = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size()) {
      throw std::runtime_error(std::string("--") + option + ": '" + item + "' is not a number");
    }
    values.push_back(value);
  }
  if (values.empty()) throw std::runtime_error(std::string("--") + option + ": empty list");
  return values;
}

po::options_description visible_options() {
  po::options_description codec("Codecs and settings");
  codec.add_options()("codec", po::value<std::vector<std::string>>()->composing(),
                      "NAME[,NAME...] codec interfaces (`parley plugins list`), or all (default)")(
      "bitrate", po::value<std::uint32_t>(), "bitrate in bit/s (default: the codec's)")(
      "complexity", po::value<int>(), "encoder complexity 0..10 (default: the codec's)")(
      "fec", "in-band forward error correction, where the codec has it")(
      "dtx", "discontinuous transmission (nothing sent in silence)")(
      "cbr", "constant bitrate (default: variable where the codec can)")(
      "frame-ms", po::value<std::uint32_t>()->default_value(20), "audio per packet")(
      "codec-rate", po::value<std::uint32_t>(),
      "codec sample rate (default: nearest to the input's)")(
      "codec-options", po::value<std::string>(), "codec options, \"key=value;...\"")(
      "ns", "noise suppression on the send side")("agc", "automatic gain control on the send side")(
      "aec", "echo cancellation on the send side (no far end here: measures its cost)");
  po::options_description network("Network (seeded, reproducible)");
  network.add_options()("loss", po::value<double>()->default_value(0), "packet loss, percent")(
      "burst", po::value<double>(),
      "mean loss burst, packets: Gilbert-Elliott losses (default: independent)")(
      "ge-p", po::value<double>(), "Gilbert-Elliott P(good->bad); with --ge-r, overrides --loss")(
      "ge-r", po::value<double>(), "Gilbert-Elliott P(bad->good)")(
      "delay-ms", po::value<double>()->default_value(0), "one-way propagation delay")(
      "jitter-ms", po::value<double>()->default_value(0),
      "mean queueing delay (exponential, FIFO)")("reorder", po::value<double>()->default_value(0),
                                                 "packets overtaken by later ones, percent")(
      "reorder-ms", po::value<double>()->default_value(60),
      "how late a reordered packet runs, at most")(
      "duplicate", po::value<double>()->default_value(0), "packets delivered twice, percent")(
      "skew-ppm", po::value<double>()->default_value(0),
      "receiver clock against the sender's, parts per million")(
      "max-delay-ms", po::value<double>()->default_value(500), "jitter buffer delay ceiling")(
      "seed", po::value<std::uint64_t>()->default_value(1), "random seed");
  po::options_description output("Output");
  output.add_options()("sweep-loss", po::value<std::string>(),
                       "L1,L2,...: run every codec at each loss percent; table and PNG plot")(
      "plot", po::value<std::string>(),
      "the sweep plot's PNG (default: OUT_DIR/codec-lab-sweep.png)")(
      "out-dir", po::value<std::string>()->default_value("codec-lab-out"), "decoded WAVs go here")(
      "no-wav", "do not write decoded WAVs")("json", "print JSON instead of the table")(
      "quiet", "no progress on stderr")("help,h", "show this help");
  po::options_description all;
  all.add(codec).add(network).add(output);
  return all;
}

Options parse(const po::variables_map& values) {
  Options options;
  options.input = values["input"].as<std::string>();
  if (values.count("codec") != 0) {
    options.codecs = config::split_list(values["codec"].as<std::vector<std::string>>());
  }
  auto& settings = options.settings;
  if (values.count("bitrate") != 0) settings.bitrate_bps = values["bitrate"].as<std::uint32_t>();
  if (values.count("complexity") != 0) settings.complexity = values["complexity"].as<int>();
  settings.fec = values.count("fec") != 0;
  settings.dtx = values.count("dtx") != 0;
  settings.vbr = values.count("cbr") == 0;
  settings.frame_ms = values["frame-ms"].as<std::uint32_t>();
  if (values.count("codec-rate") != 0)
    settings.codec_rate_hz = values["codec-rate"].as<std::uint32_t>();
  if (values.count("codec-options") != 0)
    settings.codec_options = values["codec-options"].as<std::string>();
  settings.processing.noise_suppression = values.count("ns") != 0;
  settings.processing.automatic_gain_control = values.count("agc") != 0;
  settings.processing.echo_cancellation = values.count("aec") != 0;

  auto& network = options.scenario.network;
  network.loss_pct = values["loss"].as<double>();
  if (values.count("burst") != 0) network.mean_burst_packets = values["burst"].as<double>();
  if ((values.count("ge-p") != 0) != (values.count("ge-r") != 0)) {
    throw std::runtime_error("--ge-p and --ge-r go together");
  }
  if (values.count("ge-p") != 0) {
    network.gilbert =
        media::GilbertElliott{values["ge-p"].as<double>(), values["ge-r"].as<double>()};
  }
  network.delay_ms = values["delay-ms"].as<double>();
  network.jitter_ms = values["jitter-ms"].as<double>();
  network.reorder_pct = values["reorder"].as<double>();
  network.reorder_extra_ms = values["reorder-ms"].as<double>();
  network.duplicate_pct = values["duplicate"].as<double>();
  network.seed = values["seed"].as<std::uint64_t>();
  try {
    network.validate();
  } catch (const std::invalid_argument& error) {
    throw std::runtime_error(std::string("network: ") + error.what());
  }
  options.scenario.receiver_clock_ppm = values["skew-ppm"].as<double>();
  if (std::abs(options.scenario.receiver_clock_ppm) > 50000) {
    throw std::runtime_error("--skew-ppm: at most +/-50000 (5%)");
  }
  options.scenario.jitter.max_delay_ms = values["max-delay-ms"].as<double>();
  if (options.scenario.jitter.max_delay_ms < 20 || options.scenario.jitter.max_delay_ms > 5000) {
    throw std::runtime_error("--max-delay-ms: between 20 and 5000");
  }
  if (values.count("sweep-loss") != 0) {
    if (network.gilbert) throw std::runtime_error("--sweep-loss sets the loss: drop --ge-p/--ge-r");
    options.sweep_loss_pct = parse_numbers(values["sweep-loss"].as<std::string>(), "sweep-loss");
    for (double loss : options.sweep_loss_pct) {
      auto probe = network;
      probe.loss_pct = loss;
      try {
        probe.validate();
      } catch (const std::invalid_argument& error) {
        throw std::runtime_error("--sweep-loss " + fixed(loss, 1) + ": " + error.what());
      }
    }
  }
  options.out_dir = values["out-dir"].as<std::string>();
  if (values.count("plot") != 0) options.plot = fs::path(values["plot"].as<std::string>());
  options.write_wavs = values.count("no-wav") == 0;
  options.as_json = values.count("json") != 0;
  options.quiet = values.count("quiet") != 0;
  return options;
}

std::string loss_label(double loss_pct) {
  return fixed(loss_pct, loss_pct == std::floor(loss_pct) ? 0 : 1);
}

int run_lab(const Options& options, const config::Settings& settings) {
  const plugin::PluginHost host(settings);
  const auto wav = wav_plugin(host, "the codec lab");
  const auto input = read_wav(wav, options.input);
  const auto codecs = chosen_codecs(host, options.codecs);
  const auto cipher = cipher_overhead(host);
  const bool sweep = !options.sweep_loss_pct.empty();
  const std::vector<double> losses =
      sweep ? options.sweep_loss_pct : std::vector<double>{options.scenario.network.loss_pct};
  if (options.write_wavs || sweep) fs::create_directories(options.out_dir);

  std::vector<Run> runs;
  Progress progress(options.quiet, codecs.size() * losses.size());
  std::size_t run_index = 0;
  const std::string stem = options.input.stem().string();
  for (const auto& offer : codecs) {
    const plugin::CodecPlugin codec(offer);
    for (double loss : losses) {
      auto scenario = options.scenario;
      scenario.network.loss_pct = loss;
      scenario.cipher_tag_bytes = cipher.tag_bytes;
      const std::string label = codec.name() + (sweep ? " loss " + loss_label(loss) + "%" : "");
      progress.start(run_index++, label);
      Run run;
      run.loss_pct = scenario.network.gilbert
                         ? scenario.network.gilbert->p /
                               (scenario.network.gilbert->p + scenario.network.gilbert->r) * 100
                         : loss;
      try {
        run.result = media::run_codec_lab(codec, input, options.settings, scenario,
                                          [&](double fraction) { progress.update(fraction); });
      } catch (const std::exception& error) {
        progress.abandon();
        // One codec that cannot take these settings must not hide the others.
        std::cerr << "parley codec-lab: " << codec.name() << ": " << error.what() << " - skipped\n";
        continue;
      }
      if (options.write_wavs) {
        run.wav = options.out_dir /
                  (stem + "." + codec.name() + (sweep ? ".loss" + loss_label(loss) : "") + ".wav");
        write_wav(wav, run.wav, run.result.decoded, input.sample_rate_hz, run.result.channels);
      }
      progress.finish();
      runs.push_back(std::move(run));
    }
  }
  if (runs.empty()) {
    std::cerr << "parley codec-lab: no codec could run with these settings\n";
    return kExitFailure;
  }

  std::string plot_error;
  fs::path plot_path;
  if (sweep) {
    plot_path = options.plot.value_or(options.out_dir / "codec-lab-sweep.png");
    std::vector<media::SweepSeries> series;
    for (const auto& run : runs) {
      if (series.empty() || series.back().codec != run.result.codec)
        series.push_back({run.result.codec, {}});
      series.back().points.push_back(
          {run.loss_pct, run.result.e_model.mos, run.result.snrseg_db, run.result.lsd_db});
    }
    const std::string title = "Parley codec lab: " + options.input.filename().string() + ", " +
                              options.scenario.network.describe(false);
    plot_error = media::plot_sweep(series, plot_path, title);
  }

  if (options.as_json) {
    json out;
    out["input"] = {{"path", options.input.string()},
                    {"sample_rate_hz", input.sample_rate_hz},
                    {"channels", input.channels},
                    {"seconds", input.seconds()}};
    out["network"] = options.scenario.network.describe(!sweep);
    out["receiver_clock_ppm"] = options.scenario.receiver_clock_ppm;
    out["cipher"] = {{"tag_bytes", cipher.tag_bytes}, {"source", cipher.source}};
    out["runs"] = json::array();
    for (const auto& run : runs) out["runs"].push_back(run_json(run));
    if (sweep) out["plot"] = plot_error.empty() ? json(plot_path.string()) : json(nullptr);
    std::cout << out.dump(2) << '\n';
  } else {
    std::cout << "Input: " << options.input.string() << " (" << input.sample_rate_hz << " Hz, "
              << input.channels << " ch, " << fixed(input.seconds(), 1) << " s)\n\n";
    print_table(runs, sweep, std::cout);
    print_notes(runs, options, cipher, std::cout);
    if (sweep && plot_error.empty()) std::cout << "Plot: " << plot_path.string() << '\n';
  }
  if (!plot_error.empty()) {
    std::cerr << "parley codec-lab: plot: " << plot_error << '\n';
    return kExitFailure;
  }
  return kExitOk;
}

}  // namespace

int codec_lab_command(const std::vector<std::string>& args, const config::Settings& settings);
// Registration runs once at start-up; an allocation failure there ends the program anyway.
// NOLINTNEXTLINE(cert-err58-cpp)
const CommandRegistration kCodecLab{"codec-lab", "compare codecs on a WAV over a simulated network",
                                    &codec_lab_command};

int codec_lab_command(const std::vector<std::string>& args, const config::Settings& settings) {
  const auto visible = visible_options();
  po::options_description hidden;
  hidden.add_options()("input", po::value<std::string>());
  po::options_description all;
  all.add(visible).add(hidden);
  po::positional_options_description positional;
  positional.add("input", 1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parley codec-lab: " << error.what() << "\n\n" << kUsage;
    return kExitUsage;
  }
  if (values.count("help") != 0) {
    std::cout << kUsage << '\n' << visible;
    return kExitOk;
  }
  if (values.count("input") == 0) {
    std::cerr << "parley codec-lab: INPUT.wav is required\n\n" << kUsage;
    return kExitUsage;
  }
  Options options;
  try {
    options = parse(values);
  } catch (const std::exception& error) {
    std::cerr << "parley codec-lab: " << error.what() << '\n';
    return kExitUsage;
  }
  try {
    return run_lab(options, settings);
  } catch (const std::exception& error) {
    std::cerr << "parley codec-lab: " << error.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace parley::cli
