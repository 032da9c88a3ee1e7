#pragma once
// The scenario flags: one list, in the order the help shows them. Every command that takes a scenario
// registers all of them (add_scenario_options), honouring each or refusing it with its reason; the tests
// walk this list over every command, so a flag added here is covered everywhere.
#include <array>
#include <cstddef>
#include <string_view>

namespace llmfit::cli {

/// The scenario flags, by the Query field each sets.
enum class ScenarioFlag {
  context_tokens,
  prompt_tokens,
  backend,
  api,
  kv_type,
  batch,
  memory_gib,
  gpu_memory_fraction,
  host,
  host_memory_gib,
  allow_offload,
  fit_margin,
  gpu_memory_utilization,
};

struct ScenarioFlagInfo {
  ScenarioFlag flag;
  std::string_view field;  // the Query member; its option is flag_for(field)
  bool takes_value;        // false: a switch (--no-offload)
};

inline constexpr std::array kScenarioFlags{
    ScenarioFlagInfo{ScenarioFlag::context_tokens, "context_tokens", true},
    ScenarioFlagInfo{ScenarioFlag::prompt_tokens, "prompt_tokens", true},
    ScenarioFlagInfo{ScenarioFlag::backend, "backend", true},
    ScenarioFlagInfo{ScenarioFlag::api, "api", true},
    ScenarioFlagInfo{ScenarioFlag::kv_type, "kv_type", true},
    ScenarioFlagInfo{ScenarioFlag::batch, "batch", true},
    ScenarioFlagInfo{ScenarioFlag::memory_gib, "memory_gib", true},
    ScenarioFlagInfo{ScenarioFlag::gpu_memory_fraction, "gpu_memory_fraction", true},
    ScenarioFlagInfo{ScenarioFlag::host, "host", true},
    ScenarioFlagInfo{ScenarioFlag::host_memory_gib, "host_memory_gib", true},
    ScenarioFlagInfo{ScenarioFlag::allow_offload, "allow_offload", false},
    ScenarioFlagInfo{ScenarioFlag::fit_margin, "fit_margin", true},
    ScenarioFlagInfo{ScenarioFlag::gpu_memory_utilization, "gpu_memory_utilization", true},
};

// Every flag listed once, in the enum's order.
static_assert([] {
  for (std::size_t i = 0; i < kScenarioFlags.size(); ++i)
    if (static_cast<std::size_t>(kScenarioFlags[i].flag) != i) return false;
  return kScenarioFlags.size() == static_cast<std::size_t>(ScenarioFlag::gpu_memory_utilization) + 1;
}());

[[nodiscard]] constexpr const ScenarioFlagInfo& scenario_flag_info(ScenarioFlag flag) {
  return kScenarioFlags[static_cast<std::size_t>(flag)];
}

}  // namespace llmfit::cli
