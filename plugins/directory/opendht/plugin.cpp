// directory-opendht: the user directory on an OpenDHT (Kademlia) network.
#include "dht_node.hpp"
#include "parley/sdk/directory.hpp"
#include "record_envelope.hpp"

namespace {

struct OpenDht {
  static parley::sdk::DirectoryInfo info() {
    return {PARLEY_DIRECTORY_CAP_LISTEN | PARLEY_DIRECTORY_CAP_PREFIX,
            static_cast<std::uint32_t>(parley::opendht_directory::kMaxRecordBytes)};
  }
  using Node = parley::opendht_directory::DhtNode;
};

// GPL because the plugin links libopendht (GPL-3.0-or-later in Debian 12).
constexpr parley::sdk::PluginInfo kInfo{
    .id = "org.parley.directory.opendht",
    .display_name = "OpenDHT directory",
    .version = "1.0.0",
    .license = "GPL-3.0-or-later",
    .description =
        "User directory on an OpenDHT Kademlia network: records by user id, "
        "prefix search, change notification",
};

}  // namespace

PARLEY_PLUGIN(kInfo, parley::sdk::directory<OpenDht>("opendht", 50))
