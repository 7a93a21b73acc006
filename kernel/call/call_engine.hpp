// A client's calls (docs/calls.md): signaling through the overlay
// (overlay::ClientNode::send_call_route), the end-to-end handshake carried in
// it (identity/handshake.hpp), and the media session it sets up: SRTP over
// UDP, direct between the peers when a connectivity check succeeds, else
// through the relay slot the caller's super node granted.
//
// One call at a time: a second invite while busy is answered Busy. Every
// step has a deadline (CallTimeouts); a repeated or stray message never
// creates a second call. Threading: everything runs on the io_context of the
// ClientNode, on one thread; audio is paced by that thread's timers.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/call_report.hpp"
#include "call/signaling_link.hpp"
#include "overlay/client_node.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::call {

enum class CallState {
  idle,
  looking_up,  // caller: finding the callee in the directory
  inviting,    // caller: invite sent, no answer yet
  ringing,     // caller: the callee rings; callee: an invite waits for answer()
  connecting,  // handshake finishing, connectivity checks running
  active,      // media flowing
};
std::string_view state_name(CallState state);

struct CallTimeouts {
  std::chrono::milliseconds lookup{5'000};          // directory search for the callee
  std::chrono::milliseconds invite{5'000};          // invite sent -> ringing (or any answer)
  std::chrono::milliseconds ring{30'000};           // ringing -> accept/reject
  std::chrono::milliseconds connect{5'000};         // accept -> first media packet
  std::chrono::milliseconds media_silence{10'000};  // active, nothing received: the call is lost
  // How long direct checks get before an answered relay is taken. Short: a
  // direct path that answers later still takes over (docs/calls.md, "Upgrade").
  std::chrono::milliseconds direct_check{200};
};

// Where the call's audio comes from and goes to.
struct AudioEndpoints {
  // Files: capture reads this WAV (looped when loop_play), playback writes this WAV.
  std::optional<std::filesystem::path> play_wav;
  std::optional<std::filesystem::path> record_wav;
  bool loop_play = false;
  // Without files: the preferred audio device plugin's default devices
  // (device ids empty), or tone + discard when there is none.
  std::string capture_device;
  std::string playback_device;
  // false: a tone and a discarding sink wherever no file is named, without
  // touching any device (headless runs, tests).
  bool use_devices = true;
};

struct CallEngineOptions {
  const plugin::PluginHost* host =
      nullptr;                    // codecs, ciphers, audio, transport; outlives the engine
  overlay::UserCredentials user;  // the same as the ClientNode's
  std::string media_bind_address = "0.0.0.0";  // the media socket's address (port: any)
  bool auto_answer = false;                    // callee: accept every invite at once
  CallTimeouts timeouts;
  AudioEndpoints audio;
  std::uint32_t frame_ms = 20;
  std::uint32_t max_call_seconds = 0;  // 0: no limit; else hang up after this long
  bool force_relay = false;            // no direct checks, so never direct (tests, diagnostics)
};

class CallEngine {
 public:
  using EventHandler = std::function<void(const std::string& line)>;
  using EndedHandler = std::function<void(const CallReport& report)>;

  // Binds the media socket at once; registers itself with node's call handlers.
  // Throws std::runtime_error when the options lack a host or credentials, or
  // no datagram transport plugin binds.
  CallEngine(boost::asio::io_context& io, overlay::ClientNode& node, CallEngineOptions options,
             EventHandler on_event, EndedHandler on_ended);
  // The same over any signaling link (unit tests use a loopback double).
  CallEngine(boost::asio::io_context& io, std::shared_ptr<SignalingLink> link,
             CallEngineOptions options, EventHandler on_event, EndedHandler on_ended);
  // Hangs up a call in progress (HANGUP and BYE are sent; the ended handler is not called).
  ~CallEngine();
  CallEngine(const CallEngine&) = delete;
  CallEngine& operator=(const CallEngine&) = delete;

  // Looks the user up and invites them. Returns the new call's id at once;
  // every failure (busy with another call, not attached, no such user...)
  // comes later through the ended handler, with that id.
  std::string call(const std::string& user_id);
  // Callee, while ringing.
  void answer();
  void reject(const std::string& reason = "declined");
  // Cancel (before answer) or hang up (after). Media stops within one frame.
  void hang_up(const std::string& reason = "hung up");

  [[nodiscard]] CallState state() const;
  [[nodiscard]] std::string peer() const;
  // The running call's figures so far (empty when idle).
  [[nodiscard]] std::optional<CallReport> stats() const;

  // The media socket's local endpoint and the candidates it advertises
  // ("host:port": host addresses, then the reflexive one once STUN told it).
  [[nodiscard]] boost::asio::ip::udp::endpoint media_endpoint() const;
  [[nodiscard]] std::vector<std::string> media_candidates() const;

  // A renewed certificate (same user, same key): the next handshake and
  // signed call message carry it; a call in progress keeps its keys.
  void set_certificate(std::vector<std::uint8_t> certificate);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::call
