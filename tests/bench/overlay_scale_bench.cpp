// Memory per attached client: a real overlay::SuperNode on 127.0.0.1 in a
// child process of its own (so its resident set is only its own), and M
// TLS clients in this process that each send Hello + Attach (anonymous) and
// wait for AttachOk, at most 64 at once. Reports the child's VmRSS
// before and after, KiB per client, and the attach time (TCP connect, TLS
// handshake and Attach, until AttachOk) p50/p99.
//
// Baseline, same run: the same M clients against a bare net::TlsServer (same
// limits) that holds each connection and echoes its first message: the cost
// of a TLS 1.3 connection alone. The super node's figure over it is what the
// overlay adds per client.
//
//   overlay_scale_bench [--quick | --clients M1,M2,...] [--in-flight N]
//
// Default: M = 100, 1000, 5000 (about a minute on 2 cores); --quick (what
// ctest runs): M = 100, 500. --in-flight 1 measures attach time without
// queueing behind other handshakes. RLIMIT_NOFILE is raised to its hard limit; an M
// that does not fit (two descriptors per client here, one in the child) is
// skipped with a note.
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "net/tls_server.hpp"
#include "overlay/overlay_messages.hpp"
#include "overlay/super_node.hpp"
#include "overlay/tofu_connect.hpp"

namespace {

using namespace std::chrono_literals;
using parley::net::ConnectionLimits;
using parley::net::TlsConnection;
using Clock = std::chrono::steady_clock;

// Connects at once (--in-flight): a burst of arrivals without a SYN flood.
std::size_t in_flight = 64;
constexpr auto kRoundDeadline = 300s;
constexpr std::size_t kSpareDescriptors = 64;

enum class ServerKind { super_node, tls_baseline };

std::string_view kind_name(ServerKind kind) {
  return kind == ServerKind::super_node ? "super-node" : "tls-only";
}

// ---- the child: one server, until killed --------------------------------

ConnectionLimits server_limits() {
  ConnectionLimits limits;
  limits.max_frame_bytes = parley::overlay::kMaxMessageBytes;
  limits.idle_timeout = 0ms;  // the round may outlast a keep-alive period
  return limits;
}

// Writes the bound port to report_fd, then serves until killed.
[[noreturn]] void serve(ServerKind kind, std::size_t clients, int report_fd) {
  boost::asio::io_context io;
  const auto key = parley::identity::SigningKey::generate();
  const parley::net::tcp::endpoint listen(boost::asio::ip::make_address("127.0.0.1"), 0);
  std::unique_ptr<parley::overlay::SuperNode> super_node;
  std::unique_ptr<parley::net::TlsServer> tls_server;
  std::vector<std::shared_ptr<TlsConnection>> held;
  std::uint16_t port = 0;
  if (kind == ServerKind::super_node) {
    parley::overlay::SuperNodeOptions options;
    options.listen = listen;
    options.config.max_clients = clients + kSpareDescriptors;
    options.config.max_connections = clients + kSpareDescriptors;
    options.config.max_connections_per_address = clients + kSpareDescriptors;  // all from 127.0.0.1
    options.config.keep_alive_interval = 600s;  // no keep-alive traffic during a round
    super_node = std::make_unique<parley::overlay::SuperNode>(io, key, std::move(options),
                                                              [](const std::string&) {});
    port = super_node->local_endpoint().port();
  } else {
    parley::net::TlsServerOptions options;
    options.limits = server_limits();
    options.max_connections = clients + kSpareDescriptors;
    options.max_connections_per_address = clients + kSpareDescriptors;
    options.request_client_key = true;  // as the super node's server asks
    held.reserve(clients);
    tls_server = std::make_unique<parley::net::TlsServer>(
        io, key, listen, options, [&held](const std::shared_ptr<TlsConnection>& connection) {
          held.push_back(connection);
          std::weak_ptr<TlsConnection> weak = connection;
          connection->start(
              [weak](std::vector<std::uint8_t> message) {
                if (auto self = weak.lock()) self->send(std::move(message));
              },
              [](const std::string&) {});
        });
    port = tls_server->local_endpoint().port();
  }
  const auto line = std::to_string(port) + "\n";
  if (write(report_fd, line.data(), line.size()) != static_cast<ssize_t>(line.size())) _exit(2);
  close(report_fd);
  io.run();
  _exit(0);
}

// ---- the parent: clients and measurements -------------------------------

double rss_kib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6));
  }
  throw std::runtime_error("no VmRSS for the server process");
}

struct Child {
  pid_t pid = -1;
  std::uint16_t port = 0;
};

Child spawn(ServerKind kind, std::size_t clients) {
  int report[2];
  if (pipe(report) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    close(report[0]);
    // A fresh program image: nothing of this process's heap in the child's RSS.
    const auto kind_arg = std::string(kind_name(kind));
    const auto clients_arg = std::to_string(clients);
    const auto fd_arg = std::to_string(report[1]);
    execl("/proc/self/exe", "overlay_scale_bench", "--serve", kind_arg.c_str(), clients_arg.c_str(),
          fd_arg.c_str(), nullptr);
    _exit(127);
  }
  close(report[1]);
  pollfd ready{report[0], POLLIN, 0};
  std::string text;
  char buffer[16];
  while (text.find('\n') == std::string::npos && poll(&ready, 1, 10'000) == 1) {
    const auto got = read(report[0], buffer, sizeof buffer);
    if (got <= 0) break;
    text.append(buffer, static_cast<std::size_t>(got));
  }
  close(report[0]);
  if (text.find('\n') == std::string::npos) {
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    throw std::runtime_error("the server process did not start");
  }
  return {pid, static_cast<std::uint16_t>(std::stoul(text))};
}

void end(const Child& child) {
  kill(child.pid, SIGKILL);  // the bench's own child, by its pid
  waitpid(child.pid, nullptr, 0);
}

struct Outcome {
  std::size_t attached = 0;
  std::size_t failed = 0;
  std::string first_error;
  std::vector<double> attach_ms;
};

// Opens clients connections, in_flight at a time; each counts as attached on
// AttachOk (super node) or on its echo (baseline). The connections stay open
// in held until the caller drops them.
Outcome attach_clients(boost::asio::io_context& io, ServerKind kind, std::uint16_t port,
                       std::size_t clients, std::vector<std::shared_ptr<TlsConnection>>& held) {
  Outcome outcome;
  std::size_t next = 0;
  std::size_t running = 0;
  ConnectionLimits limits;
  limits.max_frame_bytes = parley::overlay::kMaxMessageBytes;
  limits.idle_timeout = 0ms;
  const parley::net::HostPort server{"127.0.0.1", port};
  held.reserve(clients);

  std::function<void()> start_more;
  auto finish = [&](bool ok, Clock::time_point started, const std::string& error) {
    --running;
    if (ok) {
      ++outcome.attached;
      outcome.attach_ms.push_back(
          std::chrono::duration<double, std::milli>(Clock::now() - started).count());
    } else {
      ++outcome.failed;
      if (outcome.first_error.empty()) outcome.first_error = error;
    }
    start_more();
  };
  start_more = [&] {
    while (running < in_flight && next < clients) {
      ++running;
      const auto index = next++;
      const auto started = Clock::now();
      parley::overlay::connect_tofu(
          io, server, std::nullopt, limits, 10s,
          [&, index, started](std::shared_ptr<TlsConnection> connection, const std::string& error) {
            if (!error.empty()) return finish(false, started, error);
            held.push_back(connection);
            auto done = std::make_shared<bool>(false);
            connection->start(
                [&, started, done](std::vector<std::uint8_t> bytes) {
                  if (*done) return;
                  *done = true;
                  if (kind == ServerKind::tls_baseline) return finish(true, started, {});
                  const auto decoded = parley::overlay::decode(bytes);
                  // Hello comes first; only AttachOk or AttachRefused ends the wait.
                  if (decoded.message && decoded.message->has_hello()) {
                    *done = false;
                    return;
                  }
                  const bool ok = decoded.message && decoded.message->has_attach_ok();
                  finish(ok, started, ok ? "" : "no AttachOk");
                },
                [&, started, done](const std::string& reason) {
                  if (*done) return;
                  *done = true;
                  finish(false, started, reason);
                });
            connection->send(parley::overlay::encode(parley::overlay::make_hello()));
            parley::overlay::OverlayMessage attach;
            attach.mutable_attach()->set_node_name("bench-" + std::to_string(index));
            connection->send(parley::overlay::encode(attach));
          });
    }
    if (running == 0 && next == clients) io.stop();
  };
  boost::asio::steady_timer deadline(io, kRoundDeadline);
  deadline.async_wait([&](const boost::system::error_code& error) {
    if (!error) io.stop();
  });
  start_more();
  io.run();
  return outcome;
}

double percentile(std::vector<double> samples, double fraction) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  return samples[static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1))];
}

struct Row {
  std::size_t clients = 0;
  std::size_t attached = 0;
  double rss_before_mib = 0;
  double rss_after_mib = 0;
  double kib_per_client = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double seconds = 0;
};

Row measure(ServerKind kind, std::size_t clients) {
  const auto child = spawn(kind, clients);
  Row row;
  row.clients = clients;
  // The connections go before the io_context they were made on.
  boost::asio::io_context io;
  std::vector<std::shared_ptr<TlsConnection>> held;
  try {
    const double before = rss_kib(child.pid);
    const auto start = Clock::now();
    const auto outcome = attach_clients(io, kind, child.port, clients, held);
    row.seconds = std::chrono::duration<double>(Clock::now() - start).count();
    const double after = rss_kib(child.pid);
    row.attached = outcome.attached;
    row.rss_before_mib = before / 1024;
    row.rss_after_mib = after / 1024;
    row.kib_per_client =
        outcome.attached > 0 ? (after - before) / static_cast<double>(outcome.attached) : 0;
    row.p50_ms = percentile(outcome.attach_ms, 0.50);
    row.p99_ms = percentile(outcome.attach_ms, 0.99);
    if (outcome.failed > 0) {
      std::fprintf(stderr, "bench: %s: %zu of %zu clients failed (first: %s)\n",
                   std::string(kind_name(kind)).c_str(), outcome.failed, clients,
                   outcome.first_error.c_str());
    }
  } catch (...) {
    end(child);
    throw;
  }
  end(child);
  held.clear();
  malloc_trim(0);
  return row;
}

// Raises the soft descriptor limit to the hard one; returns the clients that fit.
std::size_t max_clients_that_fit() {
  rlimit limit{};
  getrlimit(RLIMIT_NOFILE, &limit);
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
  getrlimit(RLIMIT_NOFILE, &limit);
  return limit.rlim_cur > kSpareDescriptors ? limit.rlim_cur - kSpareDescriptors : 0;
}

std::vector<std::size_t> parse_list(const std::string& text) {
  std::vector<std::size_t> out;
  std::size_t at = 0;
  while (at < text.size()) {
    const auto comma = text.find(',', at);
    out.push_back(std::stoul(text.substr(at, comma - at)));
    if (comma == std::string::npos) break;
    at = comma + 1;
  }
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 4 && args[0] == "--serve") {
    const auto kind = args[1] == "super-node" ? ServerKind::super_node : ServerKind::tls_baseline;
    serve(kind, std::stoul(args[2]), std::stoi(args[3]));
  }
  std::vector<std::size_t> counts = {100, 1000, 5000};
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool has_value = i + 1 < args.size();
    if (args[i] == "--quick") {
      counts = {100, 500};
    } else if (args[i] == "--clients" && has_value) {
      counts = parse_list(args[++i]);
    } else if (args[i] == "--in-flight" && has_value) {
      in_flight = std::max<std::size_t>(1, std::stoul(args[++i]));
    } else {
      std::fprintf(stderr,
                   "usage: overlay_scale_bench [--quick | --clients M1,M2,...] [--in-flight N]\n");
      return 2;
    }
  }

  const auto fit = max_clients_that_fit();
  std::printf("%-8s %-10s %9s %9s %9s %10s %8s %8s %7s\n", "clients", "server", "attached",
              "RSS0 MiB", "RSS MiB", "KiB/client", "p50 ms", "p99 ms", "wall s");
  try {
    for (const auto clients : counts) {
      if (clients > fit) {
        std::printf("%-8zu skipped: RLIMIT_NOFILE allows about %zu connections here\n", clients,
                    fit);
        continue;
      }
      double per_client[2] = {0, 0};
      for (const auto kind : {ServerKind::tls_baseline, ServerKind::super_node}) {
        const auto row = measure(kind, clients);
        per_client[kind == ServerKind::super_node] = row.kib_per_client;
        std::printf("%-8zu %-10s %9zu %9.1f %9.1f %10.1f %8.2f %8.2f %7.1f\n", row.clients,
                    std::string(kind_name(kind)).c_str(), row.attached, row.rss_before_mib,
                    row.rss_after_mib, row.kib_per_client, row.p50_ms, row.p99_ms, row.seconds);
      }
      std::printf("%-8zu overlay adds %.1f KiB per client over TLS alone (%.2fx)\n", clients,
                  per_client[1] - per_client[0],
                  per_client[0] > 0 ? per_client[1] / per_client[0] : 0.0);
      std::fflush(stdout);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench: %s\n", error.what());
    return 1;
  }
  return 0;
}
