// Links llmfit as a package, describes a model from its own file and asks where it fits and how fast.
//   model_file_example MODEL.gguf|config.json|MODEL_FOLDER [quant] [hardware...]
// A GGUF brings its exact weight bytes; a config.json its shape, in its own precision or `quant`.
#include <llmfit/io.hpp>
#include <llmfit/llmfit.hpp>
#include <llmfit/report.hpp>

#include <cstdio>
#include <string>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: model_file_example MODEL.gguf|config.json [quant] [hardware...]\n");
    return 2;
  }
  const std::string path = argv[1];
  const std::string quant = argc > 2 ? argv[2] : "";
  std::vector<std::string> hardware(argv + (argc > 3 ? 3 : argc), argv + argc);
  if (hardware.empty()) hardware = {"m2-max", "m4-max-40c", "rtx-4090", "rtx-3090:2", "h100-sxm"};
  try {
    const bool gguf = path.size() > 5 && path.substr(path.size() - 5) == ".gguf";
    llmfit::Catalog catalog = llmfit::Catalog::builtin();
    const llmfit::ModelFileInfo info =
        gguf ? llmfit::read_gguf_model(path, catalog) : llmfit::read_hf_config_model(path, catalog, quant);
    catalog.add_source(info.catalog_data(), path);
    std::printf("%s", llmfit::describe_model_file(info).c_str());
    std::printf("%s: %.2f B parameters (%.2f B active)\n\n", info.model.id.c_str(), info.model.params_b,
                info.model.active_params_b);
    const std::string model = gguf && !quant.empty() ? info.model.id + "-" + quant : info.model.id;
    std::printf("%-14s %-16s %9s %9s %10s %10s\n", "hardware", "fit", "weights", "decode", "prefill", "max ctx");
    for (const auto& hw : hardware) {
      llmfit::Query query;
      query.hardware = hw;
      query.model = model;
      const llmfit::Answer answer = llmfit::answer_query(catalog, query, llmfit::shipped_efficiency_profile());
      const llmfit::Prediction& p = answer.prediction;
      std::printf("%-14s %-16s %6.1f GB %7.1f/s %8.0f/s %10lld\n", hw.c_str(),
                  std::string(llmfit::to_string(p.fit.verdict)).c_str(), p.fit.weights_bytes / 1e9, p.decode_tok_s,
                  p.prefill_tok_s, static_cast<long long>(p.fit.max_context));
    }
  } catch (const llmfit::InputError& e) {
    std::fprintf(stderr, "model_file_example: %s\n", e.what());
    return 2;
  }
  return 0;
}
