// llmfit's own run schema (docs/runs-schema.md), one test or a prefill and a decode per record.
#include <algorithm>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "run_records.hpp"

namespace llmfit::io {

/// llmfit's own schema (docs/runs-schema.md).
void read_llmfit_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  static const std::vector<std::string> kKeys = [] {
    std::vector<std::string> keys{
        "hardware", "devices", "model", "quant", "backend", "api", "n_prompt", "n_gen", "n_depth", "decode_tok_s",
        "prefill_tok_s", "decode_stddev_tok_s", "prefill_stddev_tok_s", "weight_bytes", "params", "kv_type",
        "flash_attn", "n_ubatch", "n_threads", "vulkan_driver", "build", "era", "source", "note"};
    for (const std::string_view name : batched_field_names()) keys.emplace_back(name);
    return keys;
  }();
  for (const auto& item : record.items()) {
    if (std::find(kKeys.begin(), kKeys.end(), item.key()) == kKeys.end()) {
      const auto hint = closest_matches(item.key(), kKeys, 1);
      reject(clip(item.key(), 40) + ": unknown field" + (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
    }
  }
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;

  // Hardware: the record's, else --hw.
  HardwareSlugMatch hw;
  if (const auto name = optional_string(record, "hardware")) {
    hw = map_hardware_slug(*name, ctx.catalog);
    if (hw.hardware == nullptr) {
      const auto hint = ctx.catalog.suggest_hardware(*name, 1);
      reject("hardware: '" + clip(*name) + "' is not in the catalogue" +
             (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
    }
  } else if (!ctx.defaults.hardware.empty()) {
    hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  } else {
    reject("hardware: missing (or pass " + field("hardware") + ")");
  }
  if (const auto devices = optional_count(record, "devices")) {
    if (*devices < 1 || *devices > 64) reject("devices: must be 1 to 64");
    if (hw.device_count > 1 && hw.device_count != *devices)
      reject("devices: " + std::to_string(*devices) + " disagrees with the hardware name's " +
             std::to_string(hw.device_count));
    hw.device_count = static_cast<int>(*devices);
  }
  set_hardware(run, hw);

  // Model and quantisation: "model" + "quant", or a "model-quant" name, else RunDefaults::model.
  ModelQuant mq;
  if (const auto name = optional_string(record, "model")) {
    if (const auto quant_name = optional_string(record, "quant")) {
      mq.model = map_model_slug(*name, ctx.catalog);
      if (mq.model == nullptr) {
        const auto hint = ctx.catalog.suggest_models(*name, 1);
        reject("model: '" + clip(*name) + "' is not in the catalogue" +
               (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
      }
      mq.quant = ctx.catalog.find_quant(*quant_name);
      if (mq.quant == nullptr) {
        const auto hint = ctx.catalog.suggest_quants(*quant_name, 1);
        reject("quant: '" + clip(*quant_name) + "' is not in the catalogue" +
               (hint.empty() ? "" : " (did you mean '" + hint[0] + "'?)"));
      }
    } else {
      try {
        const ModelChoice choice = ctx.catalog.resolve_model(*name);
        if (!choice.quant_stated()) reject("quant: missing; the run was measured with some quantisation, name it");
        mq = {choice.model, choice.quant};
      } catch (const InputError& e) {
        reject(std::string("model: ") + e.message());
      }
    }
  } else if (!ctx.defaults.model.empty()) {
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
  } else {
    reject("model: missing (or pass " + field("model") + ")");
  }
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;

  const auto backend_name = optional_string(record, "backend");
  if (!backend_name) reject("backend: missing (" + enum_choices<Backend>(", ", " or ") + ")");
  const auto backend = parse_backend(*backend_name);
  if (!backend) reject("backend: unknown engine '" + clip(*backend_name) + "'");
  run.backend = *backend;
  if (const auto api_name = optional_string(record, "api")) {
    const auto api = parse_device_api(*api_name);
    if (!api) reject("api: '" + clip(*api_name) + "' is not one of " + enum_choices<DeviceApi>());
    run.api = *api;
  } else {
    run.api = default_api(run.backend, *hw.hardware);
  }
  check_backend(run, ctx.catalog);

  if (const auto kv = optional_string(record, "kv_type")) {
    const auto type = parse_kv_cache_type(*kv);
    if (!type) reject("kv_type: '" + clip(*kv) + "' is not one of " + enum_choices<KvCacheType>());
    run.kv_type = *type;
  }
  if (const json* fa = member(record, "flash_attn")) {
    if (!fa->is_boolean()) reject("flash_attn: must be true or false");
    run.flash_attn = fa->get<bool>();
  }
  if (const auto driver = optional_string(record, "vulkan_driver")) {
    const auto parsed = parse_vulkan_driver(*driver);
    if (!parsed) reject("vulkan_driver: '" + clip(*driver) + "' is not one of " + enum_choices<VulkanDriver>());
    if (run.api != DeviceApi::vulkan) reject("vulkan_driver: stated for a run whose api is not vulkan");
    run.vulkan_driver = *parsed;
  }
  read_run_conditions(record, run);
  read_batched_fields(record, run);
  if (const auto bytes = optional_number(record, "weight_bytes")) {
    if (*bytes <= 0 || *bytes > 1e14) reject("weight_bytes: must be > 0 and below 100 TB");
    run.weight_bytes = *bytes;
  }
  if (const auto params = optional_number(record, "params")) {
    if (*params <= 0 || *params > 1e14) reject("params: must be > 0");
    run.params = *params;
    check_params(run.params, *mq.model);
  }
  run.build = optional_string(record, "build").value_or("");
  run.era = optional_string(record, "era").value_or("");
  run.source = optional_string(record, "source").value_or("");
  run.note = optional_string(record, "note").value_or("");

  const std::int64_t n_prompt = optional_count(record, "n_prompt").value_or(0);
  const std::int64_t n_gen = optional_count(record, "n_gen").value_or(0);
  const std::int64_t n_depth = optional_count(record, "n_depth").value_or(0);
  const auto prefill = optional_number(record, "prefill_tok_s");
  const auto decode = optional_number(record, "decode_tok_s");
  if (!prefill && !decode) reject("decode_tok_s / prefill_tok_s: the record measures neither");
  if (prefill) {
    if (n_prompt <= 0) reject("n_prompt: a prefill measurement needs n_prompt > 0");
    MeasuredRun p = run;
    p.test = RunTest::prefill;
    p.n_prompt = n_prompt;
    p.n_gen = 0;
    p.n_depth = n_depth;
    p.tok_s = checked_rate(*prefill, RunTest::prefill, "prefill_tok_s");
    p.stddev_tok_s = optional_stddev(record, "prefill_stddev_tok_s");
    if (decode) {  // the decode's own figures stay with the decode
      p.per_user_decode_tok_s = 0;
      p.rate_includes_prefill = false;
    }
    check_batched(p);
    out.push_back(std::move(p));
  }
  if (decode) {
    if (n_gen <= 0) reject("n_gen: a decode measurement needs n_gen > 0");
    MeasuredRun d = run;
    d.test = RunTest::decode;
    d.n_prompt = 0;
    d.n_gen = n_gen;
    d.n_depth = n_depth + n_prompt;  // generation starts once the prompt is in the cache
    d.tok_s = checked_rate(*decode, RunTest::decode, "decode_tok_s");
    d.stddev_tok_s = optional_stddev(record, "decode_stddev_tok_s");
    check_batched(d);
    out.push_back(std::move(d));
  }
}

}  // namespace llmfit::io
