#include "plan_common.hpp"

#include <fmt/format.h>

#include <cmath>

#include "llmfit/text.hpp"

namespace llmfit::detail {

std::string dollars(double usd) {
  if (!(usd >= 100)) return fmt::format("${:.2f}", usd);
  std::string out = "$";  // appended: GCC 12 warns falsely on "$" + std::string&&
  out += with_thousands(static_cast<std::int64_t>(std::llround(usd)));
  return out;
}

int verdict_rank(const Prediction& p) noexcept {
  if (!p.in_range) return 3;
  switch (p.fit.verdict) {
    case FitVerdict::fits: return 0;
    case FitVerdict::partial_offload: return 1;
    case FitVerdict::does_not_fit: return kVerdictRankDoesNotFit;
  }
  return 3;
}

bool quant_applies(const Catalog& catalog, const ModelSpec& model, const QuantSpec& quant, const HardwareSpec& hw,
                   std::optional<Backend> backend) {
  // Formats that only hold weights a model was trained in (gpt-oss's MXFP4 experts; BitNet b1.58 and TriLM
  // ternary weights, which TQ1_0/TQ2_0 store losslessly) apply only to models released in them.
  if (quant.kernel == QuantKernel::mxfp4 || quant.kernel == QuantKernel::ternary) {
    const QuantSpec* released = catalog.find_quant(model.default_quant);
    if (released == nullptr || released->kernel != quant.kernel) return false;
  }
  // Mixes that store the routed experts below the other layers (Unsloth's UD-IQ1_S) describe MoE models only.
  if (quant.expert_bits() < quant.bits_per_weight && !model.is_moe()) return false;
  return backend_can_run(chosen_backend(backend, quant, hw), quant, hw);
}

}  // namespace llmfit::detail
