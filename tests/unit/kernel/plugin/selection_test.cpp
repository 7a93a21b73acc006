// Choosing among offers: preference list, then score, then name; deny and pin;
// insecure ciphers only when allowed. Offers here are test doubles: selection
// never calls into a plugin except to read a cipher's flags.
#include <gtest/gtest.h>

#include <deque>

#include "parley/abi/cipher.h"
#include "plugin/selection.hpp"

namespace parley::plugin {
namespace {

class SelectionTest : public testing::Test {
 protected:
  void add(const std::string& id, const std::string& name, std::int32_t score,
           parley_kind kind = PARLEY_KIND_CODEC, const void* api = nullptr) {
    auto& record = records_.emplace_back();
    record.id = id;
    record.loaded = true;
    auto& interface = record.interfaces.emplace_back();
    interface.kind = kind;
    interface.name = name;
    interface.score = score;
    interface.api = api;
  }
  std::vector<Offer> offers() const {
    std::vector<Offer> out;
    for (const auto& record : records_) out.push_back({&record, &record.interfaces.front()});
    return out;
  }
  std::vector<std::string> order(parley_kind kind, const std::vector<std::string>& prefer,
                                 const Policy& policy = {}) const {
    std::vector<std::string> names;
    for (const auto& ranked : rank(offers(), kind, prefer, policy)) {
      names.push_back(ranked.offer.interface->name);
    }
    return names;
  }
  std::deque<PluginRecord> records_;  // stable addresses for Offer pointers
};

TEST_F(SelectionTest, ScoreThenNameWhenNoPreference) {
  add("org.x.b", "beta", 5);
  add("org.x.a", "alpha", 5);
  add("org.x.c", "gamma", 9);
  EXPECT_EQ(order(PARLEY_KIND_CODEC, {}), (std::vector<std::string>{"gamma", "alpha", "beta"}));
}

TEST_F(SelectionTest, PreferenceListComesFirstInItsOrder) {
  add("org.x.a", "alpha", 1);
  add("org.x.b", "beta", 2);
  add("org.x.c", "gamma", 3);
  EXPECT_EQ(order(PARLEY_KIND_CODEC, {"alpha", "missing", "beta"}),
            (std::vector<std::string>{"alpha", "beta", "gamma"}));
}

TEST_F(SelectionTest, PreferenceMayNamePluginIds) {
  add("org.x.a", "alpha", 9);
  add("org.x.b", "beta", 1);
  EXPECT_EQ(order(PARLEY_KIND_CODEC, {"org.x.b"}).front(), "beta");
}

TEST_F(SelectionTest, OtherKindsAreIgnored) {
  add("org.x.a", "alpha", 1);
  add("org.x.t", "udp", 1, PARLEY_KIND_TRANSPORT);
  EXPECT_EQ(order(PARLEY_KIND_TRANSPORT, {}), (std::vector<std::string>{"udp"}));
}

TEST_F(SelectionTest, DeniedPluginsAreLeftOutEvenIfPreferred) {
  add("org.x.a", "alpha", 1);
  add("org.x.b", "beta", 2);
  Policy policy;
  policy.deny = {"org.x.b"};
  EXPECT_EQ(order(PARLEY_KIND_CODEC, {"beta", "alpha"}, policy),
            (std::vector<std::string>{"alpha"}));
  policy.deny = {"alpha"};
  EXPECT_EQ(order(PARLEY_KIND_CODEC, {}, policy), (std::vector<std::string>{"beta"}));
}

TEST_F(SelectionTest, PinLeavesOnlyThePinnedInterface) {
  add("org.x.a", "alpha", 1);
  add("org.x.b", "beta", 2);
  Policy policy;
  policy.pin[PARLEY_KIND_CODEC] = "alpha";
  EXPECT_EQ(order(PARLEY_KIND_CODEC, {"beta"}, policy), (std::vector<std::string>{"alpha"}));
}

TEST_F(SelectionTest, InsecureCipherOnlyWhenPolicyAllows) {
  static const parley_cipher_info secure{sizeof(parley_cipher_info), {"S", 1}, 32, 12, 16, 0, 1};
  static const parley_cipher_info insecure{sizeof(parley_cipher_info),  {"N", 1}, 0, 0, 0,
                                           PARLEY_CIPHER_FLAG_INSECURE, 1};
  static parley_cipher_api secure_api{};
  static parley_cipher_api insecure_api{};
  secure_api.info = &secure;
  insecure_api.info = &insecure;
  add("org.x.gcm", "aes-256-gcm", 10, PARLEY_KIND_CIPHER, &secure_api);
  add("org.x.null", "null", 0, PARLEY_KIND_CIPHER, &insecure_api);
  EXPECT_EQ(order(PARLEY_KIND_CIPHER, {"null"}), (std::vector<std::string>{"aes-256-gcm"}));
  Policy policy;
  policy.allow_insecure_cipher = true;
  EXPECT_EQ(order(PARLEY_KIND_CIPHER, {"null"}, policy),
            (std::vector<std::string>{"null", "aes-256-gcm"}));
}

}  // namespace
}  // namespace parley::plugin
