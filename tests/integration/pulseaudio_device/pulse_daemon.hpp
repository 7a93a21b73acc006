// A private PulseAudio daemon for one test: its own runtime and home
// directories, a null sink, a unix socket, and an ALSA configuration that
// routes the default ALSA device to it. Nothing touches the user's own sound
// server. The daemon dies with the test process (PR_SET_PDEATHSIG) even when
// the test is killed, and is stopped and reaped on every normal path.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace parley::integration {

class PulseDaemon {
 public:
  static constexpr const char* kSinkName = "parley_null";

  // Starts the daemon and returns once `pactl info` answers; throws
  // std::runtime_error (with the daemon's log) when it dies or misses the deadline.
  PulseDaemon(const std::string& pulseaudio, const std::string& pactl,
              std::chrono::milliseconds deadline);
  PulseDaemon(const PulseDaemon&) = delete;
  PulseDaemon& operator=(const PulseDaemon&) = delete;
  ~PulseDaemon();

  // Runs pactl against this daemon; returns its exit status.
  int pactl(const std::vector<std::string>& arguments) const;
  // Runs any program in the daemon's environment; returns its exit status and
  // fills output with what it printed.
  int run(const std::vector<std::string>& command, std::string& output) const;
  [[nodiscard]] std::string log() const;
  [[nodiscard]] std::chrono::milliseconds time_to_ready() const { return time_to_ready_; }

 private:
  void stop() noexcept;
  std::string pactl_program_;
  std::filesystem::path root_;
  pid_t pid_ = -1;
  int pidfd_ = -1;  // readable once the daemon has exited
  std::chrono::milliseconds time_to_ready_{0};
};

}  // namespace parley::integration
