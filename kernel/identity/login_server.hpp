// The login server on the network: a TlsServer whose connections speak the
// login protocol. One I/O thread (the io_context's) handles connections; the
// requests that hash passwords run on a pool of worker threads, at most
// max_pending_jobs queued (beyond that: BUSY with a retry time), so a burst
// never stalls handshakes and deadlines, and never queues without bound.
//
// Per connection: Hello first (refused with a reason when the protocol or
// major version differs), then one request at a time; anything out of order,
// malformed or pipelined closes the connection after an answer saying why.
#pragma once

#include <boost/asio/thread_pool.hpp>
#include <memory>

#include "identity/login_service.hpp"
#include "net/tls_server.hpp"

namespace parley::login {

struct LoginServerOptions {
  net::TlsServerOptions tls;       // limits.max_frame_bytes is set to kMaxFrameBytes
  std::size_t worker_threads = 0;  // 0: one per CPU this process may run on
  std::size_t max_pending_jobs = 256;
};

// Defaults for a login server on the Internet: 10 s to finish the handshake
// or any frame, 30 s idle between requests, 1024 connections, 32 per address.
LoginServerOptions default_login_server_options();

class LoginServer {
 public:
  LoginServer(net::asio::io_context& io, LoginService& service,
              const identity::SigningKey& server_key, const net::tcp::endpoint& listen,
              LoginServerOptions options);
  ~LoginServer();
  LoginServer(const LoginServer&) = delete;
  LoginServer& operator=(const LoginServer&) = delete;

  [[nodiscard]] net::tcp::endpoint local_endpoint() const { return tls_.local_endpoint(); }
  [[nodiscard]] net::TlsServerStats connection_stats() const { return tls_.stats(); }
  [[nodiscard]] std::size_t worker_threads() const { return worker_count_; }
  // Stops accepting, closes open connections and waits for running jobs.
  // The io_context then runs out of work and returns from run().
  void stop();

  struct Shared;  // what sessions share: the service, the worker pool

 private:
  std::size_t worker_count_;
  std::shared_ptr<Shared> shared_;
  net::TlsServer tls_;
};

}  // namespace parley::login
