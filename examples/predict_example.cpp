// Links llmfit as a package and asks it the two questions for one model on a few machines.
//   predict_example [model] [hardware...]
#include <llmfit/io.hpp>
#include <llmfit/llmfit.hpp>
#include <llmfit/report.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  const std::string model = argc > 1 ? argv[1] : "llama-3.1-8b-q4";
  std::vector<std::string> hardware(argv + (argc > 2 ? 2 : argc), argv + argc);
  if (hardware.empty()) hardware = {"m2-max", "m4-max-40c", "rtx-4090", "h100-sxm", "ddr5-5600-dual"};

  const llmfit::Catalog& catalog = llmfit::Catalog::builtin();
  const llmfit::EfficiencyProfile& profile = llmfit::shipped_efficiency_profile();
  std::printf("%-16s %-16s %10s %10s %10s\n", "hardware", "fit", "decode", "prefill", "max ctx");
  try {
    for (const auto& hw : hardware) {
      llmfit::Query query;
      query.hardware = hw;
      query.model = model;
      const llmfit::Answer answer = llmfit::answer_query(catalog, query, profile);
      const llmfit::Prediction& p = answer.prediction;
      std::printf("%-16s %-16s %7.1f/s %7.0f/s %10lld\n", hw.c_str(),
                  std::string(llmfit::to_string(p.fit.verdict)).c_str(), p.decode_tok_s, p.prefill_tok_s,
                  static_cast<long long>(p.fit.max_context));
    }
  } catch (const llmfit::InputError& e) {
    std::fprintf(stderr, "predict_example: %s\n", e.what());
    return 2;
  }
  return 0;
}
