#include "cli/client_app.hpp"

#include <boost/asio/post.hpp>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>

#include "cli/client_lines.hpp"
#include "cli/common_options.hpp"
#include "cli/table.hpp"
#include "identity/user_id.hpp"
#include "log/log.hpp"
#include "overlay/client_searches.hpp"

namespace parley::cli {
namespace {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

constexpr std::chrono::milliseconds kSearchTimeout{3'000};
// If the offline record and the Detach are not out by then, exit anyway.
constexpr std::chrono::milliseconds kShutdownLimit{3'000};

// Prints a table with every line tagged, so tagged-line readers see it whole.
void print_tagged(const std::string& tag, const Table& table) {
  for (const auto& line : tagged_lines(tag, table)) std::cout << line << std::endl;
}

}  // namespace

void ClientApp::say(const std::string& tag, const std::string& line) {
  // Sanitized here too: whatever a caller forgot, one call prints one line.
  std::cout << event_line(tag, line) << std::endl;  // endl: each event is seen at once
}

ClientApp::ClientApp(asio::io_context& io, ClientAppOptions options)
    : io_(io),
      options_(std::move(options)),
      buddies_(overlay::BuddyList::load(options_.buddies_file)),
      hang_up_timer_(io),
      shutdown_timer_(io) {
  if (buddies_.skipped() != 0) {
    say("client", std::to_string(buddies_.skipped()) + " lines of " +
                      options_.buddies_file.string() + " skipped (not user ids, repeats, or over " +
                      std::to_string(overlay::kMaxBuddies) + ")");
  }
  bool changed = false;
  for (const auto& user : options_.add_buddies) {
    if (buddies_.contains(user)) continue;
    if (auto problem = buddies_.add(user)) {
      say("client", "buddy " + log::sanitize(user, 64) + " not added: " + *problem);
    } else {
      changed = true;
    }
  }
  if (changed) save_buddies();

  node_ = std::make_unique<overlay::ClientNode>(
      io_, options_.node, [](const std::string& line) { say("client", line); });
  node_->set_status(options_.status);
  node_->on_published([this](const std::string& error) { on_published(error); });
  node_->on_presence(
      [this](const std::string& user, const std::optional<overlay::FoundUser>& found) {
        on_presence(user, found);
      });
  node_->subscribe(buddies_.ids());
  try {
    engine_ = std::make_unique<call::CallEngine>(
        io_, *node_, options_.engine, [this](const std::string& line) { on_call_event(line); },
        [this](const call::CallReport& report) { on_call_ended(report); });
  } catch (const std::exception& failure) {
    say("client", std::string("calls unavailable: ") + failure.what());
  }
  refresh_media_addresses();
  if (options_.renew_certificate) {
    overlay::CertificateRenewal::Options renewal;
    renewal.certificate = options_.node.user->certificate;
    renewal.login_server_key = options_.node.user->login_server_key;
    renewal_ = std::make_unique<overlay::CertificateRenewal>(
        io_, std::move(renewal), options_.renew_certificate, options_.store_certificate,
        [this](const std::vector<std::uint8_t>& certificate, const identity::Certificate&) {
          on_certificate_renewed(certificate);
        },
        [](const std::string& line) { say("client", line); });
  }
}

ClientApp::~ClientApp() = default;

void ClientApp::start() {
  const auto& user = *options_.node.user;
  say("client", "user " + user.user_id + ", status " +
                    std::string(directory::status_name(options_.status)) + ", " +
                    std::to_string(buddies_.ids().size()) + " buddies, data in " +
                    options_.node.data_dir.string());
  if (engine_) {
    const auto media = engine_->media_endpoint();
    say("client",
        "media socket " + media.address().to_string() + ":" + std::to_string(media.port()));
  }
  if (options_.call_user && !engine_) {
    say("call", "cannot call " + *options_.call_user + ": calls unavailable");
    shut_down(kExitCallFailed);
    return;
  }
  node_->start();
  if (renewal_) renewal_->start();
}

void ClientApp::shut_down(int exit_code) {
  if (!exit_code_) exit_code_ = exit_code;
  if (shutting_down_) return;
  shutting_down_ = true;
  hang_up_timer_.cancel();
  if (renewal_) renewal_->stop();
  if (engine_ && engine_->state() != call::CallState::idle) engine_->hang_up("shutting down");
  node_->on_stopped([this] { io_.stop(); });
  node_->stop();
  shutdown_timer_.expires_after(kShutdownLimit);
  shutdown_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) io_.stop();
  });
}

// --- events --------------------------------------------------------------------

void ClientApp::on_published(const std::string& error) {
  if (!error.empty()) return;  // the node logged it and retries
  if (!published_once_) {
    published_once_ = true;
    say("client", "presence published; ready");
  }
  refresh_media_addresses();
  if (options_.call_user && !scripted_call_placed_ && !shutting_down_) {
    scripted_call_placed_ = true;
    call(*options_.call_user);
  }
}

void ClientApp::on_presence(const std::string& user,
                            const std::optional<overlay::FoundUser>& found) {
  auto text = presence_text(found);
  buddy_presence_[user] = text;
  say("presence", user + " is " + text);
}

void ClientApp::on_certificate_renewed(const std::vector<std::uint8_t>& certificate) {
  // The presence record goes out again at once with it; the link stays.
  node_->set_certificate(certificate);
  // The call engine keeps its own copy for the handshake and signed call
  // messages.
  if (engine_) engine_->set_certificate(certificate);
}

void ClientApp::on_call_event(const std::string& line) {
  // The engine's lines carry the peer's id and reasons as sent: say()
  // sanitizes them (a "\n" in a reason must not start a line of its own).
  say("call", line);
  refresh_media_addresses();
  // Scripted caller: the call lasts --duration from the moment media flows.
  if (options_.call_user && !hang_up_armed_ && engine_ &&
      engine_->state() == call::CallState::active) {
    hang_up_armed_ = true;
    hang_up_timer_.expires_after(options_.call_duration);
    hang_up_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error && engine_ && engine_->state() != call::CallState::idle) {
        engine_->hang_up("call duration reached");
      }
    });
  }
}

void ClientApp::on_call_ended(const call::CallReport& report) {
  ++calls_ended_;
  hang_up_timer_.cancel();
  hang_up_armed_ = false;
  print_report(report);
  if (options_.report_json) {
    std::ofstream out(*options_.report_json, std::ios::app);
    out << call::to_json(report).dump() << '\n';
    if (!out.flush()) say("client", "cannot append to " + options_.report_json->string());
  }
  if (shutting_down_) return;
  if (options_.call_user) {
    shut_down(report.outcome == "completed" ? kExitOk : kExitCallFailed);
  } else if (options_.exit_after_calls != 0 && calls_ended_ >= options_.exit_after_calls) {
    shut_down(kExitOk);
  }
}

void ClientApp::print_report(const call::CallReport& report) const {
  if (options_.json) {
    std::cout << call::to_json(report).dump() << std::endl;
    return;
  }
  say("call",
      "report of call " + peer_text(report.call_id) + " with " + peer_text(report.peer) + ":");
  print_tagged("report", report_table(report));
}

void ClientApp::refresh_media_addresses() {
  if (!engine_) return;
  auto candidates = engine_->media_candidates();
  if (candidates == media_addresses_) return;
  media_addresses_ = candidates;
  node_->set_media_addresses(std::move(candidates));
}

// --- commands ------------------------------------------------------------------

void ClientApp::search(const std::string& query, bool prefix) {
  const auto label = log::sanitize(query, 64) + (prefix ? "*" : "");
  // Checked before it travels: the directory (OpenDHT) indexes prefixes of
  // at least 3 characters and would refuse with a less helpful error.
  if (auto problem = overlay::search_query_problem(query, prefix)) {
    say("search", label + " not sent: " + *problem);
    return;
  }
  const auto started = Clock::now();
  node_->search(
      query, prefix, kSearchTimeout,
      [label, started](const std::vector<overlay::FoundUser>& found, const std::string& error) {
        const auto ms = std::chrono::duration<double, std::milli>(Clock::now() - started);
        if (!error.empty()) {
          say("search", label + " failed after " + fixed(ms.count(), 1) + " ms: " + error);
          return;
        }
        std::string users;
        for (const auto& one : found) users += " " + peer_text(one.presence.user_id, 64);
        if (!found.empty()) print_tagged("search", search_table(found));
        say("search", "found " + std::to_string(found.size()) + " for " + label + " in " +
                          fixed(ms.count(), 1) + " ms" + (users.empty() ? "" : ":" + users));
      });
}

bool ClientApp::calls_available(const char* what) const {
  if (engine_) return true;
  say("call", std::string("cannot ") + what + ": calls unavailable");
  return false;
}

void ClientApp::call(const std::string& user) {
  if (!calls_available("call")) return;
  if (auto problem = identity::user_id_problem(user)) {
    say("call", "cannot call '" + log::sanitize(user, 64) + "': " + *problem);
    return;
  }
  if (engine_->state() != call::CallState::idle) {
    say("call", "already in a call with " + peer_text(engine_->peer(), 64) + " (hangup first)");
    return;
  }
  const auto id = engine_->call(user);
  say("call", "calling " + user + " (call " + id + ")");
}

void ClientApp::answer() {
  if (!calls_available("answer")) return;
  if (engine_->state() != call::CallState::ringing) {
    say("call", "nothing to answer");
    return;
  }
  engine_->answer();
}

void ClientApp::reject() {
  if (!calls_available("reject")) return;
  if (engine_->state() != call::CallState::ringing) {
    say("call", "nothing to reject");
    return;
  }
  engine_->reject();
}

void ClientApp::hang_up() {
  if (!calls_available("hang up")) return;
  if (engine_->state() == call::CallState::idle) {
    say("call", "no call in progress");
    return;
  }
  engine_->hang_up();
}

void ClientApp::show_status() const {
  say("status",
      std::string(directory::status_name(node_->status())) +
          (node_->attached() ? ", attached to " + node_->super_node() : ", not attached"));
}

void ClientApp::set_status(directory::Status status) {
  node_->set_status(status);
  show_status();
}

void ClientApp::list_buddies() const {
  if (buddies_.ids().empty()) {
    say("buddies", "none (buddies add USER)");
    return;
  }
  for (const auto& id : buddies_.ids()) {
    const auto heard = buddy_presence_.find(id);
    say("buddies", id + " is " + (heard != buddy_presence_.end() ? heard->second : "unknown"));
  }
}

void ClientApp::add_buddy(const std::string& user) {
  if (buddies_.contains(user)) {
    say("buddies", user + " is already a buddy");
    return;
  }
  if (auto problem = buddies_.add(user)) {
    say("buddies", "cannot add '" + log::sanitize(user, 64) + "': " + *problem);
    return;
  }
  save_buddies();
  node_->subscribe(buddies_.ids());
  say("buddies", "added " + user);
}

void ClientApp::remove_buddy(const std::string& user) {
  if (!buddies_.remove(user)) {
    say("buddies", "'" + log::sanitize(user, 64) + "' is not a buddy");
    return;
  }
  buddy_presence_.erase(user);
  save_buddies();
  node_->subscribe(buddies_.ids());
  say("buddies", "removed " + user);
}

void ClientApp::save_buddies() {
  try {
    buddies_.save(options_.buddies_file);
  } catch (const std::exception& failure) {
    say("client", std::string("cannot save the buddy list: ") + failure.what());
  }
}

void ClientApp::show_stats() const {
  const auto stats = engine_ ? engine_->stats() : std::nullopt;
  if (!stats) {
    say("stats", "no call in progress");
    return;
  }
  if (options_.json) {
    std::cout << call::to_json(*stats).dump() << std::endl;
    return;
  }
  print_tagged("stats", report_table(*stats));
}

}  // namespace parley::cli
