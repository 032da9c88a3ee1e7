// Links llmfit as a package, fits the efficiency constants to a folder of measured runs (llama-bench
// -o json/jsonl, Ollama responses or llmfit run files) and predicts with the result.
//   calibrate_example RUNS... [--hw ID[:N]] [--model MODEL-QUANT]
#include <llmfit/io.hpp>
#include <llmfit/llmfit.hpp>
#include <llmfit/report.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  std::vector<std::string> paths;
  llmfit::RunDefaults defaults;  // what llama-bench files do not say in catalogue terms
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--hw" && i + 1 < argc) defaults.hardware = argv[++i];
    else if (arg == "--model" && i + 1 < argc) defaults.model = argv[++i];
    else paths.push_back(arg);
  }
  if (paths.empty()) {
    std::fprintf(stderr, "usage: calibrate_example RUNS... [--hw ID[:N]] [--model MODEL-QUANT]\n");
    return 2;
  }
  try {
    const llmfit::Catalog& catalog = llmfit::Catalog::builtin();
    const llmfit::RunSet runs = llmfit::load_runs_paths(paths, catalog, defaults);
    for (const auto& skipped : runs.skipped)
      std::fprintf(stderr, "skipped %s[%zu]: %s\n", skipped.file.c_str(), skipped.index, skipped.reason.c_str());
    const llmfit::ResolvedRuns resolved = llmfit::resolve_runs(runs.runs, catalog);
    const llmfit::CalibrationReport report =
        llmfit::calibrate(resolved.cases, llmfit::default_efficiency_profile());
    std::printf("%d decode and %d prefill runs on %d chips\n", report.decode_runs, report.prefill_runs,
                report.hardware_count);
    std::printf("decode MAPE: %.1f%% defaults, %.1f%% fitted, %.1f%% leave-one-hardware-out\n",
                report.decode_before.mape_pct, report.decode_after.mape_pct, report.decode_cv.mape_pct);
    std::printf("prefill MAPE: %.1f%% defaults, %.1f%% fitted, %.1f%% leave-one-hardware-out\n",
                report.prefill_before.mape_pct, report.prefill_after.mape_pct, report.prefill_cv.mape_pct);

    // Predict a chip with the fitted profile, with the cross-validated error as a range.
    llmfit::Query query;
    query.hardware = "rtx-4090";
    query.model = "llama-3.1-8b-q4";
    const llmfit::Answer answer = llmfit::answer_query(catalog, query, report.profile);
    std::printf("llama-3.1-8b-q4 on rtx-4090: %.0f tok/s decode (%.0f-%.0f), %.0f tok/s prefill\n",
                answer.prediction.decode_tok_s, answer.decode_low_tok_s, answer.decode_high_tok_s,
                answer.prediction.prefill_tok_s);
  } catch (const llmfit::InputError& e) {
    std::fprintf(stderr, "calibrate_example: %s\n", e.what());
    return 2;
  }
  return 0;
}
