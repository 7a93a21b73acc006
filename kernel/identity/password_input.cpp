#include "identity/password_input.hpp"

#include <termios.h>
#include <unistd.h>

#include <fstream>
#include <iostream>

#include "identity/signing_key.hpp"

namespace parley::identity {
namespace {

// stdin lines are shared between several reads (old and new password from a
// pipe), so one reader serves them all.
std::optional<Secret> read_stdin_line() {
  return read_secret_line(std::cin);
}

Secret from_file(const std::string& file, const std::string& what) {
  if (file == "-") {
    auto line = read_stdin_line();
    if (!line) throw IdentityError("no " + what + " on standard input");
    return std::move(*line);
  }
  std::ifstream in(file);
  if (!in) throw IdentityError("cannot read " + what + " file " + file);
  auto line = read_secret_line(in);
  if (!line) throw IdentityError(what + " file " + file + " is empty");
  return std::move(*line);
}

Secret prompt_without_echo(const std::string& prompt) {
  std::cerr << prompt << std::flush;
  termios saved{};
  const bool terminal = ::tcgetattr(STDIN_FILENO, &saved) == 0;
  if (terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    quiet.c_lflag |= ECHONL;
    ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  auto line = read_stdin_line();
  if (terminal) ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  if (!line) throw IdentityError("no password entered");
  return std::move(*line);
}

}  // namespace

std::optional<Secret> read_secret_line(std::istream& in) {
  Secret line;
  // Reserved once so growing never leaves copies in freed memory.
  line.buffer().reserve(4097);
  char c = 0;
  bool any = false;
  while (in.get(c)) {
    any = true;
    if (c == '\n') break;
    line.buffer().push_back(c);
    if (line.size() > 4096) throw IdentityError("password line too long");
  }
  if (!any) return std::nullopt;
  if (!line.buffer().empty() && line.buffer().back() == '\r') line.buffer().pop_back();
  return line;
}

Secret read_password(const std::optional<std::string>& password_file, const std::string& prompt) {
  if (password_file) return from_file(*password_file, "password");
  if (::isatty(STDIN_FILENO) != 0) return prompt_without_echo(prompt);
  auto line = read_stdin_line();
  if (!line)
    throw IdentityError("no password on standard input (use a terminal or --password-file)");
  return std::move(*line);
}

Secret read_new_password(const std::optional<std::string>& password_file,
                         const std::string& prompt) {
  if (password_file || ::isatty(STDIN_FILENO) == 0) return read_password(password_file, prompt);
  auto first = prompt_without_echo(prompt);
  auto second = prompt_without_echo("Again: ");
  if (first.view() != second.view()) throw IdentityError("the two passwords differ");
  return first;
}

}  // namespace parley::identity
