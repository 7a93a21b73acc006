// Reading passwords for command-line tools. Never from the command line
// itself: argv is readable by every local user (ps, /proc/PID/cmdline) and is
// kept in shell history. Instead, in order:
//   --password-file FILE  first line of FILE ("-" means standard input);
//   a terminal on stdin   a prompt with echo off;
//   otherwise             one line from standard input (scripts, pipes).
#pragma once

#include <istream>
#include <optional>
#include <string>

#include "identity/secret.hpp"

namespace parley::identity {

// Reads one password. prompt is shown on a terminal only. Throws
// IdentityError when nothing could be read.
Secret read_password(const std::optional<std::string>& password_file, const std::string& prompt);
// The same for a new password: on a terminal, asked twice and compared.
Secret read_new_password(const std::optional<std::string>& password_file,
                         const std::string& prompt);

// One line without its end of line, from a stream (for files and pipes).
std::optional<Secret> read_secret_line(std::istream& in);

}  // namespace parley::identity
