// `parley node`: runs this machine as a super node or a client node of the
// overlay (docs/overlay.md). Logic lives in kernel/overlay/; this file turns
// options and the [node] config section into it and prints one line per event.
#include <ifaddrs.h>
#include <netdb.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <charconv>
#include <fstream>
#include <iostream>
#include <thread>

#include <boost/algorithm/string/trim.hpp>

#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "config/list_option.hpp"
#include "config/paths.hpp"
#include "identity/private_file.hpp"
#include "net/numeric_endpoint.hpp"
#include "net/tls_client.hpp"
#include "overlay/client_node.hpp"
#include "overlay/directory_service.hpp"
#include "overlay/node_config.hpp"
#include "overlay/promotion.hpp"
#include "overlay/super_node.hpp"
#include "plugin/directory_plugin.hpp"
#include "plugin/plugin_host.hpp"

namespace parley::cli {
namespace {

namespace asio = boost::asio;

constexpr const char* kUsage =
    "Usage: parley node --role super --listen ADDRESS:PORT [--stun ADDRESS:PORT]\n"
    "                   [--peer HOST:PORT,...] [--data-dir DIR] [--login-server-key KEY]\n"
    "                   [--directory ADDRESS:PORT] [--directory-bootstrap HOST:PORT,...]\n"
    "                   [--no-directory]\n"
    "       parley node --role client [--bootstrap HOST:PORT,...] [--data-dir DIR]\n"
    "                   [--promote-listen ADDRESS:PORT]\n"
    "A super node serves client nodes over TLS, answers STUN and peers with other super\n"
    "nodes. A client node attaches to the best super node from its host cache (else the\n"
    "bootstrap list) and fails over when it is lost; when the [node] promotion rule says\n"
    "so it also starts a super node in the same process. With a login server key the super\n"
    "node serves users: presence and search through its directory node (UDP), call\n"
    "routing, and a media relay on the --stun port for its own users' calls. Limits and\n"
    "keep-alive times come from the [node] section of parley.conf (docs/overlay.md).\n";

template <typename Endpoint>
std::optional<Endpoint> parse_numeric(const std::string& text) {
  return net::parse_numeric_endpoint<Endpoint>(text);
}

// Lists may be comma-separated or repeated options, as everywhere in Parley.
std::vector<std::string> split_list(const std::vector<std::string>& values) {
  return config::split_list(values);
}

// bootstrap.list beside the config file: one host:port a line, # comments.
std::vector<std::string> read_bootstrap_list(const std::filesystem::path& file) {
  std::vector<std::string> out;
  std::ifstream in(file);
  std::string line;
  while (out.size() < 1000 && std::getline(in, line)) {
    boost::trim(line);
    if (line.empty() || line[0] == '#') continue;
    if (net::parse_host_port(line)) out.push_back(line);
  }
  return out;
}

std::vector<std::string> local_addresses() {
  std::vector<std::string> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (auto* item = list; item != nullptr; item = item->ifa_next) {
    if (item->ifa_addr == nullptr) continue;
    const auto family = item->ifa_addr->sa_family;
    if (family != AF_INET && family != AF_INET6) continue;
    std::array<char, NI_MAXHOST> host{};
    const socklen_t size = family == AF_INET ? sizeof(sockaddr_in) : sizeof(sockaddr_in6);
    if (::getnameinfo(item->ifa_addr, size, host.data(), host.size(), nullptr, 0, NI_NUMERICHOST) ==
        0) {
      out.emplace_back(host.data());
    }
  }
  ::freeifaddrs(list);
  return out;
}

void say(const std::string& who, const std::string& line) {
  std::cout << who << ": " << line << std::endl;
}

// The directory node: on --directory (default: the --listen address and port,
// UDP), bootstrapped from --directory-bootstrap (default: the peers, same port).
struct DirectorySetup {
  std::unique_ptr<plugin::PluginHost> host;
  std::unique_ptr<plugin::DirectoryPlugin> plugin;
  std::unique_ptr<overlay::DirectoryService> service;
};

// Empty service (and a line saying why) when the node runs without one;
// nullopt on a usage error, already reported.
std::optional<DirectorySetup> start_directory(asio::io_context& io, const po::variables_map& values,
                                              const config::Settings& settings,
                                              const overlay::SuperNodeOptions& options,
                                              const std::filesystem::path& data_dir) {
  DirectorySetup setup;
  if (values.count("no-directory") != 0) {
    say("super-node", "no directory (--no-directory): presence and search are off");
    return setup;
  }
  if (!options.login_server_key) {
    say("super-node", "no login server key: anonymous clients only, no directory");
    return setup;
  }
  overlay::DirectoryServiceOptions directory;
  directory.login_server_key = *options.login_server_key;
  if (values.count("directory") != 0) {
    const auto listen =
        parse_numeric<asio::ip::udp::endpoint>(values["directory"].as<std::string>());
    if (!listen) {
      std::cerr << "parley node: --directory must be ADDRESS:PORT with a numeric address\n";
      return std::nullopt;
    }
    directory.node.listen = values["directory"].as<std::string>();
  } else {
    const auto address = options.listen.address().to_string();
    directory.node.listen = (options.listen.address().is_v6() ? "[" + address + "]" : address) +
                            ":" + std::to_string(options.listen.port());
  }
  if (values.count("directory-bootstrap") != 0) {
    directory.node.bootstrap =
        split_list(values["directory-bootstrap"].as<std::vector<std::string>>());
  } else {
    for (const auto& peer : options.peers) directory.node.bootstrap.push_back(peer.to_string());
  }
  directory.node.state_dir = (data_dir / "directory").string();
  std::filesystem::create_directories(data_dir / "directory");
  setup.host = std::make_unique<plugin::PluginHost>(settings);
  const auto offers = setup.host->ranked(PARLEY_KIND_DIRECTORY);
  if (offers.empty()) {
    say("super-node", "no directory plugin loaded: presence and search are off");
    return setup;
  }
  setup.plugin = std::make_unique<plugin::DirectoryPlugin>(offers.front().offer);
  setup.service = std::make_unique<overlay::DirectoryService>(io, *setup.plugin, directory);
  // With port 0 the plugin reports the port it chose (directory/1.1); a 1.0
  // plugin cannot, and such a directory node is not advertised to peers.
  say("super-node", "directory on " + setup.service->listen_address() + " (" +
                        setup.plugin->name() + ")" +
                        (!setup.service->advertisable()
                             ? ", port chosen by a plugin that cannot report it, so not "
                               "advertised: give --directory ADDRESS:PORT"
                             : ""));
  return setup;
}

int run_super(const po::variables_map& values, const overlay::NodeConfig& config,
              const std::filesystem::path& data_dir, const config::Settings& settings) {
  if (values.count("listen") == 0) {
    std::cerr << "parley node: a super node needs --listen ADDRESS:PORT\n\n" << kUsage;
    return kExitUsage;
  }
  overlay::SuperNodeOptions options;
  const auto listen = parse_numeric<net::tcp::endpoint>(values["listen"].as<std::string>());
  if (!listen) {
    std::cerr << "parley node: --listen must be ADDRESS:PORT with a numeric address\n";
    return kExitUsage;
  }
  options.listen = *listen;
  if (values.count("stun") != 0) {
    options.stun = parse_numeric<asio::ip::udp::endpoint>(values["stun"].as<std::string>());
    if (!options.stun) {
      std::cerr << "parley node: --stun must be ADDRESS:PORT with a numeric address\n";
      return kExitUsage;
    }
  }
  if (values.count("peer") != 0) {
    for (const auto& peer : split_list(values["peer"].as<std::vector<std::string>>())) {
      const auto parsed = net::parse_host_port(peer);
      if (!parsed) {
        std::cerr << "parley node: --peer " << peer << " is not HOST:PORT\n";
        return kExitUsage;
      }
      options.peers.push_back(*parsed);
    }
  }
  options.config = config;
  options.login_server_key = config.login_server_key;
  if (values.count("login-server-key") != 0) {
    options.login_server_key =
        identity::PublicKey::from_text(values["login-server-key"].as<std::string>());
    if (!options.login_server_key) {
      std::cerr << "parley node: --login-server-key is not an Ed25519 public key\n";
      return kExitUsage;
    }
  }
  const auto loaded = identity::load_or_create_key_file(data_dir / "node_key.pem");
  asio::io_context io;
  // Declared before the node: the directory outlives it.
  std::optional<DirectorySetup> directory;
  try {
    directory = start_directory(io, values, settings, options, data_dir);
  } catch (const std::exception& error) {
    std::cerr << "parley node: the directory cannot start: " << error.what() << '\n';
    return kExitFailure;
  }
  if (!directory) return kExitUsage;
  options.directory = directory->service.get();
  overlay::SuperNode node(io, loaded.key, options,
                          [](const std::string& line) { say("super-node", line); });
  say("super-node", std::string(loaded.created ? "made a new node key " : "node key ") +
                        loaded.key.public_key().to_text());
  say("super-node",
      "listening on " + node.self_address() + " max_clients=" + std::to_string(config.max_clients) +
          " users=" + (options.login_server_key ? options.login_server_key->to_text() : "none"));
  if (const auto stun = node.stun_endpoint()) {
    const auto where = stun->address().to_string() + ":" + std::to_string(stun->port());
    say("super-node", "stun on " + where);
    say("super-node",
        "relay on " + where + " max_relayed_calls=" + std::to_string(config.max_relayed_calls));
  }
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int /*signal*/) {
    if (error) return;
    node.stop();
    io.stop();
  });
  io.run();
  std::string line = "stopped;";
  for (const auto& [name, value] : node.stats().named()) {
    line += " " + std::string(name) + "=" + std::to_string(value);
  }
  say("super-node", line);
  return kExitOk;
}

constexpr const char* kDefaultPromoteListen = "0.0.0.0:7460";

// A client promoted to super node (issue #5): serves clients on listen (TCP)
// and STUN and relay on the same address and port (UDP), peers with the super
// node the client is attached to so the overlay learns of it, and takes users
// when [node] login_server_key is set (no directory: presence and search stay
// with full super nodes).
std::unique_ptr<overlay::SuperNode> start_promoted(asio::io_context& io,
                                                   const identity::SigningKey& key,
                                                   const net::tcp::endpoint& listen,
                                                   const overlay::NodeConfig& config,
                                                   const std::string& attached_to) {
  overlay::SuperNodeOptions options;
  options.listen = listen;
  options.stun = asio::ip::udp::endpoint(listen.address(), listen.port());
  options.config = config;
  options.login_server_key = config.login_server_key;
  if (auto peer = net::parse_host_port(attached_to)) options.peers.push_back(*peer);
  auto node = std::make_unique<overlay::SuperNode>(
      io, key, options, [](const std::string& line) { say("super-node", line); });
  say("client", "promoted: super node listening on " + node->self_address() + ", key " +
                    key.public_key().to_text());
  if (const auto stun = node->stun_endpoint()) {
    say("super-node",
        "stun on " + stun->address().to_string() + ":" + std::to_string(stun->port()));
  }
  return node;
}

int run_client(const po::variables_map& values, const overlay::NodeConfig& config,
               const std::filesystem::path& data_dir, const config::Settings& settings) {
  overlay::ClientNodeOptions options;
  options.data_dir = data_dir;
  options.config = config;
  options.node_name = values.count("name") != 0 ? values["name"].as<std::string>() : "client";
  if (values.count("bootstrap") != 0) {
    options.bootstrap = split_list(values["bootstrap"].as<std::vector<std::string>>());
  } else {
    const auto dir =
        settings.config_file ? settings.config_file->parent_path() : config::system_config_dir();
    options.bootstrap = read_bootstrap_list(dir / "bootstrap.list");
  }
  auto promote_listen = parse_numeric<net::tcp::endpoint>(
      values.count("promote-listen") != 0 ? values["promote-listen"].as<std::string>()
                                          : std::string(kDefaultPromoteListen));
  if (!promote_listen) {
    std::cerr << "parley node: --promote-listen must be ADDRESS:PORT with a numeric address\n";
    return kExitUsage;
  }
  asio::io_context io;
  // A promoted node lives beside the client, in this process and io_context.
  std::optional<identity::LoadedKey> promoted_key;
  std::unique_ptr<overlay::SuperNode> promoted;
  std::unique_ptr<overlay::ClientNode> client;
  client = std::make_unique<overlay::ClientNode>(
      io, options, [](const std::string& line) { say("client", line); },
      [&](const asio::ip::udp::endpoint& reflexive, const asio::ip::udp::endpoint&) {
        overlay::PromotionInputs inputs;
        inputs.public_address = reflexive.address().to_string();
        inputs.local_addresses = local_addresses();
        inputs.cpu_cores = std::thread::hardware_concurrency();
        inputs.upload_kbps = config.upload_kbps;
        const auto decision = overlay::decide_promotion(config.promotion, inputs);
        say("client", std::string("promotion to super node: ") + (decision.promote ? "yes" : "no") +
                          " (" + decision.reason + ")");
        if (!decision.promote || promoted) return;
        try {
          promoted_key = identity::load_or_create_key_file(data_dir / "node_key.pem");
          promoted =
              start_promoted(io, promoted_key->key, *promote_listen, config, client->super_node());
        } catch (const std::exception& error) {
          say("client", std::string("promotion failed: ") + error.what());
        }
      });
  auto& node = *client;
  node.start();
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int /*signal*/) {
    if (error) return;
    node.stop();
    if (promoted) promoted->stop();
    // Lets the Detach go out before the loop ends.
    io.run_for(std::chrono::milliseconds(200));
    io.stop();
  });
  io.run();
  if (promoted) promoted->stop();
  say("client", "stopped");
  return kExitOk;
}

int run_node(const std::vector<std::string>& args, const config::Settings& settings) {
  po::options_description options("node options");
  options.add_options()("help,h", "show this help")(
      "role", po::value<std::string>()->default_value("client"), "super or client")(
      "listen", po::value<std::string>(), "super node: TLS address for clients and peers")(
      "stun", po::value<std::string>(), "super node: UDP address for STUN")(
      "peer", po::value<std::vector<std::string>>(), "super node: super nodes to peer with")(
      "login-server-key", po::value<std::string>(),
      "super node: the login server key users' certificates must carry (else [node] "
      "login_server_key; none: anonymous clients only)")(
      "directory", po::value<std::string>(),
      "super node: UDP address of the directory node (default: the --listen address)")(
      "directory-bootstrap", po::value<std::vector<std::string>>(),
      "super node: directory nodes to join (default: the --peer addresses)")(
      "no-directory", "super node: run without a directory (no presence or search)")(
      "bootstrap", po::value<std::vector<std::string>>(),
      "client: bootstrap super nodes (default: bootstrap.list beside the config)")(
      "name", po::value<std::string>(), "client: a name for the super node's logs")(
      "promote-listen", po::value<std::string>(),
      "client: where a promoted super node listens (TCP, and UDP for STUN and relay; "
      "default 0.0.0.0:7460)")("data-dir", po::value<std::string>(),
                               "node key and host cache (default: <XDG data>/parley/node)");
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parley node: " << error.what() << "\n\n" << kUsage;
    return kExitUsage;
  }
  if (values.count("help") != 0) {
    std::cout << kUsage << '\n' << options;
    return kExitOk;
  }
  overlay::NodeConfig config;
  try {
    if (settings.config_file) overlay::read_node_config(*settings.config_file, config);
  } catch (const std::exception& error) {
    std::cerr << "parley node: " << error.what() << '\n';
    return kExitUsage;
  }
  const std::filesystem::path data_dir =
      values.count("data-dir") != 0 ? std::filesystem::path(values["data-dir"].as<std::string>())
                                    : config::user_data_dir() / "node";
  std::filesystem::create_directories(data_dir);
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all);
  const auto role = values["role"].as<std::string>();
  if (role == "super") return run_super(values, config, data_dir, settings);
  if (role == "client") return run_client(values, config, data_dir, settings);
  std::cerr << "parley node: --role is super or client\n\n" << kUsage;
  return kExitUsage;
}

const CommandRegistration kNode{"node", "run a super node or a client node of the overlay",
                                &run_node};

}  // namespace
}  // namespace parley::cli
