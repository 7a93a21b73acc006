#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "media/network_model.hpp"

namespace parley::media {
namespace {

using std::chrono::milliseconds;

NetworkStats send_many(const NetworkConfig& config, int packets,
                       std::vector<std::vector<MediaTime>>* arrivals = nullptr) {
  NetworkModel model(config);
  for (int n = 0; n < packets; ++n) {
    auto got = model.send(milliseconds(20) * n);
    if (arrivals != nullptr) arrivals->push_back(std::move(got));
  }
  return model.stats();
}

TEST(NetworkModel, IndependentLossMatchesTheConfiguredRate) {
  for (double loss : {1.0, 5.0, 20.0}) {
    SCOPED_TRACE(loss);
    NetworkConfig config;
    config.loss_pct = loss;
    config.seed = 42;
    const auto stats = send_many(config, 100000);
    EXPECT_NEAR(stats.loss_pct(), loss, 0.05 * loss + 0.1);
    // Independent losses bunch by chance only: mean burst 1 / (1 - loss).
    EXPECT_NEAR(stats.mean_burst_packets(), 1 / (1 - loss / 100), 0.05);
  }
}

TEST(NetworkModel, GilbertElliottMatchesLossAndBurstLength) {
  NetworkConfig config;
  config.loss_pct = 10;
  config.mean_burst_packets = 4;
  config.seed = 7;
  const auto stats = send_many(config, 200000);
  EXPECT_NEAR(stats.loss_pct(), 10, 0.6);
  EXPECT_NEAR(stats.mean_burst_packets(), 4, 0.2);
}

TEST(NetworkModel, ExplicitPAndRGiveTheirStationaryLoss) {
  NetworkConfig config;
  config.gilbert = GilbertElliott{0.02, 0.5};  // loss 0.02 / 0.52 = 3.85 %, bursts of 2
  const auto stats = send_many(config, 200000);
  EXPECT_NEAR(stats.loss_pct(), 100 * 0.02 / 0.52, 0.3);
  EXPECT_NEAR(stats.mean_burst_packets(), 2, 0.1);
}

TEST(NetworkModel, TheSameSeedGivesTheSameRun) {
  NetworkConfig config;
  config.loss_pct = 5;
  config.jitter_ms = 10;
  config.reorder_pct = 2;
  config.duplicate_pct = 1;
  config.seed = 99;
  std::vector<std::vector<MediaTime>> first, second, other;
  send_many(config, 2000, &first);
  send_many(config, 2000, &second);
  config.seed = 100;
  send_many(config, 2000, &other);
  EXPECT_EQ(first, second);
  EXPECT_NE(first, other);
}

TEST(NetworkModel, JitterIsAFifoQueueAboveTheBaseDelay) {
  NetworkConfig config;
  config.delay_ms = 40;
  config.jitter_ms = 10;
  std::vector<std::vector<MediaTime>> arrivals;
  const auto stats = send_many(config, 20000, &arrivals);
  MediaTime previous{0};
  for (std::size_t n = 0; n < arrivals.size(); ++n) {
    ASSERT_EQ(arrivals[n].size(), 1u);
    EXPECT_GE(arrivals[n][0] - milliseconds(20) * static_cast<int>(n), milliseconds(40));
    EXPECT_GE(arrivals[n][0], previous);  // no reordering without asking for it
    previous = arrivals[n][0];
  }
  EXPECT_NEAR(stats.min_delay_ms, 40, 0.1);
  EXPECT_NEAR(stats.mean_delay_ms, 50, 1.5);  // exponential mean, a little more for queueing
}

TEST(NetworkModel, ReorderingAndDuplicationHappenAtTheirRates) {
  NetworkConfig config;
  config.reorder_pct = 5;
  config.duplicate_pct = 2;
  std::vector<std::vector<MediaTime>> arrivals;
  const auto stats = send_many(config, 50000, &arrivals);
  EXPECT_NEAR(100.0 * double(stats.packets_reordered) / 50000, 5, 0.3);
  EXPECT_NEAR(100.0 * double(stats.packets_duplicated) / 50000, 2, 0.2);
  std::size_t overtaken = 0;
  for (std::size_t n = 1; n < arrivals.size(); ++n) {
    if (arrivals[n][0] < arrivals[n - 1][0]) ++overtaken;
  }
  EXPECT_GT(overtaken, 1000u);
}

TEST(NetworkModel, RefusesImpossibleSettings) {
  NetworkConfig config;
  config.loss_pct = 100;
  EXPECT_THROW(NetworkModel{config}, std::invalid_argument);
  config.loss_pct = 60;
  config.mean_burst_packets = 1;  // p would be 1.5
  EXPECT_THROW(NetworkModel{config}, std::invalid_argument);
  config = {};
  config.gilbert = GilbertElliott{0.1, 0};
  EXPECT_THROW(NetworkModel{config}, std::invalid_argument);
}

}  // namespace
}  // namespace parley::media
