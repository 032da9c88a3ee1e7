// llmfit's run schema written out (runs_to_json_text, io/runs.hpp).
#include <nlohmann/json.hpp>

#include <functional>
#include <string>
#include <string_view>

#include "llmfit/io/runs.hpp"
#include "run_records.hpp"

namespace llmfit {

using nlohmann::json;

void runs_to_json_text_to(std::size_t count, const std::function<const MeasuredRun&(std::size_t)>& run_at,
                          const std::function<void(std::string_view)>& sink) {
  constexpr std::size_t kBlockBytes = 1 << 16;
  std::string out = "[\n";
  for (std::size_t i = 0; i < count; ++i) {
    const MeasuredRun& r = run_at(i);
    json record = json::object();
    record["hardware"] = r.hardware_id;
    if (r.device_count > 1) record["devices"] = r.device_count;
    record["model"] = r.model_id;
    record["quant"] = r.quant_id;
    record["backend"] = std::string(to_string(r.backend));
    record["api"] = std::string(to_string(r.api));
    record["n_prompt"] = r.n_prompt;
    record["n_gen"] = r.n_gen;
    record["n_depth"] = r.n_depth;
    if (r.test == RunTest::decode) {
      record["decode_tok_s"] = r.tok_s;
      if (r.stddev_tok_s > 0) record["decode_stddev_tok_s"] = r.stddev_tok_s;
    } else {
      record["prefill_tok_s"] = r.tok_s;
      if (r.stddev_tok_s > 0) record["prefill_stddev_tok_s"] = r.stddev_tok_s;
    }
    if (r.kv_type != KvCacheType::f16) record["kv_type"] = std::string(to_string(r.kv_type));
    if (r.flash_attn) record["flash_attn"] = *r.flash_attn;
    if (r.n_ubatch > 0) record["n_ubatch"] = r.n_ubatch;
    if (r.n_threads > 0) record["n_threads"] = r.n_threads;
    if (r.vulkan_driver) record["vulkan_driver"] = std::string(to_string(*r.vulkan_driver));
    io::write_batched_fields(r, record);
    if (r.weight_bytes > 0) record["weight_bytes"] = r.weight_bytes;
    if (r.params > 0) record["params"] = r.params;
    if (!r.build.empty()) record["build"] = r.build;
    if (!r.era.empty()) record["era"] = r.era;
    if (!r.source.empty()) record["source"] = r.source;
    if (!r.note.empty()) record["note"] = r.note;
    // CSV text (source, note) is not checked for UTF-8: replace invalid bytes with U+FFFD rather than throw.
    out += "  " + record.dump(-1, ' ', false, json::error_handler_t::replace) + (i + 1 < count ? ",\n" : "\n");
    if (out.size() >= kBlockBytes) {
      sink(out);
      out.clear();
    }
  }
  out += "]\n";
  sink(out);
}

std::string runs_to_json_text(const std::vector<MeasuredRun>& runs) {
  std::string out;
  runs_to_json_text_to(runs.size(), [&](std::size_t i) -> const MeasuredRun& { return runs[i]; },
                       [&](std::string_view block) { out += block; });
  return out;
}

}  // namespace llmfit
