// `parley client --console`: one command a line from stdin, read on the
// io_context's thread (a terminal or a pipe: tests drive it through one),
// carried out by ClientApp. End of input is `quit`.
#pragma once

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <string>

#include "cli/client_app.hpp"

namespace parley::cli {

inline constexpr std::size_t kMaxCommandBytes = 1024;

class ClientConsole {
 public:
  ClientConsole(boost::asio::io_context& io, ClientApp& app);
  void start();
  static void print_help();

 private:
  void read_more();
  void on_bytes(std::size_t count);
  void run(const std::string& line);

  ClientApp& app_;
  boost::asio::posix::stream_descriptor input_;
  std::array<char, 4096> buffer_{};
  std::string line_;
  bool discarding_ = false;  // the rest of an over-long line
  bool done_ = false;
};

}  // namespace parley::cli
