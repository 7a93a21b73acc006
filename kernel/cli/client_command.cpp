// `parley client`: a user's node on the overlay (docs/client.md): attach with
// the user's certificate, publish presence, follow buddies, search, and make
// or take calls, from a console or scripted by flags. The identity comes from
// `parley account` (identity_store.hpp); the logic lives in client_app.cpp.
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>

#include "cli/client_app.hpp"
#include "cli/client_console.hpp"
#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "config/list_option.hpp"
#include "config/paths.hpp"
#include "identity/identity_store.hpp"
#include "identity/login_client.hpp"
#include "identity/private_file.hpp"
#include "identity/user_id.hpp"
#include "overlay/client_bootstrap.hpp"
#include "overlay/node_config.hpp"

namespace parley::cli {
namespace {

namespace asio = boost::asio;

constexpr const char* kUsage =
    "Usage: parley client --user USER [--bootstrap HOST:PORT,...] [--data-dir DIR]\n"
    "                     [--display-name NAME] [--media-address ADDR] [--status STATUS]\n"
    "                     [--buddies USER,...] [--console]\n"
    "                     [--call USER [--duration S]] [--auto-answer [--calls N]]\n"
    "                     [--play IN.wav] [--record OUT.wav] [--report-json FILE] [--json]\n"
    "Runs USER's node: attaches to a super node with USER's certificate (from `parley\n"
    "account login`), publishes USER's presence, follows the buddies' presence, and makes\n"
    "and takes calls. With --console (the default on a terminal without --call or\n"
    "--auto-answer) it reads commands from stdin; `help` lists them. Exit codes: 0 ok,\n"
    "1 failure, 2 usage, 3 no valid certificate, 4 --call did not complete.\n";

// Thrown when the user has no certificate this client can use.
struct NoCertificate : std::runtime_error {
  using std::runtime_error::runtime_error;
};

std::optional<std::string> optional_value(const po::variables_map& values, const char* name) {
  if (values.count(name) == 0) return std::nullopt;
  return values[name].as<std::string>();
}

// How long one renewal may wait for the login server (on the renewal's
// worker thread; stopping the client waits for it at most this long).
constexpr std::chrono::milliseconds kRenewTimeout{10'000};

struct LoadedIdentity {
  overlay::UserCredentials credentials;
  net::HostPort login_server;
  std::filesystem::path certificate_file;
};

// The identity `parley account login` left in the user's folder: the key, the
// certificate (current: renewing it needs no password) and the login server
// it came from.
LoadedIdentity load_credentials(const std::string& user, const std::string& display_name) {
  const auto paths = identity::identity_paths(user);
  const std::string login_hint =
      "no valid certificate for " + user + ": run `parley account login --user " + user + "`";
  std::ifstream server_file(paths.login_server_file);
  std::string server_text;
  std::string key_text;
  if (!(server_file >> server_text >> key_text)) throw NoCertificate(login_hint);
  const auto server = net::parse_host_port(server_text);
  const auto server_key = identity::PublicKey::from_text(key_text);
  if (!server || !server_key) {
    throw NoCertificate(login_hint + " (" + paths.login_server_file.string() + " is damaged)");
  }
  std::error_code missing;
  if (!std::filesystem::exists(paths.key_file, missing)) throw NoCertificate(login_hint);
  auto key = std::make_shared<identity::SigningKey>(identity::load_key_file(paths.key_file));
  auto certificate = identity::load_certificate_file(paths.certificate_file);
  if (!certificate) throw NoCertificate(login_hint);
  const auto action = login::certificate_action(*certificate, *server_key, key->public_key(), user,
                                                identity::Clock::now());
  if (action == login::CertificateAction::login) throw NoCertificate(login_hint);
  // One due for renewal is renewed by ClientApp's renewal timer at once (on
  // its worker thread), and again whenever due while the client runs.
  overlay::UserCredentials credentials;
  credentials.user_id = user;
  credentials.display_name = display_name;
  credentials.certificate = std::move(*certificate);
  credentials.identity_key = std::move(key);
  credentials.login_server_key = *server_key;
  return {std::move(credentials), *server, paths.certificate_file};
}

po::options_description client_options() {
  po::options_description options("client options");
  options.add_options()("help,h", "show this help")("user", po::value<std::string>(),
                                                    "the user to run as (parley account login)")(
      "bootstrap", po::value<std::vector<std::string>>(),
      "bootstrap super nodes (default: bootstrap.list beside the config)")(
      "data-dir", po::value<std::string>(),
      "host cache and buddy list (default: <XDG data>/parley/client/USER)")(
      "display-name", po::value<std::string>()->default_value(""), "shown to people who find you")(
      "media-address", po::value<std::string>()->default_value("0.0.0.0"),
      "address the media socket binds (port: any)")(
      "status", po::value<std::string>()->default_value("online"), "online, away or busy")(
      "buddies", po::value<std::vector<std::string>>(), "add these users to the buddy list")(
      "console", "read commands from stdin")("call", po::value<std::string>(),
                                             "call USER once attached, then exit")(
      "duration", po::value<double>()->default_value(10), "--call: hang up after S seconds")(
      "auto-answer", "answer every incoming call")(
      "calls", po::value<unsigned>()->default_value(0),
      "--auto-answer: exit after N calls (0: run until SIGINT/SIGTERM)")(
      "play", po::value<std::string>(), "send this WAV file instead of the microphone")(
      "record", po::value<std::string>(), "write what is heard to this WAV file")(
      "report-json", po::value<std::string>(),
      "append each call's report to FILE, one JSON a line")("json", "print call reports as JSON");
  return options;
}

int run_client(const std::vector<std::string>& args, const config::Settings& settings) {
  const auto options = client_options();
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(options).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parley client: " << error.what() << "\n\n" << kUsage;
    return kExitUsage;
  }
  if (values.count("help") != 0) {
    std::cout << kUsage << '\n' << options;
    return kExitOk;
  }
  const auto usage_error = [](const std::string& text) {
    std::cerr << "parley client: " << text << '\n';
    return kExitUsage;
  };
  const auto user = optional_value(values, "user");
  if (!user) return usage_error("--user USER is required");
  if (auto problem = identity::user_id_problem(*user)) return usage_error(*problem);
  const auto status = directory::parse_status(values["status"].as<std::string>());
  if (!status || *status == directory::Status::offline) {
    return usage_error("--status is online, away or busy");
  }
  const auto duration_s = values["duration"].as<double>();
  if (!(duration_s > 0 && duration_s <= 24 * 3600)) {
    return usage_error("--duration must be between 0 and 86400 seconds");
  }
  const auto display_name = values["display-name"].as<std::string>();
  if (auto problem = directory::display_name_problem(display_name)) {
    return usage_error("--display-name: " + *problem);
  }
  const bool auto_answer = values.count("auto-answer") != 0;
  const auto call_user = optional_value(values, "call");
  if (call_user) {
    if (auto problem = identity::user_id_problem(*call_user))
      return usage_error("--call: " + *problem);
  }

  ClientAppOptions app;
  try {
    auto loaded = load_credentials(*user, display_name);
    // Renewed while running, from a worker thread: copies only.
    app.renew_certificate =
        [server = loaded.login_server, server_key = loaded.credentials.login_server_key,
         key = loaded.credentials.identity_key](std::span<const std::uint8_t> current) {
          login::LoginClient client(server, server_key, kRenewTimeout);
          return client.renew(current, *key).bytes;
        };
    app.store_certificate =
        [file = loaded.certificate_file](std::span<const std::uint8_t> certificate) {
          identity::save_certificate_file(
              file, std::vector<std::uint8_t>(certificate.begin(), certificate.end()));
        };
    app.node.user = std::move(loaded.credentials);
  } catch (const NoCertificate& failure) {
    std::cerr << "parley client: " << failure.what() << '\n';
    return kExitNoCertificate;
  } catch (const std::exception& failure) {
    std::cerr << "parley client: " << failure.what() << '\n';
    return kExitNoCertificate;
  }
  try {
    if (settings.config_file) overlay::read_node_config(*settings.config_file, app.node.config);
  } catch (const std::exception& error) {
    return usage_error(error.what());
  }
  const std::filesystem::path data_dir =
      values.count("data-dir") != 0 ? std::filesystem::path(values["data-dir"].as<std::string>())
                                    : config::user_data_dir() / "client" / *user;
  std::filesystem::create_directories(data_dir);
  std::filesystem::permissions(data_dir, std::filesystem::perms::owner_all);
  app.node.data_dir = data_dir;
  app.node.node_name = *user;
  if (values.count("bootstrap") != 0) {
    app.node.bootstrap = config::split_list(values["bootstrap"].as<std::vector<std::string>>());
  } else {
    const auto dir =
        settings.config_file ? settings.config_file->parent_path() : config::system_config_dir();
    app.node.bootstrap = overlay::read_bootstrap_list(dir / "bootstrap.list");
  }
  app.buddies_file = data_dir / "buddies.txt";
  if (values.count("buddies") != 0) {
    app.add_buddies = config::split_list(values["buddies"].as<std::vector<std::string>>());
  }
  app.status = *status;
  app.call_user = call_user;
  app.call_duration = std::chrono::milliseconds(static_cast<std::int64_t>(duration_s * 1000));
  app.exit_after_calls = values["calls"].as<unsigned>();
  if (const auto file = optional_value(values, "report-json")) app.report_json = *file;
  app.json = values.count("json") != 0;

  const plugin::PluginHost host(settings);
  app.engine.host = &host;
  app.engine.user = *app.node.user;
  app.engine.media_bind_address = values["media-address"].as<std::string>();
  app.engine.auto_answer = auto_answer;
  if (const auto play = optional_value(values, "play")) app.engine.audio.play_wav = *play;
  if (const auto record = optional_value(values, "record")) app.engine.audio.record_wav = *record;

  const bool console =
      values.count("console") != 0 || (::isatty(STDIN_FILENO) != 0 && !call_user && !auto_answer);
  asio::io_context io;
  try {
    ClientApp client(io, std::move(app));
    ClientConsole input(io, client);
    asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&client](const boost::system::error_code& error, int /*signal*/) {
      if (!error) client.shut_down(kExitOk);
    });
    client.start();
    if (console) input.start();
    io.run();
    ClientApp::say("client", "stopped");
    return client.exit_code();
  } catch (const std::exception& failure) {
    std::cerr << "parley client: " << failure.what() << '\n';
    return kExitFailure;
  }
}

const CommandRegistration kClient{"client", "a user's node: presence, buddies, search and calls",
                                  &run_client};

}  // namespace
}  // namespace parley::cli
