// Runs an io_context on the test's thread until a condition holds: the
// condition is asked after every handler (or after `slice` with none), so a
// test waits on what it observes, with a deadline instead of a sleep.
#pragma once

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <functional>

namespace parley::test {

// False when the deadline came first.
inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
                      std::chrono::steady_clock::duration deadline,
                      std::chrono::milliseconds slice = std::chrono::milliseconds(10)) {
  const auto end = std::chrono::steady_clock::now() + deadline;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= end) return false;
    io.restart();  // a context that ran out of work stays stopped until restarted
    io.run_one_for(slice);
  }
  return true;
}

}  // namespace parley::test
