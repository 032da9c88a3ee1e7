// recommend: a buyer's shortlist (recommend.hpp).
#include "llmfit/recommend.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>
#include <string_view>
#include <utility>

#include "llmfit/errors.hpp"
#include "llmfit/text.hpp"
#include "plan_common.hpp"

namespace llmfit {

using detail::dollars;
using detail::finite_in;
using detail::kVerdictRankDoesNotFit;
using detail::quant_applies;
using detail::verdict_rank;
double parse_model_size_b(std::string_view text) {
  std::string lower = to_lower(text);
  double scale = 1;  // billions
  if (!lower.empty() && lower.back() == 'b') {
    lower.pop_back();
  } else if (!lower.empty() && lower.back() == 'm') {
    lower.pop_back();
    scale = 1e-3;
  } else if (!lower.empty() && lower.back() == 't') {
    lower.pop_back();
    scale = 1e3;
  }
  const double value = parse_decimal(lower).value_or(0);
  if (!finite_in(value * scale, 0.01, 5000))
    throw InputError(field("model_size_b") + ": '" + std::string(text.substr(0, 40)) +
                     "' is not a model size; write it like 8b, 30b, 1.5b or 500m (0.01 to 5000 billion)");
  return value * scale;
}

const ModelSpec* yardstick_model(const Catalog& catalog, double size_b) {
  const ModelSpec* best = nullptr;
  double best_distance = 0;
  for (const ModelSpec& m : catalog.models()) {
    if (m.is_moe() || !(m.params_b > 0)) continue;
    const double distance = std::abs(std::log(m.params_b / size_b));
    if (best == nullptr || distance < best_distance) {
      best = &m;
      best_distance = distance;
    }
  }
  return best;
}

std::vector<PricedCapacity> priced_capacities(const HardwareSpec& hw) {
  std::vector<PricedCapacity> out;
  for (std::size_t i = 0; i < hw.memory_options_gib.size(); ++i) {
    const double gib = hw.memory_options_gib[i];
    if (const double price = device_price_usd(hw, gib); price > 0) out.push_back({gib, price});
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const PricedCapacity& a, const PricedCapacity& b) { return a.price_usd < b.price_usd; });
  return out;
}

namespace {

void check_options(const RecommendOptions& o) {
  if (!finite_in(o.budget_usd, 1, 1e8))
    throw InputError(fmt::format("{}: {} is out of range (1 to 1e8 USD)", field("budget_usd"), o.budget_usd));
  if (o.users < 1 || o.users > 4096)
    throw InputError(fmt::format("{}: {} is out of range (1 to 4096)", field("users"), o.users));
  if (!finite_in(o.min_tok_s_per_user, 0, 1e6))
    throw InputError(
        fmt::format("{}: {} is out of range (0 to 1e6 tok/s)", field("min_tok_s_per_user"), o.min_tok_s_per_user));
  check_prompt_tokens_per_output_token(o.prompt_tokens_per_output_token);
  if (o.max_devices_per_box < 1 || o.max_devices_per_box > 16)
    throw InputError(
        fmt::format("{}: {} is out of range (1 to 16)", field("max_devices_per_box"), o.max_devices_per_box));
  if (o.top < 1 || o.top > 1000)
    throw InputError(fmt::format("{}: {} is out of range (1 to 1000)", field("top"), o.top));
  if (o.host_price_usd && !finite_in(*o.host_price_usd, 0, 1e8))
    throw InputError(fmt::format("{}: {} is out of range (0 to 1e8 USD)", field("host_price_usd"), *o.host_price_usd));
}

/// The model the shortlist is measured with: the one named (in its named quantisation, else its own
/// default), or the dense model closest to the size asked (in its default).
void choose_yardstick(const Catalog& catalog, const RecommendOptions& o, RecommendResult& result) {
  if (!o.model.empty()) {
    const ModelChoice choice = catalog.resolve_model(o.model);
    result.yardstick = choice.model;
    result.quant = choice.quant;
    result.quant_is_default = choice.quant_was_default;
    result.yardstick_reason = fmt::format("{} as named", choice.model->id);
  } else if (o.model_size_b > 0) {
    result.yardstick = yardstick_model(catalog, o.model_size_b);
    if (result.yardstick == nullptr)
      throw InputError(field("model_size_b") + ": the catalogue has no dense model to measure by");
    result.quant = &catalog.quant_or_throw(result.yardstick->default_quant);
    result.quant_is_default = true;
    result.yardstick_reason = fmt::format(
        "{} ({:g}B, dense) is the catalogue's dense model closest to {:g}B; an MoE model of that size runs faster",
        result.yardstick->id, result.yardstick->params_b, o.model_size_b);
  } else {
    throw InputError(fmt::format("{0}: missing; say what size of model you want to run, e.g. {0} 30b (or {1} ID)",
                                 field("model_size_b"), field("model")));
  }
  const ModelSpec& model = *result.yardstick;
  if (o.context_tokens > model.max_context)
    throw InputError(fmt::format("{}: {} exceeds the maximum context of {} ({} tokens)", field("context_tokens"),
                                 o.context_tokens, model.id, model.max_context));
}

/// How graphics cards are priced: inside a computer (the stated host price, else the host entry's), or
/// alone.
struct HostPrice {
  const HardwareSpec* host = nullptr;
  double price_usd = 0;
  bool known = false;
};

HostPrice host_price(const Catalog& catalog, const RecommendOptions& o, const HardwareSpec& gpu) {
  HostPrice h;
  h.host = catalog.default_host(gpu);
  if (o.host_price_usd) {
    h.price_usd = *o.host_price_usd;
    h.known = true;
  } else if (h.host != nullptr && h.host->price_usd > 0) {
    h.price_usd = h.host->price_usd;
    h.known = true;
  }
  return h;
}

struct Ranked {
  Recommendation rec;
  int verdict = 3;
};

/// One configuration: `count` devices of `hw` at `capacity`, running the yardstick for the users, with the
/// reasons and concerns in numbers. Throws InputError when no engine can run it (resolve_query says why).
Ranked evaluate(const Catalog& catalog, const RecommendOptions& o, const EfficiencyProfile& profile,
                const RecommendResult& result, const HardwareSpec& hw, const PricedCapacity& capacity, int count,
                const HostPrice& host) {
  const ModelSpec& model = *result.yardstick;
  Query query;
  query.hardware = count > 1 ? fmt::format("{}:{}", hw.id, count) : hw.id;
  // The model's default stays a default: the engine for this machine may run its GGUF build.
  query.model = result.quant_is_default ? model.id : model.id + "-" + result.quant->id;
  query.batch = o.users;
  if (o.context_tokens > 0) query.context_tokens = o.context_tokens;  // 0: the default
  if (capacity.memory_gib != hw.default_memory_gib) query.memory_gib = capacity.memory_gib;
  Ranked r;
  Recommendation& rec = r.rec;
  rec.resolved = resolve_query(catalog, query, profile);
  rec.label = hardware_label(rec.resolved.scenario);  // id[:count][@GiB], the capacity when not the default
  rec.prediction = predict(rec.resolved.scenario, rec.resolved.efficiency->constants);
  rec.serving = serve_users(rec.resolved.scenario, rec.resolved.efficiency->constants, o.prompt_tokens_per_output_token);
  rec.memory_gib = capacity.memory_gib;
  rec.devices_price_usd = count * capacity.price_usd;
  const bool gpu = hw.kind == HardwareKind::gpu;
  rec.price_scope = !gpu || host.known ? PriceScope::system : PriceScope::cards_only;
  if (gpu) rec.host = host.host;
  rec.host_price_usd = gpu && host.known ? host.price_usd : 0.0;
  rec.price_usd = rec.devices_price_usd + rec.host_price_usd;
  const Prediction& p = rec.prediction;
  const MemoryFit& fit = p.fit;
  const Scenario& s = rec.resolved.scenario;
  const QuantSpec& quant = *s.quant;
  r.verdict = verdict_rank(p);

  const std::string who = o.users > 1 ? fmt::format("{} users", o.users) : "1 user";
  if (fit.fits) {
    rec.reasons.push_back(fmt::format("fits {} {} with {} x {}-token context: {:.1f} of {:.1f} GB usable", model.id,
                                      quant.name, o.users, with_thousands(s.context_tokens),
                                      fit.total_bytes / units::kBytesPerGB, fit.available_bytes / units::kBytesPerGB));
  } else if (fit.verdict == FitVerdict::partial_offload) {
    rec.concerns.push_back(fmt::format("needs CPU offload for {} {} ({:.1f} GB needed, {:.1f} GB usable): slow",
                                       model.id, quant.name, fit.total_bytes / units::kBytesPerGB,
                                       fit.available_bytes / units::kBytesPerGB));
  } else {
    rec.concerns.push_back(fmt::format("does not fit {} {}: needs {:.1f} GB, {:.1f} GB usable", model.id, quant.name,
                                       fit.total_bytes / units::kBytesPerGB, fit.available_bytes / units::kBytesPerGB));
  }
  if (!fit.fits) {
    // Larger capacities the product is sold with but the catalogue has no price for cannot be weighed.
    std::vector<std::string> unpriced;
    for (double gib : hw.memory_options_gib)
      if (gib > capacity.memory_gib && !(device_price_usd(hw, gib) > 0)) unpriced.push_back(fmt::format("{:g}", gib));
    if (!unpriced.empty())
      rec.concerns.push_back(fmt::format("also sold with {} GiB, which the catalogue has no price for "
                                         "(memory_prices_usd): not weighed",
                                         join(unpriced, ", ")));
  }
  const ServingLoad& load = rec.serving;
  const bool runs = p.in_range && load.in_range && fit.verdict != FitVerdict::does_not_fit;
  const bool fast_enough = runs && load.per_user_tok_s >= o.min_tok_s_per_user;
  if (runs) {
    const std::string speed = fmt::format("{}: {:.1f} tok/s each, {:.1f} tok/s aggregate with {}", who,
                                          load.per_user_tok_s, load.aggregate_tok_s, to_string(s.backend));
    if (fast_enough)
      rec.reasons.push_back(speed + fmt::format(" (at least {:g} tok/s per user)", o.min_tok_s_per_user));
    else
      rec.concerns.push_back(speed + fmt::format(" (below {:g} tok/s per user)", o.min_tok_s_per_user));
    if (p.thermal_data && hw.sustained_fraction < 1) {
      const double sustained = load.per_user_tok_s * hw.sustained_fraction;
      (sustained >= o.min_tok_s_per_user ? rec.reasons : rec.concerns)
          .push_back(fmt::format("sustained {:.1f} tok/s per user once throttled ({})", sustained,
                                 to_string(hw.form_factor)));
    }
  }
  if (!gpu) {
    rec.reasons.push_back(fmt::format("{} within the {} budget: the whole computer with {:g} GiB", dollars(rec.price_usd),
                                      dollars(o.budget_usd), capacity.memory_gib));
  } else if (host.known) {
    rec.reasons.push_back(fmt::format("{} within the {} budget: {} for the card{} and {} for the host computer{}",
                                      dollars(rec.price_usd), dollars(o.budget_usd), dollars(rec.devices_price_usd),
                                      count > 1 ? "s" : "", dollars(rec.host_price_usd),
                                      o.host_price_usd ? fmt::format(" ({} as given)", field("host_price_usd"))
                                      : host.host != nullptr ? fmt::format(" ({})", host.host->id) : std::string()));
  } else {
    rec.reasons.push_back(fmt::format("{} for the card{} alone, within the {} budget: no computer included (add a host "
                                      "PC, or price one with {})",
                                      dollars(rec.devices_price_usd), count > 1 ? "s" : "", dollars(o.budget_usd),
                                      field("host_price_usd")));
  }
  if (count > 1 && fit.fits)
    rec.reasons.push_back(fmt::format("{} cards: fewer do not hold the model and {} KV caches", count, o.users));
  else if (count > 1)
    rec.reasons.push_back(fmt::format("{} cards: the most within the budget and {}", count, field("max_devices_per_box")));
  if (o.portable) rec.reasons.push_back("laptop (portable)");
  rec.meets_all = fit.fits && fast_enough;
  return r;
}

/// Drops what is both slower and dearer than another configuration of the same price scope that meets
/// every requirement: no choice at all.
std::vector<Ranked> without_dominated(std::vector<Ranked> ranked, RecommendResult& result) {
  std::vector<bool> dominated(ranked.size(), false);
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    const Recommendation& a = ranked[i].rec;
    if (!a.meets_all) continue;
    for (std::size_t j = 0; j < ranked.size() && !dominated[i]; ++j) {
      const Recommendation& b = ranked[j].rec;
      if (i == j || !b.meets_all || b.price_scope != a.price_scope) continue;
      const double speed_a = a.serving.per_user_tok_s;
      const double speed_b = b.serving.per_user_tok_s;
      dominated[i] = speed_b >= speed_a && b.price_usd <= a.price_usd && (speed_b > speed_a || b.price_usd < a.price_usd);
    }
  }
  std::vector<Ranked> kept;
  for (std::size_t i = 0; i < ranked.size(); ++i) {
    if (dominated[i]) {
      ++result.candidates_dominated;
      continue;
    }
    if (ranked[i].rec.meets_all) ++result.candidates_meeting_all;
    kept.push_back(std::move(ranked[i]));
  }
  return kept;
}

/// Meeting every requirement first; then by how it runs (fits, offload, not at all); then the fastest per
/// user (for what does not fit: the most usable memory); then the cheaper; then the label.
void rank(std::vector<Ranked>& ranked) {
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.rec.meets_all != b.rec.meets_all) return a.rec.meets_all;
    if (a.verdict != b.verdict) return a.verdict < b.verdict;
    if (a.verdict == kVerdictRankDoesNotFit &&
        a.rec.prediction.fit.available_bytes != b.rec.prediction.fit.available_bytes)
      return a.rec.prediction.fit.available_bytes > b.rec.prediction.fit.available_bytes;
    if (a.rec.serving.per_user_tok_s != b.rec.serving.per_user_tok_s)
      return a.rec.serving.per_user_tok_s > b.rec.serving.per_user_tok_s;
    if (a.rec.price_usd != b.rec.price_usd) return a.rec.price_usd < b.rec.price_usd;
    return a.rec.label < b.rec.label;
  });
}

std::string describe_host_pricing(const Catalog& catalog, const RecommendOptions& o) {
  if (o.host_price_usd)
    return fmt::format("graphics cards are priced inside a computer: {} for the host ({}), ranked with whole computers",
                       dollars(*o.host_price_usd), field("host_price_usd"));
  std::vector<std::string> priced;
  for (const HardwareSpec& h : catalog.hardware())
    if (h.kind == HardwareKind::cpu && h.price_usd > 0) priced.push_back(fmt::format("{} {}", h.id, dollars(h.price_usd)));
  return fmt::format("graphics cards are priced inside a computer where their host entry has a price{}; the others are "
                     "cards alone, ranked only against each other (state a host price with {})",
                     priced.empty() ? std::string(" (none in the catalogue)") : " (" + join(priced, ", ") + ")",
                     field("host_price_usd"));
}

}  // namespace

RecommendResult recommend(const Catalog& catalog, const RecommendOptions& o, const EfficiencyProfile& profile) {
  check_options(o);
  RecommendResult result;
  choose_yardstick(catalog, o, result);
  result.host_pricing = describe_host_pricing(catalog, o);
  // A chip sold as a priced product of its own form factor (variant_of: the M3 Ultra as a Mac Studio) is bought as
  // that product: ranking the chip too would list one machine twice, once without its enclosure's thermals.
  std::set<std::pair<std::string_view, FormFactor>> sold_as_products;
  for (const HardwareSpec& product : catalog.hardware())
    if (!product.variant_of.empty() && !priced_capacities(product).empty())
      sold_as_products.insert({product.variant_of, product.form_factor});
  std::vector<Ranked> ranked;
  for (const HardwareSpec& hw : catalog.hardware()) {
    if (sold_as_products.contains({hw.id, hw.form_factor})) continue;
    const std::vector<PricedCapacity> capacities = priced_capacities(hw);
    if (capacities.empty()) continue;  // cannot be bought alone: no price to weigh
    if (o.portable && hw.form_factor != FormFactor::laptop) continue;
    // A quantisation that was named must be one this machine's engine runs; a default may give way to its
    // GGUF build (resolve_query decides).
    if (!result.quant_is_default && !quant_applies(catalog, *result.yardstick, *result.quant, hw, std::nullopt))
      continue;
    const bool gpu = hw.kind == HardwareKind::gpu;
    const HostPrice host = gpu ? host_price(catalog, o, hw) : HostPrice{};
    const int max_count = gpu ? o.max_devices_per_box : 1;
    // The cheapest capacity and the fewest cards that hold the model (another card or more memory adds
    // room, not speed), else the most the budget allows.
    std::optional<Ranked> chosen;
    for (const PricedCapacity& capacity : capacities) {
      for (int count = 1; count <= max_count; ++count) {
        if (count * capacity.price_usd + host.price_usd > o.budget_usd) break;
        try {
          chosen = evaluate(catalog, o, profile, result, hw, capacity, count, host);
        } catch (const InputError& e) {
          // An engine that cannot run this configuration (vLLM's tensor parallelism over 3 GPUs, weights no
          // engine here loads): skipped, and said so.
          const std::string label = hardware_label(hw, count, capacity.memory_gib);
          result.skipped.push_back(e.message().find(label) != std::string::npos ? e.message()
                                                                                : label + ": " + e.message());
          continue;
        }
        ++result.candidates_considered;
        if (chosen->rec.prediction.fit.fits) break;
      }
      if (chosen && chosen->rec.prediction.fit.fits) break;
    }
    if (chosen) ranked.push_back(std::move(*chosen));
  }
  ranked = without_dominated(std::move(ranked), result);
  rank(ranked);
  for (Ranked& r : ranked) {
    auto& list = r.rec.price_scope == PriceScope::system ? result.shortlist : result.cards_only;
    if (list.size() < o.top) list.push_back(std::move(r.rec));
  }
  return result;
}

}  // namespace llmfit
