// What a listener on one key reports, given the stream of value arrivals and
// expiries an OpenDHT listen delivers. Every publish is a new DHT value (a
// listen never reports an edit of a value it has seen, so a version cannot
// reuse its predecessor's id); several versions of the key may live at once
// until their ttl ends. This tracks them and reports only changes of the
// newest: a newer record, or the key's last record expiring.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <vector>

#include "record_envelope.hpp"

namespace parley::opendht_directory {

class CurrentRecord {
 public:
  struct Change {
    bool expired = false;
    std::span<const std::uint8_t> record;  // valid until the next call; empty when expired
  };

  // A version arrived (possibly again, from another storage node).
  std::optional<Change> on_arrival(std::uint64_t value_id, const EnvelopeView& envelope,
                                   std::uint64_t now_unix_ms);
  // A version is gone from the network (ttl over, or its storage nodes left).
  std::optional<Change> on_expiry(std::uint64_t value_id);

 private:
  struct Version {
    std::uint64_t published_unix_ms = 0;
    std::uint64_t expires_unix_ms = 0;
    std::vector<std::uint8_t> record;
    [[nodiscard]] EnvelopeView view() const {
      return {published_unix_ms, expires_unix_ms, {}, record};
    }
  };
  std::map<std::uint64_t, Version> live_;
  std::optional<std::uint64_t> current_;
};

}  // namespace parley::opendht_directory
