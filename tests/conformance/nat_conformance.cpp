// What every NAT strategy must do. Strategies that ask STUN servers are run
// against a real STUN responder on loopback, through a real UDP socket.
//
// The responder here is written from RFC 8489 independently of any plugin's
// STUN code, so an encoder and a decoder cannot agree on the same mistake, and
// so that this suite, which third-party authors run, needs nothing of ours.
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <iostream>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "conformance.hpp"
#include "parley/sdk/address.hpp"
#include "plugin/nat_plugin.hpp"

namespace parley::conformance {
namespace {

using namespace std::chrono_literals;
using plugin::GatherRequest;
using plugin::NatPlugin;
using plugin::PluginCallError;
using Clock = std::chrono::steady_clock;

constexpr std::uint32_t kMagicCookie = 0x2112A442;

double elapsed_ms(Clock::time_point since) {
  return std::chrono::duration<double, std::milli>(Clock::now() - since).count();
}

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

// True when this machine owns the address: binding to it succeeds.
bool is_local_address(parley_address address) {
  address.port = 0;
  const auto socket_address = sdk::to_sockaddr(address);
  const int fd = ::socket(socket_address->family(), SOCK_DGRAM, 0);
  const bool bound = fd >= 0 && ::bind(fd, socket_address->get(), socket_address->length) == 0;
  if (fd >= 0) ::close(fd);
  return bound;
}

class UdpSocket {
 public:
  explicit UdpSocket(const parley_address& local) {
    const auto address = sdk::to_sockaddr(local);
    family_ = address->family();
    fd_ = ::socket(family_, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0 || ::bind(fd_, address->get(), address->length) != 0) {
      throw std::runtime_error("cannot bind " + sdk::to_string(local));
    }
    sdk::SocketAddress bound;
    bound.length = sizeof bound.storage;
    ::getsockname(fd_, bound.get(), &bound.length);
    address_ = sdk::from_sockaddr(bound);
  }
  UdpSocket(const UdpSocket&) = delete;
  UdpSocket& operator=(const UdpSocket&) = delete;
  ~UdpSocket() { ::close(fd_); }
  [[nodiscard]] int fd() const { return fd_; }
  [[nodiscard]] int family() const { return family_; }
  [[nodiscard]] const parley_address& address() const { return address_; }

 private:
  int fd_ = -1;
  int family_ = 0;
  parley_address address_{};
};

std::uint32_t crc32(std::span<const std::uint8_t> bytes) {
  std::uint32_t crc = 0xFFFFFFFFu;
  for (const auto byte : bytes) {
    crc ^= byte;
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

void put16(std::vector<std::uint8_t>& out, unsigned value) {
  out.push_back(static_cast<std::uint8_t>(value >> 8));
  out.push_back(static_cast<std::uint8_t>(value));
}
void put32(std::vector<std::uint8_t>& out, std::uint32_t value) {
  put16(out, value >> 16);
  put16(out, value & 0xFFFF);
}
unsigned get16(const std::uint8_t* p) {
  return (unsigned{p[0]} << 8) | p[1];
}
std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t{get16(p)} << 16) | get16(p + 2);
}

// A STUN server on loopback answering Binding requests from a thread.
class LoopbackStunServer {
 public:
  enum class Behaviour {
    answer,        // a Binding success response with XOR-MAPPED-ADDRESS
    silent,        // reads requests, never answers
    server_error,  // a 500 error response
    noise_first    // junk, then a response for another transaction, then the answer
  };

  explicit LoopbackStunServer(const parley_address& loopback, Behaviour behaviour,
                              std::optional<parley_address> reported = std::nullopt)
      : socket_(loopback), behaviour_(behaviour), reported_(reported) {
    if (::pipe2(stop_pipe_, O_CLOEXEC) != 0) throw std::runtime_error("pipe2");
    thread_ = std::thread([this] { serve(); });
  }
  LoopbackStunServer(const LoopbackStunServer&) = delete;
  LoopbackStunServer& operator=(const LoopbackStunServer&) = delete;
  ~LoopbackStunServer() {
    (void)::write(stop_pipe_[1], "x", 1);
    thread_.join();
    ::close(stop_pipe_[0]);
    ::close(stop_pipe_[1]);
  }

  [[nodiscard]] const parley_address& address() const { return socket_.address(); }
  [[nodiscard]] int requests() const { return requests_; }
  [[nodiscard]] int malformed_requests() const { return malformed_; }
  [[nodiscard]] std::vector<parley_address> sources() const {
    const std::lock_guard lock(mutex_);
    return sources_;
  }

 private:
  void serve() {
    std::vector<std::uint8_t> buffer(2048);
    for (;;) {
      std::array<pollfd, 2> entries{pollfd{socket_.fd(), POLLIN, 0},
                                    pollfd{stop_pipe_[0], POLLIN, 0}};
      if (::poll(entries.data(), entries.size(), -1) < 0) continue;
      if (entries[1].revents != 0) return;
      sdk::SocketAddress from;
      from.length = sizeof from.storage;
      const auto size =
          ::recvfrom(socket_.fd(), buffer.data(), buffer.size(), 0, from.get(), &from.length);
      if (size < 0) continue;
      const auto source = sdk::from_sockaddr(from);
      {
        const std::lock_guard lock(mutex_);
        sources_.push_back(source);
      }
      ++requests_;
      const std::span request(buffer.data(), static_cast<std::size_t>(size));
      if (!well_formed_binding_request(request)) {
        ++malformed_;
        continue;
      }
      const std::span<const std::uint8_t, 12> transaction(request.data() + 8, 12);
      switch (behaviour_) {
        case Behaviour::silent: break;
        case Behaviour::answer:
          reply(from, success(transaction, reported_.value_or(source)));
          break;
        case Behaviour::server_error: reply(from, server_error(transaction)); break;
        case Behaviour::noise_first: {
          std::mt19937 random(static_cast<unsigned>(requests_));
          std::vector<std::uint8_t> junk(40);
          for (auto& b : junk) b = static_cast<std::uint8_t>(random());
          reply(from, junk);
          std::array<std::uint8_t, 12> other{};
          std::copy(transaction.begin(), transaction.end(), other.begin());
          other[0] ^= 0xFF;
          reply(from, success(other, {}));
          reply(from, success(transaction, reported_.value_or(source)));
          break;
        }
      }
    }
  }

  static bool well_formed_binding_request(std::span<const std::uint8_t> m) {
    if (m.size() < 20 || get16(m.data()) != 0x0001 || get32(m.data() + 4) != kMagicCookie ||
        get16(m.data() + 2) + 20u != m.size()) {
      return false;
    }
    // A FINGERPRINT, if present, must be last and right.
    std::size_t offset = 20;
    while (offset + 4 <= m.size()) {
      const auto type = get16(m.data() + offset);
      const auto length = get16(m.data() + offset + 2);
      if (type == 0x8028) {
        return length == 4 && offset + 8 == m.size() &&
               get32(m.data() + offset + 4) == (crc32(m.first(offset)) ^ 0x5354554eu);
      }
      offset += 4 + ((length + 3u) & ~3u);
    }
    return offset == m.size();
  }

  static std::vector<std::uint8_t> header(unsigned type, std::span<const std::uint8_t> id) {
    std::vector<std::uint8_t> out;
    put16(out, type);
    put16(out, 0);
    put32(out, kMagicCookie);
    out.insert(out.end(), id.begin(), id.end());
    return out;
  }
  static void finish_with_fingerprint(std::vector<std::uint8_t>& m) {
    const auto length = m.size() - 20 + 8;
    m[2] = static_cast<std::uint8_t>(length >> 8);
    m[3] = static_cast<std::uint8_t>(length);
    const auto fingerprint = crc32(m) ^ 0x5354554eu;
    put16(m, 0x8028);
    put16(m, 4);
    put32(m, fingerprint);
  }
  static std::vector<std::uint8_t> success(std::span<const std::uint8_t> id,
                                           const parley_address& mapped) {
    auto m = header(0x0101, id);
    if (mapped.family == 4 || mapped.family == 6) {
      const std::size_t bytes = mapped.family == 4 ? 4 : 16;
      put16(m, 0x0020);
      put16(m, static_cast<unsigned>(4 + bytes));
      m.push_back(0);
      m.push_back(mapped.family == 4 ? 1 : 2);
      put16(m, mapped.port ^ (kMagicCookie >> 16));
      // The XOR mask is the header's cookie and transaction id, m[4..20).
      for (std::size_t i = 0; i < bytes; ++i) {
        m.push_back(static_cast<std::uint8_t>(mapped.bytes[i] ^ m[4 + i]));
      }
    }
    finish_with_fingerprint(m);
    return m;
  }
  static std::vector<std::uint8_t> server_error(std::span<const std::uint8_t> id) {
    auto m = header(0x0111, id);
    const std::string_view reason = "Server Error";
    put16(m, 0x0009);
    put16(m, static_cast<unsigned>(4 + reason.size()));
    put16(m, 0);
    m.push_back(5);
    m.push_back(0);
    m.insert(m.end(), reason.begin(), reason.end());
    finish_with_fingerprint(m);  // 12-byte reason: already 4-aligned
    return m;
  }
  void reply(const sdk::SocketAddress& to, const std::vector<std::uint8_t>& datagram) const {
    (void)::sendto(socket_.fd(), datagram.data(), datagram.size(), 0, to.get(), to.length);
  }

  UdpSocket socket_;
  Behaviour behaviour_;
  std::optional<parley_address> reported_;
  int stop_pipe_[2] = {-1, -1};
  std::atomic<int> requests_{0};
  std::atomic<int> malformed_{0};
  mutable std::mutex mutex_;
  std::vector<parley_address> sources_;
  std::thread thread_;
};

// The kernel's side of the exchange, on a real socket: send, then wait for a
// datagram from that server.
plugin::NatExchange socket_exchange(const UdpSocket& media) {
  return [&media](const parley_address& server, std::span<const std::uint8_t> request,
                  std::span<std::uint8_t> reply, std::size_t& reply_size,
                  std::chrono::milliseconds timeout) -> parley_status {
    const auto to = sdk::to_sockaddr(server, media.family());
    if (!to || ::sendto(media.fd(), request.data(), request.size(), 0, to->get(), to->length) !=
                   static_cast<ssize_t>(request.size())) {
      return PARLEY_ERR_IO;
    }
    const auto deadline = Clock::now() + timeout;
    for (;;) {
      const auto left = std::chrono::ceil<std::chrono::milliseconds>(deadline - Clock::now());
      pollfd entry{media.fd(), POLLIN, 0};
      if (::poll(&entry, 1, static_cast<int>(std::max<long>(0, left.count()))) <= 0) {
        if (Clock::now() >= deadline) return PARLEY_ERR_TIMEOUT;
        continue;
      }
      sdk::SocketAddress from;
      from.length = sizeof from.storage;
      const auto size =
          ::recvfrom(media.fd(), reply.data(), reply.size(), MSG_TRUNC, from.get(), &from.length);
      if (size < 0 || !sdk::same_address(sdk::from_sockaddr(from), server)) continue;
      if (static_cast<std::size_t>(size) > reply.size()) return PARLEY_ERR_BUFFER_TOO_SMALL;
      reply_size = static_cast<std::size_t>(size);
      return PARLEY_OK;
    }
  };
}

std::uint32_t type_preference_of(const parley_candidate& c) {
  return c.priority >> 24;
}

class NatConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  NatPlugin nat{GetParam()};

  // Strategies this suite can serve: those needing only a STUN Binding server.
  [[nodiscard]] bool asks_stun_servers() const {
    return nat.needs_servers() && nat.produces(PARLEY_CANDIDATE_SERVER_REFLEXIVE) &&
           !nat.produces(PARLEY_CANDIDATE_RELAYED);
  }

  // A gather request for a media socket, with a working STUN server when the
  // strategy needs one.
  GatherRequest request_for(const UdpSocket& media,
                            const std::vector<const LoopbackStunServer*>& servers) const {
    GatherRequest request;
    request.local = media.address();
    request.timeout = 3s;
    if (nat.needs_servers()) {
      for (const auto* server : servers) request.servers.push_back(server->address());
      request.exchange = socket_exchange(media);
    }
    return request;
  }

  void expect_well_formed(const std::vector<parley_candidate>& candidates,
                          const parley_address& local) const {
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const auto& c = candidates[i];
      SCOPED_TRACE("candidate " + std::to_string(i) + " " + sdk::to_string(c.address));
      EXPECT_TRUE(nat.produces(static_cast<parley_candidate_type>(c.type))) << "type " << c.type;
      EXPECT_TRUE(c.protocol == 17 || c.protocol == 6);
      EXPECT_TRUE(sdk::is_valid_family(c.address));
      EXPECT_NE(c.address.port, 0);
      EXPECT_FALSE(sdk::is_wildcard(c.address));
      EXPECT_FALSE(sdk::is_ipv6_link_local(c.address));
      EXPECT_EQ(c.priority & 0xFF, 255u) << "component 1: 256 - 1 in the low byte";
      EXPECT_LE(type_preference_of(c), 126u);
      if (i > 0) {
        EXPECT_GT(candidates[i - 1].priority, c.priority) << "priority order";
      }
      if (c.type == PARLEY_CANDIDATE_HOST || c.type == PARLEY_CANDIDATE_SERVER_REFLEXIVE) {
        // RFC 8445 section 5.1.1: the base is the host address sent from.
        EXPECT_EQ(c.base.port, local.port);
        EXPECT_FALSE(sdk::is_wildcard(c.base)) << "base must be a real address";
        EXPECT_TRUE(is_local_address(c.base)) << "base " << sdk::to_string(c.base);
      }
      if (c.type == PARLEY_CANDIDATE_HOST) {
        EXPECT_TRUE(sdk::same_address(c.address, c.base)) << "a host candidate is its own base";
      }
      for (std::size_t j = 0; j < i; ++j) {
        EXPECT_FALSE(sdk::same_address(candidates[j].address, c.address) &&
                     candidates[j].type == c.type)
            << "duplicate candidate";
        if (candidates[j].type == c.type) {
          EXPECT_EQ(type_preference_of(candidates[j]), type_preference_of(c))
              << "RFC 8445: one type preference per type";
        }
      }
    }
  }
};

TEST_P(NatConformance, DescribesItself) {
  const auto& info = nat.info();
  EXPECT_GE(info.struct_size, sizeof(parley_nat_info));
  EXPECT_NE(info.produces, 0u);
  const std::uint32_t known =
      (1u << PARLEY_CANDIDATE_HOST) | (1u << PARLEY_CANDIDATE_SERVER_REFLEXIVE) |
      (1u << PARLEY_CANDIDATE_PEER_REFLEXIVE) | (1u << PARLEY_CANDIDATE_RELAYED);
  EXPECT_EQ(info.produces & ~known, 0u);
}

TEST_P(NatConformance, GathersWellFormedCandidatesOnLoopback) {
  if (nat.needs_servers() && !asks_stun_servers()) GTEST_SKIP() << "needs a relay server";
  std::vector<parley_address> loopbacks{sdk::ipv4_loopback()};
  if (ipv6_loopback_available()) loopbacks.push_back(sdk::ipv6_loopback());
  for (const auto& loopback : loopbacks) {
    SCOPED_TRACE(sdk::to_string(loopback));
    const UdpSocket media(loopback);
    const LoopbackStunServer server(loopback, LoopbackStunServer::Behaviour::answer);
    const auto start = Clock::now();
    const auto result = nat.gather(request_for(media, {&server}));
    std::cout << "[ figure ] " << nat.name() << " gather on " << sdk::to_string(media.address())
              << ": " << elapsed_ms(start) << " ms, " << result.candidates.size()
              << " candidates\n";
    EXPECT_FALSE(result.truncated);
    ASSERT_FALSE(result.candidates.empty()) << "nothing gathered on loopback";
    expect_well_formed(result.candidates, media.address());
    for (const auto& c : result.candidates) {
      // On loopback there is no NAT: every address is the socket's own.
      EXPECT_TRUE(sdk::same_address(c.address, media.address())) << sdk::to_string(c.address);
    }
  }
}

TEST_P(NatConformance, WildcardBindGivesOnlyUsableAddresses) {
  if (nat.needs_servers() && !asks_stun_servers()) GTEST_SKIP() << "needs a relay server";
  std::vector<parley_address> wildcards{sdk::ipv4_any()};
  if (ipv6_loopback_available()) wildcards.push_back(sdk::ipv6_any());
  for (const auto& wildcard : wildcards) {
    SCOPED_TRACE(sdk::to_string(wildcard));
    const UdpSocket media(wildcard);
    const LoopbackStunServer server(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::answer);
    const auto result = nat.gather(request_for(media, {&server}));
    expect_well_formed(result.candidates, media.address());
    for (const auto& c : result.candidates) {
      EXPECT_TRUE(sdk::is_valid_family(c.address));
      if (c.type == PARLEY_CANDIDATE_HOST) {
        EXPECT_FALSE(sdk::is_loopback(c.address)) << "loopback only when bound to it";
        EXPECT_TRUE(is_local_address(c.address)) << sdk::to_string(c.address);
        if (wildcard.family == 4) {
          EXPECT_EQ(c.address.family, 4) << "an IPv4 socket";
        }
      }
    }
  }
}

TEST_P(NatConformance, RespectsTheCallersCapacity) {
  if (nat.needs_servers() && !asks_stun_servers()) GTEST_SKIP() << "needs a relay server";
  // The most candidates this machine offers: a dual-stack wildcard, or for a
  // STUN strategy two servers reporting different mappings.
  const UdpSocket media(ipv6_loopback_available() ? sdk::ipv6_any() : sdk::ipv4_any());
  const LoopbackStunServer first(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::answer,
                                 sdk::make_ipv4_address({203, 0, 113, 7}, 40000));
  const LoopbackStunServer second(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::answer,
                                  sdk::make_ipv4_address({198, 51, 100, 9}, 50000));
  const auto request = request_for(media, {&first, &second});
  const auto full = nat.gather(request).candidates;

  const auto* api = static_cast<const parley_nat_api*>(GetParam().interface->api);
  parley_nat_environment environment{};
  environment.struct_size = sizeof environment;
  environment.local = request.local;
  environment.servers = request.servers.data();
  environment.server_count = static_cast<std::uint32_t>(request.servers.size());
  environment.timeout_ms = 3000;
  struct Context {
    const plugin::NatExchange& exchange;
  } context{request.exchange};
  if (request.exchange) {
    environment.host_context = &context;
    environment.exchange = [](void* host, const parley_address* server, const std::uint8_t* data,
                              std::size_t size, std::uint8_t* reply, std::size_t capacity,
                              std::size_t* reply_size, std::uint32_t timeout_ms) {
      return static_cast<Context*>(host)->exchange(*server, {data, size}, {reply, capacity},
                                                   *reply_size,
                                                   std::chrono::milliseconds(timeout_ms));
    };
  }
  std::size_t count = 99;
  EXPECT_EQ(api->gather(&environment, nullptr, 0, &count),
            full.empty() ? PARLEY_OK : PARLEY_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(count, 0u);

  std::array<parley_candidate, 3> out{};
  std::memset(out.data(), 0xAB, sizeof out);
  const auto status = api->gather(&environment, out.data(), 1, &count);
  EXPECT_LE(count, 1u);
  EXPECT_EQ(status, full.size() > 1 ? PARLEY_ERR_BUFFER_TOO_SMALL : PARLEY_OK);
  if (!full.empty()) {
    ASSERT_EQ(count, 1u);
    EXPECT_EQ(out[0].priority, full[0].priority) << "the best candidate goes first";
  }
  const auto* canary = reinterpret_cast<const std::uint8_t*>(&out[1]);
  EXPECT_TRUE(std::all_of(canary, canary + 2 * sizeof(parley_candidate), [](std::uint8_t b) {
    return b == 0xAB;
  })) << "wrote past the capacity";
  std::cout << "[ figure ] " << nat.name() << ": " << full.size() << " candidates on "
            << sdk::to_string(media.address()) << "\n";
}

TEST_P(NatConformance, RefusesMalformedEnvironments) {
  const auto* api = static_cast<const parley_nat_api*>(GetParam().interface->api);
  const UdpSocket media(sdk::ipv4_loopback());
  parley_nat_environment environment{};
  environment.struct_size = sizeof environment;
  environment.local = media.address();
  std::array<parley_candidate, 4> out{};
  std::size_t count = 0;
  EXPECT_EQ(api->gather(nullptr, out.data(), out.size(), &count), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api->gather(&environment, out.data(), out.size(), nullptr),
            PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api->gather(&environment, nullptr, 4, &count), PARLEY_ERR_INVALID_ARGUMENT);
  auto small = environment;
  small.struct_size = 4;
  EXPECT_EQ(api->gather(&small, out.data(), out.size(), &count), PARLEY_ERR_INVALID_ARGUMENT);
  auto no_servers = environment;
  no_servers.server_count = 3;
  EXPECT_EQ(api->gather(&no_servers, out.data(), out.size(), &count), PARLEY_ERR_INVALID_ARGUMENT);
  auto unset = environment;
  unset.local = parley_address{};
  EXPECT_EQ(api->gather(&unset, out.data(), out.size(), &count), PARLEY_ERR_INVALID_ARGUMENT);
}

// Strategies that ask STUN servers.

class StunServerConformance : public NatConformance {
 protected:
  void SetUp() override {
    if (!asks_stun_servers()) GTEST_SKIP() << "does not ask STUN servers";
  }
};

TEST_P(StunServerConformance, ReportsTheAddressTheServerSaw) {
  std::vector<parley_address> loopbacks{sdk::ipv4_loopback()};
  if (ipv6_loopback_available()) loopbacks.push_back(sdk::ipv6_loopback());
  for (const auto& loopback : loopbacks) {
    SCOPED_TRACE(sdk::to_string(loopback));
    const UdpSocket media(loopback);
    // A server behind a NAT would see another address; this one says so.
    const auto mapped =
        loopback.family == 4
            ? sdk::make_ipv4_address({203, 0, 113, 7}, 40000)
            : sdk::make_ipv6_address(
                  {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x77}, 40001);
    const LoopbackStunServer server(loopback, LoopbackStunServer::Behaviour::answer, mapped);
    const auto candidates = nat.gather(request_for(media, {&server})).candidates;
    ASSERT_EQ(candidates.size(), 1u);
    EXPECT_EQ(candidates[0].type, PARLEY_CANDIDATE_SERVER_REFLEXIVE);
    EXPECT_TRUE(sdk::same_address(candidates[0].address, mapped))
        << sdk::to_string(candidates[0].address);
    EXPECT_TRUE(sdk::same_address(candidates[0].base, media.address()))
        << sdk::to_string(candidates[0].base);
    EXPECT_GE(server.requests(), 1);
    EXPECT_EQ(server.malformed_requests(), 0) << "requests must be well-formed Binding requests";
    for (const auto& source : server.sources()) {
      EXPECT_TRUE(sdk::same_address(source, media.address()))
          << "requests must leave from the media socket, not " << sdk::to_string(source);
    }
  }
}

TEST_P(StunServerConformance, OneCandidatePerDistinctMapping) {
  const UdpSocket media(sdk::ipv4_loopback());
  const auto mapped_a = sdk::make_ipv4_address({203, 0, 113, 7}, 40000);
  const auto mapped_b = sdk::make_ipv4_address({203, 0, 113, 8}, 40002);
  using B = LoopbackStunServer::Behaviour;
  const LoopbackStunServer a(sdk::ipv4_loopback(), B::answer, mapped_a);
  const LoopbackStunServer same_as_a(sdk::ipv4_loopback(), B::answer, mapped_a);
  const LoopbackStunServer b(sdk::ipv4_loopback(), B::answer, mapped_b);
  const auto candidates = nat.gather(request_for(media, {&a, &same_as_a, &b})).candidates;
  ASSERT_EQ(candidates.size(), 2u) << "same mapping twice is one candidate";
  expect_well_formed(candidates, media.address());
  EXPECT_TRUE(sdk::same_address(candidates[0].address, mapped_a)) << "first server preferred";
  EXPECT_TRUE(sdk::same_address(candidates[1].address, mapped_b));
}

TEST_P(StunServerConformance, TimesOutCleanlyWhenTheServerIsSilent) {
  const UdpSocket media(sdk::ipv4_loopback());
  const LoopbackStunServer silent(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::silent);
  auto request = request_for(media, {&silent});
  request.timeout = 1200ms;
  const auto start = Clock::now();
  try {
    (void)nat.gather(request);
    ADD_FAILURE() << "gather succeeded with a silent server";
  } catch (const PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_TIMEOUT);
  }
  const auto took_ms = elapsed_ms(start);
  std::cout << "[ figure ] " << nat.name() << " silent server, 1200 ms budget: gave up after "
            << took_ms << " ms, " << silent.requests() << " requests sent\n";
  EXPECT_LE(took_ms, 1200.0 + 1000.0) << "overran its budget";  // + a loaded machine's slack
  EXPECT_GE(took_ms, 1000.0) << "gave up long before its budget";
  EXPECT_GE(silent.requests(), 2) << "RFC 8489 section 6.2.1: retransmit within the budget";
}

TEST_P(StunServerConformance, TimesOutCleanlyWhenNothingListens) {
  const UdpSocket media(sdk::ipv4_loopback());
  parley_address closed{};
  {
    const UdpSocket gone(sdk::ipv4_loopback());
    closed = gone.address();
  }  // the port is closed: loopback answers with ICMP port unreachable
  GatherRequest request;
  request.local = media.address();
  request.servers = {closed};
  request.exchange = socket_exchange(media);
  request.timeout = 800ms;
  const auto start = Clock::now();
  try {
    (void)nat.gather(request);
    ADD_FAILURE() << "gather succeeded with no server";
  } catch (const PluginCallError& error) {
    EXPECT_TRUE(error.status() == PARLEY_ERR_TIMEOUT || error.status() == PARLEY_ERR_IO)
        << error.what();
  }
  EXPECT_LE(elapsed_ms(start), 800.0 + 300.0) << "overran its budget";
}

TEST_P(StunServerConformance, AnErrorResponseEndsTheTransaction) {
  const UdpSocket media(sdk::ipv4_loopback());
  const LoopbackStunServer failing(sdk::ipv4_loopback(),
                                   LoopbackStunServer::Behaviour::server_error);
  const auto start = Clock::now();
  try {
    (void)nat.gather(request_for(media, {&failing}));
    ADD_FAILURE() << "gather succeeded on an error response";
  } catch (const PluginCallError& error) {
    EXPECT_NE(error.status(), PARLEY_ERR_TIMEOUT) << "an answer is not a timeout";
  }
  EXPECT_LT(elapsed_ms(start), 1000.0) << "must not retransmit after an error response";
  EXPECT_EQ(failing.requests(), 1);
}

TEST_P(StunServerConformance, IgnoresStrayDatagramsWhileWaiting) {
  const UdpSocket media(sdk::ipv4_loopback());
  const LoopbackStunServer noisy(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::noise_first);
  const auto start = Clock::now();
  const auto candidates = nat.gather(request_for(media, {&noisy})).candidates;
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_TRUE(sdk::same_address(candidates[0].address, media.address()));
  EXPECT_LT(elapsed_ms(start), 1000.0);
}

TEST_P(StunServerConformance, ASilentServerDoesNotStarveAWorkingOne) {
  const UdpSocket media(sdk::ipv4_loopback());
  const LoopbackStunServer silent(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::silent);
  const LoopbackStunServer working(sdk::ipv4_loopback(), LoopbackStunServer::Behaviour::answer);
  auto request = request_for(media, {&silent, &working});
  request.timeout = 2000ms;
  const auto start = Clock::now();
  const auto candidates = nat.gather(request).candidates;
  EXPECT_LE(elapsed_ms(start), 2000.0 + 300.0);
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_TRUE(sdk::same_address(candidates[0].address, media.address()));
}

TEST_P(StunServerConformance, NeedsAtLeastOneServer) {
  const UdpSocket media(sdk::ipv4_loopback());
  auto request = request_for(media, {});
  EXPECT_THROW((void)nat.gather(request), PluginCallError);
}

INSTANTIATE_TEST_SUITE_P(Plugin, NatConformance, testing::ValuesIn(offers_of(PARLEY_KIND_NAT)),
                         test_name);
INSTANTIATE_TEST_SUITE_P(Plugin, StunServerConformance,
                         testing::ValuesIn(offers_of(PARLEY_KIND_NAT)), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(NatConformance);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StunServerConformance);

}  // namespace
}  // namespace parley::conformance
