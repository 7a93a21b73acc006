// Storage plugins in C++. A storage backend is a type T with a nested class
//   class T::Store {
//    public:
//     explicit Store(std::string_view location);     // open or create
//     void buddy_put(const Buddy&);                  // insert or update
//     bool buddy_remove(std::string_view user_id);   // false when absent
//     void buddy_list(const BuddyVisitor&);          // by user id
//     void message_append(const Message&);           // same id twice: one copy
//     void message_history(const HistoryQuery&, const MessageVisitor&);
//   };
// registered with parley::sdk::storage<T>("sqlite", score). Throw
// parley::sdk::Error to return a specific status; the adapter has already
// checked pointers, struct sizes, empty ids and the field bounds of storage.h.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "parley/abi/storage.h"
#include "parley/sdk/plugin.hpp"

namespace parley::sdk {

// What a visitor tells the store: keep going or stop early.
enum class Visit { next, stop };

// Views into the caller's memory, valid only during the call that passes them.
struct Buddy {
  std::string_view user_id;
  std::string_view display_name;
  std::string_view group;
  std::int64_t added_unix_ms = 0;
  bool blocked = false;
};

struct Message {
  std::string_view message_id;
  std::string_view peer_user_id;
  parley_message_direction direction = PARLEY_MESSAGE_SENT;
  std::int64_t sent_unix_ms = 0;
  std::string_view body;
};

struct HistoryQuery {
  std::string_view peer_user_id;
  std::int64_t since_unix_ms = 0;
  std::uint32_t limit = 0;  // 0: all; else the newest `limit`, still delivered oldest first
};

using BuddyVisitor = std::function<Visit(const Buddy&)>;
using MessageVisitor = std::function<Visit(const Message&)>;

namespace detail {

inline bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t length = 0;
    std::uint32_t code = 0;
    if (lead < 0x80) {
      ++i;
      continue;
    }
    if ((lead & 0xe0) == 0xc0) {
      length = 2;
      code = lead & 0x1fu;
    } else if ((lead & 0xf0) == 0xe0) {
      length = 3;
      code = lead & 0x0fu;
    } else if ((lead & 0xf8) == 0xf0) {
      length = 4;
      code = lead & 0x07u;
    } else {
      return false;
    }
    if (text.size() - i < length) return false;
    for (std::size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3fu);
    }
    // Overlong forms, UTF-16 surrogates and code points past U+10FFFF are not UTF-8.
    static constexpr std::uint32_t kMinCode[5] = {0, 0, 0x80, 0x800, 0x10000};
    if (code < kMinCode[length] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) {
      return false;
    }
    i += length;
  }
  return true;
}

// A {pointer, size} from the caller: NULL with a size is a bad pointer, not a string.
inline std::string_view checked_text(parley_str text, std::size_t max_bytes, const char* field,
                                     bool required) {
  if (text.data == nullptr && text.size != 0) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(field) + ": null data with a size");
  }
  const auto view = from_c(text);
  if (required && view.empty())
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(field) + " is empty");
  if (view.size() > max_bytes) {
    throw Error(PARLEY_ERR_LIMIT, std::string(field) + " is " + std::to_string(view.size()) +
                                      " bytes, at most " + std::to_string(max_bytes) + " allowed");
  }
  if (!is_utf8(view))
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(field) + " is not UTF-8");
  return view;
}

inline std::string_view checked_id(parley_str text, const char* field) {
  return checked_text(text, PARLEY_STORAGE_MAX_ID_BYTES, field, true);
}

// Reads a record the caller sized: a field past its struct_size is absent, never read.
template <typename Record>
void require_struct(const Record* record, std::size_t needed, const char* what) {
  if (record == nullptr) throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(what) + " is null");
  if (record->struct_size < needed) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, std::string(what) + " struct_size too small");
  }
}

inline Buddy buddy_from_c(const parley_buddy* c) {
  require_struct(c, sizeof(parley_buddy), "buddy");
  Buddy buddy;
  buddy.user_id = checked_id(c->user_id, "user_id");
  buddy.display_name =
      checked_text(c->display_name, PARLEY_STORAGE_MAX_NAME_BYTES, "display_name", false);
  buddy.group = checked_text(c->group, PARLEY_STORAGE_MAX_NAME_BYTES, "group", false);
  buddy.added_unix_ms = c->added_unix_ms;
  buddy.blocked = c->blocked != 0;
  return buddy;
}

inline Message message_from_c(const parley_message* c) {
  require_struct(c, sizeof(parley_message), "message");
  if (c->direction != PARLEY_MESSAGE_SENT && c->direction != PARLEY_MESSAGE_RECEIVED) {
    throw Error(PARLEY_ERR_INVALID_ARGUMENT, "message direction is neither sent nor received");
  }
  Message message;
  message.message_id = checked_id(c->message_id, "message_id");
  message.peer_user_id = checked_id(c->peer_user_id, "peer_user_id");
  message.direction = static_cast<parley_message_direction>(c->direction);
  message.sent_unix_ms = c->sent_unix_ms;
  message.body = checked_text(c->body, PARLEY_STORAGE_MAX_BODY_BYTES, "body", false);
  return message;
}

template <typename T>
struct StorageAdapter {
  static constexpr std::uint32_t kind = PARLEY_KIND_STORAGE;
  static constexpr std::uint16_t major = PARLEY_STORAGE_MAJOR;
  static constexpr std::uint16_t minor = PARLEY_STORAGE_MINOR;
  using Store = typename T::Store;

  static parley_status open(parley_str location, void** out) {
    return guard("storage open", [&]() -> parley_status {
      if (out == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      *out = nullptr;
      const auto where = checked_text(location, 4096, "location", true);
      try {
        *out = new Store(where);
      } catch (const Error& error) {
        // The user needs this one (a foreign or damaged file): say it above debug level.
        log(PARLEY_LOG_WARN,
            std::string("cannot open store ") + std::string(where) + ": " + error.what());
        return error.status();
      }
      return PARLEY_OK;
    });
  }
  static void close(void* store) { delete static_cast<Store*>(store); }

  static Store& store_of(void* store) {
    if (store == nullptr) throw Error(PARLEY_ERR_INVALID_ARGUMENT, "store is null");
    return *static_cast<Store*>(store);
  }

  static parley_status buddy_put(void* store, const parley_buddy* buddy) {
    return guard("buddy_put", [&]() -> parley_status {
      store_of(store).buddy_put(buddy_from_c(buddy));
      return PARLEY_OK;
    });
  }

  static parley_status buddy_remove(void* store, parley_str user_id) {
    return guard("buddy_remove", [&]() -> parley_status {
      auto& target = store_of(store);
      return target.buddy_remove(checked_id(user_id, "user_id")) ? PARLEY_OK : PARLEY_ERR_NOT_FOUND;
    });
  }

  static parley_status buddy_list(void* store, parley_buddy_visitor visit, void* user) {
    return guard("buddy_list", [&]() -> parley_status {
      auto& target = store_of(store);
      if (visit == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      target.buddy_list([&](const Buddy& buddy) {
        parley_buddy c{};
        c.struct_size = sizeof c;
        c.user_id = to_c(buddy.user_id);
        c.display_name = to_c(buddy.display_name);
        c.group = to_c(buddy.group);
        c.added_unix_ms = buddy.added_unix_ms;
        c.blocked = buddy.blocked ? 1u : 0u;
        return visit(user, &c) == 0 ? Visit::next : Visit::stop;
      });
      return PARLEY_OK;
    });
  }

  static parley_status message_append(void* store, const parley_message* message) {
    return guard("message_append", [&]() -> parley_status {
      store_of(store).message_append(message_from_c(message));
      return PARLEY_OK;
    });
  }

  static parley_status message_history(void* store, parley_str peer_user_id,
                                       std::int64_t since_unix_ms, std::uint32_t limit,
                                       parley_message_visitor visit, void* user) {
    return guard("message_history", [&]() -> parley_status {
      auto& target = store_of(store);
      if (visit == nullptr) return PARLEY_ERR_INVALID_ARGUMENT;
      const HistoryQuery query{checked_id(peer_user_id, "peer_user_id"), since_unix_ms, limit};
      target.message_history(query, [&](const Message& message) {
        parley_message c{};
        c.struct_size = sizeof c;
        c.message_id = to_c(message.message_id);
        c.peer_user_id = to_c(message.peer_user_id);
        c.direction = message.direction;
        c.sent_unix_ms = message.sent_unix_ms;
        c.body = to_c(message.body);
        return visit(user, &c) == 0 ? Visit::next : Visit::stop;
      });
      return PARLEY_OK;
    });
  }

  static const void* get_api() {
    return build_table_once<parley_storage_api>("storage", [] {
      parley_storage_api api{};
      api.struct_size = sizeof(parley_storage_api);
      api.backend = to_c(backend_name());
      api.open = &open;
      api.close = &close;
      api.buddy_put = &buddy_put;
      api.buddy_remove = &buddy_remove;
      api.buddy_list = &buddy_list;
      api.message_append = &message_append;
      api.message_history = &message_history;
      return api;
    });
  }

  // Set once by storage<T>() before the table is built; static storage outlives the table.
  static std::string& backend_name() {
    static std::string name;
    return name;
  }
};

}  // namespace detail

template <typename T>
parley_interface storage(std::string_view name, std::int32_t score = 0) {
  detail::StorageAdapter<T>::backend_name() = std::string(name);
  return make_interface<detail::StorageAdapter<T>>(name, score);
}

}  // namespace parley::sdk
