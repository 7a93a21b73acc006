#include "plugin/directory_plugin.hpp"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <utility>

#include "log/log.hpp"

namespace parley::plugin {

// The plugin's node. Subscriptions share it so that their unlisten and the
// node's stop never race: stop takes the lock exclusively, unlisten shared.
struct DirectoryNode::Engine {
  DirectoryPlugin plugin;
  mutable std::shared_mutex lifetime;
  void* handle = nullptr;  // null once stopped

  Engine(DirectoryPlugin p, void* h) : plugin(std::move(p)), handle(h) {}
  Engine(const Engine&) = delete;
  Engine& operator=(const Engine&) = delete;
  ~Engine() { stop(); }
  void stop() {
    const std::unique_lock lock(lifetime);
    if (handle != nullptr) plugin.api_->stop(std::exchange(handle, nullptr));
  }
};

struct DirectorySubscription::Context {
  DirectoryChangeCallback on_change;
  std::string source;  // for the log
};

namespace {

parley_str to_c(std::string_view text) {
  return {text.data(), text.size()};
}
std::string_view from_c(parley_str text) {
  return text.data == nullptr ? std::string_view{} : std::string_view{text.data, text.size};
}

std::string join(const std::vector<std::string>& parts) {
  std::string joined;
  for (const auto& part : parts) {
    if (!joined.empty()) joined += ',';
    joined += part;
  }
  return joined;
}

// Durations cross the ABI as uint32; out-of-range values saturate, so the
// plugin refuses them (ttl 0, ttl too long) rather than seeing them wrap.
template <typename Duration>
std::uint32_t saturated(Duration duration) {
  return static_cast<std::uint32_t>(
      std::clamp<typename Duration::rep>(duration.count(), 0, UINT32_MAX));
}

void check(parley_status status, const std::string& name, const char* call) {
  if (status != PARLEY_OK) {
    throw PluginCallError(
        status, "directory " + name + ": " + call + " failed: " + describe_status(status));
  }
}

// Carries a C++ callback through a C visitor. Nothing may unwind through the
// plugin's frames, so an exception is parked here and rethrown afterwards.
template <typename Item>
struct Collector {
  std::vector<Item> items;
  std::exception_ptr failure;
};

int collect_record(void* user, parley_str /*key*/, const std::uint8_t* record, std::size_t size) {
  auto& collector = *static_cast<Collector<DirectoryRecord>*>(user);
  try {
    collector.items.emplace_back(record, record + size);
    return 0;
  } catch (...) {
    collector.failure = std::current_exception();
    return 1;
  }
}

int collect_keyed_record(void* user, parley_str key, const std::uint8_t* record, std::size_t size) {
  auto& collector = *static_cast<Collector<KeyedRecord>*>(user);
  try {
    collector.items.push_back({std::string(from_c(key)), DirectoryRecord(record, record + size)});
    return 0;
  } catch (...) {
    collector.failure = std::current_exception();
    return 1;
  }
}

int deliver_change(void* user, parley_str key, const std::uint8_t* record, std::size_t size) {
  auto& context = *static_cast<DirectorySubscription::Context*>(user);
  try {
    DirectoryChange change;
    change.key = std::string(from_c(key));
    change.expired = record == nullptr;
    if (record != nullptr) change.record.assign(record, record + size);
    context.on_change(change);
  } catch (const std::exception& error) {
    log::warn(context.source, std::string("change callback failed: ") + error.what());
  } catch (...) {
    log::warn(context.source, "change callback failed");
  }
  return 0;
}

// The deadline rule of lookup and lookup_prefix (directory_plugin.hpp).
template <typename Item>
std::vector<Item> finish_lookup(parley_status status, Collector<Item>& collector,
                                const std::string& name, const char* call) {
  if (collector.failure) std::rethrow_exception(collector.failure);
  if (status == PARLEY_ERR_TIMEOUT && !collector.items.empty()) return std::move(collector.items);
  check(status, name, call);
  return std::move(collector.items);
}

}  // namespace

DirectoryPlugin::DirectoryPlugin(const Offer& offer)
    : api_(static_cast<const parley_directory_api*>(offer.interface->api)),
      api_size_(offer.interface->api_size),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  if (api_ == nullptr || api_->info == nullptr || api_->start == nullptr || api_->stop == nullptr ||
      api_->publish == nullptr || api_->lookup == nullptr || api_->peer_count == nullptr) {
    throw std::runtime_error("directory " + name_ + " has an incomplete table");
  }
}

bool DirectoryPlugin::supports_listen() const {
  return (info().capabilities & PARLEY_DIRECTORY_CAP_LISTEN) != 0 && api_->listen != nullptr &&
         api_->unlisten != nullptr;
}

bool DirectoryPlugin::supports_prefix() const {
  return (info().capabilities & PARLEY_DIRECTORY_CAP_PREFIX) != 0 && api_->lookup_prefix != nullptr;
}

DirectoryNode DirectoryPlugin::start(const DirectoryNodeConfig& config) const {
  const auto bootstrap = join(config.bootstrap);
  parley_directory_config c{};
  c.struct_size = sizeof c;
  c.listen = to_c(config.listen);
  c.bootstrap = to_c(bootstrap);
  c.state_dir = to_c(config.state_dir);
  void* handle = nullptr;
  check(api_->start(&c, &handle), name_, "start");
  return DirectoryNode(std::make_shared<DirectoryNode::Engine>(*this, handle));
}

DirectoryNode::DirectoryNode(std::shared_ptr<Engine> engine) : engine_(std::move(engine)) {}

DirectoryNode::~DirectoryNode() {
  if (engine_) engine_->stop();
}

const DirectoryPlugin& DirectoryNode::plugin() const {
  return engine_->plugin;
}

void DirectoryNode::publish(std::string_view key, std::span<const std::uint8_t> record,
                            std::chrono::seconds ttl) {
  const auto& plugin = engine_->plugin;
  check(plugin.api_->publish(engine_->handle, to_c(key), record.data(), record.size(),
                             saturated(ttl)),
        plugin.name_, "publish");
}

std::vector<DirectoryRecord> DirectoryNode::lookup(std::string_view key,
                                                   std::chrono::milliseconds timeout) const {
  const auto& plugin = engine_->plugin;
  Collector<DirectoryRecord> collector;
  const auto status = plugin.api_->lookup(engine_->handle, to_c(key), saturated(timeout),
                                          &collect_record, &collector);
  return finish_lookup(status, collector, plugin.name_, "lookup");
}

std::vector<KeyedRecord> DirectoryNode::lookup_prefix(std::string_view prefix,
                                                      std::chrono::milliseconds timeout) const {
  const auto& plugin = engine_->plugin;
  if (!plugin.supports_prefix()) check(PARLEY_ERR_UNSUPPORTED, plugin.name_, "lookup_prefix");
  Collector<KeyedRecord> collector;
  const auto status = plugin.api_->lookup_prefix(engine_->handle, to_c(prefix), saturated(timeout),
                                                 &collect_keyed_record, &collector);
  return finish_lookup(status, collector, plugin.name_, "lookup_prefix");
}

DirectorySubscription DirectoryNode::listen(std::string_view key,
                                            DirectoryChangeCallback on_change) const {
  const auto& plugin = engine_->plugin;
  if (!plugin.supports_listen()) check(PARLEY_ERR_UNSUPPORTED, plugin.name_, "listen");
  auto context = std::make_unique<DirectorySubscription::Context>(
      DirectorySubscription::Context{std::move(on_change), "directory " + plugin.name_});
  std::uint64_t token = 0;
  check(plugin.api_->listen(engine_->handle, to_c(key), &deliver_change, context.get(), &token),
        plugin.name_, "listen");
  return {engine_, std::move(context), token};
}

std::uint32_t DirectoryNode::peer_count() const {
  return engine_->plugin.api_->peer_count(engine_->handle);
}

std::uint16_t DirectoryNode::bound_port() const {
  const auto& plugin = engine_->plugin;
  if (!PARLEY_TABLE_HAS(plugin.api_, plugin.api_size_, parley_directory_api, bound_port)) return 0;
  return plugin.api_->bound_port(engine_->handle);
}

bool DirectoryNode::bootstrap(std::string_view address) const {
  const auto& plugin = engine_->plugin;
  if (!PARLEY_TABLE_HAS(plugin.api_, plugin.api_size_, parley_directory_api, bootstrap)) {
    return false;
  }
  check(plugin.api_->bootstrap(engine_->handle, to_c(address)), plugin.name_, "bootstrap");
  return true;
}

DirectorySubscription::DirectorySubscription(std::shared_ptr<DirectoryNode::Engine> engine,
                                             std::unique_ptr<Context> context, std::uint64_t token)
    : engine_(std::move(engine)), context_(std::move(context)), token_(token) {}

DirectorySubscription::DirectorySubscription(DirectorySubscription&& other) noexcept
    : engine_(std::move(other.engine_)),  // other keeps no context, so needs no engine
      context_(std::move(other.context_)),
      token_(other.token_) {}

DirectorySubscription::~DirectorySubscription() {
  if (!context_) return;
  const std::shared_lock lock(engine_->lifetime);
  // A stopped node calls nobody, so only a running one needs telling.
  if (engine_->handle != nullptr) engine_->plugin.api_->unlisten(engine_->handle, token_);
}

}  // namespace parley::plugin
