#include "server_reflexive.hpp"

#include <unistd.h>

#include <algorithm>
#include <array>
#include <chrono>

#include "stun_message.hpp"

namespace parley::stun {
namespace {

using Clock = std::chrono::steady_clock;

// Stray datagrams (another transaction's late reply, media) make the host's
// exchange return before the interval is up, and each call sends again. This
// caps how many sends such noise can cause.
constexpr std::uint32_t kMaxSendsPerRequest = 4;
// RFC 8489 recommends a path MTU-sized limit for responses over UDP.
constexpr std::size_t kReplyCapacityBytes = 1500;

std::uint32_t ms_until(Clock::time_point when) {
  const auto left = when - Clock::now();
  if (left <= Clock::duration::zero()) return 0;
  return static_cast<std::uint32_t>(std::chrono::ceil<std::chrono::milliseconds>(left).count());
}

parley_status status_for(const ErrorCode& error) {
  switch (error.code) {
    case 401:  // Unauthorized
    case 431:  // Integrity Check Failure
    case 438:  // Stale Nonce
      return PARLEY_ERR_AUTHENTICATION;
    case 420: return PARLEY_ERR_UNSUPPORTED;
    case 400: return PARLEY_ERR_INVALID_ARGUMENT;
    default: return PARLEY_ERR_IO;
  }
}

// The local address a datagram to server leaves from. With the media socket
// on a wildcard address only the routing table knows; a connected UDP socket
// asks it without sending anything.
parley_address base_toward(const parley_address& local, const parley_address& server) {
  if (!sdk::is_wildcard(local)) return local;
  const auto destination = sdk::to_sockaddr(server);
  if (!destination) return local;
  const int probe = ::socket(destination->family(), SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (probe < 0) return local;
  parley_address base = local;
  sdk::SocketAddress bound;
  bound.length = sizeof bound.storage;
  if (::connect(probe, destination->get(), destination->length) == 0 &&
      ::getsockname(probe, bound.get(), &bound.length) == 0) {
    base = sdk::from_sockaddr(bound);
    base.port = local.port;
  }
  ::close(probe);
  return base;
}

}  // namespace

BindingOutcome run_binding_transaction(const sdk::NatEnvironment& environment,
                                       const parley_address& server, std::uint32_t budget_ms,
                                       const RetransmissionPolicy& policy) {
  BindingOutcome outcome;
  const auto transaction_id = random_transaction_id();
  const auto request = build_binding_request(transaction_id);
  std::array<std::uint8_t, kReplyCapacityBytes> reply{};
  const auto deadline = Clock::now() + std::chrono::milliseconds(budget_ms);
  std::uint32_t interval_ms = policy.initial_rto_ms;
  for (std::uint32_t request_number = 1; request_number <= policy.max_requests; ++request_number) {
    const bool last = request_number == policy.max_requests;
    const auto wait_ms = last ? policy.initial_rto_ms * policy.last_wait_rtos : interval_ms;
    const auto interval_end = std::min(deadline, Clock::now() + std::chrono::milliseconds(wait_ms));
    interval_ms *= 2;
    for (std::uint32_t send = 0; send < kMaxSendsPerRequest; ++send) {
      const auto wait = ms_until(interval_end);
      if (send > 0 && wait == 0) break;
      const auto answer = environment.exchange(server, request, reply, wait);
      ++outcome.requests_sent;
      if (answer.status == PARLEY_ERR_TIMEOUT) break;
      if (answer.status == PARLEY_ERR_BUFFER_TOO_SMALL) continue;  // not a Binding response
      if (answer.status != PARLEY_OK) {
        outcome.status = answer.status;
        outcome.detail = "exchange with " + sdk::to_string(server) + " failed";
        return outcome;
      }
      const auto response =
          read_binding_response(std::span(reply).first(answer.size), transaction_id);
      switch (response.kind) {
        case BindingResponse::Kind::stray: continue;
        case BindingResponse::Kind::mapped:
          outcome.status = PARLEY_OK;
          outcome.mapped = response.address;
          outcome.detail = "mapped";
          return outcome;
        case BindingResponse::Kind::error:
          outcome.status = status_for(response.error);
          outcome.detail = sdk::to_string(server) + " answered " +
                           std::to_string(response.error.code) + " " +
                           std::string(response.error.reason.substr(0, 128));
          return outcome;
        case BindingResponse::Kind::unusable:
          outcome.status = PARLEY_ERR_IO;
          outcome.detail = sdk::to_string(server) + ": " + response.detail;
          return outcome;
      }
    }
    if (Clock::now() >= deadline) break;
  }
  outcome.status = PARLEY_ERR_TIMEOUT;
  outcome.detail = "no answer from " + sdk::to_string(server) + " after " +
                   std::to_string(outcome.requests_sent) + " requests";
  return outcome;
}

std::vector<parley_candidate> gather_server_reflexive(const sdk::NatEnvironment& environment,
                                                      const RetransmissionPolicy& policy) {
  const auto servers = environment.servers();
  if (servers.empty()) throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "stun needs a server");
  if (!environment.can_exchange()) {
    throw sdk::Error(PARLEY_ERR_INVALID_ARGUMENT, "stun needs the host's exchange callback");
  }
  const auto deadline = Clock::now() + std::chrono::milliseconds(environment.timeout_ms());
  std::vector<parley_candidate> candidates;
  BindingOutcome first_failure;
  bool failed = false;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    // Servers are asked one after another (the exchange is one socket's), each
    // with a fair share of what is left, so a dead first server cannot starve
    // the others.
    const auto share_ms = std::max<std::uint32_t>(
        1, ms_until(deadline) / static_cast<std::uint32_t>(servers.size() - i));
    auto outcome = run_binding_transaction(environment, servers[i], share_ms, policy);
    if (outcome.status != PARLEY_OK) {
      sdk::log(PARLEY_LOG_DEBUG, outcome.detail);
      // The first failure that is not silence says most about what went wrong.
      if (!failed ||
          (first_failure.status == PARLEY_ERR_TIMEOUT && outcome.status != PARLEY_ERR_TIMEOUT)) {
        first_failure = std::move(outcome);
      }
      failed = true;
      continue;
    }
    const bool seen = std::any_of(candidates.begin(), candidates.end(), [&](const auto& c) {
      return sdk::same_address(c.address, outcome.mapped);
    });
    if (seen) continue;
    const auto local_preference = static_cast<std::uint32_t>(65535 - candidates.size());
    candidates.push_back(sdk::make_candidate(PARLEY_CANDIDATE_SERVER_REFLEXIVE, outcome.mapped,
                                             base_toward(environment.local(), servers[i]),
                                             local_preference));
  }
  if (candidates.empty()) throw sdk::Error(first_failure.status, first_failure.detail);
  return candidates;
}

}  // namespace parley::stun
