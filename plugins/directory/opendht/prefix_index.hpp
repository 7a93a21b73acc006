// The prefix index that gives a Kademlia DHT (exact keys only) a user search
// by the start of a user id.
//
// Publishing key K also stores its record under the index topic of each of
// K's first n characters, n = kMinPrefixChars..min(length(K), kMaxPrefixChars),
// ASCII-case-folded. A prefix search reads the one topic for the query's first
// min(length, kMaxPrefixChars) characters and keeps the keys that really start
// with the query.
//
// Cost: a publish writes up to 1 + (kMaxPrefixChars - kMinPrefixChars + 1) = 7
// DHT values instead of 1; an index topic holds every user sharing its prefix,
// so a 3-character topic is the largest (about users / 36^3 for uniform ids,
// far more for common name starts). Prefixes shorter than kMinPrefixChars are
// refused: a 1- or 2-character topic would hold a large share of all users on
// the few nodes closest to its hash.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::opendht_directory {

inline constexpr std::size_t kMinPrefixChars = 3;
inline constexpr std::size_t kMaxPrefixChars = 8;

// Characters are UTF-8 code points; a byte that is not valid UTF-8 counts as one.
std::size_t count_chars(std::string_view text);
std::string_view first_chars(std::string_view text, std::size_t chars);

// ASCII letters to lower case, everything else unchanged.
std::string fold_case(std::string_view text);

// The folded prefixes a key is indexed under, shortest first (none for keys
// shorter than kMinPrefixChars).
std::vector<std::string> index_prefixes(std::string_view key);

// The index prefix a search for `prefix` reads; nullopt when it is too short.
std::optional<std::string> index_prefix_for_search(std::string_view prefix);

// Whether key starts with prefix, ASCII case ignored.
bool matches_prefix(std::string_view key, std::string_view prefix);

// DHT topics (hashed into the 160-bit key space by the node). Distinct
// namespaces, so a user id never collides with an index prefix.
std::string record_topic(std::string_view key);
std::string prefix_topic(std::string_view folded_prefix);
std::string index_entry_topic(std::string_view key);  // seeds the stable index value id

}  // namespace parley::opendht_directory
