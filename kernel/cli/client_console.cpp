#include "cli/client_console.hpp"

#include <unistd.h>

#include <sstream>
#include <vector>

#include "cli/common_options.hpp"
#include "log/log.hpp"

namespace parley::cli {
namespace {

std::vector<std::string> words_of(const std::string& line) {
  std::istringstream in(line);
  std::vector<std::string> words;
  std::string word;
  while (in >> word) words.push_back(word);
  return words;
}

constexpr const char* kHelp[] = {
    "search QUERY            find a user by id; QUERY* finds every id starting with QUERY",
    "call USER               call a user",
    "answer | reject         the call that rings",
    "hangup                  end or cancel the call",
    "status [online|away|busy]  show or set your status",
    "buddies [add USER | remove USER]  list (with presence) or change your buddies",
    "stats                   the current call's figures",
    "help                    this list",
    "quit                    hang up, go offline and exit (also end of input)",
};

}  // namespace

ClientConsole::ClientConsole(boost::asio::io_context& io, ClientApp& app) : app_(app), input_(io) {}

void ClientConsole::start() {
  // The descriptor closes what it holds: give it a copy of stdin.
  const int fd = ::dup(STDIN_FILENO);
  boost::system::error_code error;
  if (fd >= 0) input_.assign(fd, error);
  if (fd < 0 || error) {
    if (fd >= 0) ::close(fd);
    ClientApp::say("client", "no console: cannot read stdin");
    return;
  }
  ClientApp::say("client", "console ready: type help for the commands");
  read_more();
}

void ClientConsole::print_help() {
  for (const auto* line : kHelp) ClientApp::say("help", line);
}

void ClientConsole::read_more() {
  input_.async_read_some(boost::asio::buffer(buffer_),
                         [this](const boost::system::error_code& error, std::size_t count) {
                           if (done_) return;
                           if (error == boost::asio::error::operation_aborted) return;
                           if (error) {
                             // End of input (or a file epoll cannot watch): as quit.
                             if (error != boost::asio::error::eof) {
                               ClientApp::say("client", "console input: " + error.message());
                             }
                             done_ = true;
                             app_.shut_down(kExitOk);
                             return;
                           }
                           on_bytes(count);
                           if (!done_) read_more();
                         });
}

void ClientConsole::on_bytes(std::size_t count) {
  for (std::size_t i = 0; i < count && !done_; ++i) {
    const char c = buffer_[i];
    if (c == '\n') {
      if (!discarding_) run(line_);
      discarding_ = false;
      line_.clear();
      continue;
    }
    if (discarding_) continue;
    if (line_.size() >= kMaxCommandBytes) {
      ClientApp::say("client",
                     "command longer than " + std::to_string(kMaxCommandBytes) + " bytes ignored");
      discarding_ = true;
      line_.clear();
      continue;
    }
    line_ += c;
  }
}

void ClientConsole::run(const std::string& line) {
  const auto words = words_of(line);
  if (words.empty()) return;
  const auto& command = words[0];
  const auto arg = [&words](std::size_t i) { return i < words.size() ? words[i] : std::string{}; };
  const auto usage = [](const std::string& text) { ClientApp::say("client", "usage: " + text); };
  if (command == "search") {
    if (words.size() != 2) return usage("search QUERY (QUERY* for a prefix)");
    auto query = words[1];
    const bool prefix = query.ends_with('*');
    if (prefix) query.pop_back();
    app_.search(query, prefix);
  } else if (command == "call") {
    if (words.size() != 2) return usage("call USER");
    app_.call(words[1]);
  } else if (command == "answer") {
    app_.answer();
  } else if (command == "reject") {
    app_.reject();
  } else if (command == "hangup") {
    app_.hang_up();
  } else if (command == "status") {
    if (words.size() == 1) return app_.show_status();
    const auto status = directory::parse_status(arg(1));
    if (words.size() != 2 || !status || *status == directory::Status::offline) {
      return usage("status [online|away|busy]");
    }
    app_.set_status(*status);
  } else if (command == "buddies") {
    if (words.size() == 1) return app_.list_buddies();
    if (words.size() == 3 && words[1] == "add") return app_.add_buddy(words[2]);
    if (words.size() == 3 && words[1] == "remove") return app_.remove_buddy(words[2]);
    usage("buddies [add USER | remove USER]");
  } else if (command == "stats") {
    app_.show_stats();
  } else if (command == "help") {
    print_help();
  } else if (command == "quit" || command == "exit") {
    done_ = true;
    app_.shut_down(kExitOk);
  } else {
    ClientApp::say("client", "unknown command '" + log::sanitize(command, 32) +
                                 "': type help for the commands");
  }
}

}  // namespace parley::cli
