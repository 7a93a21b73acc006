#include "overlay/client_certificate_renewal.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <stdexcept>
#include <thread>

#include "log/log.hpp"

namespace parley::overlay {
namespace {

namespace asio = boost::asio;
using std::chrono::milliseconds;

identity::Clock::time_point at_unix_s(std::int64_t seconds) {
  return identity::Clock::time_point(std::chrono::seconds(seconds));
}

std::string seconds_text(milliseconds wait) {
  return std::to_string((wait.count() + 999) / 1000) + " s";
}

}  // namespace

std::optional<milliseconds> renewal_wait(const identity::Certificate& certificate,
                                         identity::Clock::time_point now,
                                         unsigned failures_in_a_row,
                                         std::optional<identity::Clock::time_point> renewed_at,
                                         const RenewalTiming& timing) {
  const auto expires = at_unix_s(certificate.not_after_s);
  if (now >= expires) return std::nullopt;
  auto due = at_unix_s(identity::renewal_due_at_s(certificate));
  if (renewed_at && *renewed_at < expires)
    due = std::max(due, *renewed_at + (expires - *renewed_at) / 2);
  if (now < due) return std::min(std::chrono::ceil<milliseconds>(due - now), timing.recheck);
  if (failures_in_a_row == 0) return milliseconds(0);
  auto backoff = timing.first_retry;
  for (unsigned i = 1; i < failures_in_a_row && backoff < timing.max_retry; ++i) backoff *= 2;
  backoff = std::min(backoff, timing.max_retry);
  const auto half_left =
      std::max(std::chrono::floor<milliseconds>(expires - now) / 2, milliseconds(1'000));
  return std::min(backoff, half_left);
}

struct CertificateRenewal::State : std::enable_shared_from_this<State> {
  State(asio::io_context& context, Options opts, Renew renew_fn, Store store_fn, Renewed renewed,
        EventHandler events)
      : io(context),
        options(std::move(opts)),
        renew(std::move(renew_fn)),
        store(std::move(store_fn)),
        on_renewed(std::move(renewed)),
        on_event(std::move(events)),
        timer(context) {}

  // What the worker brings back to the io thread.
  struct Outcome {
    std::vector<std::uint8_t> certificate;
    std::optional<identity::Certificate> parsed;  // empty: failed, error says why
    std::string error;
    std::string store_error;
  };

  asio::io_context& io;
  Options options;
  Renew renew;
  Store store;
  Renewed on_renewed;
  EventHandler on_event;
  identity::Certificate current;
  asio::steady_timer timer;
  std::thread worker;
  bool in_flight = false;
  bool stopped = false;
  unsigned failures = 0;
  std::optional<identity::Clock::time_point> renewed_at;  // when current arrived, if renewed

  void event(const std::string& line) const {
    if (on_event) on_event(line);
  }

  // Renews when due, else waits until it is.
  void tick() {
    if (stopped || in_flight) return;
    const auto wait = renewal_wait(current, identity::Clock::now(), 0, renewed_at, options.timing);
    if (!wait) return say_expired();
    if (wait->count() == 0) return begin();
    arm(*wait);
  }

  void arm(milliseconds wait) {
    timer.expires_after(wait);
    timer.async_wait(
        [weak = std::weak_ptr<State>(shared_from_this())](const boost::system::error_code& error) {
          if (auto self = weak.lock(); self && !error) self->tick();
        });
  }

  void say_expired() const {
    event("certificate expired at " + identity::format_utc(current.not_after_s) +
          ": renewal needs a current one; log in again (parley account login --user " +
          current.user_id + ")");
  }

  void begin() {
    in_flight = true;
    if (worker.joinable()) worker.join();  // the last one finished: it posted its outcome
    // The worker gets copies: it never touches State, only posts the outcome.
    worker = std::thread([weak = std::weak_ptr<State>(shared_from_this()), &io = io,
                          renew_fn = renew, store_fn = store, bytes = options.certificate,
                          server_key = options.login_server_key, expected = current]() mutable {
      auto outcome = attempt(renew_fn, store_fn, bytes, server_key, expected);
      // The owner joins this thread before the io_context goes away, so
      // posting here is safe; the handler does nothing once the owner is gone.
      asio::post(io, [weak, outcome = std::move(outcome)]() mutable {
        if (auto self = weak.lock()) self->finish(std::move(outcome));
      });
    });
  }

  // On the worker: renew, check the result, keep it. Verified before it is
  // stored: a wrong certificate must not replace the good one on disk.
  static Outcome attempt(const Renew& renew_fn, const Store& store_fn,
                         const std::vector<std::uint8_t>& bytes,
                         const identity::PublicKey& server_key,
                         const identity::Certificate& expected) {
    Outcome outcome;
    try {
      outcome.certificate = renew_fn(bytes);
    } catch (const std::exception& failure) {
      outcome.error = failure.what();
      return outcome;
    }
    // The login client checks it too; this class does not rely on who renewed.
    auto check = identity::verify_certificate(outcome.certificate, server_key,
                                              identity::Clock::now(), expected.user_id);
    if (!check.ok()) {
      outcome.error = "the renewed certificate does not verify: " + check.reason;
      return outcome;
    }
    if (check.certificate->subject_key != expected.subject_key) {
      outcome.error = "the renewed certificate is for another key";
      return outcome;
    }
    outcome.parsed = std::move(check.certificate);
    if (store_fn) {
      try {
        store_fn(outcome.certificate);
      } catch (const std::exception& failure) {
        outcome.store_error = failure.what();
      }
    }
    return outcome;
  }

  void finish(Outcome outcome) {
    in_flight = false;
    if (worker.joinable()) worker.join();
    if (stopped) return;
    if (!outcome.parsed) return failed(outcome.error);
    failures = 0;
    current = *outcome.parsed;
    renewed_at = identity::Clock::now();
    options.certificate = std::move(outcome.certificate);
    event("certificate renewed, valid until " + identity::format_utc(current.not_after_s));
    if (!outcome.store_error.empty()) {
      event("cannot save the renewed certificate (used all the same): " +
            log::sanitize(outcome.store_error, 256));
    }
    if (on_renewed) on_renewed(options.certificate, current);
    tick();
  }

  void failed(const std::string& problem) {
    ++failures;
    const auto wait =
        renewal_wait(current, identity::Clock::now(), failures, renewed_at, options.timing);
    if (!wait) {
      event("certificate renewal failed: " + log::sanitize(problem, 256));
      return say_expired();
    }
    event("certificate renewal failed (" + std::to_string(failures) +
          " in a row): " + log::sanitize(problem, 256) + "; the current one is valid until " +
          identity::format_utc(current.not_after_s) + ", next try in " + seconds_text(*wait));
    arm(*wait);
  }
};

CertificateRenewal::CertificateRenewal(asio::io_context& io, Options options, Renew renew,
                                       Store store, Renewed on_renewed, EventHandler on_event) {
  const auto check = identity::verify_certificate(options.certificate, options.login_server_key,
                                                  identity::Clock::now(), {});
  // An expired one still parses and is ours: tick() then says to log in again.
  if (!check.certificate || (!check.ok() && check.status != identity::CertificateStatus::expired)) {
    throw std::invalid_argument("certificate renewal: " + check.reason);
  }
  state_ = std::make_shared<State>(io, std::move(options), std::move(renew), std::move(store),
                                   std::move(on_renewed), std::move(on_event));
  state_->current = *check.certificate;
}

CertificateRenewal::~CertificateRenewal() {
  stop();
  if (state_->worker.joinable()) state_->worker.join();
}

void CertificateRenewal::start() {
  state_->stopped = false;
  state_->tick();
}

void CertificateRenewal::stop() {
  state_->stopped = true;
  state_->timer.cancel();
}

const identity::Certificate& CertificateRenewal::certificate() const {
  return state_->current;
}

unsigned CertificateRenewal::failures_in_a_row() const {
  return state_->failures;
}

}  // namespace parley::overlay
