// `parley account`: a user's side of the login server. The identity key is
// made here on first use and stays in <XDG data>/parley/identity/USER/; the
// certificate the server issues is stored beside it (identity_store.hpp).
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "cli/command_registry.hpp"
#include "cli/common_options.hpp"
#include "cli/table.hpp"
#include "identity/identity_store.hpp"
#include "identity/login_client.hpp"
#include "identity/password_input.hpp"
#include "identity/user_id.hpp"

namespace parley::cli {
namespace {

using nlohmann::json;

constexpr const char* kUsage =
    "Usage: parley account register --server HOST:PORT --server-key KEY --user USER [--no-login]\n"
    "       parley account login    --server HOST:PORT --server-key KEY --user USER\n"
    "       parley account passwd   --server HOST:PORT --server-key KEY --user USER\n"
    "       parley account renew    --user USER [--force]   (no password: proves the key)\n"
    "       parley account show     --user USER [--json]\n"
    "       parley account verify   --server-key KEY (--user USER | --certificate FILE)\n"
    "                               [--expect-user USER] [--at UNIX_SECONDS]\n"
    "Passwords come from a prompt without echo on a terminal, else from --password-file FILE\n"
    "(first line; '-' is stdin) or from stdin; never from the command line, where every local\n"
    "user can read them (ps, /proc) and shell history keeps them. passwd reads the current\n"
    "password first, then the new one (--new-password-file, or the next stdin line).\n"
    "After login, renew, show and passwd find --server and --server-key in the identity\n"
    "folder when they are not given.\n";

struct Target {
  net::HostPort server;
  identity::PublicKey key;
};

std::optional<std::string> optional_value(const po::variables_map& values, const char* name) {
  if (values.count(name) == 0) return std::nullopt;
  return values[name].as<std::string>();
}

// --server/--server-key, else the server that issued the stored certificate.
Target target_for(const po::variables_map& values, const identity::IdentityPaths& paths) {
  auto server_text = optional_value(values, "server");
  auto key_text = optional_value(values, "server-key");
  if (!server_text || !key_text) {
    std::ifstream in(paths.login_server_file);
    std::string stored_server;
    std::string stored_key;
    if (in >> stored_server >> stored_key) {
      if (!server_text) server_text = stored_server;
      if (!key_text) key_text = stored_key;
    }
  }
  if (!server_text || !key_text) {
    throw std::invalid_argument("--server HOST:PORT and --server-key KEY are required");
  }
  const auto server = net::parse_host_port(*server_text);
  if (!server)
    throw std::invalid_argument("--server must be HOST:PORT, not '" + *server_text + "'");
  const auto key = identity::PublicKey::from_text(*key_text);
  if (!key) {
    throw std::invalid_argument(
        "--server-key must be an Ed25519 public key (ed25519:BASE64 or "
        "64 hex digits), as `parley login-server` prints it");
  }
  return {*server, *key};
}

void remember_server(const identity::IdentityPaths& paths, const Target& target) {
  identity::write_private_file(paths.login_server_file,
                               target.server.to_string() + " " + target.key.to_text() + "\n");
}

void report_certificate(const login::IssuedCertificate& issued,
                        const identity::IdentityPaths& paths) {
  identity::save_certificate_file(paths.certificate_file, issued.bytes);
  std::cout << "certificate for " << issued.certificate.user_id << " saved to "
            << paths.certificate_file.string() << ", valid until "
            << identity::format_utc(issued.certificate.not_after_s) << '\n';
}

std::string refusal_text(const login::LoginError& error) {
  std::string text =
      "refused (" + std::string(login::error_code_name(error.code())) + "): " + error.what();
  if (error.retry_after_ms() != 0) {
    text += " [retry after " + std::to_string(error.retry_after_ms()) + " ms]";
  }
  return text;
}

int do_register(const po::variables_map& values, const identity::IdentityPaths& paths,
                const std::string& user) {
  const auto target = target_for(values, paths);
  auto password =
      identity::read_new_password(optional_value(values, "password-file"), "New password: ");
  login::LoginClient client(target.server, target.key);
  client.register_account(user, password);
  std::cout << "registered " << user << '\n';
  if (values.count("no-login") != 0) return kExitOk;
  const auto key = identity::load_or_create_key_file(paths.key_file);
  if (key.created) std::cout << "made identity key " << paths.key_file.string() << '\n';
  remember_server(paths, target);
  report_certificate(client.login(user, password, key.key), paths);
  return kExitOk;
}

int do_login(const po::variables_map& values, const identity::IdentityPaths& paths,
             const std::string& user) {
  const auto target = target_for(values, paths);
  auto password = identity::read_password(optional_value(values, "password-file"), "Password: ");
  const auto key = identity::load_or_create_key_file(paths.key_file);
  if (key.created) std::cout << "made identity key " << paths.key_file.string() << '\n';
  login::LoginClient client(target.server, target.key);
  const auto issued = client.login(user, password, key.key);
  remember_server(paths, target);
  report_certificate(issued, paths);
  return kExitOk;
}

int do_passwd(const po::variables_map& values, const identity::IdentityPaths& paths,
              const std::string& user) {
  const auto target = target_for(values, paths);
  auto old_password =
      identity::read_password(optional_value(values, "password-file"), "Current password: ");
  auto new_password =
      identity::read_new_password(optional_value(values, "new-password-file"), "New password: ");
  login::LoginClient client(target.server, target.key);
  client.change_password(user, old_password, new_password);
  std::cout << "password changed for " << user
            << "; certificates issued before can no longer be renewed\n";
  return kExitOk;
}

int do_renew(const po::variables_map& values, const identity::IdentityPaths& paths,
             const std::string& user) {
  const auto target = target_for(values, paths);
  const auto key = identity::load_key_file(paths.key_file);
  const auto stored = identity::load_certificate_file(paths.certificate_file);
  if (!stored) throw std::invalid_argument("no certificate for " + user + "; log in first");
  const auto action = login::certificate_action(*stored, target.key, key.public_key(), user,
                                                identity::Clock::now());
  if (action == login::CertificateAction::login) {
    const auto check =
        identity::verify_certificate(*stored, target.key, identity::Clock::now(), user);
    std::cerr << "parley account renew: the stored certificate cannot be renewed ("
              << (check.ok() ? "issued for another key" : check.reason)
              << "); log in with the password: parley account login --user " << user << '\n';
    return kExitFailure;
  }
  if (action == login::CertificateAction::keep && values.count("force") == 0) {
    const auto parsed = identity::parse_certificate(*stored);
    std::cout << "certificate is current; renewal is due at "
              << identity::format_utc(identity::renewal_due_at_s(*parsed.certificate))
              << " (--force renews now)\n";
    return kExitOk;
  }
  login::LoginClient client(target.server, target.key);
  report_certificate(client.renew(*stored, key), paths);
  return kExitOk;
}

int do_show(const po::variables_map& values, const identity::IdentityPaths& paths,
            const std::string& user) {
  json out = {{"user_id", user}, {"folder", paths.folder.string()}};
  std::error_code missing;
  if (std::filesystem::exists(paths.key_file, missing)) {
    out["identity_key"] = identity::load_key_file(paths.key_file).public_key().to_text();
  }
  if (const auto stored = identity::load_certificate_file(paths.certificate_file)) {
    const auto parsed = identity::parse_certificate(*stored);
    if (parsed.certificate) {
      const auto& c = *parsed.certificate;
      out["certificate"] = {{"user_id", c.user_id},
                            {"key", c.subject_key.to_text()},
                            {"not_before", identity::format_utc(c.not_before_s)},
                            {"not_after", identity::format_utc(c.not_after_s)},
                            {"renewal_due", identity::format_utc(identity::renewal_due_at_s(c))},
                            {"serial", c.serial},
                            {"issuer_key_id", identity::to_hex(c.issuer_key_id)}};
      try {
        const auto target = target_for(values, paths);
        const auto check =
            identity::verify_certificate(*stored, target.key, identity::Clock::now(), user);
        out["certificate"]["status"] = std::string(identity::status_name(check.status));
        out["certificate"]["check"] = check.reason;
        out["login_server"] = target.server.to_string();
        out["login_server_key"] = target.key.to_text();
      } catch (const std::invalid_argument&) {
        out["certificate"]["status"] = "unchecked (no login server key known)";
      }
    } else {
      out["certificate"] = {{"status", "malformed"}, {"check", parsed.error}};
    }
  }
  if (values.count("json") != 0) {
    std::cout << out.dump(2) << '\n';
    return kExitOk;
  }
  Table table({"FIELD", "VALUE"});
  table.add_row({"user", user});
  table.add_row({"folder", paths.folder.string()});
  table.add_row({"identity key", out.value("identity_key", std::string("(none yet)"))});
  if (out.contains("certificate")) {
    for (const auto& [field, value] : out["certificate"].items()) {
      table.add_row(
          {"certificate " + field, value.is_string() ? value.get<std::string>() : value.dump()});
    }
  } else {
    table.add_row({"certificate", "(none yet: parley account login)"});
  }
  table.print(std::cout);
  return kExitOk;
}

int do_verify(const po::variables_map& values,
              const std::optional<identity::IdentityPaths>& paths) {
  const auto key_text = optional_value(values, "server-key");
  const auto key = key_text ? identity::PublicKey::from_text(*key_text) : std::nullopt;
  if (!key)
    throw std::invalid_argument("--server-key KEY (the pinned login server key) is required");
  std::vector<std::uint8_t> bytes;
  if (const auto file = optional_value(values, "certificate")) {
    // Someone else's certificate may be checked: it is public, not private.
    std::ifstream in(*file, std::ios::binary);
    if (!in) throw std::invalid_argument("cannot read " + *file);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  } else if (paths) {
    auto stored = identity::load_certificate_file(paths->certificate_file);
    if (!stored) throw std::invalid_argument("no stored certificate for this user");
    bytes = std::move(*stored);
  } else {
    throw std::invalid_argument("--user USER or --certificate FILE is required");
  }
  auto now = identity::Clock::now();
  if (values.count("at") != 0) {
    now = identity::Clock::time_point(std::chrono::seconds(values["at"].as<std::int64_t>()));
  }
  std::string expected = optional_value(values, "expect-user").value_or("");
  if (expected.empty() && values.count("user") != 0) expected = values["user"].as<std::string>();
  const auto check = identity::verify_certificate(bytes, *key, now, expected);
  if (!check.ok()) {
    std::cerr << "certificate refused (" << identity::status_name(check.status)
              << "): " << check.reason << '\n';
    return kExitFailure;
  }
  std::cout << check.reason << '\n';
  return kExitOk;
}

}  // namespace

int account_command(const std::vector<std::string>& args, const config::Settings& settings);
// A registration that throws at start-up ends the program at once, which is
// what it should do.
// NOLINTNEXTLINE(cert-err58-cpp)
const CommandRegistration kAccount{
    "account", "register, log in, change password; the identity key and certificate",
    &account_command};

int account_command(const std::vector<std::string>& args, const config::Settings& /*settings*/) {
  po::options_description options("account options");
  options.add_options()("help,h", "show this help")("server", po::value<std::string>(),
                                                    "login server HOST:PORT")(
      "server-key", po::value<std::string>(), "the login server's public key, pinned")(
      "user", po::value<std::string>(), "user id: 1-64 of a-z 0-9 . _ -")(
      "password-file", po::value<std::string>(),
      "read the password from the first line of FILE ('-': stdin)")(
      "new-password-file", po::value<std::string>(), "passwd: the new password's file")(
      "no-login", "register: do not log in afterwards")("force", "renew: renew even when not due")(
      "json", "show: print JSON")("certificate", po::value<std::string>(),
                                  "verify: the certificate file to check")(
      "expect-user", po::value<std::string>(), "verify: the user it must name")(
      "at", po::value<std::int64_t>(), "verify: check as of this time (Unix seconds)");
  po::options_description hidden;
  hidden.add_options()("action", po::value<std::string>());
  po::options_description all;
  all.add(options).add(hidden);
  po::positional_options_description positional;
  positional.add("action", 1);
  po::variables_map values;
  try {
    po::store(po::command_line_parser(args).options(all).positional(positional).run(), values);
    po::notify(values);
  } catch (const po::error& error) {
    std::cerr << "parley account: " << error.what() << "\n\n" << kUsage;
    return kExitUsage;
  }
  if (values.count("help") != 0 || values.count("action") == 0) {
    std::cout << kUsage << '\n' << options;
    return values.count("help") != 0 ? kExitOk : kExitUsage;
  }
  const auto action = values["action"].as<std::string>();
  const auto user = optional_value(values, "user");
  if (user) {
    if (auto problem = identity::user_id_problem(*user)) {
      std::cerr << "parley account: " << *problem << '\n';
      return kExitUsage;
    }
  }
  try {
    const auto paths = user ? std::optional(identity::identity_paths(*user)) : std::nullopt;
    if (action == "verify") return do_verify(values, paths);
    if (!user) {
      std::cerr << "parley account " << action << ": --user USER is required\n\n" << kUsage;
      return kExitUsage;
    }
    if (action == "register") return do_register(values, *paths, *user);
    if (action == "login") return do_login(values, *paths, *user);
    if (action == "passwd") return do_passwd(values, *paths, *user);
    if (action == "renew") return do_renew(values, *paths, *user);
    if (action == "show") return do_show(values, *paths, *user);
    std::cerr << "parley account: unknown action '" << action << "'\n\n" << kUsage;
    return kExitUsage;
  } catch (const std::invalid_argument& error) {
    std::cerr << "parley account " << action << ": " << error.what() << '\n';
    return kExitUsage;
  } catch (const login::LoginError& error) {
    std::cerr << "parley account " << action << ": " << refusal_text(error) << '\n';
    return kExitFailure;
  } catch (const std::exception& error) {
    std::cerr << "parley account " << action << ": " << error.what() << '\n';
    return kExitFailure;
  }
}

}  // namespace parley::cli
