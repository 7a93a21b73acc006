// The man in the middle: a relay on 127.0.0.1 between two e2e_peer processes,
// as a super node relays signaling (TCP, framed) and media (UDP). It knows the
// handshake's wire format (it links the same protobuf schema) and attacks
// according to --mode:
//
//   pass                    forwards everything untouched
//   alter-hello-ephemeral   flips a bit of the initiator's X25519 share
//   downgrade-hello         removes the initiator's first cipher suite
//   alter-reply-ephemeral   flips a bit of the responder's X25519 share
//   alter-finish-signature  flips a bit of the initiator's transcript signature
//   replay-hello            after the handshake, replays the hello to the
//                           responder on a second connection
//   alter-media             flips a byte in every 10th media packet (5th, 15th, ...)
//   replay-media            sends every 10th media packet twice
//   reorder-media           swaps each pair of media packets
//   drop-media              drops every 10th media packet (8th, 18th, ...)
//
//   e2e_relay --mode M --responder-tcp PORT --responder-udp PORT [--deadline-ms N]
// Prints "READY tcp=PORT udp=PORT" (where the initiator connects and sends
// media), and at the end "RESULT {json}" with what it did and saw. It checks
// every relayed byte for the peers' plaintext markers: a relay that can read
// them would see "PARLEY-PLAINTEXT".
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "loopback_net.hpp"
#include "proto/handshake.pb.h"

namespace parley::e2e_mitm {
namespace {

constexpr std::string_view kPlaintextMarker = "PARLEY-PLAINTEXT";

struct Options {
  std::string mode = "pass";
  std::uint16_t responder_tcp = 0;
  std::uint16_t responder_udp = 0;
  int deadline_ms = 20000;
};

std::size_t count_markers(std::span<const std::uint8_t> bytes) {
  std::size_t found = 0;
  auto at = bytes.begin();
  while ((at = std::search(at, bytes.end(), kPlaintextMarker.begin(), kPlaintextMarker.end())) !=
         bytes.end()) {
    ++found;
    ++at;
  }
  return found;
}

Bytes as_bytes(const std::string& text) {
  return {text.begin(), text.end()};
}

void flip(std::string& field, std::size_t at) {
  field[at] = static_cast<char>(field[at] ^ 0x01);
}

// One direction of media: initiator -> responder or back.
struct MediaDirection {
  const char* name = "";
  int from_socket = -1;  // where packets arrive
  int to_socket = -1;    // where they leave
  sockaddr_in to{};
  bool to_known = false;
  int packets_in = 0;
  int forwarded = 0;
  int altered = 0;
  int dropped = 0;
  int replayed = 0;
  int reordered = 0;
  std::optional<Bytes> held;  // reorder: waiting for its successor
};

class Relay {
 public:
  explicit Relay(Options options) : options_(std::move(options)) {
    listener_ = tcp_listener_on_loopback();
    initiator_side_udp_ = udp_socket_on_loopback();
    responder_side_udp_ = udp_socket_on_loopback();
    to_responder_.name = "initiator->responder";
    to_responder_.from_socket = initiator_side_udp_;
    to_responder_.to_socket = responder_side_udp_;
    to_responder_.to = loopback(options_.responder_udp);
    to_responder_.to_known = true;
    to_initiator_.name = "responder->initiator";
    to_initiator_.from_socket = responder_side_udp_;
    to_initiator_.to_socket = initiator_side_udp_;
    deadline_ = SteadyClock::now() + std::chrono::milliseconds(options_.deadline_ms);
  }

  int run() {
    std::printf("READY tcp=%u udp=%u\n", local_port(listener_), local_port(initiator_side_udp_));
    std::fflush(stdout);
    while (!done()) {
      std::vector<pollfd> polled{{initiator_side_udp_, POLLIN, 0},
                                 {responder_side_udp_, POLLIN, 0}};
      if (initiator_fd_ < 0 && !initiator_closed_) polled.push_back({listener_, POLLIN, 0});
      for (const int fd : {initiator_fd_, responder_fd_, replay_fd_}) {
        if (fd >= 0) polled.push_back({fd, POLLIN, 0});
      }
      if (poll(polled.data(), polled.size(), milliseconds_until(deadline_)) < 0 && errno != EINTR) {
        fail_errno("poll");
      }
      // Media first: whatever a peer sent before its next signaling frame is
      // relayed before that frame, as a single path would deliver it.
      relay_media(to_responder_, true);
      relay_media(to_initiator_, false);
      accept_initiator();
      relay_signaling();
      drain_replay_connection();
    }
    report();
    return 0;
  }

 private:
  [[nodiscard]] bool done() const {
    if (SteadyClock::now() >= deadline_) return true;
    return initiator_closed_ && responder_fd_ < 0 && replay_fd_ < 0;
  }

  void accept_initiator() {
    if (initiator_fd_ >= 0 || initiator_closed_) return;
    const int fd = accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) return;
    initiator_fd_ = fd;
    responder_fd_ = tcp_connect_loopback(options_.responder_tcp);
  }

  void relay_media(MediaDirection& direction, bool from_initiator) {
    std::uint8_t buffer[2048];
    for (;;) {
      sockaddr_in from{};
      socklen_t from_size = sizeof from;
      const auto got = recvfrom(direction.from_socket, buffer, sizeof buffer, 0,
                                reinterpret_cast<sockaddr*>(&from), &from_size);
      if (got < 0) return;
      Bytes packet(buffer, buffer + got);
      if (from_initiator) {
        // Learn where the initiator's media comes from, to send the answers there.
        to_initiator_.to = from;
        to_initiator_.to_known = true;
      }
      const int index = direction.packets_in++;
      markers_seen_ += count_markers(packet);
      udp_bytes_ += packet.size();
      if (!direction.to_known) continue;
      if (options_.mode == "drop-media" && index % 10 == 7) {
        ++direction.dropped;
        continue;
      }
      if (options_.mode == "alter-media" && index % 10 == 4) {
        packet[packet.size() - 5] ^= 0x10;  // inside the tag: the packet is not authentic
        ++direction.altered;
      }
      if (options_.mode == "reorder-media") {
        if (!direction.held) {
          direction.held = std::move(packet);
          continue;
        }
        forward(direction, packet);
        forward(direction, *direction.held);
        direction.held.reset();
        direction.reordered += 2;
        continue;
      }
      forward(direction, packet);
      if (options_.mode == "replay-media" && index % 10 == 9) {
        forward(direction, packet);
        ++direction.replayed;
      }
    }
  }

  void forward(MediaDirection& direction, const Bytes& packet) {
    sendto(direction.to_socket, packet.data(), packet.size(), 0,
           reinterpret_cast<const sockaddr*>(&direction.to), sizeof direction.to);
    ++direction.forwarded;
  }

  void flush_held(MediaDirection& direction) {
    if (!direction.held) return;
    forward(direction, *direction.held);
    direction.held.reset();
  }

  void relay_signaling() {
    if (initiator_fd_ >= 0) {
      const bool open = read_into(initiator_fd_, from_initiator_);
      while (auto frame = from_initiator_.next_frame()) {
        flush_held(to_responder_);
        on_initiator_frame(*frame);
      }
      if (!open) close_both();
    }
    if (responder_fd_ >= 0) {
      const bool open = read_into(responder_fd_, from_responder_);
      while (auto frame = from_responder_.next_frame()) {
        flush_held(to_initiator_);
        on_responder_frame(*frame);
      }
      if (!open) close_both();
    }
  }

  void on_initiator_frame(Bytes frame) {
    const int index = initiator_frames_++;
    if (index == 0) {
      hello_ = frame;
      if (options_.mode == "alter-hello-ephemeral" || options_.mode == "downgrade-hello") {
        frame = edit_hello(frame);
      }
    }
    if (index == 1 && options_.mode == "alter-finish-signature") {
      handshake::HandshakeMessage envelope;
      if (envelope.ParseFromArray(frame.data(), static_cast<int>(frame.size())) &&
          envelope.has_finish()) {
        flip(*envelope.mutable_finish()->mutable_signature(), 9);
        frame = as_bytes(envelope.SerializeAsString());
        ++signaling_altered_;
      }
    }
    pass_on(responder_fd_, frame);
    if (index == 1 && options_.mode == "replay-hello") {
      // The handshake is over; a captured hello is now sent again, as a new call.
      replay_fd_ = tcp_connect_loopback(options_.responder_tcp);
      send_frame(replay_fd_, hello_);
      ++hellos_replayed_;
    }
  }

  void on_responder_frame(Bytes frame) {
    if (responder_frames_++ == 0 && options_.mode == "alter-reply-ephemeral") {
      handshake::HandshakeMessage envelope;
      handshake::ReplyBody body;
      if (envelope.ParseFromArray(frame.data(), static_cast<int>(frame.size())) &&
          envelope.has_reply() && body.ParseFromString(envelope.reply().body())) {
        flip(*body.mutable_ephemeral_key(), 5);
        envelope.mutable_reply()->set_body(body.SerializeAsString());
        frame = as_bytes(envelope.SerializeAsString());
        ++signaling_altered_;
      }
    }
    pass_on(initiator_fd_, frame);
  }

  Bytes edit_hello(const Bytes& frame) {
    handshake::HandshakeMessage envelope;
    handshake::Hello hello;
    if (!envelope.ParseFromArray(frame.data(), static_cast<int>(frame.size())) ||
        !hello.ParseFromString(envelope.hello())) {
      return frame;
    }
    if (options_.mode == "alter-hello-ephemeral") {
      flip(*hello.mutable_ephemeral_key(), 0);
    } else if (hello.cipher_suites_size() > 1) {
      hello.mutable_cipher_suites()->erase(hello.mutable_cipher_suites()->begin());
    }
    envelope.set_hello(hello.SerializeAsString());
    ++signaling_altered_;
    return as_bytes(envelope.SerializeAsString());
  }

  void pass_on(int fd, const Bytes& frame) {
    markers_seen_ += count_markers(frame);
    tcp_bytes_ += frame.size();
    ++frames_forwarded_;
    if (fd >= 0) send_frame(fd, frame);
  }

  // The responder answers a replayed hello by closing: read until it does.
  void drain_replay_connection() {
    if (replay_fd_ < 0) return;
    net::FrameDecoder ignored(4096);
    if (!read_into(replay_fd_, ignored)) {
      replay_answers_ += ignored.next_frame().has_value() ? 1 : 0;
      close(replay_fd_);
      replay_fd_ = -1;
      replay_connection_closed_by_responder_ = true;
    }
  }

  void close_both() {
    for (int* fd : {&initiator_fd_, &responder_fd_}) {
      if (*fd >= 0) close(*fd);
      *fd = -1;
    }
    initiator_closed_ = true;
  }

  void report() {
    nlohmann::json out;
    out["mode"] = options_.mode;
    out["deadline_reached"] = SteadyClock::now() >= deadline_;
    out["signaling_frames_forwarded"] = frames_forwarded_;
    out["signaling_altered"] = signaling_altered_;
    out["hellos_replayed"] = hellos_replayed_;
    out["replay_connection_closed_by_responder"] = replay_connection_closed_by_responder_;
    out["replay_answers"] = replay_answers_;
    out["tcp_bytes"] = tcp_bytes_;
    out["udp_bytes"] = udp_bytes_;
    out["plaintext_markers_seen"] = markers_seen_;
    for (const auto* direction : {&to_responder_, &to_initiator_}) {
      out["media"][direction->name] = {
          {"packets_in", direction->packets_in}, {"forwarded", direction->forwarded},
          {"altered", direction->altered},       {"dropped", direction->dropped},
          {"replayed", direction->replayed},     {"reordered", direction->reordered}};
    }
    std::printf("RESULT %s\n", out.dump().c_str());
    std::fflush(stdout);
  }

  Options options_;
  int listener_ = -1;
  int initiator_side_udp_ = -1;
  int responder_side_udp_ = -1;
  int initiator_fd_ = -1;
  int responder_fd_ = -1;
  int replay_fd_ = -1;
  bool initiator_closed_ = false;
  SteadyClock::time_point deadline_;
  net::FrameDecoder from_initiator_{4096};
  net::FrameDecoder from_responder_{4096};
  MediaDirection to_responder_{};
  MediaDirection to_initiator_{};
  Bytes hello_;
  int initiator_frames_ = 0;
  int responder_frames_ = 0;
  int frames_forwarded_ = 0;
  int signaling_altered_ = 0;
  int hellos_replayed_ = 0;
  int replay_answers_ = 0;
  bool replay_connection_closed_by_responder_ = false;
  std::size_t tcp_bytes_ = 0;
  std::size_t udp_bytes_ = 0;
  std::size_t markers_seen_ = 0;
};

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--mode")
      options.mode = value;
    else if (flag == "--responder-tcp")
      options.responder_tcp = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--responder-udp")
      options.responder_udp = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--deadline-ms")
      options.deadline_ms = std::stoi(value);
    else
      throw std::runtime_error("unknown option " + flag);
  }
  static const std::vector<std::string> kModes = {"pass",
                                                  "alter-hello-ephemeral",
                                                  "downgrade-hello",
                                                  "alter-reply-ephemeral",
                                                  "alter-finish-signature",
                                                  "replay-hello",
                                                  "alter-media",
                                                  "replay-media",
                                                  "reorder-media",
                                                  "drop-media"};
  if (std::find(kModes.begin(), kModes.end(), options.mode) == kModes.end()) {
    throw std::runtime_error("unknown mode " + options.mode);
  }
  if (options.responder_tcp == 0 || options.responder_udp == 0) {
    throw std::runtime_error("--responder-tcp and --responder-udp are required");
  }
  return options;
}

}  // namespace
}  // namespace parley::e2e_mitm

int main(int argc, char** argv) try {
  parley::e2e_mitm::Relay relay(parley::e2e_mitm::parse(argc, argv));
  return relay.run();
} catch (const std::exception& error) {
  std::fprintf(stderr, "e2e_relay: %s\n", error.what());
  return 2;
}
