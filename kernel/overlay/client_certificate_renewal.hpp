// Keeps a running client's certificate current (docs/client.md): a 24 h
// certificate is renewed in its last 20% (identity::renewal_due), while the
// client runs, not only at start. Renewing talks to the login server and
// blocks (login::LoginClient), so it runs on a worker thread; the result comes
// back to the io_context's thread, where the owner hands the new certificate
// to the node (ClientNode::set_certificate).
//
// The decision "when next" is a plain function (renewal_wait) so its rules
// can be tested without waiting hours.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "identity/certificate.hpp"

namespace parley::overlay {

struct RenewalTiming {
  // Even when renewal is hours away, look again this often: the steady timer
  // does not count a suspended laptop, and the wall clock may be set.
  std::chrono::milliseconds recheck{600'000};
  // After a failed renewal (login server down): first retry, doubling to max.
  std::chrono::milliseconds first_retry{15'000};
  std::chrono::milliseconds max_retry{600'000};
};

// How long to wait before the next renewal attempt: zero when it is due now,
// else until it is due (at most timing.recheck). failures_in_a_row > 0 and
// due: the retry backoff, but never later than halfway to expiry (at least
// 1 s), so a short certificate still gets several tries. nullopt when the
// certificate has expired: renewal needs a current one (log in again).
//
// renewed_at: when this certificate arrived from a renewal. It is not renewed
// again before half of the time it had left then has passed, even when
// renewal_due says so at once: the login server backdates not-before by its
// clock-skew allowance (5 min), which puts a short certificate (under about
// 25 min) in its last 20% from the moment it is issued; without this the
// client would renew in a loop.
std::optional<std::chrono::milliseconds> renewal_wait(
    const identity::Certificate& certificate, identity::Clock::time_point now,
    unsigned failures_in_a_row,
    std::optional<identity::Clock::time_point> renewed_at = std::nullopt,
    const RenewalTiming& timing = {});

class CertificateRenewal {
 public:
  // Blocking, on the worker thread: the renewed certificate's bytes, or throws.
  using Renew =
      std::function<std::vector<std::uint8_t>(std::span<const std::uint8_t> current_certificate)>;
  // Blocking, on the worker thread, after a renewal: keeps it (a file). A
  // throw is reported; the new certificate is used all the same.
  using Store = std::function<void(std::span<const std::uint8_t> certificate)>;
  // On the io thread: a renewed certificate, verified (pinned issuer, same
  // user, same key, current).
  using Renewed = std::function<void(const std::vector<std::uint8_t>& certificate,
                                     const identity::Certificate& parsed)>;
  using EventHandler = std::function<void(const std::string& line)>;

  struct Options {
    std::vector<std::uint8_t> certificate;  // the one in use now
    identity::PublicKey login_server_key;   // pinned
    RenewalTiming timing;
  };

  // Throws std::invalid_argument when options.certificate does not verify
  // (the caller checked it at start).
  CertificateRenewal(boost::asio::io_context& io, Options options, Renew renew, Store store,
                     Renewed on_renewed, EventHandler on_event);
  // Cancels the timer and waits for a renewal in flight (bounded by the
  // login client's timeout); no handler runs afterwards.
  ~CertificateRenewal();
  CertificateRenewal(const CertificateRenewal&) = delete;
  CertificateRenewal& operator=(const CertificateRenewal&) = delete;

  void start();
  void stop();

  [[nodiscard]] const identity::Certificate& certificate() const;
  [[nodiscard]] unsigned failures_in_a_row() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace parley::overlay
