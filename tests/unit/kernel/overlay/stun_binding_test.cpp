#include "overlay/stun_binding.hpp"

#include <gtest/gtest.h>

namespace parley::overlay {
namespace {

using udp = boost::asio::ip::udp;

TEST(OverlayStunBinding, AnswersWithTheSourceAsXorMappedAddress) {
  const StunTransactionId id{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  const udp::endpoint source(boost::asio::ip::make_address("203.0.113.9"), 54321);
  const auto answer = answer_binding(make_binding_request(id), source);
  ASSERT_TRUE(answer);
  EXPECT_EQ(read_binding_success(*answer, id), source);
  StunTransactionId other = id;
  other[0] = 99;
  EXPECT_FALSE(read_binding_success(*answer, other));  // not the answer to this request
}

TEST(OverlayStunBinding, AnswersIpv6) {
  const StunTransactionId id{};
  const udp::endpoint source(boost::asio::ip::make_address("2001:db8::5"), 3478);
  const auto answer = answer_binding(make_binding_request(id), source);
  ASSERT_TRUE(answer);
  EXPECT_EQ(read_binding_success(*answer, id), source);
}

TEST(OverlayStunBinding, IgnoresWhatIsNotABindingRequest) {
  const udp::endpoint source(boost::asio::ip::make_address("127.0.0.1"), 1);
  EXPECT_FALSE(answer_binding(std::vector<std::uint8_t>(19, 0), source));
  auto request = make_binding_request({});
  request[2] = 0;
  request[3] = 8;  // announces attributes that are not there
  EXPECT_FALSE(answer_binding(request, source));
  request = make_binding_request({});
  request[1] = 0x11;  // a Binding indication
  EXPECT_FALSE(answer_binding(request, source));
}

TEST(OverlayStunBinding, AnswersClassicRfc3489RequestsWithMappedAddress) {
  auto request = make_binding_request({});
  request[4] = request[5] = request[6] = request[7] = 0x55;  // no magic cookie
  const udp::endpoint source(boost::asio::ip::make_address("127.0.0.1"), 4000);
  const auto answer = answer_binding(request, source);
  ASSERT_TRUE(answer);
  ASSERT_EQ(answer->size(), 32U);
  EXPECT_EQ((*answer)[20], 0x00);
  EXPECT_EQ((*answer)[21], 0x01);  // MAPPED-ADDRESS
  EXPECT_EQ((*answer)[26], 4000 >> 8);
  EXPECT_EQ((*answer)[27], 4000 & 0xff);
  EXPECT_EQ((*answer)[28], 127);
}

}  // namespace
}  // namespace parley::overlay
