// Whether a client node should become a super node. The seed observed that a
// Skype client could not prevent its promotion; Parley lets the operator
// forbid or force it ([node] promotion = never|auto|always) and otherwise
// promotes only a node that is reachable as it is (its public address, as
// STUN reports it, is one of its own: no NAT) and has capacity to spare.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::overlay {

enum class PromotionPolicy { never, automatic, always };
std::optional<PromotionPolicy> parse_promotion_policy(std::string_view text);

struct PromotionInputs {
  std::optional<std::string> public_address;  // from STUN, without port; empty: unknown
  std::vector<std::string> local_addresses;   // this machine's interface addresses
  unsigned cpu_cores = 0;
  unsigned upload_kbps = 0;  // measured or configured; 0: unknown
};

struct PromotionThresholds {
  unsigned min_cpu_cores = 2;
  unsigned min_upload_kbps = 1000;
};

struct PromotionDecision {
  bool promote = false;
  std::string reason;
};

PromotionDecision decide_promotion(PromotionPolicy policy, const PromotionInputs& inputs,
                                   const PromotionThresholds& thresholds = {});

}  // namespace parley::overlay
