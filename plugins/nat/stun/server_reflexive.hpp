// Server-reflexive candidates: ask STUN servers, through the kernel's media
// socket, which address and port they saw us come from.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "parley/sdk/nat.hpp"

namespace parley::stun {

// RFC 8489 section 6.2.1: send at 0, RTO, 3 RTO, 7 RTO, ... (the interval
// doubling) until Rc requests are out, then wait Rm x RTO for the last one.
struct RetransmissionPolicy {
  std::uint32_t initial_rto_ms = 500;
  std::uint32_t max_requests = 7;     // Rc
  std::uint32_t last_wait_rtos = 16;  // Rm
};

struct BindingOutcome {
  parley_status status = PARLEY_ERR_TIMEOUT;
  parley_address mapped{};  // when status is PARLEY_OK
  std::uint32_t requests_sent = 0;
  std::string detail;
};

// One Binding transaction with one server, retransmitting per policy, never
// longer than budget_ms in all.
BindingOutcome run_binding_transaction(const sdk::NatEnvironment& environment,
                                       const parley_address& server, std::uint32_t budget_ms,
                                       const RetransmissionPolicy& policy = {});

// One candidate per distinct mapped address, the first server's answer
// preferred. Throws sdk::Error when no server gave one.
std::vector<parley_candidate> gather_server_reflexive(const sdk::NatEnvironment& environment,
                                                      const RetransmissionPolicy& policy = {});

}  // namespace parley::stun
