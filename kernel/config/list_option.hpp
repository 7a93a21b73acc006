// Lists in config and on the command line: "opus, speex,pcmu" or repeated keys.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace parley::config {

std::vector<std::string> split_list(std::string_view text);
std::vector<std::string> split_list(const std::vector<std::string>& values);

}  // namespace parley::config
