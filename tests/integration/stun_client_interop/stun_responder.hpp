// A STUN server on one loopback UDP socket, answering from a thread with
// parley::stun::answer_binding_request (the code super nodes will run).
#pragma once

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "parley/abi/net_types.h"

namespace parley::test {

class StunResponder {
 public:
  explicit StunResponder(const parley_address& local);
  StunResponder(const StunResponder&) = delete;
  StunResponder& operator=(const StunResponder&) = delete;
  ~StunResponder();

  [[nodiscard]] const parley_address& address() const { return address_; }
  // Where requests came from, in arrival order.
  [[nodiscard]] std::vector<parley_address> sources() const;
  [[nodiscard]] int answers() const { return answers_; }

 private:
  void serve();

  int socket_ = -1;
  int stop_pipe_[2] = {-1, -1};
  parley_address address_{};
  std::atomic<int> answers_{0};
  mutable std::mutex mutex_;
  std::vector<parley_address> sources_;
  std::thread thread_;
};

}  // namespace parley::test
