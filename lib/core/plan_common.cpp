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
  if (quant.kernel == QuantKernel::mxfp4) {
    const QuantSpec* released = catalog.find_quant(model.default_quant);
    if (released == nullptr || released->kernel != QuantKernel::mxfp4) return false;
  }
  return backend_can_run(chosen_backend(backend, quant, hw), quant, hw);
}

}  // namespace llmfit::detail
