// What every transport plugin must do, over real sockets on loopback only.
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <iostream>
#include <numeric>
#include <random>
#include <set>
#include <thread>

#include "conformance.hpp"
#include "parley/sdk/address.hpp"
#include "plugin/transport_plugin.hpp"

namespace parley::conformance {
namespace {

using namespace std::chrono_literals;
using plugin::Datagram;
using plugin::PluginCallError;
using plugin::TransportEndpoint;
using plugin::TransportPlugin;
using Clock = std::chrono::steady_clock;

// Generous for a loaded CI machine, yet short enough that a hang fails fast.
constexpr auto kArrivalTimeout = 5s;

bool ipv6_loopback_available() {
  static const bool available = [] {
    const int fd = ::socket(AF_INET6, SOCK_DGRAM, 0);
    if (fd < 0) return false;
    const auto address = sdk::to_sockaddr(sdk::ipv6_loopback());
    const bool bound = ::bind(fd, address->get(), address->length) == 0;
    ::close(fd);
    return bound;
  }();
  return available;
}

// A loopback port nobody listens on right now (connect to it is refused).
std::uint16_t unused_tcp_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  const auto address = sdk::to_sockaddr(sdk::ipv4_loopback());
  EXPECT_EQ(::bind(fd, address->get(), address->length), 0);
  sdk::SocketAddress bound;
  bound.length = sizeof bound.storage;
  ::getsockname(fd, bound.get(), &bound.length);
  ::close(fd);
  return sdk::from_sockaddr(bound).port;
}

std::vector<std::uint8_t> random_bytes(std::size_t size, std::mt19937& random) {
  std::vector<std::uint8_t> bytes(size);
  for (auto& b : bytes) b = static_cast<std::uint8_t>(random());
  return bytes;
}

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

// Two endpoints that can reach each other: two bound sockets, or for a
// connected transport a listener whose first receive accepts the client.
struct Pair {
  TransportEndpoint first;
  TransportEndpoint second;
  parley_address first_address;
  parley_address second_address;
};

class TransportConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  TransportPlugin transport{GetParam()};

  [[nodiscard]] std::uint32_t max_bytes() const { return transport.info().max_datagram_bytes; }

  [[nodiscard]] TransportEndpoint open_alone(const parley_address& local) const {
    return transport.connected() ? transport.listen(local, 0ms) : transport.bind(local);
  }

  [[nodiscard]] Pair make_pair(const parley_address& loopback) const {
    auto first = open_alone(loopback);
    const auto first_address = first.local_address();
    if (!transport.connected()) {
      auto second = transport.bind(loopback);
      const auto second_address = second.local_address();
      return {std::move(first), std::move(second), first_address, second_address};
    }
    auto second = transport.connect(first_address, kArrivalTimeout);
    const auto second_address = second.local_address();
    return {std::move(first), std::move(second), first_address, second_address};
  }

  static void expect_datagram(TransportEndpoint& endpoint, std::span<const std::uint8_t> expected,
                              const parley_address& from) {
    std::vector<std::uint8_t> buffer(expected.size() + 64);
    const auto got = endpoint.receive(buffer, kArrivalTimeout);
    ASSERT_EQ(got.status, Datagram::Status::received) << "size " << expected.size();
    ASSERT_EQ(got.size, expected.size());
    EXPECT_TRUE(std::equal(expected.begin(), expected.end(), buffer.begin()))
        << "content differs, size " << expected.size();
    EXPECT_TRUE(sdk::same_address(got.from, from))
        << sdk::to_string(got.from) << " != " << sdk::to_string(from);
  }

  // Sizes 0..64, both sides of every power of two, and the largest allowed.
  [[nodiscard]] std::vector<std::size_t> interesting_sizes() const {
    std::vector<std::size_t> sizes(65);
    std::iota(sizes.begin(), sizes.end(), 0);
    for (std::size_t p = 128; p <= max_bytes(); p *= 2) {
      for (const auto s : {p - 1, p, p + 1}) sizes.push_back(s);
    }
    for (const auto s : {172u, 1200u, 1472u, 1500u, max_bytes() - 1, max_bytes()}) {
      sizes.push_back(s);
    }
    std::erase_if(sizes, [&](std::size_t s) { return s > max_bytes(); });
    return sizes;
  }
};

TEST_P(TransportConformance, DescribesItself) {
  const auto& info = transport.info();
  EXPECT_GE(info.struct_size, sizeof(parley_transport_info));
  EXPECT_GT(info.protocol.size, 0u);
  EXPECT_GE(info.max_datagram_bytes, 1200u) << "must carry at least a media packet";
  EXPECT_LE(info.max_datagram_bytes, 65535u);
  EXPECT_GT(info.overhead_bytes, 0u);
  EXPECT_EQ(info.flags & ~std::uint32_t{PARLEY_TRANSPORT_RELIABLE | PARLEY_TRANSPORT_CONNECTED},
            0u);
}

TEST_P(TransportConformance, OpensOnLoopbackAndReportsItsAddress) {
  std::vector<parley_address> loopbacks{sdk::ipv4_loopback()};
  if (ipv6_loopback_available()) loopbacks.push_back(sdk::ipv6_loopback());
  for (const auto& loopback : loopbacks) {
    SCOPED_TRACE(sdk::to_string(loopback));
    auto endpoint = open_alone(loopback);
    const auto local = endpoint.local_address();
    EXPECT_TRUE(sdk::same_host(local, loopback)) << sdk::to_string(local);
    EXPECT_NE(local.port, 0) << "port 0 must be replaced by the port actually bound";
    EXPECT_GE(endpoint.native_handle(), 0);
  }
}

TEST_P(TransportConformance, RoundTripsDatagramsOfEverySizeAndAnyBytes) {
  std::vector<parley_address> loopbacks{sdk::ipv4_loopback()};
  if (ipv6_loopback_available()) loopbacks.push_back(sdk::ipv6_loopback());
  std::mt19937 random(4571);
  for (const auto& loopback : loopbacks) {
    SCOPED_TRACE(sdk::to_string(loopback));
    auto pair = make_pair(loopback);
    for (const auto size : interesting_sizes()) {
      // Ping-pong, one datagram in flight: UDP on loopback then never drops.
      const auto ping = random_bytes(size, random);
      pair.second.send_to(pair.first_address, ping);
      ASSERT_NO_FATAL_FAILURE(expect_datagram(pair.first, ping, pair.second_address));
      const auto pong = random_bytes(size, random);
      pair.first.send_to(pair.second_address, pong);
      ASSERT_NO_FATAL_FAILURE(expect_datagram(pair.second, pong, pair.first_address));
    }
  }
}

TEST_P(TransportConformance, DeliversABurstWholeAndInOrderWhenReliable) {
  auto pair = make_pair(sdk::ipv4_loopback());
  constexpr std::uint32_t kCount = 300;  // 300 x <= 300 bytes: far below any socket buffer
  std::mt19937 random(7);
  for (std::uint32_t i = 0; i < kCount; ++i) {
    auto datagram = random_bytes(4 + random() % 296, random);
    std::memcpy(datagram.data(), &i, sizeof i);
    pair.second.send_to(pair.first_address, datagram);
  }
  std::vector<std::uint32_t> order;
  std::vector<std::uint8_t> buffer(max_bytes());
  for (std::uint32_t i = 0; i < kCount; ++i) {
    const auto got = pair.first.receive(buffer, kArrivalTimeout);
    ASSERT_EQ(got.status, Datagram::Status::received) << "after " << i << " datagrams";
    ASSERT_GE(got.size, 4u);
    std::uint32_t sequence = 0;
    std::memcpy(&sequence, buffer.data(), sizeof sequence);
    order.push_back(sequence);
  }
  EXPECT_EQ(std::set<std::uint32_t>(order.begin(), order.end()).size(), kCount);
  if (transport.reliable()) {
    EXPECT_TRUE(std::is_sorted(order.begin(), order.end()));
  }
}

TEST_P(TransportConformance, ReceiveTimesOutWithinItsBound) {
  auto pair = make_pair(sdk::ipv4_loopback());
  std::vector<std::uint8_t> buffer(max_bytes());
  for (const auto timeout : {0ms, 50ms, 200ms}) {
    const auto start = Clock::now();
    const auto got = pair.first.receive(buffer, timeout);
    const auto took_ms = elapsed_ms(start);
    EXPECT_EQ(got.status, Datagram::Status::timed_out);
    EXPECT_GE(took_ms, static_cast<double>(timeout.count()) - 1.0) << "returned early";
    EXPECT_LT(took_ms, static_cast<double>(timeout.count()) + 250.0) << "overslept";
    std::cout << "[ figure ] receive timeout " << timeout.count() << " ms took " << took_ms
              << " ms\n";
  }
}

std::atomic<int> signals_caught{0};
void count_signal(int /*signal*/) {
  signals_caught.fetch_add(1, std::memory_order_relaxed);
}

// A signal handler installed without SA_RESTART makes every blocking call in
// the thread fail with EINTR; a receive must neither end early nor lose data.
TEST_P(TransportConformance, ReceiveRidesOutSignals) {
  struct sigaction action {};
  action.sa_handler = &count_signal;  // no SA_RESTART: poll and recv see EINTR
  sigemptyset(&action.sa_mask);
  struct sigaction previous {};
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);
  auto pair = make_pair(sdk::ipv4_loopback());
  const std::array<std::uint8_t, 4> late{'l', 'a', 't', 'e'};
  for (const bool data_arrives : {false, true}) {
    SCOPED_TRACE(data_arrives ? "data arrives" : "nothing arrives");
    signals_caught = 0;
    // Data is sent once ten signals were caught, to a receive that may wait
    // 5 s: a loaded machine slows the signals down, but the timeout never
    // ends that wait before the datagram does.
    const auto timeout = data_arrives ? 5000ms : 300ms;
    std::promise<pthread_t> started;
    auto receiver_thread = started.get_future();
    auto receiver = std::async(std::launch::async, [&] {
      started.set_value(::pthread_self());
      std::array<std::uint8_t, 16> buffer{};
      const auto start = Clock::now();
      const auto got = pair.first.receive(buffer, timeout);
      return std::make_pair(got, elapsed_ms(start));
    });
    const auto thread = receiver_thread.get();
    // Interrupt until the receive is over; each wait ends on the receive's result.
    bool data_sent = false;
    while (receiver.wait_for(5ms) != std::future_status::ready) {
      ::pthread_kill(thread, SIGUSR1);
      if (data_arrives && !data_sent && signals_caught.load() >= 10) {
        pair.second.send_to(pair.first_address, late);
        data_sent = true;
      }
    }
    const auto [got, took_ms] = receiver.get();
    EXPECT_GT(signals_caught.load(), 0);
    if (data_arrives) {
      EXPECT_TRUE(data_sent) << "the receive ended before ten signals";
      EXPECT_EQ(got.status, Datagram::Status::received);
      EXPECT_EQ(got.size, late.size());
    } else {
      EXPECT_EQ(got.status, Datagram::Status::timed_out);
      EXPECT_GE(took_ms, 299.0) << "a signal ended the wait early";
    }
  }
  ::sigaction(SIGUSR1, &previous, nullptr);
}

TEST_P(TransportConformance, ReportsABufferTooSmallAndKeepsTheNextDatagram) {
  auto pair = make_pair(sdk::ipv4_loopback());
  std::mt19937 random(11);
  for (const std::size_t large : {std::size_t{100}, std::size_t{max_bytes()}}) {
    SCOPED_TRACE("large " + std::to_string(large));
    const auto big = random_bytes(large, random);
    const auto next = random_bytes(5, random);
    pair.second.send_to(pair.first_address, big);
    pair.second.send_to(pair.first_address, next);
    std::array<std::uint8_t, 10> small{};
    const auto got = pair.first.receive(small, kArrivalTimeout);
    ASSERT_EQ(got.status, Datagram::Status::too_large);
    EXPECT_EQ(got.size, large) << "must report the dropped datagram's size";
    ASSERT_NO_FATAL_FAILURE(expect_datagram(pair.first, next, pair.second_address));
  }
}

TEST_P(TransportConformance, NativeHandleBecomesReadableWhenADatagramWaits) {
  auto pair = make_pair(sdk::ipv4_loopback());
  const std::array<std::uint8_t, 3> datagram{1, 2, 3};
  if (transport.connected()) {
    // Let the listener accept first: before that its handle signals the peer.
    pair.second.send(datagram);
    ASSERT_NO_FATAL_FAILURE(expect_datagram(pair.first, datagram, pair.second_address));
  }
  const int handle = pair.first.native_handle();
  ASSERT_GE(handle, 0);
  pollfd entry{handle, POLLIN, 0};
  EXPECT_EQ(::poll(&entry, 1, 0), 0) << "readable with nothing sent";
  pair.second.send_to(pair.first_address, datagram);
  EXPECT_EQ(::poll(&entry, 1, static_cast<int>(kArrivalTimeout / 1ms)), 1);
  ASSERT_NO_FATAL_FAILURE(expect_datagram(pair.first, datagram, pair.second_address));
}

TEST_P(TransportConformance, RefusesMalformedCalls) {
  auto pair = make_pair(sdk::ipv4_loopback());
  std::vector<std::uint8_t> oversize(max_bytes() + 1);
  try {
    pair.second.send_to(pair.first_address, oversize);
    ADD_FAILURE() << "an oversize datagram was accepted";
  } catch (const PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_LIMIT);
  }
  const auto* api = static_cast<const parley_transport_api*>(GetParam().interface->api);
  parley_address bad{};
  bad.family = 9;
  void* endpoint = nullptr;
  EXPECT_EQ(api->open(&bad, nullptr, 0, &endpoint), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(endpoint, nullptr);
  const auto loopback = sdk::ipv4_loopback();
  EXPECT_EQ(api->open(&loopback, nullptr, 0, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  if (!transport.connected()) {
    EXPECT_EQ(api->open(nullptr, nullptr, 0, &endpoint), PARLEY_ERR_INVALID_ARGUMENT);
    try {
      pair.second.send_to(parley_address{}, std::array<std::uint8_t, 1>{});
      ADD_FAILURE() << "sending to an unset address was accepted";
    } catch (const PluginCallError& error) {
      EXPECT_EQ(error.status(), PARLEY_ERR_INVALID_ARGUMENT);
    }
  }
}

TEST_P(TransportConformance, WildcardIpv6EndpointServesIpv4Peers) {
  if (!ipv6_loopback_available()) GTEST_SKIP() << "no IPv6 on this machine";
  auto dual = open_alone(sdk::ipv6_any());
  const auto port = dual.local_address().port;
  const auto v4_address = sdk::ipv4_loopback(port);
  auto v4 = transport.connected() ? transport.connect(v4_address, kArrivalTimeout)
                                  : transport.bind(sdk::ipv4_loopback());
  const auto v4_local = v4.local_address();
  const std::array<std::uint8_t, 4> hello{'p', 'i', 'n', 'g'};
  v4.send_to(v4_address, hello);
  ASSERT_NO_FATAL_FAILURE(expect_datagram(dual, hello, v4_local));
  const std::array<std::uint8_t, 4> answer{'p', 'o', 'n', 'g'};
  dual.send_to(v4_local, answer);
  // The IPv4 side sees the reply from the loopback address it sent to.
  ASSERT_NO_FATAL_FAILURE(expect_datagram(v4, answer, v4_address));
}

TEST_P(TransportConformance, MeasuresLoopbackRoundTrip) {
  auto pair = make_pair(sdk::ipv4_loopback());
  std::vector<std::uint8_t> packet(172, 0x5a);  // RTP header + 20 ms of G.711
  std::vector<std::uint8_t> buffer(max_bytes());
  std::vector<double> rtt_us;
  constexpr int kRounds = 2000;
  for (int i = 0; i < kRounds; ++i) {
    const auto start = Clock::now();
    pair.second.send_to(pair.first_address, packet);
    ASSERT_EQ(pair.first.receive(buffer, kArrivalTimeout).status, Datagram::Status::received);
    pair.first.send_to(pair.second_address, packet);
    ASSERT_EQ(pair.second.receive(buffer, kArrivalTimeout).status, Datagram::Status::received);
    rtt_us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - start).count());
  }
  std::sort(rtt_us.begin(), rtt_us.end());
  const auto median = rtt_us[rtt_us.size() / 2];
  const auto p99 = rtt_us[rtt_us.size() * 99 / 100];
  std::cout << "[ figure ] " << transport.name() << " loopback round trip, 172-byte datagrams, "
            << kRounds << " rounds: median " << median << " us, p99 " << p99 << " us\n";
  RecordProperty("rtt_median_us", std::to_string(median));
  RecordProperty("rtt_p99_us", std::to_string(p99));
  EXPECT_LT(median, 5000.0) << "loopback round trip over 5 ms";
}

// Connected transports only.

TEST_P(TransportConformance, ListenerAcceptsAPeerFromAnotherThread) {
  if (!transport.connected()) GTEST_SKIP() << "datagram transport";
  std::promise<parley_address> listening;
  auto listener_address = listening.get_future();
  const std::array<std::uint8_t, 5> hello{'h', 'e', 'l', 'l', 'o'};
  auto server = std::async(std::launch::async, [&] {
    auto endpoint = transport.listen(sdk::ipv4_loopback(), 0ms);
    listening.set_value(endpoint.local_address());
    std::array<std::uint8_t, 16> buffer{};
    const auto got = endpoint.receive(buffer, kArrivalTimeout);  // accepts, then reads
    if (got.status == Datagram::Status::received) endpoint.send_to(got.from, hello);
    return got;
  });
  ASSERT_EQ(listener_address.wait_for(kArrivalTimeout), std::future_status::ready);
  auto client = std::async(std::launch::async, [&] {
    auto endpoint = transport.connect(listener_address.get(), kArrivalTimeout);
    endpoint.send(hello);
    std::array<std::uint8_t, 16> buffer{};
    return endpoint.receive(buffer, kArrivalTimeout);
  });
  const auto at_server = server.get();
  const auto at_client = client.get();
  EXPECT_EQ(at_server.status, Datagram::Status::received);
  EXPECT_EQ(at_server.size, hello.size());
  EXPECT_EQ(at_client.status, Datagram::Status::received);
  EXPECT_EQ(at_client.size, hello.size());
}

TEST_P(TransportConformance, BlockingListenAcceptsWithinItsTimeout) {
  if (!transport.connected()) GTEST_SKIP() << "datagram transport";
  const auto address = sdk::ipv4_loopback(unused_tcp_port());
  auto server = std::async(std::launch::async, [&] {
    auto endpoint = transport.listen(address, kArrivalTimeout);  // returns once accepted
    std::array<std::uint8_t, 16> buffer{};
    return endpoint.receive(buffer, kArrivalTimeout);
  });
  // The listener may not be up yet: a refused connect is retried, bounded by
  // the deadline (each attempt is an event: the refusal itself).
  const auto deadline = Clock::now() + kArrivalTimeout;
  std::optional<TransportEndpoint> client;
  while (!client && Clock::now() < deadline) {
    try {
      client.emplace(transport.connect(address, kArrivalTimeout));
    } catch (const PluginCallError& error) {
      ASSERT_EQ(error.status(), PARLEY_ERR_IO) << error.what();
    }
  }
  ASSERT_TRUE(client.has_value()) << "never connected";
  const std::array<std::uint8_t, 2> hi{'h', 'i'};
  client->send(hi);
  const auto got = server.get();
  EXPECT_EQ(got.status, Datagram::Status::received);
  EXPECT_EQ(got.size, hi.size());
}

TEST_P(TransportConformance, ListenTimesOutWhenNobodyComes) {
  if (!transport.connected()) GTEST_SKIP() << "datagram transport";
  const auto start = Clock::now();
  try {
    (void)transport.listen(sdk::ipv4_loopback(), 200ms);
    ADD_FAILURE() << "listen returned with no peer";
  } catch (const PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_TIMEOUT);
  }
  EXPECT_GE(elapsed_ms(start), 199.0);
  EXPECT_LT(elapsed_ms(start), 1000.0);  // room for a loaded machine, well short of a hang
}

TEST_P(TransportConformance, ConnectToAClosedPortFailsAtOnce) {
  if (!transport.connected()) GTEST_SKIP() << "datagram transport";
  const auto start = Clock::now();
  try {
    (void)transport.connect(sdk::ipv4_loopback(unused_tcp_port()), kArrivalTimeout);
    ADD_FAILURE() << "connected to a port nobody listens on";
  } catch (const PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_IO);
  }
  EXPECT_LT(elapsed_ms(start), 1000.0) << "a refusal must not wait for the timeout";
}

TEST_P(TransportConformance, ReportsThePeerClosingAfterWhatItSent) {
  if (!transport.connected()) GTEST_SKIP() << "datagram transport";
  for (const bool client_closes : {true, false}) {
    SCOPED_TRACE(client_closes ? "client closes" : "server closes");
    auto pair = make_pair(sdk::ipv4_loopback());
    // Accept before anything else so both sides are connected.
    const std::array<std::uint8_t, 1> one{1};
    pair.second.send(one);
    ASSERT_NO_FATAL_FAILURE(expect_datagram(pair.first, one, pair.second_address));
    std::optional<TransportEndpoint> closing(std::move(client_closes ? pair.second : pair.first));
    auto& staying = client_closes ? pair.first : pair.second;
    const auto closing_address = client_closes ? pair.second_address : pair.first_address;
    const std::array<std::uint8_t, 3> last{7, 8, 9};
    closing->send(last);
    closing->send({});
    closing.reset();
    ASSERT_NO_FATAL_FAILURE(expect_datagram(staying, last, closing_address));
    ASSERT_NO_FATAL_FAILURE(expect_datagram(staying, {}, closing_address));
    std::array<std::uint8_t, 16> buffer{};
    for (int attempt = 0; attempt < 2; ++attempt) {
      const auto start = Clock::now();
      try {
        (void)staying.receive(buffer, kArrivalTimeout);
        ADD_FAILURE() << "receive after the peer closed did not fail";
      } catch (const PluginCallError& error) {
        EXPECT_EQ(error.status(), PARLEY_ERR_IO);
      }
      EXPECT_LT(elapsed_ms(start), 1000.0) << "peer close must be noticed, not timed out";
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Plugin, TransportConformance,
                         testing::ValuesIn(offers_of(PARLEY_KIND_TRANSPORT)), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(TransportConformance);

}  // namespace
}  // namespace parley::conformance
