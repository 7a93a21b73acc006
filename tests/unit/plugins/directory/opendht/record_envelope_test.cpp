#include "record_envelope.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::opendht_directory {
namespace {

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

TEST(opendht_record_envelope, RoundTrips) {
  const auto record = bytes("signed presence");
  const auto blob = encode_envelope({1000, 61000, "alice", record});
  EXPECT_EQ(blob.size(), kEnvelopeHeaderBytes + 5 + record.size());
  const auto envelope = decode_envelope(blob);
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->published_unix_ms, 1000u);
  EXPECT_EQ(envelope->expires_unix_ms, 61000u);
  EXPECT_EQ(envelope->key, "alice");
  EXPECT_EQ(std::vector<std::uint8_t>(envelope->record.begin(), envelope->record.end()), record);
}

TEST(opendht_record_envelope, KeepsBinaryRecordsAndLargeTimes) {
  std::vector<std::uint8_t> record(kMaxRecordBytes);
  for (std::size_t i = 0; i < record.size(); ++i) record[i] = static_cast<std::uint8_t>(i * 7);
  const std::uint64_t late = 0xfedcba9876543210ull;
  const auto blob = encode_envelope({late - 1, late, "k", record});
  const auto envelope = decode_envelope(blob);  // views into blob
  ASSERT_TRUE(envelope);
  EXPECT_EQ(envelope->published_unix_ms, late - 1);
  EXPECT_EQ(envelope->expires_unix_ms, late);
  EXPECT_TRUE(std::equal(record.begin(), record.end(), envelope->record.begin()));
}

TEST(opendht_record_envelope, RefusesMalformedBlobs) {
  const auto record = bytes("r");
  auto good = encode_envelope({1, 2, "key", record});
  ASSERT_TRUE(decode_envelope(good));

  EXPECT_FALSE(decode_envelope({}));
  for (std::size_t size = 0; size < good.size(); ++size) {  // every truncation
    EXPECT_FALSE(decode_envelope(std::span(good.data(), size))) << size;
  }
  auto other_format = good;
  other_format[0] = 2;
  EXPECT_FALSE(decode_envelope(other_format));
  auto key_past_end = good;
  key_past_end[18] = 200;
  EXPECT_FALSE(decode_envelope(key_past_end));
  auto no_key = encode_envelope({1, 2, "", record});
  EXPECT_FALSE(decode_envelope(no_key));
  EXPECT_FALSE(decode_envelope(encode_envelope({5, 5, "key", record})));  // no lifetime
  EXPECT_FALSE(decode_envelope(encode_envelope({6, 5, "key", record})));
  const std::string long_key(kMaxKeyBytes + 1, 'k');
  EXPECT_FALSE(decode_envelope(encode_envelope({1, 2, long_key, record})));
  const std::vector<std::uint8_t> too_big(kMaxRecordBytes + 1);
  EXPECT_FALSE(decode_envelope(encode_envelope({1, 2, "key", too_big})));
}

TEST(opendht_record_envelope, LaterPublishSupersedes) {
  const auto a = bytes("a");
  const auto b = bytes("b");
  EXPECT_TRUE(supersedes({2, 9, "k", a}, {1, 9, "k", b}));
  EXPECT_FALSE(supersedes({1, 9, "k", b}, {2, 9, "k", a}));
  // Same millisecond: the greater bytes win, whichever order they are compared in.
  EXPECT_TRUE(supersedes({1, 9, "k", b}, {1, 9, "k", a}));
  EXPECT_FALSE(supersedes({1, 9, "k", a}, {1, 9, "k", b}));
  EXPECT_FALSE(supersedes({1, 9, "k", a}, {1, 9, "k", a}));
}

TEST(opendht_record_envelope, NewestPerKeyDropsExpiredAndOlderVersions) {
  const auto old_alice = bytes("alice v1");
  const auto new_alice = bytes("alice v2");
  const auto bob = bytes("bob");
  const auto gone = bytes("carol");
  const std::vector<EnvelopeView> versions{
      {200, 900, "alice", new_alice}, {100, 900, "alice", old_alice}, {150, 900, "bob", bob},
      {100, 499, "carol", gone},      {100, 900, "bob", bob},
  };
  const auto current = newest_per_key(versions, 500);
  ASSERT_EQ(current.size(), 2u);
  EXPECT_EQ(current[0].key, "alice");
  EXPECT_EQ(current[0].published_unix_ms, 200u);
  EXPECT_EQ(current[1].key, "bob");
  EXPECT_EQ(current[1].published_unix_ms, 150u);
  EXPECT_TRUE(newest_per_key(versions, 900).empty());
}

}  // namespace
}  // namespace parley::opendht_directory
