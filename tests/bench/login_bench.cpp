// Logins per second one login server core sustains, over real TLS 1.3.
//
// The server is a real `parley login-server` process with its affinity set
// to one CPU (and one hashing thread); the clients run in this process on the
// other CPUs, each logging in on a fresh connection (TLS handshake, Hello,
// proof of possession, password check, certificate) in a loop. The server's
// CPU time per login is read from /proc and split into Argon2id (measured on
// the same CPU with the server's parameters) and everything else.
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "identity/login_client.hpp"
#include "identity/password_hash.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace parley;

struct Options {
  std::string parley = "parley";
  std::vector<int> clients = {1, 4, 16};
  double seconds = 4;
};

struct ServerProcess {
  pid_t pid = -1;
  FILE* output = nullptr;
  net::HostPort address;
  identity::PublicKey key;
};

std::vector<int> cpus_allowed() {
  cpu_set_t set;
  CPU_ZERO(&set);
  sched_getaffinity(0, sizeof set, &set);
  std::vector<int> cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

void pin_to(const std::vector<int>& cpus) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cpus) CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

ServerProcess start_server(const Options& options, const std::string& data_dir, int server_cpu) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = ::fork();
  if (pid == 0) {
    pin_to({server_cpu});
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::close(pipe_fds[0]);
    ::close(pipe_fds[1]);
    // Throttling off: the benchmark logs in as fast as it can, on purpose.
    ::execl(options.parley.c_str(), options.parley.c_str(), "login-server", "--data-dir",
            data_dir.c_str(), "--listen", "127.0.0.1:0", "--workers", "1",
            "--registrations-per-hour", "0", "--account-free-failures", "1000000",
            "--address-free-failures", "1000000", "--max-connections-per-address", "1024",
            static_cast<char*>(nullptr));
    std::perror("exec parley");
    ::_exit(127);
  }
  ::close(pipe_fds[1]);
  ServerProcess server;
  server.pid = pid;
  server.output = ::fdopen(pipe_fds[0], "r");
  char line[512];
  while (std::fgets(line, sizeof line, server.output) != nullptr) {
    const std::string text(line);
    if (const auto at = text.find("public key "); at != std::string::npos) {
      std::istringstream in(text.substr(at + 11));
      std::string key;
      in >> key;
      server.key = *identity::PublicKey::from_text(key);
    }
    if (const auto at = text.find("listening on "); at != std::string::npos) {
      auto address = text.substr(at + 13);
      address.erase(address.find_last_not_of("\r\n") + 1);
      server.address = *net::parse_host_port(address);
      return server;
    }
  }
  throw std::runtime_error("the login server did not start");
}

std::string stop_server(ServerProcess& server) {
  ::kill(server.pid, SIGTERM);
  std::string stats;
  char line[1024];
  while (std::fgets(line, sizeof line, server.output) != nullptr) {
    const std::string text(line);
    if (text.find("stopped;") != std::string::npos) stats = text;
  }
  ::waitpid(server.pid, nullptr, 0);
  std::fclose(server.output);
  return stats;
}

// utime + stime of a process, milliseconds.
double cpu_ms(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(in)), {});
  std::istringstream fields(content.substr(content.rfind(')') + 2));
  std::string skip;
  for (int i = 0; i < 11; ++i) fields >> skip;  // fields 3..13
  double utime = 0;
  double stime = 0;
  fields >> utime >> stime;
  return (utime + stime) * 1000.0 / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

struct Point {
  int clients = 0;
  std::uint64_t logins = 0;
  std::uint64_t errors = 0;
  double seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  double server_cpu_ms = 0;
};

Point measure(const ServerProcess& server, int clients, double seconds) {
  Point point;
  point.clients = clients;
  std::atomic<std::uint64_t> errors{0};
  std::vector<std::vector<double>> latencies(static_cast<std::size_t>(clients));
  const auto cpu_before = cpu_ms(server.pid);
  const auto start = Clock::now();
  const auto end = start + std::chrono::duration<double>(seconds);
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      const auto key = identity::SigningKey::generate();
      const identity::Secret password("benchmark password");
      const auto user = "bench" + std::to_string(c);
      while (Clock::now() < end) {
        const auto t0 = Clock::now();
        try {
          login::LoginClient client(server.address, server.key);
          (void)client.login(user, password, key);
          latencies[static_cast<std::size_t>(c)].push_back(
              std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
        } catch (const std::exception& error) {
          if (errors++ == 0) std::cerr << "login failed: " << error.what() << '\n';
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  point.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  point.server_cpu_ms = cpu_ms(server.pid) - cpu_before;
  std::vector<double> all;
  for (const auto& list : latencies) all.insert(all.end(), list.begin(), list.end());
  std::sort(all.begin(), all.end());
  point.logins = all.size();
  point.errors = errors;
  if (!all.empty()) {
    point.p50_ms = all[all.size() / 2];
    point.p99_ms = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  return point;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
#ifdef PARLEY_BINARY
  options.parley = PARLEY_BINARY;
#endif
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--parley") {
      options.parley = argv[i + 1];
    } else if (flag == "--seconds") {
      options.seconds = std::stod(argv[i + 1]);
    } else if (flag == "--clients") {
      options.clients.clear();
      std::istringstream list(argv[i + 1]);
      std::string item;
      while (std::getline(list, item, ',')) options.clients.push_back(std::stoi(item));
    }
  }

  const auto cpus = cpus_allowed();
  const int server_cpu = cpus.front();
  std::vector<int> client_cpus(cpus.begin() + (cpus.size() > 1 ? 1 : 0), cpus.end());
  char data_template[] = "/tmp/parley-login-bench-XXXXXX";
  const std::string data_dir = ::mkdtemp(data_template);

  auto server = start_server(options, data_dir, server_cpu);
  pin_to(client_cpus);
  const int max_clients = *std::max_element(options.clients.begin(), options.clients.end());
  {
    login::LoginClient client(server.address, server.key);
    for (int c = 0; c < max_clients; ++c) {
      client.register_account("bench" + std::to_string(c), identity::Secret("benchmark password"));
    }
  }
  std::vector<Point> points;
  for (const int clients : options.clients)
    points.push_back(measure(server, clients, options.seconds));
  const auto stats = stop_server(server);
  // Argon2's CPU time per hash as the server measured it on its own threads,
  // under the same conditions as the logins.
  const auto stat = [&](const std::string& name) {
    const auto at = stats.find(" " + name + "=");
    return at == std::string::npos ? 0.0 : std::stod(stats.substr(at + name.size() + 2));
  };
  const double hashes = stat("argon2_hashes");
  const auto argon2_ms = hashes > 0 ? stat("argon2_cpu_ms") / hashes : 0.0;
  std::filesystem::remove_all(data_dir);

  std::printf(
      "login server on CPU %d (1 hashing thread), clients on %zu other CPU(s); "
      "Argon2id m=19 MiB t=2 p=1: %.1f ms CPU per hash\n",
      server_cpu, client_cpus.size(), argon2_ms);
  std::printf("%7s %7s %9s %8s %8s %11s %11s %11s %12s %6s\n", "clients", "logins", "logins/s",
              "p50 ms", "p99 ms", "CPU ms/lgn", "Argon2 ms", "other ms", "per core/s", "errors");
  for (const auto& point : points) {
    const double per_login = point.logins ? point.server_cpu_ms / point.logins : 0;
    std::printf("%7d %7llu %9.1f %8.1f %8.1f %11.2f %11.2f %11.2f %12.1f %6llu\n", point.clients,
                static_cast<unsigned long long>(point.logins), point.logins / point.seconds,
                point.p50_ms, point.p99_ms, per_login, argon2_ms,
                std::max(0.0, per_login - argon2_ms), per_login > 0 ? 1000.0 / per_login : 0.0,
                static_cast<unsigned long long>(point.errors));
  }
  std::printf(
      "logins/s: measured (the server's CPU may be shared); CPU ms/lgn: the server process's CPU "
      "time per login; Argon2 ms: CPU time of one hash; other: TLS 1.3 handshake, Ed25519 proof "
      "check, certificate signing, SQLite read; per core/s: 1000 / CPU ms per login, what one "
      "unshared core sustains\n");
  std::printf("server: %s", stats.c_str());
  return 0;
}
