#include "plugin/storage_plugin.hpp"

#include <exception>
#include <stdexcept>
#include <utility>

namespace parley::plugin {
namespace {

parley_str to_c(std::string_view text) {
  return {text.data(), text.size()};
}
std::string from_c(parley_str text) {
  return text.data == nullptr ? std::string{} : std::string(text.data, text.size);
}

// Carries a C++ callback through a C visitor. Nothing may unwind through the
// plugin's frames, so an exception is parked here and rethrown afterwards.
template <typename Callback>
struct VisitorContext {
  const Callback& callback;
  std::exception_ptr failure;
};

int visit_buddy(void* user, const parley_buddy* c) {
  auto& context = *static_cast<VisitorContext<BuddyCallback>*>(user);
  try {
    Buddy buddy{from_c(c->user_id), from_c(c->display_name), from_c(c->group), c->added_unix_ms,
                c->blocked != 0};
    return context.callback(buddy) ? 0 : 1;
  } catch (...) {
    context.failure = std::current_exception();
    return 1;
  }
}

int visit_message(void* user, const parley_message* c) {
  auto& context = *static_cast<VisitorContext<MessageCallback>*>(user);
  try {
    StoredMessage message{from_c(c->message_id), from_c(c->peer_user_id),
                          static_cast<parley_message_direction>(c->direction), c->sent_unix_ms,
                          from_c(c->body)};
    return context.callback(message) ? 0 : 1;
  } catch (...) {
    context.failure = std::current_exception();
    return 1;
  }
}

}  // namespace

StoragePlugin::StoragePlugin(const Offer& offer)
    : api_(static_cast<const parley_storage_api*>(offer.interface->api)),
      name_(offer.interface->name),
      library_(offer.plugin->library) {
  if (api_ == nullptr || api_->open == nullptr || api_->close == nullptr) {
    throw std::runtime_error("storage " + name_ + " has an incomplete table");
  }
}

Store StoragePlugin::open(const std::string& location) const {
  void* handle = nullptr;
  const auto status = api_->open(to_c(location), &handle);
  if (status != PARLEY_OK) {
    throw PluginCallError(
        status, "storage " + name_ + ": cannot open " + location + ": " + describe_status(status));
  }
  return {*this, handle};
}

Store::Store(StoragePlugin plugin, void* handle) : plugin_(std::move(plugin)), handle_(handle) {}
Store::Store(Store&& other) noexcept
    : plugin_(std::move(other.plugin_)),  // other keeps no handle, so needs no plugin
      handle_(std::exchange(other.handle_, nullptr)) {}
Store::~Store() {
  if (handle_ != nullptr) plugin_.api_->close(handle_);
}

void Store::check(parley_status status, const char* call) const {
  if (status != PARLEY_OK) {
    throw PluginCallError(
        status, "storage " + plugin_.name_ + ": " + call + " failed: " + describe_status(status));
  }
}

void Store::put_buddy(const Buddy& buddy) {
  parley_buddy c{};
  c.struct_size = sizeof c;
  c.user_id = to_c(buddy.user_id);
  c.display_name = to_c(buddy.display_name);
  c.group = to_c(buddy.group);
  c.added_unix_ms = buddy.added_unix_ms;
  c.blocked = buddy.blocked ? 1u : 0u;
  check(plugin_.api_->buddy_put(handle_, &c), "buddy_put");
}

bool Store::remove_buddy(std::string_view user_id) {
  const auto status = plugin_.api_->buddy_remove(handle_, to_c(user_id));
  if (status == PARLEY_ERR_NOT_FOUND) return false;
  check(status, "buddy_remove");
  return true;
}

void Store::for_each_buddy(const BuddyCallback& callback) const {
  VisitorContext<BuddyCallback> context{callback, nullptr};
  const auto status = plugin_.api_->buddy_list(handle_, &visit_buddy, &context);
  if (context.failure) std::rethrow_exception(context.failure);
  check(status, "buddy_list");
}

std::vector<Buddy> Store::buddies() const {
  std::vector<Buddy> all;
  for_each_buddy([&](const Buddy& buddy) {
    all.push_back(buddy);
    return true;
  });
  return all;
}

void Store::append_message(const StoredMessage& message) {
  parley_message c{};
  c.struct_size = sizeof c;
  c.message_id = to_c(message.message_id);
  c.peer_user_id = to_c(message.peer_user_id);
  c.direction = message.direction;
  c.sent_unix_ms = message.sent_unix_ms;
  c.body = to_c(message.body);
  check(plugin_.api_->message_append(handle_, &c), "message_append");
}

void Store::for_each_message(std::string_view peer_user_id, std::int64_t since_unix_ms,
                             std::uint32_t limit, const MessageCallback& callback) const {
  VisitorContext<MessageCallback> context{callback, nullptr};
  const auto status = plugin_.api_->message_history(handle_, to_c(peer_user_id), since_unix_ms,
                                                    limit, &visit_message, &context);
  if (context.failure) std::rethrow_exception(context.failure);
  check(status, "message_history");
}

std::vector<StoredMessage> Store::history(std::string_view peer_user_id, std::int64_t since_unix_ms,
                                          std::uint32_t limit) const {
  std::vector<StoredMessage> all;
  for_each_message(peer_user_id, since_unix_ms, limit, [&](const StoredMessage& message) {
    all.push_back(message);
    return true;
  });
  return all;
}

}  // namespace parley::plugin
