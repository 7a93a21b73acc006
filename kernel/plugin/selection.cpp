#include "plugin/selection.hpp"

#include <algorithm>

#include "parley/abi/cipher.h"

namespace parley::plugin {
namespace {

bool matches(const Offer& offer, const std::string& name) {
  return offer.interface->name == name || offer.plugin->id == name;
}

bool is_insecure_cipher(const Offer& offer) {
  if (offer.interface->kind != PARLEY_KIND_CIPHER) return false;
  const auto* api = static_cast<const parley_cipher_api*>(offer.interface->api);
  return api->info == nullptr || (api->info->flags & PARLEY_CIPHER_FLAG_INSECURE) != 0;
}

}  // namespace

std::vector<Ranked> rank(const std::vector<Offer>& offers, parley_kind kind,
                         const std::vector<std::string>& prefer, const Policy& policy) {
  std::vector<Offer> allowed;
  for (const auto& offer : offers) {
    if (offer.interface->kind != kind) continue;
    if (policy.deny.contains(offer.plugin->id) || policy.deny.contains(offer.interface->name)) {
      continue;
    }
    if (is_insecure_cipher(offer) && !policy.allow_insecure_cipher) continue;
    if (auto pin = policy.pin.find(kind); pin != policy.pin.end() && !matches(offer, pin->second)) {
      continue;
    }
    allowed.push_back(offer);
  }

  std::vector<Ranked> ranked;
  for (const auto& name : prefer) {
    for (const auto& offer : allowed) {
      const bool already = std::any_of(ranked.begin(), ranked.end(), [&](const Ranked& r) {
        return r.offer.interface == offer.interface;
      });
      if (!already && matches(offer, name)) ranked.push_back({offer, true});
    }
  }
  std::vector<Offer> rest;
  for (const auto& offer : allowed) {
    const bool already = std::any_of(ranked.begin(), ranked.end(), [&](const Ranked& r) {
      return r.offer.interface == offer.interface;
    });
    if (!already) rest.push_back(offer);
  }
  // Score, then name, so the order never depends on which file loaded first.
  std::stable_sort(rest.begin(), rest.end(), [](const Offer& a, const Offer& b) {
    if (a.interface->score != b.interface->score) return a.interface->score > b.interface->score;
    if (a.interface->name != b.interface->name) return a.interface->name < b.interface->name;
    return a.plugin->id < b.plugin->id;
  });
  for (const auto& offer : rest) ranked.push_back({offer, false});
  return ranked;
}

}  // namespace parley::plugin
