// User search at scale: N directory nodes (the OpenDHT plugin, loaded by the
// kernel, all in this process on 127.0.0.1) holding M published user records.
// Measures exact lookups of random users from random nodes (p50/p99, against
// the seed's 3-4 s Skype user search), prefix lookups, publish throughput and
// resident memory per node and per record.
//
//   directory_bench [--quick | --full | --nodes N --records M1,M2,...] [--json]
//
// --quick (what ctest runs): N = 10, 50 with M = 100, 1000; about 10 s.
// --full (by hand): N = 10, 50, 200 with M = 100, 1000, 10000, except 50 nodes
// stop at 1000 (their 10000 adds a minute; `--nodes 50 --records
// 100,1000,10000` runs it); about 2.5 min on 2 cores. Records grow
// cumulatively within one network (100, then 900 more, then 9000 more), so
// each N starts its network once; each N runs in a child process of its own.
#include <malloc.h>
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "free_port.hpp"
#include "plugin/directory_plugin.hpp"
#include "plugin/plugin_loader.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
using parley::plugin::DirectoryNode;
using parley::plugin::DirectoryPlugin;
using parley::plugin::DirectoryRecord;
using parley::plugin::PluginCallError;

constexpr double kSeedSearchMs = 3000;     // "The search took three to four seconds."
constexpr std::size_t kRecordBytes = 300;  // a signed presence record: id, addresses, signature
constexpr auto kTtl = std::chrono::seconds(3600);
constexpr auto kLookupTimeout = 5000ms;
constexpr auto kConnectDeadline = 60s;
constexpr int kLookups = 500;
constexpr int kPrefixLookups = 50;
constexpr int kPublishThreads = 16;  // publishes wait on the network, not the CPU

struct Scenario {
  std::size_t nodes;
  std::vector<std::size_t> records;  // cumulative checkpoints
};

struct Row {
  std::size_t nodes = 0;
  std::size_t records = 0;
  double connect_s = 0;
  double publish_per_s = 0;
  double lookup_p50_ms = 0;
  double lookup_p99_ms = 0;
  double found_pct = 0;
  double prefix_p50_ms = 0;
  double rss_per_node_kib = 0;
  double rss_per_record_bytes = 0;
};

// Resident set size, after handing freed heap back to the system so that a
// network stopped earlier does not hide the next one's growth.
double rss_bytes() {
  malloc_trim(0);
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stod(line.substr(6)) * 1024;
  }
  return 0;
}

// Ten characters of [a-z0-9], fixed per index: ids spread over the prefix
// index as real names roughly do (a shared stem like "user0001" would put
// every record under one hot prefix topic).
std::string user_id(std::size_t index) {
  static constexpr std::string_view kAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
  std::mt19937_64 random(index);
  std::string id(10, ' ');
  for (auto& c : id) c = kAlphabet[random() % kAlphabet.size()];
  return id;
}

DirectoryRecord record_of(std::size_t index) {
  DirectoryRecord record(kRecordBytes);
  for (std::size_t i = 0; i < record.size(); ++i) record[i] = static_cast<std::uint8_t>(index + i);
  return record;
}

double percentile_ms(std::vector<double> samples, double fraction) {
  if (samples.empty()) return 0;
  std::sort(samples.begin(), samples.end());
  const auto at = static_cast<std::size_t>(fraction * static_cast<double>(samples.size() - 1));
  return samples[at];
}

double ms_since(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Nodes join one at a time through up to three random nodes already in, as a
// network grows.
std::vector<DirectoryNode> start_network(const DirectoryPlugin& directory, std::size_t count,
                                         std::mt19937& random) {
  std::vector<DirectoryNode> nodes;
  std::vector<std::string> addresses;
  while (nodes.size() < count) {
    std::vector<std::string> bootstrap;
    std::sample(addresses.begin(), addresses.end(), std::back_inserter(bootstrap), 3, random);
    for (int attempt = 0;; ++attempt) {
      const auto address = "127.0.0.1:" + std::to_string(parley::test::free_udp_port());
      try {
        nodes.push_back(directory.start({address, bootstrap, {}}));
        addresses.push_back(address);
        break;
      } catch (const PluginCallError& error) {
        if (error.status() != PARLEY_ERR_IO || attempt == 4) throw;
      }
    }
  }
  const auto deadline = Clock::now() + kConnectDeadline;
  // Three good peers each: with only one, a young network's routing sends some
  // first lookups to the wrong nodes. A peer turns good when it answers a
  // request, so every node first looks something up, as a new super node would.
  for (auto& node : nodes) {
    try {
      (void)node.lookup("warm-up", 1000ms);
    } catch (const PluginCallError&) {
    }
  }
  while (Clock::now() < deadline &&
         !std::all_of(nodes.begin(), nodes.end(), [&](const DirectoryNode& node) {
           return node.peer_count() >= std::min<std::size_t>(count - 1, 3);
         })) {
    std::this_thread::sleep_for(50ms);  // a poll interval, bounded by the deadline
  }
  return nodes;
}

// Publishes users [from, to) from random nodes; returns publishes per second.
double publish_range(std::vector<DirectoryNode>& nodes, std::size_t from, std::size_t to) {
  std::atomic<std::size_t> next{from};
  std::atomic<std::size_t> failures{0};
  const auto start = Clock::now();
  std::vector<std::thread> workers;
  for (int w = 0; w < kPublishThreads; ++w) {
    workers.emplace_back([&, w] {
      std::mt19937 random(static_cast<unsigned>(w + 1));
      for (auto index = next++; index < to; index = next++) {
        try {
          nodes[random() % nodes.size()].publish(user_id(index), record_of(index), kTtl);
        } catch (const PluginCallError&) {
          ++failures;
        }
      }
    });
  }
  for (auto& worker : workers) worker.join();
  if (failures > 0) std::fprintf(stderr, "bench: %zu publishes failed\n", failures.load());
  return static_cast<double>(to - from) / (ms_since(start) / 1000);
}

void measure_lookups(const std::vector<DirectoryNode>& nodes, std::size_t records,
                     std::mt19937& random, Row& row) {
  std::vector<double> latencies_ms;
  int found = 0;
  for (int i = 0; i < kLookups; ++i) {
    const auto index = random() % records;
    const auto& node = nodes[random() % nodes.size()];
    const auto start = Clock::now();
    try {
      const auto result = node.lookup(user_id(index), kLookupTimeout);
      if (result.size() == 1 && result.front() == record_of(index)) ++found;
    } catch (const PluginCallError&) {
    }
    latencies_ms.push_back(ms_since(start));
  }
  row.lookup_p50_ms = percentile_ms(latencies_ms, 0.50);
  row.lookup_p99_ms = percentile_ms(latencies_ms, 0.99);
  row.found_pct = 100.0 * found / kLookups;

  std::vector<double> prefix_ms;
  for (int i = 0; i < kPrefixLookups; ++i) {
    // The first 4 characters of a published id: that user and any others sharing them.
    const auto prefix = user_id(random() % records).substr(0, 4);
    const auto start = Clock::now();
    try {
      (void)nodes[random() % nodes.size()].lookup_prefix(prefix, kLookupTimeout);
    } catch (const PluginCallError&) {
    }
    prefix_ms.push_back(ms_since(start));
  }
  row.prefix_p50_ms = percentile_ms(prefix_ms, 0.50);
}

std::vector<Row> run(const DirectoryPlugin& directory, const Scenario& scenario) {
  std::vector<Row> rows;
  std::mt19937 random(42);
  const auto rss_before = rss_bytes();
  const auto start = Clock::now();
  auto nodes = start_network(directory, scenario.nodes, random);
  const double connect_s = ms_since(start) / 1000;
  const auto rss_nodes = rss_bytes();
  std::size_t published = 0;
  for (const auto records : scenario.records) {
    Row row;
    row.nodes = scenario.nodes;
    row.records = records;
    row.connect_s = connect_s;
    row.rss_per_node_kib = (rss_nodes - rss_before) / 1024 / static_cast<double>(scenario.nodes);
    row.publish_per_s = publish_range(nodes, published, records);
    published = records;
    const auto rss_records = rss_bytes();
    row.rss_per_record_bytes = (rss_records - rss_nodes) / static_cast<double>(records);
    measure_lookups(nodes, records, random, row);
    rows.push_back(row);
    std::fprintf(stderr, "bench: %zu nodes, %zu records done\n", row.nodes, row.records);
  }
  return rows;
}

nlohmann::json to_json(const Row& row) {
  return {{"nodes", row.nodes},
          {"records", row.records},
          {"connect_s", row.connect_s},
          {"publish_per_s", row.publish_per_s},
          {"lookup_p50_ms", row.lookup_p50_ms},
          {"lookup_p99_ms", row.lookup_p99_ms},
          {"found_pct", row.found_pct},
          {"prefix_p50_ms", row.prefix_p50_ms},
          {"seed_search_ms", kSeedSearchMs},
          {"rss_per_node_kib", row.rss_per_node_kib},
          {"rss_per_record_bytes", row.rss_per_record_bytes}};
}

Row from_json(const nlohmann::json& json) {
  Row row;
  row.nodes = json.at("nodes");
  row.records = json.at("records");
  row.connect_s = json.at("connect_s");
  row.publish_per_s = json.at("publish_per_s");
  row.lookup_p50_ms = json.at("lookup_p50_ms");
  row.lookup_p99_ms = json.at("lookup_p99_ms");
  row.found_pct = json.at("found_pct");
  row.prefix_p50_ms = json.at("prefix_p50_ms");
  row.rss_per_node_kib = json.at("rss_per_node_kib");
  row.rss_per_record_bytes = json.at("rss_per_record_bytes");
  return row;
}

std::string join(const std::vector<std::size_t>& values) {
  std::string joined;
  for (const auto value : values) joined += (joined.empty() ? "" : ",") + std::to_string(value);
  return joined;
}

// Each scenario runs in a child process of its own, so that one network's
// memory (which the allocator keeps after it stops) is not counted in the next.
std::vector<Row> run_in_child(const Scenario& scenario) {
  const auto self = std::filesystem::read_symlink("/proc/self/exe").string();
  const auto command = "'" + self + "' --nodes " + std::to_string(scenario.nodes) + " --records " +
                       join(scenario.records) + " --rows-json";
  FILE* child = popen(command.c_str(), "r");
  if (child == nullptr) throw std::runtime_error("cannot run " + command);
  std::string output;
  char buffer[4096];
  while (const auto size = std::fread(buffer, 1, sizeof buffer, child)) output.append(buffer, size);
  if (pclose(child) != 0) throw std::runtime_error("scenario failed: " + command);
  std::vector<Row> rows;
  for (const auto& row : nlohmann::json::parse(output)) rows.push_back(from_json(row));
  return rows;
}

std::vector<std::size_t> parse_list(const std::string& list) {
  std::vector<std::size_t> values;
  for (std::size_t at = 0; at < list.size();) {
    const auto comma = std::min(list.find(',', at), list.size());
    values.push_back(std::stoul(list.substr(at, comma - at)));
    at = comma + 1;
  }
  return values;
}

}  // namespace

int main(int argc, char** argv) {
  bool full = false;
  bool as_json = false;
  bool rows_json = false;  // a child: one scenario in this process, rows as JSON only
  Scenario custom{0, {}};
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--full") == 0) full = true;
    if (std::strcmp(argv[i], "--quick") == 0) full = false;
    if (std::strcmp(argv[i], "--json") == 0) as_json = true;
    if (std::strcmp(argv[i], "--rows-json") == 0) rows_json = true;
    if (std::strcmp(argv[i], "--nodes") == 0 && i + 1 < argc) custom.nodes = std::stoul(argv[++i]);
    if (std::strcmp(argv[i], "--records") == 0 && i + 1 < argc)
      custom.records = parse_list(argv[++i]);
  }

  if (rows_json) {
    const auto record = parley::plugin::load_plugin(std::filesystem::path(PARLEY_BUILT_PLUGIN_DIR) /
                                                    "parley-directory-opendht.so");
    if (!record.loaded || record.interfaces.empty()) {
      std::fprintf(stderr, "bench: cannot load the OpenDHT directory plugin: %s\n",
                   record.reason.c_str());
      return 1;
    }
    const DirectoryPlugin directory({&record, &record.interfaces[0]});
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& row : run(directory, custom)) rows.push_back(to_json(row));
    std::printf("%s\n", rows.dump().c_str());
    return 0;
  }

  const bool one_scenario = custom.nodes > 0 && !custom.records.empty();
  const std::vector<Scenario> scenarios =
      one_scenario ? std::vector<Scenario>{custom}
      : full       ? std::vector<Scenario>{{10, {100, 1000, 10000}},
                                           {50, {100, 1000}},
                                           {200, {100, 1000, 10000}}}
                   : std::vector<Scenario>{{10, {100, 1000}}, {50, {100, 1000}}};
  const auto start = Clock::now();
  std::vector<Row> rows;
  try {
    for (const auto& scenario : scenarios) {
      for (const auto& row : run_in_child(scenario)) rows.push_back(row);
    }
  } catch (const std::exception& error) {
    std::fprintf(stderr, "bench: %s\n", error.what());
    return 1;
  }

  std::printf(
      "Directory user search, OpenDHT plugin, %s run, all nodes in one process on "
      "127.0.0.1 (%u cores), %zu-byte records; seed: Skype search took 3-4 s\n",
      one_scenario ? "custom"
      : full       ? "full"
                   : "quick",
      std::thread::hardware_concurrency(), kRecordBytes);
  std::printf("%6s %8s %9s %10s %10s %10s %7s %11s %9s %12s %14s\n", "NODES", "RECORDS",
              "CONNECT s", "PUBLISH/s", "LOOKUP p50", "p99 ms", "FOUND%", "PREFIX p50", "p99/SEED",
              "RSS/NODE KiB", "RSS/RECORD B");
  nlohmann::json results = nlohmann::json::array();
  for (const auto& row : rows) {
    std::printf("%6zu %8zu %9.1f %10.0f %10.2f %10.2f %7.1f %11.2f %8.4fx %12.0f %14.0f\n",
                row.nodes, row.records, row.connect_s, row.publish_per_s, row.lookup_p50_ms,
                row.lookup_p99_ms, row.found_pct, row.prefix_p50_ms,
                row.lookup_p99_ms / kSeedSearchMs, row.rss_per_node_kib, row.rss_per_record_bytes);
    results.push_back(to_json(row));
  }
  std::printf(
      "CONNECT: until every node has 3 good peers. RSS/RECORD: every copy the network "
      "keeps (8 replicas of the record and of its prefix-index entries) and the "
      "publishing node's OpenDHT searches, per record published. Total %.0f s.\n",
      ms_since(start) / 1000);
  if (as_json) std::printf("%s\n", results.dump(2).c_str());
  return 0;
}
