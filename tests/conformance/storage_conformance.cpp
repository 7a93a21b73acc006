// What every storage plugin must do, whatever it stores into.
#include <unistd.h>
#include "temp_dir.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

#include "conformance.hpp"
#include "plugin/storage_plugin.hpp"

namespace parley::conformance {
namespace {

using plugin::Buddy;
using plugin::StoragePlugin;
using plugin::Store;
using plugin::StoredMessage;

// A private directory for one test, removed with everything in it.
using test::TempDir;

StoredMessage message(std::string id, std::string peer, std::int64_t sent_unix_ms,
                      std::string body = "hello") {
  return {std::move(id), std::move(peer), PARLEY_MESSAGE_SENT, sent_unix_ms, std::move(body)};
}

std::vector<std::string> ids_of(const std::vector<StoredMessage>& messages) {
  std::vector<std::string> ids;
  for (const auto& m : messages) ids.push_back(m.message_id);
  return ids;
}

parley_str c_str(std::string_view text) {
  return {text.data(), text.size()};
}

class StorageConformance : public testing::TestWithParam<plugin::Offer> {
 protected:
  StoragePlugin storage{GetParam()};
  TempDir dir;
  std::string location = (dir.path() / "parley.store").string();
  const parley_storage_api& api =
      *static_cast<const parley_storage_api*>(GetParam().interface->api);
};

TEST_P(StorageConformance, DescribesItsBackend) {
  EXPECT_GE(api.struct_size, sizeof(parley_storage_api));
  EXPECT_GT(api.backend.size, 0u);
  EXPECT_EQ(std::string_view(api.backend.data, api.backend.size), GetParam().interface->name);
}

TEST_P(StorageConformance, CreatesAMissingStoreEmpty) {
  auto store = storage.open(location);
  EXPECT_TRUE(store.buddies().empty());
  EXPECT_TRUE(store.history("alice").empty());
}

TEST_P(StorageConformance, BuddiesArePutUpdatedListedAndRemoved) {
  auto store = storage.open(location);
  store.put_buddy({"bob", "Bob", "work", 1000, false});
  store.put_buddy({"alice", "Alice", "", 2000, false});
  auto buddies = store.buddies();
  ASSERT_EQ(buddies.size(), 2u);
  EXPECT_EQ(buddies[0].user_id, "alice") << "listed by user id";
  EXPECT_EQ(buddies[1].user_id, "bob");
  EXPECT_EQ(buddies[1].display_name, "Bob");
  EXPECT_EQ(buddies[1].group, "work");
  EXPECT_EQ(buddies[1].added_unix_ms, 1000);

  store.put_buddy({"bob", "Robert", "friends", 3000, true});  // same id: an update
  buddies = store.buddies();
  ASSERT_EQ(buddies.size(), 2u);
  EXPECT_EQ(buddies[1].display_name, "Robert");
  EXPECT_EQ(buddies[1].group, "friends");
  EXPECT_EQ(buddies[1].added_unix_ms, 3000);
  EXPECT_TRUE(buddies[1].blocked);

  EXPECT_TRUE(store.remove_buddy("bob"));
  buddies = store.buddies();
  ASSERT_EQ(buddies.size(), 1u);
  EXPECT_EQ(buddies[0].user_id, "alice");
}

TEST_P(StorageConformance, RemovingAnAbsentBuddyIsNotFound) {
  auto store = storage.open(location);
  EXPECT_FALSE(store.remove_buddy("nobody"));
  EXPECT_EQ(api.buddy_remove(nullptr, c_str("nobody")), PARLEY_ERR_INVALID_ARGUMENT);
}

TEST_P(StorageConformance, HistoryIsOldestFirstWithTiesInStoredOrder) {
  auto store = storage.open(location);
  store.append_message(message("m3", "alice", 300));
  store.append_message(message("m1", "alice", 100));
  store.append_message(message("m2a", "alice", 200));
  store.append_message(message("m2b", "alice", 200));
  store.append_message(message("other", "bob", 150));
  EXPECT_EQ(ids_of(store.history("alice")), (std::vector<std::string>{"m1", "m2a", "m2b", "m3"}));
  EXPECT_EQ(ids_of(store.history("bob")), (std::vector<std::string>{"other"}));
  EXPECT_TRUE(store.history("carol").empty());
}

TEST_P(StorageConformance, HistorySinceAndLimitKeepTheNewest) {
  auto store = storage.open(location);
  for (int i = 1; i <= 10; ++i)
    store.append_message(message("m" + std::to_string(i), "alice", i * 100));
  EXPECT_EQ(ids_of(store.history("alice", 800)), (std::vector<std::string>{"m8", "m9", "m10"}))
      << "since is inclusive";
  EXPECT_EQ(ids_of(store.history("alice", 0, 2)), (std::vector<std::string>{"m9", "m10"}))
      << "limit keeps the newest, still oldest first";
  EXPECT_EQ(ids_of(store.history("alice", 300, 100)).size(), 8u);
  EXPECT_TRUE(store.history("alice", 1001).empty());
}

TEST_P(StorageConformance, MessageFieldsRoundTripExactly) {
  auto store = storage.open(location);
  const std::string body = std::string("grüße 你好 \xF0\x9F\x91\x8B and a NUL: ") + '\0' + "!";
  StoredMessage sent{"id-1", "alice", PARLEY_MESSAGE_RECEIVED, -5, body};
  store.append_message(sent);
  const auto history = store.history("alice", INT64_MIN);
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].message_id, "id-1");
  EXPECT_EQ(history[0].peer_user_id, "alice");
  EXPECT_EQ(history[0].direction, PARLEY_MESSAGE_RECEIVED);
  EXPECT_EQ(history[0].sent_unix_ms, -5);
  EXPECT_EQ(history[0].body, body);
}

TEST_P(StorageConformance, TheSameMessageIdIsKeptOnce) {
  auto store = storage.open(location);
  store.append_message(message("dup", "alice", 100, "first"));
  store.append_message(message("dup", "alice", 100, "first"));
  store.append_message(message("dup", "alice", 200, "a retransmission"));
  const auto history = store.history("alice");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].body, "first");
}

TEST_P(StorageConformance, ReopeningKeepsEverything) {
  {
    auto store = storage.open(location);
    store.put_buddy({"alice", "Alice", "family", 42, false});
    store.append_message(message("m1", "alice", 100, "persist me"));
  }
  auto store = storage.open(location);
  const auto buddies = store.buddies();
  ASSERT_EQ(buddies.size(), 1u);
  EXPECT_EQ(buddies[0].display_name, "Alice");
  const auto history = store.history("alice");
  ASSERT_EQ(history.size(), 1u);
  EXPECT_EQ(history[0].body, "persist me");
}

TEST_P(StorageConformance, VisitorsCanStopEarly) {
  auto store = storage.open(location);
  for (int i = 0; i < 5; ++i) {
    store.put_buddy({"user" + std::to_string(i), "", "", 0, false});
    store.append_message(message("m" + std::to_string(i), "alice", i));
  }
  int buddies_seen = 0;
  store.for_each_buddy([&](const Buddy&) { return ++buddies_seen < 2; });
  EXPECT_EQ(buddies_seen, 2);
  int messages_seen = 0;
  store.for_each_message("alice", 0, 0, [&](const StoredMessage&) { return ++messages_seen < 3; });
  EXPECT_EQ(messages_seen, 3);
}

TEST_P(StorageConformance, VisitorsMayCallBackIntoTheStore) {
  auto store = storage.open(location);
  store.put_buddy({"alice", "", "", 0, false});
  store.put_buddy({"bob", "", "", 0, false});
  store.for_each_buddy([&](const Buddy& buddy) {
    store.append_message(message("seen-" + buddy.user_id, buddy.user_id, 1));
    return true;
  });
  EXPECT_EQ(store.history("alice").size(), 1u);
  EXPECT_EQ(store.history("bob").size(), 1u);
}

TEST_P(StorageConformance, CallbackExceptionsReachTheCaller) {
  auto store = storage.open(location);
  store.put_buddy({"alice", "", "", 0, false});
  EXPECT_THROW(store.for_each_buddy([](const Buddy&) -> bool { throw std::logic_error("stop"); }),
               std::logic_error);
  EXPECT_EQ(store.buddies().size(), 1u) << "store unusable after a throwing visitor";
}

TEST_P(StorageConformance, FieldsPastTheBoundsAreRefusedWithLimit) {
  auto store = storage.open(location);
  const std::string longest_id(PARLEY_STORAGE_MAX_ID_BYTES, 'u');
  const std::string longest_body(PARLEY_STORAGE_MAX_BODY_BYTES, 'b');
  store.put_buddy({longest_id, std::string(PARLEY_STORAGE_MAX_NAME_BYTES, 'n'), "", 0, false});
  store.append_message(message("at-the-bound", longest_id, 1, longest_body));
  EXPECT_EQ(store.history(longest_id).at(0).body.size(), longest_body.size());

  const auto status_of = [](auto&& call) -> parley_status {
    try {
      call();
    } catch (const plugin::PluginCallError& error) {
      return error.status();
    }
    return PARLEY_OK;
  };
  EXPECT_EQ(status_of([&] {
              store.put_buddy({longest_id + "u", "", "", 0, false});
            }),
            PARLEY_ERR_LIMIT);
  EXPECT_EQ(
      status_of([&] {
        store.put_buddy({"a", std::string(PARLEY_STORAGE_MAX_NAME_BYTES + 1, 'n'), "", 0, false});
      }),
      PARLEY_ERR_LIMIT);
  EXPECT_EQ(
      status_of([&] { store.append_message(message("big", "alice", 1, longest_body + "b")); }),
      PARLEY_ERR_LIMIT);
  EXPECT_EQ(status_of([&] {
              store.append_message(
                  message(std::string(PARLEY_STORAGE_MAX_ID_BYTES + 1, 'i'), "alice", 1));
            }),
            PARLEY_ERR_LIMIT);
  EXPECT_TRUE(store.history("alice").empty()) << "a refused message was stored";
}

TEST_P(StorageConformance, BadInputsAreRefusedNotCrashing) {
  void* handle = nullptr;
  EXPECT_EQ(api.open(c_str(location), nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_NE(api.open(parley_str{nullptr, 5}, &handle), PARLEY_OK);
  EXPECT_NE(api.open(parley_str{"", 0}, &handle), PARLEY_OK);
  ASSERT_EQ(api.open(c_str(location), &handle), PARLEY_OK);

  parley_buddy buddy{};
  buddy.struct_size = sizeof buddy;
  EXPECT_EQ(api.buddy_put(handle, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.buddy_put(handle, &buddy), PARLEY_ERR_INVALID_ARGUMENT) << "empty user id";
  buddy.user_id = parley_str{nullptr, 3};
  EXPECT_EQ(api.buddy_put(handle, &buddy), PARLEY_ERR_INVALID_ARGUMENT) << "null with a size";
  buddy.user_id = c_str("alice");
  buddy.struct_size = 4;
  EXPECT_EQ(api.buddy_put(handle, &buddy), PARLEY_ERR_INVALID_ARGUMENT) << "struct_size too small";
  EXPECT_EQ(api.buddy_remove(handle, parley_str{"", 0}), PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.buddy_list(handle, nullptr, nullptr), PARLEY_ERR_INVALID_ARGUMENT);

  parley_message m{};
  m.struct_size = sizeof m;
  m.message_id = c_str("m1");
  m.peer_user_id = c_str("alice");
  EXPECT_EQ(api.message_append(handle, nullptr), PARLEY_ERR_INVALID_ARGUMENT);
  m.direction = 7;
  EXPECT_EQ(api.message_append(handle, &m), PARLEY_ERR_INVALID_ARGUMENT) << "bad direction";
  m.direction = PARLEY_MESSAGE_SENT;
  m.message_id = c_str("");
  EXPECT_EQ(api.message_append(handle, &m), PARLEY_ERR_INVALID_ARGUMENT) << "empty message id";
  m.message_id = c_str("m1");
  m.peer_user_id = c_str("");
  EXPECT_EQ(api.message_append(handle, &m), PARLEY_ERR_INVALID_ARGUMENT) << "empty peer";
  m.peer_user_id = c_str("alice");
  m.body = parley_str{nullptr, 10};
  EXPECT_EQ(api.message_append(handle, &m), PARLEY_ERR_INVALID_ARGUMENT) << "null body with a size";
  EXPECT_EQ(api.message_history(handle, c_str("alice"), 0, 0, nullptr, nullptr),
            PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.message_history(
                handle, c_str(""), 0, 0, [](void*, const parley_message*) { return 0; }, nullptr),
            PARLEY_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(api.message_append(nullptr, &m), PARLEY_ERR_INVALID_ARGUMENT);
  api.close(handle);
}

TEST_P(StorageConformance, AFileThatIsNotAStoreIsRefusedAndLeftAlone) {
  const std::string garbage = "this is a text file, not a Parley store\n";
  std::ofstream(location, std::ios::binary) << garbage;
  try {
    (void)storage.open(location);
    ADD_FAILURE() << "opened a file that is not a store";
  } catch (const plugin::PluginCallError& error) {
    EXPECT_EQ(error.status(), PARLEY_ERR_UNSUPPORTED);
  }
  std::ifstream in(location, std::ios::binary);
  const std::string after((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(after, garbage) << "refusing a file must not change it";
}

TEST_P(StorageConformance, ConcurrentWritersLoseNothing) {
  auto store = storage.open(location);
  constexpr int kPerThread = 25;
  auto writer = [&](const std::string& peer) {
    for (int i = 0; i < kPerThread; ++i)
      store.append_message(message(peer + std::to_string(i), peer, i));
  };
  std::thread first(writer, "alice");
  std::thread second(writer, "bob");
  first.join();
  second.join();
  EXPECT_EQ(store.history("alice").size(), static_cast<std::size_t>(kPerThread));
  EXPECT_EQ(store.history("bob").size(), static_cast<std::size_t>(kPerThread));
}

INSTANTIATE_TEST_SUITE_P(Plugin, StorageConformance,
                         testing::ValuesIn(offers_of(PARLEY_KIND_STORAGE)), test_name);
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StorageConformance);

}  // namespace
}  // namespace parley::conformance
