#include "overlay/promotion.hpp"

#include <gtest/gtest.h>

namespace parley::overlay {
namespace {

PromotionInputs public_and_capable() {
  PromotionInputs inputs;
  inputs.public_address = "198.51.100.7";
  inputs.local_addresses = {"127.0.0.1", "198.51.100.7"};
  inputs.cpu_cores = 4;
  inputs.upload_kbps = 10'000;
  return inputs;
}

TEST(OverlayPromotion, ParsesThePolicy) {
  EXPECT_EQ(parse_promotion_policy("never"), PromotionPolicy::never);
  EXPECT_EQ(parse_promotion_policy("auto"), PromotionPolicy::automatic);
  EXPECT_EQ(parse_promotion_policy("always"), PromotionPolicy::always);
  EXPECT_FALSE(parse_promotion_policy("sometimes"));
}

TEST(OverlayPromotion, NeverAndAlwaysOverrideEverything) {
  EXPECT_FALSE(decide_promotion(PromotionPolicy::never, public_and_capable()).promote);
  EXPECT_TRUE(decide_promotion(PromotionPolicy::always, PromotionInputs{}).promote);
}

TEST(OverlayPromotion, AutoPromotesAPublicNodeWithCapacity) {
  EXPECT_TRUE(decide_promotion(PromotionPolicy::automatic, public_and_capable()).promote);
}

TEST(OverlayPromotion, AutoRefusesBehindNat) {
  auto inputs = public_and_capable();
  inputs.local_addresses = {"127.0.0.1", "192.168.1.20"};
  const auto decision = decide_promotion(PromotionPolicy::automatic, inputs);
  EXPECT_FALSE(decision.promote);
  EXPECT_NE(decision.reason.find("NAT"), std::string::npos);
}

TEST(OverlayPromotion, AutoRefusesWithoutAKnownPublicAddress) {
  auto inputs = public_and_capable();
  inputs.public_address.reset();
  EXPECT_FALSE(decide_promotion(PromotionPolicy::automatic, inputs).promote);
}

TEST(OverlayPromotion, AutoRefusesWithoutCapacity) {
  auto few_cores = public_and_capable();
  few_cores.cpu_cores = 1;
  EXPECT_FALSE(decide_promotion(PromotionPolicy::automatic, few_cores).promote);
  auto slow = public_and_capable();
  slow.upload_kbps = 200;
  EXPECT_FALSE(decide_promotion(PromotionPolicy::automatic, slow).promote);
  PromotionThresholds lenient{1, 100};
  EXPECT_TRUE(decide_promotion(PromotionPolicy::automatic, slow, lenient).promote);
}

}  // namespace
}  // namespace parley::overlay
