// Presentation of a model read from a file (model_file.hpp, model_file_json.hpp).
#include "llmfit/report/model_file.hpp"

#include <fmt/format.h>

#include "llmfit/units.hpp"
#include "model_file_json.hpp"

namespace llmfit {
namespace {

double bits_per_weight(double bytes, double params) { return params > 0 ? bytes * 8.0 / params : 0.0; }

}  // namespace

namespace report {

nlohmann::json model_file_json(const ModelFileInfo& info) {
  nlohmann::json doc = {{"format", info.format}, {"paths", info.paths}, {"architecture", info.architecture},
                        {"quant", info.quant_id}, {"notes", info.notes}};
  if (info.format != "gguf") return doc;
  doc["gguf_version"] = info.gguf_version;
  doc["tensor_count"] = info.tensor_count;
  doc["file_gb"] = info.file_bytes / units::kBytesPerGB;
  nlohmann::json types = nlohmann::json::array();
  for (const auto& t : info.tensor_types)
    types.push_back({{"type", t.type_name},
                     {"tensors", t.tensors},
                     {"params_b", t.params / 1e9},
                     {"gb", t.bytes / units::kBytesPerGB},
                     {"bits_per_weight", bits_per_weight(t.bytes, t.params)}});
  doc["tensor_types"] = types;
  const FileWeights& f = info.model.file_weights;
  auto part = [](double bytes, double params) {
    return nlohmann::json{{"gb", bytes / units::kBytesPerGB},
                          {"params_b", params / 1e9},
                          {"bits_per_weight", bits_per_weight(bytes, params)}};
  };
  doc["weights"] = {{"embedding", part(f.embedding_bytes, f.embedding_params)},
                    {"output", part(f.output_bytes, f.output_params)},
                    {"layers", part(f.layer_bytes, f.layer_params)},
                    {"routed_experts", part(f.routed_expert_bytes, f.routed_expert_params)},
                    {"other", part(f.other_bytes, f.other_params)},
                    {"per_layer_embeddings", part(f.lookup_bytes, f.lookup_params)},
                    {"total", part(f.total_bytes(), f.total_params())}};
  return doc;
}

}  // namespace report

std::string describe_model_file(const ModelFileInfo& info) {
  std::string out = fmt::format("read from {} ({})\n", info.paths.front(), info.format);
  if (info.paths.size() > 1) out += fmt::format("  {} parts, {} to {}\n", info.paths.size(), info.paths.front(), info.paths.back());
  out += fmt::format("  architecture {}, quantisation {}\n", info.architecture, info.quant_id);
  if (info.format == "gguf") {
    const FileWeights& f = info.model.file_weights;
    out += fmt::format("  GGUF v{}, {} tensors, {:.2f} GB on disk, {:.2f} GB of weights ({:.3f} bits per weight)\n",
                       info.gguf_version, info.tensor_count, info.file_bytes / units::kBytesPerGB,
                       f.total_bytes() / units::kBytesPerGB, bits_per_weight(f.total_bytes(), f.total_params()));
    out += "\n  part of the model      params      GB   bits/weight\n";
    auto row = [&](const char* name, double bytes, double params) {
      if (params > 0)
        out += fmt::format("  {:<20} {:>8.3f}B {:>7.3f}   {:>6.3f}\n", name, params / 1e9, bytes / units::kBytesPerGB,
                           bits_per_weight(bytes, params));
    };
    row("token embedding", f.embedding_bytes, f.embedding_params);
    row("output head", f.output_bytes, f.output_params);
    row("layers (no experts)", f.layer_bytes, f.layer_params);
    row("routed experts", f.routed_expert_bytes, f.routed_expert_params);
    row("other", f.other_bytes, f.other_params);
    row("per-layer embeddings", f.lookup_bytes, f.lookup_params);
    out += "\n  tensor type   tensors      params      GB   bits/weight\n";
    for (const auto& t : info.tensor_types)
      out += fmt::format("  {:<12} {:>8} {:>10.3f}B {:>7.3f}   {:>6.3f}\n", t.type_name, t.tensors, t.params / 1e9,
                         t.bytes / units::kBytesPerGB, bits_per_weight(t.bytes, t.params));
  }
  if (!info.notes.empty()) {
    out += "\n";
    for (const auto& note : info.notes) out += "  note: " + note + "\n";
  }
  return out;
}

}  // namespace llmfit
