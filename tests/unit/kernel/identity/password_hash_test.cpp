#include "identity/password_hash.hpp"

#include <gtest/gtest.h>

namespace parley::login {
namespace {

// Small parameters keep the test fast; the product's are the defaults.
constexpr Argon2Parameters kFast{1024, 1, 1};

TEST(PasswordHash, DefaultsAreOwaspMinimums) {
  const Argon2Parameters defaults;
  EXPECT_EQ(defaults.memory_kib, 19456U);
  EXPECT_EQ(defaults.iterations, 2U);
  EXPECT_EQ(defaults.parallelism, 1U);
}

TEST(PasswordHash, VerifiesTheRightPasswordOnly) {
  const auto stored = hash_password("correct horse", kFast);
  EXPECT_TRUE(verify_password("correct horse", stored));
  EXPECT_FALSE(verify_password("correct horsf", stored));
  EXPECT_FALSE(verify_password("", stored));
  EXPECT_EQ(stored.parameters, kFast);
}

TEST(PasswordHash, SaltsDifferSoHashesDiffer) {
  const auto a = hash_password("same", kFast);
  const auto b = hash_password("same", kFast);
  EXPECT_NE(a.salt, b.salt);
  EXPECT_NE(a.hash, b.hash);
}

TEST(PasswordHash, StoredParametersAreUsedToVerify) {
  const auto stored = hash_password("pw", Argon2Parameters{2048, 2, 1});
  EXPECT_TRUE(verify_password("pw", stored));
  auto tampered = stored;
  tampered.parameters.iterations = 1;
  EXPECT_FALSE(verify_password("pw", tampered));
}

TEST(PasswordHash, DummyHashMatchesNoPassword) {
  const auto& dummy = dummy_password_hash(kFast);
  EXPECT_FALSE(verify_password("", dummy));
  EXPECT_FALSE(verify_password("password", dummy));
  EXPECT_EQ(&dummy, &dummy_password_hash(kFast));
}

TEST(PasswordHash, UsageIsCounted) {
  const auto before = argon2_usage();
  (void)hash_password("x", kFast);
  const auto after = argon2_usage();
  EXPECT_EQ(after.hashes, before.hashes + 1);
  EXPECT_GT(after.time, before.time);
}

TEST(PasswordHash, ImpossibleParametersThrow) {
  EXPECT_THROW(hash_password("x", Argon2Parameters{1, 1, 1}), std::runtime_error);
}

}  // namespace
}  // namespace parley::login
