#include <gtest/gtest.h>

#include "media/e_model.hpp"

namespace parley::media {
namespace {

TEST(EModel, G711WithoutLossOrDelayIsTheDefaultConnection) {
  const auto result = e_model({0, 0, 4.3, 0, 1});
  EXPECT_NEAR(result.r, 93.2, 0.05);
  EXPECT_NEAR(result.mos, 4.41, 0.01);
}

TEST(EModel, DelayImpairmentFollowsG107) {
  EXPECT_NEAR(delay_impairment(0), 0, 1e-9);
  // Idd alone: 25 ((1+X^6)^(1/6) - 3 (1+(X/3)^6)^(1/6) + 2), X = log2(Ta/100).
  // Cole & Rosenbluth (2001) fit G.107's whole Id as 0.024 d + 0.11 (d - 177.3) H(d - 177.3).
  for (double d : {50.0, 100.0, 150.0, 200.0, 300.0, 400.0}) {
    SCOPED_TRACE(d);
    const double fit = 0.024 * d + (d > 177.3 ? 0.11 * (d - 177.3) : 0);
    EXPECT_NEAR(delay_impairment(d), fit, d > 350 ? 3.5 : 1.5);
  }
  // Worked by hand from the G.107 formulas (Idte + Idle - Idle(0) + Idd).
  EXPECT_NEAR(delay_impairment(150), 2.81 + 0.69 + 0.16, 0.05);
  EXPECT_NEAR(delay_impairment(300), 4.83 + 0.94 + 14.74, 0.1);
  EXPECT_NEAR(delay_impairment(400), 5.81 + 1.08 + 24.07, 0.1);
  // Below the knee delay costs little; beyond it, a lot.
  EXPECT_LT(delay_impairment(150), 4.5);
  EXPECT_GT(delay_impairment(400), 25);
}

TEST(EModel, LossImpairmentUsesBplAndBurstRatio) {
  // G.711 with PLC (Bpl 25.1), 2 % random loss: Ie,eff = 95 * 2 / (2 + 25.1) = 7.01.
  EXPECT_NEAR(effective_equipment_impairment(0, 25.1, 2, 1), 7.01, 0.01);
  // Without PLC (Bpl 4.3) the same loss costs far more: 30.2.
  EXPECT_NEAR(effective_equipment_impairment(0, 4.3, 2, 1), 30.16, 0.01);
  // G.729A (Ie 11, Bpl 19), 2 %: 11 + 84 * 2 / 21 = 19.
  EXPECT_NEAR(effective_equipment_impairment(11, 19, 2, 1), 19, 0.01);
  // Bursty loss hurts more than the same random loss.
  EXPECT_GT(effective_equipment_impairment(0, 25.1, 5, 2),
            effective_equipment_impairment(0, 25.1, 5, 1));
  EXPECT_EQ(effective_equipment_impairment(11, 19, 0, 1), 11);
}

TEST(EModel, MosFromRFollowsAnnexB) {
  EXPECT_EQ(mos_from_r(-5), 1);
  EXPECT_EQ(mos_from_r(120), 4.5);
  EXPECT_NEAR(mos_from_r(50), 2.58, 0.01);
  EXPECT_NEAR(mos_from_r(70), 3.60, 0.01);
  EXPECT_NEAR(mos_from_r(80), 4.02, 0.01);
}

TEST(EModel, BurstRatioIsOneForRandomLossAndMoreForBursts) {
  EXPECT_EQ(burst_ratio({false, false, false}), 1);
  // Lost every 4th: p = 1/3, q = 1: 1 / (4/3) = 0.75 (losses spread out more than random).
  std::vector<bool> spread;
  for (int i = 0; i < 400; ++i) spread.push_back(i % 4 == 0);
  EXPECT_NEAR(burst_ratio(spread), 0.75, 0.01);
  // Bursts of 5 every 50: p = 1/45, q = 1/5.
  std::vector<bool> bursts;
  for (int i = 0; i < 5000; ++i) bursts.push_back(i % 50 < 5);
  EXPECT_NEAR(burst_ratio(bursts), 1 / (1.0 / 45 + 1.0 / 5), 0.05);
}

TEST(EModel, CodecTableNamesItsSources) {
  const auto pcmu = codec_impairment("pcmu", "PCMU", true);
  EXPECT_EQ(pcmu.ie, 0);
  EXPECT_EQ(pcmu.bpl, 25.1);
  EXPECT_EQ(codec_impairment("pcma", "PCMA", false).bpl, 4.3);
  EXPECT_EQ(codec_impairment("gsm", "GSM", true).ie, 20);
  EXPECT_NE(codec_impairment("opus", "opus", true).source.find("G.113"), std::string::npos);
  EXPECT_EQ(codec_impairment("codec2-1600", "", true).ie, 30);  // by prefix
  EXPECT_NE(codec_impairment("mystery", "X", true).source.find("unknown"), std::string::npos);
}

}  // namespace
}  // namespace parley::media
