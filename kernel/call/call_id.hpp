// Call ids: 16 random bytes as 32 lowercase hex digits, chosen by the caller.
// Random rather than counted, so an id says nothing about who calls how often
// and a stray message from an old call never matches a new one.
#pragma once

#include <string>
#include <string_view>

namespace parley::call {

inline constexpr std::size_t kCallIdChars = 32;

std::string new_call_id();
bool is_call_id(std::string_view text);

}  // namespace parley::call
