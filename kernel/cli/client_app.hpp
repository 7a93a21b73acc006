// What `parley client` runs once its options are read (client_command.cpp):
// a ClientNode with the user, the CallEngine on top of it, the buddy list,
// and one printed line per event, tagged "client:", "presence:", "call:",
// flushed at once so a person or a test can follow. The console
// (client_console.hpp) and the scripted flags drive it through the methods
// below; everything runs on the io_context's one thread.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "call/call_engine.hpp"
#include "overlay/client_buddy_list.hpp"
#include "overlay/client_certificate_renewal.hpp"
#include "overlay/client_node.hpp"

namespace parley::cli {

// Exit codes of `parley client` beyond the shared ones (common_options.hpp).
inline constexpr int kExitNoCertificate = 3;  // run `parley account login` first
inline constexpr int kExitCallFailed = 4;     // --call: rejected, busy, timeout, unreachable...

struct ClientAppOptions {
  overlay::ClientNodeOptions node;       // with the user
  call::CallEngineOptions engine;        // host, audio, auto_answer, media address
  std::filesystem::path buddies_file;    // <data-dir>/buddies.txt
  std::vector<std::string> add_buddies;  // --buddies: added to the file at start
  directory::Status status = directory::Status::online;
  // Scripted: call this user once the presence is published, hang up after
  // call_duration once active, then exit with the call's outcome.
  std::optional<std::string> call_user;
  std::chrono::milliseconds call_duration{10'000};
  // Callee: exit after this many calls ended (0: run until a signal).
  unsigned exit_after_calls = 0;
  std::optional<std::filesystem::path> report_json;  // one JSON line per call
  bool json = false;                                 // reports as JSON, not tables
  // Renews the certificate while the client runs, on a worker thread (the
  // login server, then the certificate file: client_command.cpp). Empty
  // renew_certificate: no renewal.
  overlay::CertificateRenewal::Renew renew_certificate;
  overlay::CertificateRenewal::Store store_certificate;
};

class ClientApp {
 public:
  // Throws std::runtime_error when the buddy list cannot be read.
  ClientApp(boost::asio::io_context& io, ClientAppOptions options);
  ~ClientApp();
  ClientApp(const ClientApp&) = delete;
  ClientApp& operator=(const ClientApp&) = delete;

  // Starts the node (and the call, when scripted).
  void start();
  // Hangs up, publishes offline, detaches, then stops the io_context with
  // exit_code (unless an exit code was already decided).
  void shut_down(int exit_code);
  [[nodiscard]] int exit_code() const { return exit_code_.value_or(0); }

  // --- console commands --------------------------------------------------------
  void search(const std::string& query, bool prefix);
  void call(const std::string& user);
  void answer();
  void reject();
  void hang_up();
  void show_status() const;
  void set_status(directory::Status status);
  void list_buddies() const;
  void add_buddy(const std::string& user);
  void remove_buddy(const std::string& user);
  void show_stats() const;

  static void say(const std::string& tag, const std::string& line);

 private:
  void on_published(const std::string& error);
  void on_presence(const std::string& user, const std::optional<overlay::FoundUser>& found);
  void on_certificate_renewed(const std::vector<std::uint8_t>& certificate);
  void on_call_event(const std::string& line);
  void on_call_ended(const call::CallReport& report);
  void print_report(const call::CallReport& report) const;
  void refresh_media_addresses();
  void save_buddies();
  [[nodiscard]] bool calls_available(const char* what) const;

  boost::asio::io_context& io_;
  ClientAppOptions options_;
  overlay::BuddyList buddies_;
  std::map<std::string, std::string> buddy_presence_;  // user -> what was last heard
  std::unique_ptr<overlay::ClientNode> node_;
  std::unique_ptr<call::CallEngine> engine_;
  std::unique_ptr<overlay::CertificateRenewal> renewal_;  // destroyed first: it uses node_
  std::vector<std::string> media_addresses_;
  bool published_once_ = false;
  bool scripted_call_placed_ = false;
  boost::asio::steady_timer hang_up_timer_;
  bool hang_up_armed_ = false;
  unsigned calls_ended_ = 0;
  std::optional<int> exit_code_;
  bool shutting_down_ = false;
  boost::asio::steady_timer shutdown_timer_;
};

}  // namespace parley::cli
