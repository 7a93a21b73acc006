#include "identity/login_server.hpp"

#include <openssl/rand.h>
#include <sched.h>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <thread>

#include "log/log.hpp"
#include "parley_version.hpp"

namespace parley::login {
namespace {

std::size_t usable_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    return static_cast<std::size_t>(std::max(1, CPU_COUNT(&set)));
  }
  return std::max(1U, std::thread::hardware_concurrency());
}

}  // namespace

LoginServerOptions default_login_server_options() {
  LoginServerOptions options;
  options.tls.limits.max_frame_bytes = kMaxFrameBytes;
  options.tls.limits.handshake_timeout = std::chrono::milliseconds(10'000);
  options.tls.limits.frame_timeout = std::chrono::milliseconds(10'000);
  options.tls.limits.idle_timeout = std::chrono::milliseconds(30'000);
  options.tls.limits.max_queued_send_bytes = std::size_t{64} * 1024;
  options.tls.max_connections = 1024;
  options.tls.max_connections_per_address = 32;
  return options;
}

struct LoginServer::Shared {
  Shared(LoginService& login_service, const identity::SigningKey& key, std::size_t workers,
         std::size_t max_jobs)
      : service(login_service), server_key(key), pool(workers), max_pending_jobs(max_jobs) {}

  LoginService& service;
  const identity::SigningKey& server_key;
  boost::asio::thread_pool pool;
  std::size_t max_pending_jobs;
  std::atomic<std::size_t> pending_jobs{0};
};

namespace {

// One connection's protocol state. Lives as long as the connection's
// handlers hold it; touched only on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(std::shared_ptr<net::TlsConnection> connection,
          std::shared_ptr<LoginServer::Shared> shared)
      : connection_(std::move(connection)),
        shared_(std::move(shared)),
        address_(net::address_bucket(connection_->remote_endpoint())) {
    RAND_bytes(nonce_.data(), static_cast<int>(nonce_.size()));
  }

  void start() {
    connection_->start(
        [self = shared_from_this()](std::vector<std::uint8_t> message) {
          self->on_message(message);
        },
        [self = shared_from_this()](const std::string& reason) {
          log::debug("login", "connection from " + self->address_ + " closed: " + reason);
        });
  }

 private:
  void answer(const ServerMessage& message) { connection_->send(serialize(message)); }

  // Answers with status in the response type of the request it refuses.
  void reply_status(ClientMessage::BodyCase body, const Status& status) {
    ServerMessage message;
    switch (body) {
      case ClientMessage::kRegisterRequest:
        *message.mutable_register_response()->mutable_status() = status;
        break;
      case ClientMessage::kLogin: *message.mutable_login()->mutable_status() = status; break;
      case ClientMessage::kChangePassword:
        *message.mutable_change_password()->mutable_status() = status;
        break;
      case ClientMessage::kRenew: *message.mutable_renew()->mutable_status() = status; break;
      default: *message.mutable_hello()->mutable_status() = status; break;
    }
    answer(message);
  }

  void refuse_and_close(ClientMessage::BodyCase body, ErrorCode code, const std::string& reason) {
    reply_status(body, make_status(code, reason));
    connection_->close(reason);
  }

  void on_message(std::span<const std::uint8_t> bytes) {
    auto decoded = decode_client_message(bytes);
    if (!decoded.request) {
      // A weak new password is an ordinary answer; anything else ends the connection.
      if (decoded.error == WEAK_PASSWORD && hello_done_ && !busy_) {
        reply_status(decoded.body, make_status(WEAK_PASSWORD, decoded.reason));
        return;
      }
      refuse_and_close(decoded.body, BAD_REQUEST, decoded.reason);
      return;
    }
    if (auto* hello = std::get_if<HelloRequest>(&*decoded.request)) {
      on_hello(*hello);
      return;
    }
    if (!hello_done_) {
      refuse_and_close(decoded.body, BAD_REQUEST, "send Hello first");
      return;
    }
    if (busy_) {
      refuse_and_close(decoded.body, BAD_REQUEST, "one request at a time, please");
      return;
    }
    if (shared_->pending_jobs.load() >= shared_->max_pending_jobs) {
      reply_status(decoded.body, make_status(BUSY, "the server is busy; retry shortly", 1000));
      return;
    }
    busy_ = true;
    ++shared_->pending_jobs;
    boost::asio::post(shared_->pool, [self = shared_from_this(),
                                      request = std::make_shared<ClientRequest>(
                                          std::move(*decoded.request))]() { self->run(*request); });
  }

  void on_hello(const HelloRequest& hello) {
    ServerMessage message;
    auto* reply = message.mutable_hello();
    reply->mutable_hello()->set_protocol(std::string(kProtocolName));
    reply->mutable_hello()->set_version_major(kVersionMajor);
    reply->mutable_hello()->set_version_minor(kVersionMinor);
    reply->mutable_hello()->set_software("parley " + std::string(kVersion));
    if (hello_done_) {
      refuse_and_close(ClientMessage::kHello, BAD_REQUEST, "Hello was already sent");
      return;
    }
    if (hello.protocol != kProtocolName || hello.major != kVersionMajor) {
      const auto reason = "this is " + std::string(kProtocolName) + " version " +
                          std::to_string(kVersionMajor) + "; the client speaks '" + hello.protocol +
                          "' version " + std::to_string(hello.major);
      *reply->mutable_status() = make_status(VERSION_UNSUPPORTED, reason);
      answer(message);
      connection_->close(reason);
      return;
    }
    hello_done_ = true;
    *reply->mutable_status() = make_status(OK, "welcome");
    reply->set_nonce(nonce_.data(), nonce_.size());
    reply->set_certificate_validity_s(
        static_cast<std::uint32_t>(shared_->service.config().certificate_validity.count()));
    answer(message);
  }

  // On a worker thread.
  void run(const ClientRequest& request) {
    ServerMessage message;
    try {
      if (const auto* registration = std::get_if<RegisterCommand>(&request)) {
        *message.mutable_register_response() =
            shared_->service.register_account(*registration, address_);
      } else if (const auto* login = std::get_if<LoginCommand>(&request)) {
        *message.mutable_login() = shared_->service.login(*login, nonce_, address_);
      } else if (const auto* change = std::get_if<ChangePasswordCommand>(&request)) {
        *message.mutable_change_password() = shared_->service.change_password(*change, address_);
      } else if (const auto* renew = std::get_if<RenewCommand>(&request)) {
        *message.mutable_renew() = shared_->service.renew(*renew, nonce_);
      }
    } catch (const std::exception& error) {
      // Storage or crypto failed: the client learns that, the operator the detail.
      log::error("login", std::string("request failed: ") + error.what());
      const auto status = make_status(INTERNAL, "internal error; try again later");
      if (std::holds_alternative<RegisterCommand>(request)) {
        *message.mutable_register_response()->mutable_status() = status;
      } else if (std::holds_alternative<LoginCommand>(request)) {
        *message.mutable_login()->mutable_status() = status;
      } else if (std::holds_alternative<ChangePasswordCommand>(request)) {
        *message.mutable_change_password()->mutable_status() = status;
      } else {
        *message.mutable_renew()->mutable_status() = status;
      }
    }
    --shared_->pending_jobs;
    // Answer and become ready again in one step on the strand, so the next
    // request (which can only follow the answer) finds the session idle.
    boost::asio::post(connection_->strand(),
                      [self = shared_from_this(), message = std::move(message)]() {
                        self->answer(message);
                        self->busy_ = false;
                      });
  }

  std::shared_ptr<net::TlsConnection> connection_;
  std::shared_ptr<LoginServer::Shared> shared_;
  std::string address_;
  Nonce nonce_{};
  bool hello_done_ = false;
  bool busy_ = false;
};

}  // namespace

LoginServer::LoginServer(net::asio::io_context& io, LoginService& service,
                         const identity::SigningKey& server_key, const net::tcp::endpoint& listen,
                         LoginServerOptions options)
    : worker_count_(options.worker_threads != 0 ? options.worker_threads : usable_cpus()),
      shared_(
          std::make_shared<Shared>(service, server_key, worker_count_, options.max_pending_jobs)),
      tls_(
          io, server_key, listen,
          [&options]() {
            auto tls = options.tls;
            tls.limits.max_frame_bytes = kMaxFrameBytes;
            return tls;
          }(),
          [shared = shared_](std::shared_ptr<net::TlsConnection> connection) {
            std::make_shared<Session>(std::move(connection), shared)->start();
          }) {}

LoginServer::~LoginServer() {
  stop();
}

void LoginServer::stop() {
  tls_.stop();
  tls_.abort_all("server stopping");
  shared_->pool.join();
}

}  // namespace parley::login
