// One TLS 1.3 connection carrying length-prefixed messages (frame_codec.hpp).
//
// Style: callbacks (completion handlers), not coroutines. Handlers of one
// connection run on that connection's strand, one at a time, so a handler
// never races another handler of the same connection; the io_context may be
// run by one thread or several. send() and close() may be called from any
// thread (a worker that finished a slow job answers directly).
//
// Deadlines bound what a peer can hold: the TLS handshake must finish within
// handshake_timeout; once the first byte of a frame has arrived, the whole
// frame must within frame_timeout (a peer trickling one byte at a time is
// dropped); between frames the peer may stay silent for idle_timeout (0: for
// ever, when the protocol has keep-alives of its own); a write that the peer
// does not drain within frame_timeout closes the connection, and so does a
// send queue over max_queued_send_bytes. Every close reaches the close handler
// exactly once, with a reason.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "net/frame_codec.hpp"
#include "net/tls_context.hpp"

namespace parley::net {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct ConnectionLimits {
  std::size_t max_frame_bytes = kDefaultMaxFrameBytes;
  std::chrono::milliseconds handshake_timeout{10'000};
  std::chrono::milliseconds frame_timeout{10'000};
  std::chrono::milliseconds idle_timeout{60'000};  // 0: no idle limit
  std::size_t max_queued_send_bytes = std::size_t{1024} * 1024;
};

// RFC 9266 names its exporter label "EXPORTER-Channel-Binding"; Parley uses
// its own label so its proofs never collide with another protocol's.
inline constexpr std::string_view kChannelBindingLabel = "EXPORTER-parley-channel-binding";
using ChannelBinding = std::array<std::uint8_t, 32>;

class TlsConnection : public std::enable_shared_from_this<TlsConnection> {
 public:
  using Strand = asio::strand<asio::io_context::executor_type>;
  using MessageHandler = std::function<void(std::vector<std::uint8_t> message)>;
  using CloseHandler = std::function<void(const std::string& reason)>;
  using HandshakeHandler = std::function<void(const std::string& error)>;  // empty: success

  // Made by TlsServer and connect_tls(); admission is released when the
  // connection is destroyed (the server's per-address count).
  // socket must have been made on strand (its I/O completes there).
  TlsConnection(Strand strand, tcp::socket socket, std::shared_ptr<ssl::context> context,
                ConnectionLimits limits, std::shared_ptr<void> admission = nullptr);
  ~TlsConnection();
  TlsConnection(const TlsConnection&) = delete;
  TlsConnection& operator=(const TlsConnection&) = delete;

  // Client side only, before handshake(): the key the server must present.
  void pin_server_key(const identity::PublicKey& key);
  void handshake(ssl::stream_base::handshake_type side, HandshakeHandler done);

  // Starts delivering messages. Call once, after a successful handshake.
  void start(MessageHandler on_message, CloseHandler on_close);
  // Queues one message (not empty, at most max_frame_bytes); written in order.
  void send(std::vector<std::uint8_t> message);
  // Stops reading, writes what is queued (within frame_timeout), then closes.
  void close(std::string reason);
  // Closes at once, dropping anything queued.
  void abort(std::string reason);

  [[nodiscard]] const tcp::endpoint& remote_endpoint() const { return remote_; }
  // The peer's Ed25519 key: the server's on a client connection; the
  // client's on a server connection when the server asked for one.
  [[nodiscard]] const std::optional<identity::PublicKey>& peer_key() const { return peer_key_; }
  [[nodiscard]] const ConnectionLimits& limits() const { return limits_; }
  // 32 bytes from the TLS exporter (label kChannelBindingLabel), the same on
  // both ends of this session and on no other: what an in-band proof of key
  // possession signs so it cannot be replayed elsewhere. Valid after a
  // successful handshake.
  [[nodiscard]] const ChannelBinding& channel_binding() const { return channel_binding_; }
  [[nodiscard]] Strand& strand() { return strand_; }

 private:
  void read_more();
  void on_read(const boost::system::error_code& error, std::size_t bytes);
  void enqueue(std::vector<std::uint8_t> frame);
  void write_next();
  // A deadline is a timer plus a generation: a wait that completed just before
  // the deadline was re-armed or disarmed carries an old generation and is
  // ignored, which the timer's own cancel() cannot guarantee.
  struct Deadline {
    explicit Deadline(const Strand& strand) : timer(strand) {}
    asio::steady_timer timer;
    std::uint64_t generation = 0;
  };
  void arm(Deadline& deadline, std::chrono::milliseconds timeout, std::string reason);
  static void disarm(Deadline& deadline);
  void finish(const std::string& reason);

  Strand strand_;
  std::shared_ptr<ssl::context> context_;
  ssl::stream<tcp::socket> stream_;
  ConnectionLimits limits_;
  std::shared_ptr<void> admission_;
  tcp::endpoint remote_;
  PinCheck pin_;
  bool pinned_ = false;
  std::optional<identity::PublicKey> peer_key_;
  ChannelBinding channel_binding_{};

  FrameDecoder decoder_;
  // Decrypted bytes only: the TLS stream keeps its own record-sized buffers,
  // so this one need not hold a whole record. Every connection carries it for
  // its whole life, and overlay messages are a few hundred bytes; a larger
  // frame just takes a few more reads.
  std::array<std::uint8_t, std::size_t{4} * 1024> read_buffer_{};
  Deadline read_deadline_;
  Deadline write_deadline_;
  bool reading_frame_ = false;  // the frame deadline is armed

  std::deque<std::vector<std::uint8_t>> send_queue_;
  std::size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool closing_ = false;  // close(): no more reads, finish after the queue drains
  std::string closing_reason_;
  bool closed_ = false;
  bool delivering_ = false;  // inside on_message_
  std::string close_reason_;
  MessageHandler on_message_;
  CloseHandler on_close_;
};

}  // namespace parley::net
