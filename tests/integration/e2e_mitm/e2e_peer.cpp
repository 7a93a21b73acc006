// One end of a call for the MITM integration test, built on the kernel: the
// end-to-end handshake over a TCP signaling connection (frames as the kernel's
// frame codec makes them), then RTP protected by the negotiated cipher plugin
// over UDP both ways, with rekeying, and an instant message saying how many
// packets were sent. Every byte goes through e2e_relay, which may attack it.
//
//   e2e_peer --make-identities DIR USER...   a login server key and, per user,
//                                            an identity key and its certificate
//   e2e_peer --role responder --identity DIR --user bob --peer alice
//            prints "READY tcp=PORT udp=PORT", serves one call
//   e2e_peer --role initiator --identity DIR --user alice --peer bob
//            --tcp PORT --udp PORT (the relay's)
//   common:  --plugin FILE...  --suites a,b  --packets N  --rekey-after N
//            --deadline-ms N  --allow-insecure-cipher yes (the null cipher)
// At the end it prints one line "RESULT {json}": the handshake outcome,
// key fingerprints (never keys) and media and message counters.
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "identity/certificate.hpp"
#include "identity/handshake.hpp"
#include "identity/im_session.hpp"
#include "identity/media_keys.hpp"
#include "log/log.hpp"
#include "loopback_net.hpp"
#include "media/rtp_packet.hpp"
#include "plugin/plugin_registry.hpp"
#include "plugin/policy.hpp"
#include "plugin/selection.hpp"

namespace parley::e2e_mitm {
namespace {

namespace fs = std::filesystem;
using namespace parley::identity;

constexpr std::size_t kPayloadBytes = 160;  // 20 ms of G.711
constexpr std::string_view kDoneMessage = "PARLEY-PLAINTEXT-IM done ";

struct Options {
  std::string role;
  fs::path identity_dir;
  std::string user;
  std::string peer;
  std::uint16_t relay_tcp = 0;
  std::uint16_t relay_udp = 0;
  std::vector<fs::path> plugins;
  std::vector<std::string> suites;
  int packets = 100;
  std::uint64_t rekey_after = 25;
  bool allow_insecure_cipher = false;  // the null cipher: only for the detector's control run
  int deadline_ms = 20000;
};

Bytes read_file(const fs::path& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) throw std::runtime_error("cannot read " + path.string());
  return {std::istreambuf_iterator<char>(file), {}};
}

void write_private_file(const fs::path& path, std::span<const std::uint8_t> bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  file.write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
  if (!file) throw std::runtime_error("cannot write " + path.string());
  fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
}

int make_identities(const fs::path& dir, const std::vector<std::string>& users) {
  fs::create_directories(dir);
  const auto server = SigningKey::generate();
  const auto server_text = server.public_key().to_text();
  write_private_file(
      dir / "server.pub",
      std::span(reinterpret_cast<const std::uint8_t*>(server_text.data()), server_text.size()));
  const auto now_s = unix_seconds(Clock::now());
  std::uint64_t serial = 1;
  for (const auto& user : users) {
    const auto key = SigningKey::generate();
    const auto pem = key.to_pem();
    write_private_file(dir / (user + ".pem"),
                       std::span(reinterpret_cast<const std::uint8_t*>(pem.data()), pem.size()));
    const auto certificate = encode_certificate(
        issue_certificate(server, user, key.public_key(), now_s - 3600, now_s + 86400, serial++));
    write_private_file(dir / (user + ".cert"), certificate);
  }
  return 0;
}

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream stream(text);
  for (std::string item; std::getline(stream, item, ',');) {
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

// The payload of packet `sequence` from `role`: recognisable text, so the
// relay can look for it, and checkable, so an accepted packet is known intact.
Bytes payload_for(std::string_view role, std::uint16_t sequence) {
  std::string text = "PARLEY-PLAINTEXT-" + std::string(role) + "-" + std::to_string(sequence) + "-";
  while (text.size() < kPayloadBytes) text += "voice";
  text.resize(kPayloadBytes);
  return {text.begin(), text.end()};
}

struct Counters {
  int media_sent = 0;
  int media_accepted = 0;
  int payload_mismatches = 0;
  int out_of_order = 0;
  int udp_datagrams = 0;
  int im_sent = 0;
  int im_opened = 0;
  int im_rejected = 0;
  int peer_reported_sent = -1;
};

class Peer {
 public:
  explicit Peer(Options options) : options_(std::move(options)) {
    identity_key_.emplace(SigningKey::from_pem([&] {
      const auto pem = read_file(options_.identity_dir / (options_.user + ".pem"));
      return std::string(pem.begin(), pem.end());
    }()));
    certificate_ = read_file(options_.identity_dir / (options_.user + ".cert"));
    const auto server_text = read_file(options_.identity_dir / "server.pub");
    const auto server = PublicKey::from_text(std::string(server_text.begin(), server_text.end()));
    if (!server) throw std::runtime_error("server.pub holds no key");
    server_key_ = *server;
    for (const auto& path : options_.plugins) {
      const auto& record = registry_.add_file(path);
      if (!record.loaded)
        throw std::runtime_error("plugin " + path.string() + ": " + record.reason);
    }
    plugin::Policy policy;
    policy.allow_insecure_cipher = options_.allow_insecure_cipher;
    ranked_ = plugin::rank(registry_.offers(PARLEY_KIND_CIPHER), PARLEY_KIND_CIPHER,
                           options_.suites, policy);
    udp_ = udp_socket_on_loopback();
    deadline_ = SteadyClock::now() + std::chrono::milliseconds(options_.deadline_ms);
  }

  int run() {
    if (options_.role == "responder") {
      listener_ = tcp_listener_on_loopback();
      std::printf("READY tcp=%u udp=%u\n", local_port(listener_), local_port(udp_));
      std::fflush(stdout);
    } else {
      media_to_ = loopback(options_.relay_udp);
      media_to_known_ = true;
      Connection connection{tcp_connect_loopback(options_.relay_tcp), net::FrameDecoder(4096),
                            Handshake::initiator(config()), true};
      handshake_started_ = SteadyClock::now();
      const auto hello = connection.handshake.start(Clock::now());
      send_frame(connection.fd, hello.send);
      connections_.push_back(std::move(connection));
    }
    loop();
    report();
    return 0;
  }

 private:
  struct Connection {
    int fd;
    net::FrameDecoder decoder;
    Handshake handshake;
    bool primary;
  };

  HandshakeConfig config() const {
    HandshakeConfig config;
    config.identity_key = &*identity_key_;
    config.certificate = certificate_;
    config.login_server_key = server_key_;
    config.peer_user = options_.peer;
    config.offers = {offered_cipher_suites(ranked_), {"opus", "pcmu"}};
    return config;
  }

  void loop() {
    while (!finished_) {
      if (SteadyClock::now() >= deadline_) {
        end_call("deadline reached");
        break;
      }
      std::vector<pollfd> polled;
      for (const auto& connection : connections_) polled.push_back({connection.fd, POLLIN, 0});
      if (listener_ >= 0) polled.push_back({listener_, POLLIN, 0});
      // Media is read only once keys exist; until then it waits in the socket.
      if (media_) polled.push_back({udp_, POLLIN, 0});
      const int ready = poll(polled.data(), polled.size(), poll_timeout_ms());
      if (ready < 0 && errno != EINTR) fail_errno("poll");
      service_connections();
      if (listener_ >= 0) accept_connections();
      if (media_) read_media();
      if (media_ && !media_sent_ && media_to_known_) send_media();
      check_done();
    }
  }

  int poll_timeout_ms() const {
    int timeout = milliseconds_until(deadline_);
    if (peer_done_) timeout = std::min(timeout, 10);
    return timeout;
  }

  void accept_connections() {
    for (;;) {
      const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
      if (fd < 0) return;
      const bool primary = !primary_seen_;
      primary_seen_ = true;
      if (primary) handshake_started_ = SteadyClock::now();
      connections_.push_back(
          {fd, net::FrameDecoder(4096), Handshake::responder(config(), guard_), primary});
    }
  }

  void service_connections() {
    for (std::size_t i = 0; i < connections_.size();) {
      auto& connection = connections_[i];
      const bool open = read_into(connection.fd, connection.decoder);
      bool keep = true;
      while (auto frame = connection.decoder.next_frame()) {
        if (!on_frame(connection, *frame)) {
          keep = false;
          break;
        }
      }
      if (connection.decoder.error() != net::FrameDecoder::Error::none) keep = false;
      if (!open && keep) {
        if (connection.primary && peer_done_ && media_sent_) {
          // The peer hung up after saying what it sent: collect what is left.
          if (media_) read_media();
          end_call("completed");
        } else if (connection.primary) {
          end_call(std::string("the signaling connection closed while the handshake was ") +
                   std::string(state_name(connection.handshake.state())));
        }
        keep = false;
      }
      if (keep) {
        ++i;
        continue;
      }
      close(connection.fd);
      connections_.erase(connections_.begin() + static_cast<long>(i));
    }
  }

  // False when the connection is to be closed.
  bool on_frame(Connection& connection, const Bytes& frame) {
    if (connection.handshake.state() == HandshakeState::established && im_) {
      on_message(frame);
      return true;
    }
    const auto step = connection.handshake.receive(frame, Clock::now());
    if (!step.ok()) {
      refusals_.push_back({{"failure", std::string(failure_name(step.failure))},
                           {"reason", step.reason},
                           {"primary", connection.primary}});
      if (connection.primary) {
        handshake_failure_ = std::string(failure_name(step.failure));
        end_call("handshake refused: " + handshake_failure_);
      }
      return false;
    }
    if (!step.send.empty()) send_frame(connection.fd, step.send);
    if (connection.handshake.state() == HandshakeState::established) {
      if (!connection.primary) return false;  // one call per run
      on_established(connection);
    }
    return true;
  }

  void on_established(Connection& connection) {
    handshake_ms_ =
        std::chrono::duration<double, std::milli>(SteadyClock::now() - handshake_started_).count();
    call_fd_ = connection.fd;
    result_.emplace(connection.handshake.take_result());
    const auto offer = find_cipher(ranked_, result_->cipher_suite);
    if (!offer) throw std::runtime_error("negotiated a suite that is not loaded");
    cipher_.emplace(*offer);
    media_.emplace(*cipher_, *result_, options_.rekey_after);
    im_.emplace(*cipher_, *result_);
  }

  void send_media() {
    const std::string_view role = options_.role == "initiator" ? "A" : "B";
    for (int i = 0; i < options_.packets; ++i) {
      const auto sequence = static_cast<std::uint16_t>(i + 1);
      media::RtpHeader header;
      header.sequence = sequence;
      header.timestamp = sequence * 160u;
      header.ssrc = options_.role == "initiator" ? 0xa11ce000u : 0xb0b00000u;
      const auto payload = payload_for(role, sequence);
      Bytes packet(media::kRtpFixedHeaderBytes + payload.size() + cipher_->rtp_overhead());
      const auto size = media::write_rtp(header, payload, packet);
      const auto result = media_->protect_rtp(packet, size);
      if (!result.ok()) continue;
      sendto(udp_, packet.data(), result.size, 0, reinterpret_cast<const sockaddr*>(&media_to_),
             sizeof media_to_);
      ++counters_.media_sent;
    }
    media_sent_ = true;
    const std::string done = std::string(kDoneMessage) + std::to_string(counters_.media_sent);
    const auto sealed = im_->seal(Bytes(done.begin(), done.end()));
    if (sealed.ok() && send_frame(call_fd_, sealed.wire)) ++counters_.im_sent;
  }

  void read_media() {
    const std::string_view peer_role = options_.role == "initiator" ? "B" : "A";
    std::uint8_t buffer[2048];
    for (;;) {
      sockaddr_in from{};
      socklen_t from_size = sizeof from;
      const auto got =
          recvfrom(udp_, buffer, sizeof buffer, 0, reinterpret_cast<sockaddr*>(&from), &from_size);
      if (got < 0) return;
      ++counters_.udp_datagrams;
      last_media_ = SteadyClock::now();
      const std::span packet(buffer, static_cast<std::size_t>(got));
      const auto result = media_->unprotect_rtp(packet);
      if (!result.ok()) continue;  // counted by MediaKeys: forged or replayed
      const auto parsed = media::parse_rtp(packet.first(result.size));
      if (!parsed.packet) {
        ++counters_.payload_mismatches;
        continue;
      }
      const auto sequence = parsed.packet->header.sequence;
      const auto expected = payload_for(peer_role, sequence);
      if (!std::equal(expected.begin(), expected.end(), parsed.packet->payload.begin(),
                      parsed.packet->payload.end())) {
        ++counters_.payload_mismatches;
      }
      if (sequence < highest_sequence_) ++counters_.out_of_order;
      highest_sequence_ = std::max(highest_sequence_, sequence);
      ++counters_.media_accepted;
      // Symmetric RTP: answer where authenticated media comes from, never
      // where unauthenticated packets claim to.
      if (!media_to_known_) {
        media_to_ = from;
        media_to_known_ = true;
      }
    }
  }

  void on_message(const Bytes& frame) {
    const auto opened = im_->open(frame);
    if (!opened.ok()) {
      ++counters_.im_rejected;
      return;
    }
    ++counters_.im_opened;
    const std::string text(opened.plaintext.begin(), opened.plaintext.end());
    if (text.starts_with(kDoneMessage)) {
      counters_.peer_reported_sent = std::stoi(text.substr(kDoneMessage.size()));
      peer_done_ = true;
      peer_done_at_ = SteadyClock::now();
      if (last_media_ < peer_done_at_) last_media_ = peer_done_at_;
    }
  }

  // The call ends once both sides said how much they sent and the media has
  // arrived: all of it (and the socket stayed quiet briefly, for duplicates
  // still in flight), or, with losses, after a longer quiet spell.
  void check_done() {
    if (!peer_done_ || !media_sent_ || finished_) return;
    const auto media = media_->counters();
    const auto quiet = SteadyClock::now() - last_media_;
    const auto accounted =
        static_cast<std::int64_t>(media.packets_accepted + media.authentication_failures);
    if ((accounted >= counters_.peer_reported_sent && quiet >= std::chrono::milliseconds(50)) ||
        quiet >= std::chrono::milliseconds(500)) {
      end_call("completed");
    }
  }

  void end_call(std::string why) {
    if (call_end_.empty()) call_end_ = std::move(why);
    finished_ = true;
  }

  void report() {
    nlohmann::json out;
    out["role"] = options_.role;
    out["user"] = options_.user;
    out["handshake"] = result_ ? "established" : "not_established";
    out["handshake_failure"] = handshake_failure_;
    out["refusals"] = refusals_;
    out["call_end"] = call_end_;
    if (result_) {
      const auto sizes = key_sizes(*cipher_);
      out["suite"] = result_->cipher_suite;
      out["codec"] = result_->codec;
      out["peer"] = result_->peer_user;
      out["safety_number"] = result_->safety_number;
      out["outbound_key_fp"] = result_->outbound.srtp_keys(sizes).master_key.fingerprint();
      out["inbound_key_fp"] = result_->inbound.srtp_keys(sizes).master_key.fingerprint();
      out["handshake_ms"] = handshake_ms_;
      const auto media = media_->counters();
      out["media_sent"] = counters_.media_sent;
      out["media_accepted"] = counters_.media_accepted;
      out["authentication_failures"] = media.authentication_failures;
      out["replays_rejected"] = media.replays_rejected;
      out["late_packets_accepted"] = media.late_packets_accepted;
      out["outbound_generation"] = media.outbound_generation;
      out["inbound_generation"] = media.inbound_generation;
      out["payload_mismatches"] = counters_.payload_mismatches;
      out["out_of_order"] = counters_.out_of_order;
      out["udp_datagrams"] = counters_.udp_datagrams;
      out["im_sent"] = counters_.im_sent;
      out["im_opened"] = counters_.im_opened;
      out["im_rejected"] = counters_.im_rejected;
      out["peer_reported_sent"] = counters_.peer_reported_sent;
    }
    std::printf("RESULT %s\n", out.dump().c_str());
    std::fflush(stdout);
  }

  Options options_;
  std::optional<SigningKey> identity_key_;
  Bytes certificate_;
  PublicKey server_key_;
  plugin::PluginRegistry registry_;
  std::vector<plugin::Ranked> ranked_;
  ReplayGuard guard_;

  int listener_ = -1;
  int udp_ = -1;
  int call_fd_ = -1;
  bool primary_seen_ = false;
  std::vector<Connection> connections_;
  SteadyClock::time_point deadline_;
  SteadyClock::time_point handshake_started_ = SteadyClock::now();

  std::optional<HandshakeResult> result_;
  std::optional<plugin::CipherPlugin> cipher_;
  std::optional<MediaKeys> media_;
  std::optional<ImSession> im_;
  sockaddr_in media_to_{};
  bool media_to_known_ = false;
  bool media_sent_ = false;
  bool peer_done_ = false;
  bool finished_ = false;
  SteadyClock::time_point peer_done_at_;
  SteadyClock::time_point last_media_;
  std::uint16_t highest_sequence_ = 0;
  double handshake_ms_ = 0;
  std::string handshake_failure_;
  std::string call_end_;
  nlohmann::json refusals_ = nlohmann::json::array();
  Counters counters_;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) throw std::runtime_error("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--role")
      options.role = value;
    else if (flag == "--identity")
      options.identity_dir = value;
    else if (flag == "--user")
      options.user = value;
    else if (flag == "--peer")
      options.peer = value;
    else if (flag == "--tcp")
      options.relay_tcp = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--udp")
      options.relay_udp = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--plugin")
      options.plugins.emplace_back(value);
    else if (flag == "--suites")
      options.suites = split(value);
    else if (flag == "--packets")
      options.packets = std::stoi(value);
    else if (flag == "--rekey-after")
      options.rekey_after = std::stoull(value);
    else if (flag == "--allow-insecure-cipher")
      options.allow_insecure_cipher = value == "yes";
    else if (flag == "--deadline-ms")
      options.deadline_ms = std::stoi(value);
    else
      throw std::runtime_error("unknown option " + flag);
  }
  if (options.role != "initiator" && options.role != "responder") {
    throw std::runtime_error("--role initiator|responder is required");
  }
  return options;
}

}  // namespace
}  // namespace parley::e2e_mitm

int main(int argc, char** argv) try {
  parley::log::set_level(parley::log::Level::warn);
  if (argc >= 3 && std::string(argv[1]) == "--make-identities") {
    return parley::e2e_mitm::make_identities(argv[2],
                                             std::vector<std::string>(argv + 3, argv + argc));
  }
  parley::e2e_mitm::Peer peer(parley::e2e_mitm::parse(argc, argv));
  return peer.run();
} catch (const std::exception& error) {
  std::fprintf(stderr, "e2e_peer: %s\n", error.what());
  return 2;
}
