// The result JSON of `vllm bench serve --save-result` (and of the older benchmarks/benchmark_serving.py, which
// writes the same keys), as vllm/benchmarks/serve.py builds it (github.com/vllm-project/vllm): the traffic
// (`num_prompts`, `request_rate`, `max_concurrency`), the totals (`completed`, `failed`,
// `total_input_tokens`, `total_output_tokens`), the throughputs (`request_throughput`, `output_throughput`)
// and the latency statistics (`mean_ttft_ms`, `median_ttft_ms`, `p99_ttft_ms`, the same for tpot, itl, e2el).
// The file does not name the machine: --hw says it.
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "llmfit/errors.hpp"
#include "run_records.hpp"

namespace llmfit::io {
namespace {

/// "meta-llama/Llama-3.1-8B-Instruct" or a local "./Qwen2.5-7B-Instruct/" → its last part.
std::string repository_name(std::string model_id) {
  while (!model_id.empty() && model_id.back() == '/') model_id.pop_back();
  const auto slash = model_id.find_last_of('/');
  return slash == std::string::npos ? model_id : model_id.substr(slash + 1);
}

LatencyMs latency(const json& record, const std::string& name) {
  return {optional_number(record, ("mean_" + name + "_ms").c_str()).value_or(0),
          optional_number(record, ("median_" + name + "_ms").c_str()).value_or(0),
          optional_number(record, ("p99_" + name + "_ms").c_str()).value_or(0)};
}

}  // namespace

bool is_vllm_serve_record(const json& record) {
  return record.contains("request_throughput") || record.contains("output_throughput");
}

void read_vllm_serve_record(const json& record, std::size_t index, const Context& ctx, std::vector<MeasuredRun>& out) {
  MeasuredRun run;
  run.file = ctx.file;
  run.index = index;
  run.backend = Backend::vllm;
  run.test = RunTest::decode;

  // Concurrency: a closed loop of max_concurrency users. Without it (all prompts sent at once) or with a
  // finite request rate (arrivals at random times) the number of requests in flight is not stated.
  const json* rate = member(record, "request_rate");
  if (rate != nullptr && !(rate->is_string() && rate->get<std::string>() == "inf"))
    reject("request_rate: " + clip(rate->dump(), 20) +
           " requests/s arrive at random times, so the concurrency is not fixed; a closed loop has request_rate inf "
           "and max_concurrency set");
  const json* concurrency = member(record, "max_concurrency");
  if (concurrency == nullptr)
    reject("max_concurrency: not set, so every prompt was sent at once and the concurrency was the server's limit, "
           "which the file does not state; a closed loop has max_concurrency set");
  const double batch = number_value(*concurrency, "max_concurrency");
  if (batch < 1 || batch > limits::kMaxRunBatch || std::floor(batch) != batch)
    reject("max_concurrency: must be a whole number of requests from 1 to " + std::to_string(limits::kMaxRunBatch) +
           ", not " + format_double(batch));

  const std::int64_t completed = required_count(record, "completed");
  if (completed == 0) reject("completed: no request completed");
  const std::int64_t failed = optional_count(record, "failed").value_or(0);
  const auto prompts = optional_count(record, "num_prompts");
  const std::int64_t sent = failed > 0 || !prompts ? completed + failed : *prompts;
  if (sent < completed)
    reject("num_prompts: " + std::to_string(sent) + " requests sent but " + std::to_string(completed) + " completed");
  // Requests in flight never exceed the prompts sent.
  run.batch = static_cast<int>(std::min<double>(batch, static_cast<double>(sent)));
  run.success_rate = static_cast<double>(completed) / static_cast<double>(sent);

  // Token counts per request: the means over the completed requests (the random dataset's are exact).
  const std::int64_t input = required_count(record, "total_input_tokens");
  const std::int64_t output = required_count(record, "total_output_tokens");
  if (output == 0) reject("total_output_tokens: no token was generated");
  run.n_prompt = 0;
  run.n_depth = std::llround(static_cast<double>(input) / static_cast<double>(completed));
  run.n_gen = std::max<std::int64_t>(1, std::llround(static_cast<double>(output) / static_cast<double>(completed)));

  const json* throughput = member(record, "output_throughput");
  if (throughput == nullptr) reject("output_throughput: missing");
  run.tok_s = checked_rate(number_value(*throughput, "output_throughput"), RunTest::decode, "output_throughput");
  run.rate_includes_prefill = true;  // output tokens over the whole benchmark, prefills and waiting included
  if (const auto requests = optional_number(record, "request_throughput")) {
    if (!(*requests > 0)) reject("request_throughput: must be above 0, not " + format_double(*requests));
    run.requests_per_s = *requests;
  }
  run.ttft_ms = latency(record, "ttft");
  run.tpot_ms = latency(record, "tpot");

  // Model: the served repository's name when it names a catalogue model and quantisation ("…-AWQ",
  // "…-FP8"); else --model, which must name the quantisation (vLLM serves the checkpoint's own format).
  const std::string model_id = optional_string(record, "model_id").value_or("");
  ModelQuant mq = model_id.empty() ? ModelQuant{} : model_from_name(ctx.catalog, repository_name(model_id));
  if (mq.model == nullptr || mq.quant == nullptr) {
    if (ctx.defaults.model.empty())
      reject("model: cannot map '" + clip(model_id, 60) + "' to a catalogue model and quantisation; pass " +
             field("model") + " with the checkpoint's format, e.g. " + field("model") + " llama-3.1-8b-bf16");
    mq = model_from_flag(ctx.catalog, ctx.defaults.model);
  }
  run.model_id = mq.model->id;
  run.quant_id = mq.quant->id;
  if (ctx.defaults.hardware.empty())
    reject("hardware: a vllm bench serve result does not name the machine; pass " + field("hardware"));
  const HardwareSlugMatch hw = hardware_from_flag(ctx.catalog, ctx.defaults.hardware);
  set_hardware(run, hw);
  run.api = default_api(run.backend, *hw.hardware);
  check_backend(run, ctx.catalog);

  run.era = year_of(optional_string(record, "date").value_or(""));
  run.source = "vllm bench serve (" + ctx.file + ")";
  const std::string label = optional_string(record, "label").value_or("");
  if (!model_id.empty()) run.note = "model_id " + model_id + (label.empty() ? "" : ", label " + label);
  check_batched(run);
  out.push_back(std::move(run));
}

}  // namespace llmfit::io
