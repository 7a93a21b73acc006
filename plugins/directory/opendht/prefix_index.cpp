#include "prefix_index.hpp"

#include <algorithm>

namespace parley::opendht_directory {
namespace {

bool is_continuation(char byte) {
  return (static_cast<unsigned char>(byte) & 0xc0u) == 0x80u;
}

char fold(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

}  // namespace

std::size_t count_chars(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation(c); }));
}

std::string_view first_chars(std::string_view text, std::size_t chars) {
  std::size_t seen = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!is_continuation(text[i])) {
      if (seen == chars) return text.substr(0, i);
      ++seen;
    }
  }
  return text;
}

std::string fold_case(std::string_view text) {
  std::string folded(text);
  std::transform(folded.begin(), folded.end(), folded.begin(), fold);
  return folded;
}

std::vector<std::string> index_prefixes(std::string_view key) {
  std::vector<std::string> prefixes;
  const auto length = count_chars(key);
  for (const auto chars : kIndexedPrefixChars) {
    if (chars <= length) prefixes.push_back(fold_case(first_chars(key, chars)));
  }
  return prefixes;
}

std::optional<std::string> index_prefix_for_search(std::string_view prefix) {
  const auto length = count_chars(prefix);
  std::optional<std::string> topic;
  for (const auto chars : kIndexedPrefixChars) {
    if (chars <= length) topic = fold_case(first_chars(prefix, chars));
  }
  return topic;
}

bool matches_prefix(std::string_view key, std::string_view prefix) {
  if (prefix.size() > key.size()) return false;
  return std::equal(prefix.begin(), prefix.end(), key.begin(),
                    [](char a, char b) { return fold(a) == fold(b); });
}

std::string record_topic(std::string_view key) {
  return "parley/directory/record/" + std::string(key);
}

std::string prefix_topic(std::string_view folded_prefix) {
  return "parley/directory/prefix/" + std::string(folded_prefix);
}

std::string index_entry_topic(std::string_view key) {
  return "parley/directory/index-entry/" + std::string(key);
}

}  // namespace parley::opendht_directory
