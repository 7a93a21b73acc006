// The prefix index that gives a Kademlia DHT (exact keys only) a user search
// by the start of a user id.
//
// Publishing key K also stores its record under the index topic of K's first
// n characters, for each n in kIndexedPrefixChars that K is long enough for
// (ASCII-case-folded). A search for prefix P reads the one topic of the longest
// indexed length n <= length(P) and keeps the keys that really start with P:
// "ali" and "alic" read the 3-character topic, "alicia" and longer the
// 6-character one.
//
// Cost, measured in tests/bench/directory_bench.cpp: a publish writes up to
// 3 DHT values instead of 1 (each stored on the 8 nodes closest to its topic),
// and the publishing node keeps an OpenDHT search per topic for about an hour.
// An index topic holds every user sharing its prefix, so a 3-character topic
// is the largest (about users / 36^3 for uniform ids, far more for common name
// starts) and a search reads it whole. Two levels rather than one per length
// (3..8) keep the write cost at a third while a 6-character topic is already
// small. Prefixes shorter than 3 characters are refused: a 1- or 2-character
// topic would hold a large share of all users on the few nodes closest to it.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::opendht_directory {

inline constexpr std::array<std::size_t, 2> kIndexedPrefixChars{3, 6};
inline constexpr std::size_t kMinPrefixChars = kIndexedPrefixChars.front();

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
