// The STUN client transaction, driven by a scripted exchange: retransmission
// schedule, which replies end it, and how answers become candidates.
#include <gtest/gtest.h>

#include <functional>

#include "parley/sdk/address.hpp"
#include "server_reflexive.hpp"
#include "stun_message.hpp"

namespace {

using namespace parley::stun;
using parley::sdk::parse_address;
using parley::sdk::same_address;
using Bytes = std::vector<std::uint8_t>;

parley_address address(std::string_view text) {
  return *parse_address(text);
}

// Plays the kernel: each exchange call goes to step(), which sees the request
// and may write a reply.
class ScriptedHost {
 public:
  struct Call {
    parley_address server;
    Bytes request;
    std::uint32_t timeout_ms;
  };
  using Step =
      std::function<parley_status(const Call&, std::span<std::uint8_t> reply, std::size_t& size)>;

  ScriptedHost(const parley_address& local, std::vector<parley_address> servers, Step step)
      : servers_(std::move(servers)), step_(std::move(step)) {
    c_.struct_size = sizeof c_;
    c_.local = local;
    c_.servers = servers_.data();
    c_.server_count = static_cast<std::uint32_t>(servers_.size());
    c_.exchange = &exchange;
    c_.host_context = this;
    c_.timeout_ms = 39500;
  }

  [[nodiscard]] parley::sdk::NatEnvironment environment() const { return {c_, 3000}; }
  [[nodiscard]] const std::vector<Call>& calls() const { return calls_; }
  void without_exchange() { c_.exchange = nullptr; }

 private:
  static parley_status exchange(void* context, const parley_address* server,
                                const std::uint8_t* request, std::size_t request_size,
                                std::uint8_t* reply, std::size_t capacity, std::size_t* reply_size,
                                std::uint32_t timeout_ms) {
    auto& self = *static_cast<ScriptedHost*>(context);
    self.calls_.push_back({*server, Bytes(request, request + request_size), timeout_ms});
    return self.step_(self.calls_.back(), {reply, capacity}, *reply_size);
  }

  std::vector<parley_address> servers_;
  Step step_;
  parley_nat_environment c_{};
  std::vector<Call> calls_;
};

TransactionId transaction_of(const Bytes& request) {
  TransactionId id{};
  std::copy_n(request.begin() + 8, id.size(), id.begin());
  return id;
}

parley_status reply_with(const Bytes& answer, std::span<std::uint8_t> reply, std::size_t& size) {
  std::copy(answer.begin(), answer.end(), reply.begin());
  size = answer.size();
  return PARLEY_OK;
}

// Answers every request with mapped, as a STUN server behind no NAT would.
ScriptedHost::Step answering(const parley_address& mapped) {
  return
      [mapped](const ScriptedHost::Call& call, std::span<std::uint8_t> reply, std::size_t& size) {
        return reply_with(build_binding_success(transaction_of(call.request), mapped), reply, size);
      };
}

parley_status silence(const ScriptedHost::Call&, std::span<std::uint8_t>, std::size_t&) {
  return PARLEY_ERR_TIMEOUT;
}

TEST(StunTransaction, RetransmitsOnTheRfc8489Schedule) {
  const ScriptedHost host(address("127.0.0.1:5000"), {address("127.0.0.1:3478")}, silence);
  const auto outcome =
      run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 39500);
  EXPECT_EQ(outcome.status, PARLEY_ERR_TIMEOUT);
  EXPECT_EQ(outcome.requests_sent, 7u) << "Rc = 7";
  // RTO 500 ms doubling, then Rm = 16 RTOs after the last: the RFC's example.
  std::vector<std::uint32_t> waits;
  for (const auto& call : host.calls()) waits.push_back(call.timeout_ms);
  EXPECT_EQ(waits, (std::vector<std::uint32_t>{500, 1000, 2000, 4000, 8000, 16000, 8000}));
  for (const auto& call : host.calls()) {
    EXPECT_EQ(call.request, host.calls().front().request) << "a retransmission is the same request";
    EXPECT_TRUE(parse(call.request).ok());
  }
}

TEST(StunTransaction, EachTransactionHasItsOwnId) {
  const ScriptedHost host(address("127.0.0.1:5000"), {}, answering(address("192.0.2.1:1")));
  (void)run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 1000);
  (void)run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 1000);
  ASSERT_EQ(host.calls().size(), 2u);
  EXPECT_NE(transaction_of(host.calls()[0].request), transaction_of(host.calls()[1].request));
}

TEST(StunTransaction, TheAnswerEndsIt) {
  const ScriptedHost host(address("127.0.0.1:5000"), {}, answering(address("203.0.113.4:6000")));
  const auto outcome = run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 1000);
  ASSERT_EQ(outcome.status, PARLEY_OK) << outcome.detail;
  EXPECT_TRUE(same_address(outcome.mapped, address("203.0.113.4:6000")));
  EXPECT_EQ(outcome.requests_sent, 1u);
}

TEST(StunTransaction, StrayRepliesDoNotEndIt) {
  int call_number = 0;
  const ScriptedHost host(
      address("127.0.0.1:5000"), {},
      [&](const ScriptedHost::Call& call, std::span<std::uint8_t> reply,
          std::size_t& size) -> parley_status {
        auto other = transaction_of(call.request);
        other[0] ^= 1;
        switch (call_number++) {
          case 0: return reply_with(Bytes(40, 0x80), reply, size);  // RTP, say
          case 1:
            return reply_with(build_binding_success(other, address("6.6.6.6:6")), reply, size);
          case 2: return PARLEY_ERR_BUFFER_TOO_SMALL;
          default:
            return reply_with(
                build_binding_success(transaction_of(call.request), address("203.0.113.4:6000")),
                reply, size);
        }
      });
  const auto outcome = run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 1000);
  ASSERT_EQ(outcome.status, PARLEY_OK) << outcome.detail;
  EXPECT_TRUE(same_address(outcome.mapped, address("203.0.113.4:6000")));
}

TEST(StunTransaction, ErrorResponsesBecomeStatuses) {
  const std::vector<std::pair<std::uint16_t, parley_status>> cases{
      {401, PARLEY_ERR_AUTHENTICATION},
      {438, PARLEY_ERR_AUTHENTICATION},
      {420, PARLEY_ERR_UNSUPPORTED},
      {400, PARLEY_ERR_INVALID_ARGUMENT},
      {500, PARLEY_ERR_IO},
      {300, PARLEY_ERR_IO}};
  for (const auto& [code, status] : cases) {
    const ScriptedHost host(address("127.0.0.1:5000"), {},
                            [code = code](const ScriptedHost::Call& call,
                                          std::span<std::uint8_t> reply, std::size_t& size) {
                              MessageBuilder error(kMethodBinding, MessageClass::error_response,
                                                   transaction_of(call.request));
                              error.add_error_code(code, "scripted");
                              return reply_with(error.finish(true), reply, size);
                            });
    const auto outcome =
        run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 1000);
    EXPECT_EQ(outcome.status, status) << code;
    EXPECT_EQ(outcome.requests_sent, 1u) << "no retransmission after an answer";
  }
}

TEST(StunTransaction, AFailedExchangeEndsIt) {
  const ScriptedHost host(
      address("127.0.0.1:5000"), {},
      [](const auto&, auto, std::size_t&) -> parley_status { return PARLEY_ERR_IO; });
  const auto outcome = run_binding_transaction(host.environment(), address("127.0.0.1:3478"), 1000);
  EXPECT_EQ(outcome.status, PARLEY_ERR_IO);
  EXPECT_EQ(outcome.requests_sent, 1u);
}

TEST(StunGather, OneServerReflexiveCandidatePerDistinctMapping) {
  const auto a = address("127.0.0.1:3478");
  const auto b = address("127.0.0.2:3478");
  const auto c = address("127.0.0.3:3478");
  const ScriptedHost host(
      address("127.0.0.1:5000"), {a, b, c},
      [&](const ScriptedHost::Call& call, std::span<std::uint8_t> reply,
          std::size_t& size) -> parley_status {
        const auto mapped = same_address(call.server, c) ? address("203.0.113.9:7000")
                                                         : address("203.0.113.4:6000");
        return reply_with(build_binding_success(transaction_of(call.request), mapped), reply, size);
      });
  const auto candidates = gather_server_reflexive(host.environment());
  ASSERT_EQ(candidates.size(), 2u);
  EXPECT_TRUE(same_address(candidates[0].address, address("203.0.113.4:6000")));
  EXPECT_TRUE(same_address(candidates[1].address, address("203.0.113.9:7000")));
  for (const auto& candidate : candidates) {
    EXPECT_EQ(candidate.type, PARLEY_CANDIDATE_SERVER_REFLEXIVE);
    EXPECT_EQ(candidate.priority >> 24, 100u) << "RFC 8445 server-reflexive type preference";
    EXPECT_EQ(candidate.priority & 0xFF, 255u);
    EXPECT_EQ(candidate.protocol, 17);
    EXPECT_TRUE(same_address(candidate.base, address("127.0.0.1:5000")));
  }
  EXPECT_GT(candidates[0].priority, candidates[1].priority) << "first server preferred";
}

TEST(StunGather, AWildcardBaseBecomesTheAddressTowardTheServer) {
  const ScriptedHost host(address("0.0.0.0:5000"), {address("127.0.0.1:3478")},
                          answering(address("203.0.113.4:6000")));
  const auto candidates = gather_server_reflexive(host.environment());
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_TRUE(same_address(candidates[0].base, address("127.0.0.1:5000")))
      << parley::sdk::to_string(candidates[0].base);
}

TEST(StunGather, ReportsTheMostTellingFailure) {
  const auto silent = address("127.0.0.1:3478");
  const ScriptedHost host(address("127.0.0.1:5000"), {silent, address("127.0.0.2:3478")},
                          [&](const ScriptedHost::Call& call, std::span<std::uint8_t> reply,
                              std::size_t& size) -> parley_status {
                            if (same_address(call.server, silent)) return PARLEY_ERR_TIMEOUT;
                            MessageBuilder error(kMethodBinding, MessageClass::error_response,
                                                 transaction_of(call.request));
                            error.add_error_code(401, "Unauthorized");
                            return reply_with(error.finish(true), reply, size);
                          });
  try {
    (void)gather_server_reflexive(host.environment());
    ADD_FAILURE() << "no candidate, yet no failure";
  } catch (const parley::sdk::Error& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_AUTHENTICATION) << error.what();
  }
}

TEST(StunGather, NeedsServersAndTheExchange) {
  const ScriptedHost no_servers(address("127.0.0.1:5000"), {}, silence);
  EXPECT_THROW((void)gather_server_reflexive(no_servers.environment()), parley::sdk::Error);
  ScriptedHost no_exchange(address("127.0.0.1:5000"), {address("127.0.0.1:3478")}, silence);
  no_exchange.without_exchange();
  EXPECT_THROW((void)gather_server_reflexive(no_exchange.environment()), parley::sdk::Error);
}

}  // namespace
