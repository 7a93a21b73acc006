// The bootstrap list a client node starts from when its host cache has too
// few super nodes: bootstrap.list beside the config file, one host:port a
// line, # comments. (parley node has its own copy; this one is the one to keep.)
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace parley::overlay {

inline constexpr std::size_t kMaxBootstrapEntries = 1000;

// The valid host:port lines, at most kMaxBootstrapEntries; a missing file is
// an empty list.
std::vector<std::string> read_bootstrap_list(const std::filesystem::path& file);

}  // namespace parley::overlay
