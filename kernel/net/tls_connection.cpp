#include "net/tls_connection.hpp"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/write.hpp>

namespace parley::net {
namespace {

std::string ms_text(std::chrono::milliseconds duration) {
  return std::to_string(duration.count()) + " ms";
}

std::string read_error_text(const boost::system::error_code& error) {
  if (error == asio::error::eof || error == ssl::error::stream_truncated ||
      error == asio::error::connection_reset) {
    return "peer closed the connection";
  }
  return "read failed: " + error.message();
}

}  // namespace

TlsConnection::TlsConnection(Strand strand, tcp::socket socket,
                             std::shared_ptr<ssl::context> context, ConnectionLimits limits,
                             std::shared_ptr<void> admission)
    : strand_(std::move(strand)),
      context_(std::move(context)),
      stream_(std::move(socket), *context_),
      limits_(limits),
      admission_(std::move(admission)),
      decoder_(limits.max_frame_bytes),
      read_deadline_(strand_),
      write_deadline_(strand_) {
  boost::system::error_code ignored;
  remote_ = stream_.lowest_layer().remote_endpoint(ignored);
  // Requests and answers are small and latency-bound: do not wait to coalesce.
  stream_.lowest_layer().set_option(tcp::no_delay(true), ignored);
}

TlsConnection::~TlsConnection() = default;

void TlsConnection::pin_server_key(const identity::PublicKey& key) {
  pin_.expected = key;
  pinned_ = true;
}

void TlsConnection::handshake(ssl::stream_base::handshake_type side, HandshakeHandler done) {
  asio::dispatch(strand_, [this, self = shared_from_this(), side, done = std::move(done)]() {
    if (pinned_) net::pin_server_key(stream_.native_handle(), &pin_);
    arm(read_deadline_, limits_.handshake_timeout,
        "TLS handshake not finished within " + ms_text(limits_.handshake_timeout));
    stream_.async_handshake(
        side,
        asio::bind_executor(strand_, [this, self, done](const boost::system::error_code& error) {
          disarm(read_deadline_);
          if (closed_) {
            done(close_reason_);
            return;
          }
          if (error) {
            std::string why;
            if (pinned_ && pin_.presented && !pin_.matched) {
              why = "server key mismatch: the server presented " + pin_.presented->to_text() +
                    " but " + pin_.expected.to_text() + " is pinned";
            } else if (pinned_ && !pin_.matched && !pin_.presented &&
                       SSL_get0_peer_certificate(stream_.native_handle()) != nullptr) {
              why = "server key mismatch: the server's certificate has no Ed25519 key";
            } else {
              why = "TLS handshake failed: " + error.message();
            }
            finish(why);
            done(why);
            return;
          }
          peer_key_ = peer_public_key(stream_.native_handle());
          // RFC 8446 section 7.5 / RFC 9266: unique to this session, so a
          // signature over it cannot be replayed on another connection.
          if (SSL_export_keying_material(stream_.native_handle(), channel_binding_.data(),
                                         channel_binding_.size(), kChannelBindingLabel.data(),
                                         kChannelBindingLabel.size(), nullptr, 0, 0) != 1) {
            const std::string why = "TLS exporter failed";
            finish(why);
            done(why);
            return;
          }
          done({});
        }));
  });
}

void TlsConnection::start(MessageHandler on_message, CloseHandler on_close) {
  asio::dispatch(strand_, [this, self = shared_from_this(), on_message = std::move(on_message),
                           on_close = std::move(on_close)]() mutable {
    if (closed_) {
      if (on_close) on_close(close_reason_);
      return;
    }
    on_message_ = std::move(on_message);
    on_close_ = std::move(on_close);
    if (limits_.idle_timeout.count() > 0) {
      arm(read_deadline_, limits_.idle_timeout, "idle for " + ms_text(limits_.idle_timeout));
    }
    read_more();
  });
}

void TlsConnection::read_more() {
  if (closed_ || closing_) return;
  stream_.async_read_some(
      asio::buffer(read_buffer_),
      asio::bind_executor(strand_, [this, self = shared_from_this()](
                                       const boost::system::error_code& error, std::size_t bytes) {
        on_read(error, bytes);
      }));
}

void TlsConnection::on_read(const boost::system::error_code& error, std::size_t bytes) {
  if (closed_) return;
  if (error) {
    finish(read_error_text(error));
    return;
  }
  decoder_.feed(std::span(read_buffer_.data(), bytes));
  std::size_t delivered = 0;
  while (!closed_ && !closing_) {
    auto frame = decoder_.next_frame();
    if (!frame) break;
    ++delivered;
    delivering_ = true;
    on_message_(std::move(*frame));
    delivering_ = false;
  }
  // The handler closed its own connection: release it now that it returned.
  if (closed_) on_message_ = nullptr;
  if (closed_ || closing_) return;
  if (decoder_.error() != FrameDecoder::Error::none) {
    finish(decoder_.error_text());
    return;
  }
  if (decoder_.inside_frame()) {
    // The deadline runs from a frame's first byte; later bytes do not extend it.
    if (!reading_frame_ || delivered > 0) {
      reading_frame_ = true;
      arm(read_deadline_, limits_.frame_timeout,
          "no complete frame within " + ms_text(limits_.frame_timeout));
    }
  } else {
    reading_frame_ = false;
    if (limits_.idle_timeout.count() > 0) {
      arm(read_deadline_, limits_.idle_timeout, "idle for " + ms_text(limits_.idle_timeout));
    } else {
      disarm(read_deadline_);
    }
  }
  read_more();
}

void TlsConnection::send(std::vector<std::uint8_t> message) {
  // Framed here, in the caller's thread: a message that is too large fails
  // loudly at the sender rather than as a closed connection.
  auto frame = encode_frame(message, limits_.max_frame_bytes);
  asio::dispatch(strand_, [this, self = shared_from_this(), frame = std::move(frame)]() mutable {
    enqueue(std::move(frame));
  });
}

void TlsConnection::enqueue(std::vector<std::uint8_t> frame) {
  if (closed_ || closing_) return;
  queued_bytes_ += frame.size();
  if (queued_bytes_ > limits_.max_queued_send_bytes) {
    finish("peer is not reading: more than " + std::to_string(limits_.max_queued_send_bytes) +
           " bytes queued");
    return;
  }
  send_queue_.push_back(std::move(frame));
  if (!writing_) write_next();
}

void TlsConnection::write_next() {
  if (closed_) return;
  if (send_queue_.empty()) {
    writing_ = false;
    disarm(write_deadline_);
    if (closing_) finish(closing_reason_);
    return;
  }
  writing_ = true;
  arm(write_deadline_, limits_.frame_timeout,
      "peer did not take a frame within " + ms_text(limits_.frame_timeout));
  asio::async_write(stream_, asio::buffer(send_queue_.front()),
                    asio::bind_executor(strand_, [this, self = shared_from_this()](
                                                     const boost::system::error_code& error,
                                                     std::size_t /*bytes*/) {
                      if (closed_) return;
                      if (error) {
                        finish("write failed: " + error.message());
                        return;
                      }
                      queued_bytes_ -= send_queue_.front().size();
                      send_queue_.pop_front();
                      write_next();
                    }));
}

void TlsConnection::close(std::string reason) {
  asio::dispatch(strand_, [this, self = shared_from_this(), reason = std::move(reason)]() {
    if (closed_ || closing_) return;
    closing_ = true;
    closing_reason_ = reason;
    disarm(read_deadline_);
    if (!writing_) finish(reason);
  });
}

void TlsConnection::abort(std::string reason) {
  asio::dispatch(
      strand_, [this, self = shared_from_this(), reason = std::move(reason)]() { finish(reason); });
}

void TlsConnection::arm(Deadline& deadline, std::chrono::milliseconds timeout, std::string reason) {
  const auto generation = ++deadline.generation;
  deadline.timer.expires_after(timeout);
  deadline.timer.async_wait(asio::bind_executor(
      strand_, [this, self = shared_from_this(), &deadline, generation,
                reason = std::move(reason)](const boost::system::error_code& error) {
        if (error || closed_ || generation != deadline.generation) return;
        finish(reason);
      }));
}

void TlsConnection::disarm(Deadline& deadline) {
  ++deadline.generation;
  deadline.timer.cancel();
}

void TlsConnection::finish(const std::string& reason) {
  if (closed_) return;
  closed_ = true;
  close_reason_ = reason;
  disarm(read_deadline_);
  disarm(write_deadline_);
  boost::system::error_code ignored;
  stream_.lowest_layer().shutdown(tcp::socket::shutdown_both, ignored);
  stream_.lowest_layer().close(ignored);
  send_queue_.clear();
  queued_bytes_ = 0;
  auto on_close = std::move(on_close_);
  on_close_ = nullptr;
  // Releasing the handlers breaks the cycles through what they capture. The
  // message handler may be the caller (it aborted): then on_read releases it
  // once it has returned.
  if (!delivering_) on_message_ = nullptr;
  if (on_close) on_close(reason);
}

}  // namespace parley::net
