#include "overlay/promotion.hpp"

#include <algorithm>

namespace parley::overlay {

std::optional<PromotionPolicy> parse_promotion_policy(std::string_view text) {
  if (text == "never") return PromotionPolicy::never;
  if (text == "auto") return PromotionPolicy::automatic;
  if (text == "always") return PromotionPolicy::always;
  return std::nullopt;
}

PromotionDecision decide_promotion(PromotionPolicy policy, const PromotionInputs& inputs,
                                   const PromotionThresholds& thresholds) {
  switch (policy) {
    case PromotionPolicy::never: return {false, "promotion = never in the configuration"};
    case PromotionPolicy::always: return {true, "promotion = always in the configuration"};
    case PromotionPolicy::automatic: break;
  }
  if (!inputs.public_address) return {false, "public address unknown (no STUN answer yet)"};
  const auto& local = inputs.local_addresses;
  if (std::find(local.begin(), local.end(), *inputs.public_address) == local.end()) {
    return {false,
            "behind NAT: public address " + *inputs.public_address + " is not a local address"};
  }
  if (inputs.cpu_cores < thresholds.min_cpu_cores) {
    return {false, "not enough CPU: " + std::to_string(inputs.cpu_cores) + " cores, " +
                       std::to_string(thresholds.min_cpu_cores) + " needed"};
  }
  if (inputs.upload_kbps < thresholds.min_upload_kbps) {
    return {false, "not enough upload bandwidth: " + std::to_string(inputs.upload_kbps) +
                       " kbit/s, " + std::to_string(thresholds.min_upload_kbps) + " needed"};
  }
  return {true, "public address, spare capacity"};
}

}  // namespace parley::overlay
