// `parley login-server`: the one central service (ARCHITECTURE.md section 1):
// accounts, password checks, identity certificates. Also its admin tool,
// which works on the same database, with or without the server running.
#include <google/protobuf/stubs/logging.h>
#include <sys/resource.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <charconv>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "cli/table.hpp"
#include "config/paths.hpp"
#include "identity/account_store.hpp"
#include "identity/login_server.hpp"
#include "identity/password_input.hpp"
#include "identity/private_file.hpp"
#include "identity/user_id.hpp"
#include "log/log.hpp"
#include "net/numeric_endpoint.hpp"

namespace parley::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "Usage: parley login-server [run] [options]      run the login server\n"
    "       parley login-server key [--data-dir DIR]  print the public key clients pin\n"
    "       parley login-server admin add USER [--password-file FILE]\n"
    "       parley login-server admin list [--json]\n"
    "       parley login-server admin disable USER\n"
    "       parley login-server admin enable USER\n"
    "The signing key (server_key.pem, mode 0600) and accounts.sqlite live in --data-dir and\n"
    "are made on first start. Passwords are never taken from the command line: argv is\n"
    "visible to every local user; use a terminal prompt, --password-file or stdin.\n";

struct Paths {
  std::filesystem::path data_dir;
  std::filesystem::path key_file;
  std::filesystem::path database;
};

Paths paths_for(const po::variables_map& values) {
  Paths paths;
  paths.data_dir = values.count("data-dir") != 0
                       ? std::filesystem::path(values["data-dir"].as<std::string>())
                       : config::user_data_dir() / "login-server";
  paths.key_file = paths.data_dir / "server_key.pem";
  paths.database = paths.data_dir / "accounts.sqlite";
  return paths;
}

void make_private_dir(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  std::filesystem::permissions(dir, std::filesystem::perms::owner_all);
}

std::string date_or_dash(std::int64_t unix_s) {
  return unix_s == 0 ? "-" : identity::format_utc(unix_s);
}

std::optional<net::tcp::endpoint> parse_listen(const std::string& text) {
  return net::parse_numeric_endpoint<net::tcp::endpoint>(text);
}

login::LoginServiceConfig service_config(const po::variables_map& values) {
  login::LoginServiceConfig config;
  config.certificate_validity =
      std::chrono::seconds(values["certificate-validity-s"].as<std::uint32_t>());
  auto& account = config.throttle.per_account;
  account.free_failures = values["account-free-failures"].as<std::uint32_t>();
  account.base = std::chrono::milliseconds(values["account-backoff-base-ms"].as<std::uint32_t>());
  account.cap = std::chrono::milliseconds(values["account-backoff-cap-ms"].as<std::uint32_t>());
  auto& address = config.throttle.per_address;
  address.free_failures = values["address-free-failures"].as<std::uint32_t>();
  address.base = std::chrono::milliseconds(values["address-backoff-base-ms"].as<std::uint32_t>());
  address.cap = std::chrono::milliseconds(values["address-backoff-cap-ms"].as<std::uint32_t>());
  config.registrations.per_hour = values["registrations-per-hour"].as<double>();
  config.registrations.burst = values["registration-burst"].as<double>();
  return config;
}

// Protobuf reports malformed input on stderr by itself; on a server that input
// is a remote client's, so it goes to the debug log, sanitized, instead.
void protobuf_to_debug_log(google::protobuf::LogLevel /*level*/, const char* /*file*/, int /*line*/,
                           const std::string& message) {
  log::debug("protobuf", log::sanitize(message, 200));
}

long process_cpu_ms() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return (usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000L +
         (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000L;
}

int run_server(const po::variables_map& values) {
  google::protobuf::SetLogHandler(&protobuf_to_debug_log);
  const auto listen = parse_listen(values["listen"].as<std::string>());
  if (!listen) {
    std::cerr << "parley login-server: --listen must be ADDRESS:PORT with a numeric address, "
                 "e.g. 0.0.0.0:7450 (port 0: any free port)\n";
    return kExitUsage;
  }
  const auto config = service_config(values);
  if (config.certificate_validity.count() < 60) {
    std::cerr << "parley login-server: --certificate-validity-s must be at least 60\n";
    return kExitUsage;
  }
  const auto paths = paths_for(values);
  make_private_dir(paths.data_dir);
  const auto loaded = identity::load_or_create_key_file(paths.key_file);
  const auto store = login::open_sqlite_account_store(paths.database);
  login::LoginService service(*store, loaded.key, config);

  auto options = login::default_login_server_options();
  options.worker_threads = values["workers"].as<std::uint32_t>();
  options.tls.max_connections = values["max-connections"].as<std::uint32_t>();
  options.tls.max_connections_per_address =
      values["max-connections-per-address"].as<std::uint32_t>();

  boost::asio::io_context io;
  login::LoginServer server(io, service, loaded.key, *listen, options);
  std::cout << "login-server: " << (loaded.created ? "made a new signing key " : "signing key ")
            << paths.key_file.string() << '\n'
            << "login-server: public key " << loaded.key.public_key().to_text()
            << "  (clients pin this: --server-key)\n"
            << "login-server: " << store->count() << " accounts in " << paths.database.string()
            << '\n'
            << "login-server: " << server.worker_threads() << " worker threads\n";
  const auto local = server.local_endpoint();
  std::cout << "login-server: listening on "
            << (local.address().is_v6() ? "[" + local.address().to_string() + "]"
                                        : local.address().to_string())
            << ':' << local.port() << std::endl;

  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  boost::asio::steady_timer shutdown_check(io);
  const auto shutdown_deadline = std::make_shared<std::chrono::steady_clock::time_point>();
  std::function<void()> wait_for_connections = [&] {
    // Closed connections release their admission when their last handler
    // is done; then run() returns by itself, having run every handler.
    if (server.connection_stats().open == 0) return;
    if (std::chrono::steady_clock::now() >= *shutdown_deadline) {
      io.stop();
      return;
    }
    shutdown_check.expires_after(std::chrono::milliseconds(20));
    shutdown_check.async_wait([&](const boost::system::error_code& wait) {
      if (!wait) wait_for_connections();
    });
  };
  signals.async_wait([&](const boost::system::error_code& error, int /*signal*/) {
    if (error) return;
    server.stop();
    *shutdown_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    wait_for_connections();
  });
  io.run();

  const auto& stats = service.stats();
  const auto argon2 = login::argon2_usage();
  const auto connections = server.connection_stats();
  std::cout << "login-server: stopped; registrations=" << stats.registrations
            << " logins=" << stats.logins << " renewals=" << stats.renewals
            << " password_changes=" << stats.password_changes << " failures=" << stats.failures
            << " throttled=" << stats.throttled << " argon2_hashes=" << argon2.hashes
            << " argon2_ms="
            << std::chrono::duration_cast<std::chrono::milliseconds>(argon2.time).count()
            << " argon2_cpu_ms="
            << std::chrono::duration_cast<std::chrono::milliseconds>(argon2.cpu_time).count()
            << " process_cpu_ms=" << process_cpu_ms() << " connections=" << connections.accepted
            << " refused_connections="
            << connections.refused_over_total + connections.refused_over_address
            << " failed_handshakes=" << connections.handshakes_failed << std::endl;
  return kExitOk;
}

int print_key(const po::variables_map& values) {
  const auto paths = paths_for(values);
  make_private_dir(paths.data_dir);
  const auto loaded = identity::load_or_create_key_file(paths.key_file);
  std::cout << loaded.key.public_key().to_text() << '\n';
  return kExitOk;
}

int admin(const po::variables_map& values, const std::vector<std::string>& operands) {
  if (operands.empty()) {
    std::cerr << "parley login-server admin: add, list, disable or enable?\n\n" << kUsage;
    return kExitUsage;
  }
  const auto& action = operands[0];
  const auto paths = paths_for(values);
  make_private_dir(paths.data_dir);
  const auto store = login::open_sqlite_account_store(paths.database);

  if (action == "list") {
    const auto accounts = store->list();
    if (values.count("json") != 0) {
      json out = json::array();
      for (const auto& account : accounts) {
        out.push_back({{"user_id", account.user_id},
                       {"status", account.disabled ? "disabled" : "enabled"},
                       {"created_at", account.created_at_s},
                       {"password_changed_at", account.password_changed_at_s}});
      }
      std::cout << out.dump(2) << '\n';
      return kExitOk;
    }
    Table table({"USER", "STATUS", "CREATED", "PASSWORD CHANGED"});
    for (const auto& account : accounts) {
      table.add_row({account.user_id, account.disabled ? "disabled" : "enabled",
                     date_or_dash(account.created_at_s),
                     date_or_dash(account.password_changed_at_s)});
    }
    table.print(std::cout);
    std::cout << accounts.size() << " account(s)\n";
    return kExitOk;
  }

  if (operands.size() != 2) {
    std::cerr << "parley login-server admin " << action << ": USER is required\n\n" << kUsage;
    return kExitUsage;
  }
  const auto& user = operands[1];
  if (auto problem = identity::user_id_problem(user)) {
    std::cerr << "parley login-server admin: " << *problem << '\n';
    return kExitUsage;
  }
  if (action == "add") {
    const auto password_file = values.count("password-file") != 0
                                   ? std::optional(values["password-file"].as<std::string>())
                                   : std::nullopt;
    const auto password = identity::read_new_password(password_file, "Password for " + user + ": ");
    if (password.size() < login::kMinPasswordBytes || password.size() > login::kMaxPasswordBytes) {
      std::cerr << "parley login-server admin add: a password must be " << login::kMinPasswordBytes
                << ".." << login::kMaxPasswordBytes << " bytes\n";
      return kExitFailure;
    }
    login::Account account;
    account.user_id = user;
    account.password = login::hash_password(password.view(), login::Argon2Parameters{});
    account.created_at_s = identity::unix_seconds(identity::Clock::now());
    if (store->create(account) == login::StoreResult::exists) {
      std::cerr << "parley login-server admin add: '" << user << "' already exists\n";
      return kExitFailure;
    }
    std::cout << "added " << user << '\n';
    return kExitOk;
  }
  if (action == "disable" || action == "enable") {
    if (store->set_disabled(user, action == "disable") == login::StoreResult::not_found) {
      std::cerr << "parley login-server admin " << action << ": no account '" << user << "'\n";
      return kExitFailure;
    }
    std::cout << action << "d " << user << '\n';
    return kExitOk;
  }
  std::cerr << "parley login-server admin: unknown action '" << action << "'\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace

int login_server_command(const std::vector<std::string>& args, const config::Settings& settings);
// A registration that throws at start-up ends the program at once, which is
// what it should do.
// NOLINTNEXTLINE(cert-err58-cpp)
const CommandRegistration kLoginServer{
    "login-server", "run the login server (accounts, certificates) or administer it",
    &login_server_command};

int login_server_command(const std::vector<std::string>& args,
                         const config::Settings& /*settings*/) {
  po::options_description options("login-server options");
  const login::ThrottlePolicy throttle;
  const login::RatePolicy registrations;
  options.add_options()("help,h", "show this help")(
      "data-dir", po::value<std::string>(),
      "signing key and account database (default: <XDG data>/parley/login-server)")(
      "listen", po::value<std::string>()->default_value("127.0.0.1:7450"),
      "ADDRESS:PORT to serve (0.0.0.0:7450 for every interface; port 0: any free port)")(
      "certificate-validity-s", po::value<std::uint32_t>()->default_value(24 * 3600),
      "lifetime of issued certificates, seconds")(
      "workers", po::value<std::uint32_t>()->default_value(0),
      "password-hashing threads (0: one per usable CPU)")(
      "max-connections", po::value<std::uint32_t>()->default_value(1024),
      "open connections at most")("max-connections-per-address",
                                  po::value<std::uint32_t>()->default_value(32),
                                  "open connections from one IPv4 address or IPv6 /64 at most")(
      "account-free-failures",
      po::value<std::uint32_t>()->default_value(throttle.per_account.free_failures),
      "failed logins per account before backoff")(
      "account-backoff-base-ms",
      po::value<std::uint32_t>()->default_value(
          static_cast<std::uint32_t>(throttle.per_account.base.count())),
      "first per-account wait, doubled at each further failure")(
      "account-backoff-cap-ms",
      po::value<std::uint32_t>()->default_value(
          static_cast<std::uint32_t>(throttle.per_account.cap.count())),
      "longest per-account wait")(
      "address-free-failures",
      po::value<std::uint32_t>()->default_value(throttle.per_address.free_failures),
      "failed logins per source address before backoff")(
      "address-backoff-base-ms",
      po::value<std::uint32_t>()->default_value(
          static_cast<std::uint32_t>(throttle.per_address.base.count())),
      "first per-address wait, doubled at each further failure")(
      "address-backoff-cap-ms",
      po::value<std::uint32_t>()->default_value(
          static_cast<std::uint32_t>(throttle.per_address.cap.count())),
      "longest per-address wait")(
      "registrations-per-hour", po::value<double>()->default_value(registrations.per_hour),
      "registrations per source address per hour after the burst (0: unlimited)")(
      "registration-burst", po::value<double>()->default_value(registrations.burst),
      "registrations per source address at once")(
      "password-file", po::value<std::string>(),
      "admin add: read the password from the first line of this file ('-': stdin)")(
      "json", "admin list: print JSON");
  po::options_description hidden;
  hidden.add_options()("operands", po::value<std::vector<std::string>>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("operands", -1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parley login-server: " << error.what() << "\n\n" << kUsage;
    return kExitUsage;
  }
  if (values.count("help") != 0) {
    std::cout << kUsage << '\n' << options;
    return kExitOk;
  }
  auto operands = values.count("operands") != 0 ? values["operands"].as<std::vector<std::string>>()
                                                : std::vector<std::string>{};
  const std::string action = operands.empty() ? "run" : operands.front();
  if (!operands.empty()) operands.erase(operands.begin());
  try {
    if (action == "run" && operands.empty()) return run_server(values);
    if (action == "key" && operands.empty()) return print_key(values);
    if (action == "admin") return admin(values, operands);
  } catch (const std::exception& error) {
    std::cerr << "parley login-server: " << error.what() << '\n';
    return kExitFailure;
  }
  std::cerr << "parley login-server: unknown action '" << action << "'\n\n" << kUsage;
  return kExitUsage;
}

}  // namespace parley::cli
