// What every directory plugin must do: run a real network of its own nodes on
// loopback (127.0.0.1 only), and publish, find, replace, watch and expire
// records across it. Waits are deadlines on observed state, never fixed sleeps.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "conformance.hpp"
#include "plugin/directory_plugin.hpp"

namespace parley::conformance {
namespace {

using namespace std::chrono_literals;
using plugin::DirectoryNode;
using plugin::DirectoryRecord;
using plugin::PluginCallError;
using Clock = std::chrono::steady_clock;

constexpr std::size_t kNetworkNodes = 4;
constexpr auto kConnectDeadline = 30s;
constexpr auto kLookupTimeout = 5000ms;
constexpr auto kChangeDeadline = 20s;
constexpr auto kPollInterval = 20ms;
constexpr auto kRecordTtl = 600s;

DirectoryRecord bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

// A UDP socket bound to 127.0.0.1, closed with the object.
class UdpSocket {
 public:
  explicit UdpSocket(std::uint16_t port = 0) : fd_(socket(AF_INET, SOCK_DGRAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    bound_ =
        fd_ >= 0 && bind(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof address) == 0;
  }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket() {
    if (fd_ >= 0) close(fd_);
  }
  [[nodiscard]] bool bound() const { return bound_; }
  [[nodiscard]] std::uint16_t port() const {
    sockaddr_in address{};
    socklen_t size = sizeof address;
    getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size);
    return ntohs(address.sin_port);
  }

 private:
  int fd_;
  bool bound_ = false;
};

// Polls condition until it holds or the deadline passes; returns whether it held.
template <typename Condition>
bool eventually(Condition&& condition, Clock::duration deadline) {
  const auto until = Clock::now() + deadline;
  while (!condition()) {
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

parley_status status_of(const std::function<void()>& call) {
  try {
    call();
  } catch (const PluginCallError& error) {
    return error.status();
  }
  return PARLEY_OK;
}

// What a listen callback saw, for the test thread to wait on.
class ChangeLog {
 public:
  void add(const plugin::DirectoryChange& change) {
    const std::lock_guard lock(mutex_);
    changes_.push_back(change);
    arrived_.notify_all();
  }
  // Waits until some change satisfies match; returns whether one did in time.
  template <typename Match>
  bool wait_for(Match&& match, Clock::duration deadline) {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, deadline,
                             [&] { return std::any_of(changes_.begin(), changes_.end(), match); });
  }
  std::size_t size() {
    const std::lock_guard lock(mutex_);
    return changes_.size();
  }

 private:
  std::mutex mutex_;
  std::condition_variable arrived_;
  std::vector<plugin::DirectoryChange> changes_;
};

class DirectoryConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  plugin::DirectoryPlugin directory{GetParam()};

  // A node on a port picked here (a directory/1.0 plugin cannot report the
  // port it bound); a port taken in the meantime is an I/O refusal, so try another.
  DirectoryNode start_node(const std::vector<std::string>& bootstrap, std::uint16_t& port) {
    for (int attempt = 0;; ++attempt) {
      port = UdpSocket().port();
      try {
        return directory.start({"127.0.0.1:" + std::to_string(port), bootstrap, {}});
      } catch (const PluginCallError& error) {
        if (error.status() != PARLEY_ERR_IO || attempt == 4) throw;
      }
    }
  }

  // count nodes on loopback, all bootstrapped from the first; returns once
  // every node reaches at least one peer (a lone node has none to reach).
  // ports receives their ports.
  std::vector<DirectoryNode> start_network(std::size_t count = kNetworkNodes) {
    std::vector<DirectoryNode> nodes;
    ports.assign(count, 0);
    nodes.push_back(start_node({}, ports[0]));
    const std::string bootstrap = "127.0.0.1:" + std::to_string(ports[0]);
    while (nodes.size() < count) nodes.push_back(start_node({bootstrap}, ports[nodes.size()]));
    if (count == 1) return nodes;
    const bool connected = eventually(
        [&] {
          return std::all_of(nodes.begin(), nodes.end(),
                             [](const DirectoryNode& node) { return node.peer_count() >= 1; });
        },
        kConnectDeadline);
    EXPECT_TRUE(connected) << "nodes did not reach each other within the deadline";
    return nodes;
  }

  std::vector<std::uint16_t> ports;

  // Polls lookup until it returns exactly `expected`: a publish confirmed by
  // one node may reach the others' view a moment later.
  static bool finds(const DirectoryNode& node, std::string_view key,
                    const std::vector<DirectoryRecord>& expected) {
    return eventually(
        [&] {
          try {
            return node.lookup(key, kLookupTimeout) == expected;
          } catch (const PluginCallError&) {
            return false;
          }
        },
        kChangeDeadline);
  }
};

TEST_P(DirectoryConformance, DescribesItself) {
  const auto& info = directory.info();
  EXPECT_GE(info.struct_size, sizeof(parley_directory_info));
  EXPECT_GE(info.max_record_bytes, 1024u) << "too small for a signed presence record";
  EXPECT_LT(info.max_record_bytes, 65536u) << "a record should fit a few datagrams";
}

TEST_P(DirectoryConformance, NodesOnLoopbackReachEachOther) {
  const auto nodes = start_network();
  for (const auto& node : nodes) EXPECT_GE(node.peer_count(), 1u);
}

// directory/1.1: a node asked for port 0 says which port it got, and that
// port is really its own: another node bootstraps from it.
TEST_P(DirectoryConformance, NodeOnPortZeroReportsThePortItBound) {
  auto first = directory.start({"127.0.0.1:0", {}, {}});
  const auto port = first.bound_port();
  if (port == 0) GTEST_SKIP() << "this plugin does not report its bound port (directory/1.0)";
  EXPECT_FALSE(UdpSocket(port).bound()) << "port " << port << " is not held by the node";
  std::uint16_t second_port = 0;
  auto second = start_node({"127.0.0.1:" + std::to_string(port)}, second_port);
  EXPECT_EQ(second.bound_port(), second_port) << "a configured port is reported as is";
  EXPECT_TRUE(eventually([&] { return first.peer_count() >= 1 && second.peer_count() >= 1; },
                         kConnectDeadline));
}

// directory/1.1: two lone nodes join when one is told of the other while
// running (as a super node hears of a peer's directory node), and records
// cross.
TEST_P(DirectoryConformance, BootstrapWhileRunningJoinsTwoLoneNodes) {
  std::uint16_t port_a = 0;
  std::uint16_t port_b = 0;
  auto a = start_node({}, port_a);
  auto b = start_node({}, port_b);
  bool supported = false;
  ASSERT_NO_THROW(supported = a.bootstrap("127.0.0.1:" + std::to_string(port_b)));
  if (!supported) GTEST_SKIP() << "this plugin cannot bootstrap while running (directory/1.0)";
  ASSERT_TRUE(
      eventually([&] { return a.peer_count() >= 1 && b.peer_count() >= 1; }, kConnectDeadline));
  const auto record = bytes("presence of carol, signed by the kernel");
  b.publish("carol@example.org", record, kRecordTtl);
  EXPECT_TRUE(finds(a, "carol@example.org", {record}));
  // Only numeric host:port: never a name (resolving one a peer sent would let
  // it make this node query any name), nor anything malformed.
  for (const std::string bad :
       {"", "localhost:4222", "127.0.0.1", "127.0.0.1:0", "nonsense", "127.0.0.1:1,127.0.0.1:2"}) {
    EXPECT_EQ(status_of([&] { (void)a.bootstrap(bad); }), PARLEY_ERR_INVALID_ARGUMENT) << bad;
  }
}

TEST_P(DirectoryConformance, RecordPublishedOnOneNodeIsFoundOnAnother) {
  auto nodes = start_network();
  const auto record = bytes("presence of alice, signed by the kernel");
  nodes[1].publish("alice@example.org", record, kRecordTtl);
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    EXPECT_TRUE(finds(nodes[i], "alice@example.org", {record})) << "node " << i;
  }
}

TEST_P(DirectoryConformance, RepublishReplacesTheRecordWhereverItWasPublished) {
  auto nodes = start_network();
  nodes[1].publish("bob", bytes("bob v1"), kRecordTtl);
  ASSERT_TRUE(finds(nodes[3], "bob", {bytes("bob v1")}));
  nodes[1].publish("bob", bytes("bob v2"), kRecordTtl);
  EXPECT_TRUE(finds(nodes[3], "bob", {bytes("bob v2")})) << "same node";
  nodes[2].publish("bob", bytes("bob v3, another super node"), kRecordTtl);
  EXPECT_TRUE(finds(nodes[0], "bob", {bytes("bob v3, another super node")})) << "other node";
  EXPECT_TRUE(finds(nodes[1], "bob", {bytes("bob v3, another super node")})) << "first publisher";
}

TEST_P(DirectoryConformance, RecordOfExactlyTheLimitIsKeptWhole) {
  auto nodes = start_network();
  DirectoryRecord record(directory.info().max_record_bytes);
  for (std::size_t i = 0; i < record.size(); ++i) record[i] = static_cast<std::uint8_t>(i * 131);
  nodes[0].publish("carol", record, kRecordTtl);
  EXPECT_TRUE(finds(nodes[2], "carol", {record}));
}

TEST_P(DirectoryConformance, OversizeRecordIsRefused) {
  auto nodes = start_network(1);
  const DirectoryRecord record(directory.info().max_record_bytes + 1, 0x5a);
  EXPECT_EQ(status_of([&] { nodes[0].publish("dave", record, kRecordTtl); }), PARLEY_ERR_LIMIT);
}

TEST_P(DirectoryConformance, EmptyKeyRecordAndTtlAreRefused) {
  auto nodes = start_network(1);
  const auto record = bytes("r");
  EXPECT_EQ(status_of([&] { nodes[0].publish("", record, kRecordTtl); }),
            PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { nodes[0].publish("erin", {}, kRecordTtl); }),
            PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { nodes[0].publish("erin", record, 0s); }), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(status_of([&] { (void)nodes[0].lookup("", kLookupTimeout); }),
            PARLEY_ERR_INVALID_ARGUMENT);
  const std::string huge_key(100000, 'k');
  EXPECT_EQ(status_of([&] { nodes[0].publish(huge_key, record, kRecordTtl); }), PARLEY_ERR_LIMIT);
}

TEST_P(DirectoryConformance, AbsentKeyHasNoRecordWithinTheTimeout) {
  const auto nodes = start_network();
  constexpr auto kTimeout = 3000ms;
  const auto start = Clock::now();
  std::vector<DirectoryRecord> found;
  const auto status = status_of([&] { found = nodes[2].lookup("nobody-by-this-name", kTimeout); });
  const auto elapsed = Clock::now() - start;
  EXPECT_TRUE(status == PARLEY_OK || status == PARLEY_ERR_TIMEOUT) << status;
  EXPECT_TRUE(found.empty());
  EXPECT_LT(elapsed, kTimeout + 1s) << "lookup overran its timeout";
}

TEST_P(DirectoryConformance, ListenSeesTheRecordItsChangesAndItsExpiry) {
  if (!directory.supports_listen()) GTEST_SKIP() << "no PARLEY_DIRECTORY_CAP_LISTEN";
  auto nodes = start_network();
  ChangeLog changes;
  const auto subscription =
      nodes[3].listen("frank", [&](const plugin::DirectoryChange& change) { changes.add(change); });
  const auto has_record = [](std::string_view text) {
    return [expected = bytes(text)](const plugin::DirectoryChange& change) {
      return !change.expired && change.key == "frank" && change.record == expected;
    };
  };
  nodes[1].publish("frank", bytes("frank v1"), kRecordTtl);
  EXPECT_TRUE(changes.wait_for(has_record("frank v1"), kChangeDeadline));
  nodes[2].publish("frank", bytes("frank v2"), kRecordTtl);
  EXPECT_TRUE(changes.wait_for(has_record("frank v2"), kChangeDeadline));

  // A short-lived record on another key: its listener sees it go.
  ChangeLog short_lived;
  const auto expiry_subscription = nodes[0].listen(
      "grace", [&](const plugin::DirectoryChange& change) { short_lived.add(change); });
  // A listen takes a moment to reach the nodes that store the key, which on
  // a loaded machine may outlast the 2 s: while the listener has heard
  // nothing, another version each second; then never again.
  const auto heard = [](const plugin::DirectoryChange& change) { return !change.expired; };
  bool was_heard = false;
  for (int version = 1; !was_heard && version <= 20; ++version) {
    nodes[1].publish("grace", bytes("grace, briefly " + std::to_string(version)), 2s);
    was_heard = short_lived.wait_for(heard, 1s);
  }
  EXPECT_TRUE(was_heard);
  EXPECT_TRUE(short_lived.wait_for(
      [](const plugin::DirectoryChange& change) {
        return change.expired && change.key == "grace" && change.record.empty();
      },
      kChangeDeadline));
  EXPECT_TRUE(finds(nodes[2], "grace", {})) << "an expired record is still found";
}

TEST_P(DirectoryConformance, ListenReportsARecordAlreadyThere) {
  if (!directory.supports_listen()) GTEST_SKIP() << "no PARLEY_DIRECTORY_CAP_LISTEN";
  auto nodes = start_network();
  nodes[1].publish("heidi", bytes("heidi"), kRecordTtl);
  ASSERT_TRUE(finds(nodes[2], "heidi", {bytes("heidi")}));
  ChangeLog changes;
  const auto subscription =
      nodes[2].listen("heidi", [&](const plugin::DirectoryChange& change) { changes.add(change); });
  EXPECT_TRUE(changes.wait_for(
      [](const plugin::DirectoryChange& change) { return change.record == bytes("heidi"); },
      kChangeDeadline));
}

TEST_P(DirectoryConformance, PrefixLookupFindsTheKeysThatStartWithIt) {
  if (!directory.supports_prefix()) GTEST_SKIP() << "no PARLEY_DIRECTORY_CAP_PREFIX";
  auto nodes = start_network();
  nodes[1].publish("ivan.petrov", bytes("ivan p"), kRecordTtl);
  nodes[2].publish("ivana.novak", bytes("ivana n"), kRecordTtl);
  nodes[3].publish("judy", bytes("judy"), kRecordTtl);
  const auto keys_for = [&](std::string_view prefix) {
    std::vector<std::string> keys;
    for (const auto& found : nodes[0].lookup_prefix(prefix, kLookupTimeout)) {
      keys.push_back(found.key);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  };
  using Keys = std::vector<std::string>;
  EXPECT_TRUE(eventually(
      [&] {
        return keys_for("iva") == Keys{"ivan.petrov", "ivana.novak"};
      },
      kChangeDeadline));
  EXPECT_EQ(keys_for("ivana"), Keys{"ivana.novak"});
  EXPECT_EQ(keys_for("ivan.petrov"), Keys{"ivan.petrov"});
  EXPECT_TRUE(keys_for("ivanhoe").empty());
  const auto found = nodes[0].lookup_prefix("jud", kLookupTimeout);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].record, bytes("judy"));
  // A plugin may ask for a longer prefix than one character, and says so.
  const auto status = status_of([&] { (void)nodes[0].lookup_prefix("i", kLookupTimeout); });
  EXPECT_TRUE(status == PARLEY_OK || status == PARLEY_ERR_INVALID_ARGUMENT) << status;
}

TEST_P(DirectoryConformance, OneNodeServesManyThreadsAtOnce) {
  auto nodes = start_network();
  constexpr int kThreads = 4;
  std::atomic<int> found{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      const auto key = "user-" + std::to_string(t);
      nodes[1].publish(key, bytes(key), kRecordTtl);
      if (finds(nodes[1], key, {bytes(key)})) ++found;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(found.load(), kThreads);
}

TEST_P(DirectoryConformance, StopIsPromptQuietAndReleasesItsAddress) {
  if (!directory.supports_listen()) GTEST_SKIP() << "needs listen to stop with a subscription";
  auto nodes = start_network();
  ChangeLog stopped_log;
  ChangeLog running_log;
  auto stopped_subscription = nodes[3].listen(
      "ken", [&](const plugin::DirectoryChange& change) { stopped_log.add(change); });
  const auto running_subscription = nodes[2].listen(
      "ken", [&](const plugin::DirectoryChange& change) { running_log.add(change); });

  const auto start = Clock::now();
  nodes.pop_back();  // stops nodes[3] with its subscription still alive
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_TRUE(UdpSocket(ports[3]).bound()) << "the stopped node still holds its port";

  nodes[1].publish("ken", bytes("ken"), kRecordTtl);
  EXPECT_TRUE(running_log.wait_for(
      [](const plugin::DirectoryChange& change) { return change.record == bytes("ken"); },
      kChangeDeadline));
  EXPECT_EQ(stopped_log.size(), 0u) << "a stopped node still calls back";

  const auto stop_all = Clock::now();
  nodes.clear();
  EXPECT_LT(Clock::now() - stop_all, 5s) << "stopping the rest of the network";
}

TEST_P(DirectoryConformance, BadConfigIsRefused) {
  for (const char* listen :
       {"", "not-an-address", "127.0.0.1", "127.0.0.1:99999", "::1:4222", "127.0.0.1:port"}) {
    const auto status = status_of([&] { (void)directory.start({listen, {}, {}}); });
    EXPECT_EQ(status, PARLEY_ERR_INVALID_ARGUMENT) << "listen \"" << listen << "\"";
  }
  for (const char* bootstrap : {"garbage", "127.0.0.1", "127.0.0.1:0", "[::1:4222"}) {
    const auto status = status_of([&] { (void)directory.start({"127.0.0.1:0", {bootstrap}, {}}); });
    EXPECT_EQ(status, PARLEY_ERR_INVALID_ARGUMENT) << "bootstrap \"" << bootstrap << "\"";
  }
  const UdpSocket taken;
  ASSERT_TRUE(taken.bound());
  const auto status = status_of([&] {
    (void)directory.start({"127.0.0.1:" + std::to_string(taken.port()), {}, {}});
  });
  EXPECT_EQ(status, PARLEY_ERR_IO) << "a port in use";
}

INSTANTIATE_TEST_SUITE_P(Plugin, DirectoryConformance,
                         testing::ValuesIn(offers_of(PARLEY_KIND_DIRECTORY)), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DirectoryConformance);

}  // namespace
}  // namespace parley::conformance
