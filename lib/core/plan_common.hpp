#pragma once
// What the planning tools share (compare.cpp, fit_search.cpp, recommend.cpp …): internal to the core.
#include <cmath>
#include <optional>
#include <string>

#include "llmfit/catalog.hpp"
#include "llmfit/engines.hpp"
#include "llmfit/predict.hpp"
#include "llmfit/units.hpp"

namespace llmfit::detail {

inline constexpr double kMicro = units::kSecondsPerMicrosecond;

/// How a scenario runs, best first: fully on the accelerator (0), with offload (1), not at all (2), out of
/// the model's range (3).
inline constexpr int kVerdictRankDoesNotFit = 2;
[[nodiscard]] int verdict_rank(const Prediction& prediction) noexcept;

/// "$1,499" (whole dollars from $100), "$0.42" below: prices in the planning tools' sentences.
[[nodiscard]] std::string dollars(double usd);

[[nodiscard]] inline bool finite_in(double value, double low, double high) noexcept {
  return std::isfinite(value) && value >= low && value <= high;
}

/// Is the quantisation one to try for this model on this hardware? The engine that would run it
/// (named, else the default for its format: engines.hpp) must load it and run there; MXFP4 (safetensors or
/// its GGUF build) and the ternary TQ types record no quality loss only for models trained in them (gpt-oss;
/// BitNet, TriLM), and elsewhere they are not published formats; expert-only mixes need a MoE model.
[[nodiscard]] bool quant_applies(const Catalog& catalog, const ModelSpec& model, const QuantSpec& quant,
                                 const HardwareSpec& hw, std::optional<Backend> backend);

}  // namespace llmfit::detail
