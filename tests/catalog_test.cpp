// The shipped catalogues: complete, valid, consistent; lookup, resolution and user overrides.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>

#include "llmfit/io.hpp"
#include "llmfit/llmfit.hpp"
#include "llmfit/report.hpp"

namespace llmfit {
namespace {

const Catalog& shipped() { return Catalog::builtin(); }

TEST(ShippedCatalogue, HasTheRequiredHardware) {
  for (const char* id :
       {"m1", "m1-pro", "m1-max", "m1-ultra", "m2", "m2-pro", "m2-max", "m2-ultra", "m3", "m3-pro", "m3-max-30c",
        "m3-max-40c", "m3-ultra", "m4", "m4-pro", "m4-max-32c", "m4-max-40c", "m5", "rtx-3060-12gb", "rtx-3090",
        "rtx-4060-ti-16gb", "rtx-4070", "rtx-4080", "rtx-4090", "rtx-5070", "rtx-5080", "rtx-5090",
        "rtx-5060-ti-16gb", "rtx-5070-ti", "rtx-pro-6000", "a100-40gb", "a100-80gb", "h100-pcie", "h100-sxm", "h200",
        "b200", "l40s", "dgx-spark", "rtx-4090-laptop", "rx-7900-xtx", "rx-9070", "rx-9070-xt", "radeon-ai-pro-r9700",
        "mi300x", "ryzen-ai-max-395", "arc-a770", "arc-b580", "ddr4-3200-dual", "ddr5-5600-dual"}) {
    const HardwareSpec* hw = shipped().find_hardware(id);
    ASSERT_NE(hw, nullptr) << id;
    EXPECT_EQ(hw->id, id);  // required ids are ids, not aliases
  }
  EXPECT_GT(shipped().hardware().size(), 50u);
}

TEST(ShippedCatalogue, HasTheRequiredModels) {
  for (const char* id :
       {"llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b", "llama-3.2-1b", "llama-3.2-3b", "llama-3.3-70b",
        "qwen2-1.5b", "qwen2-7b", "qwen2.5-0.5b", "qwen2.5-72b", "qwen2.5-coder-7b", "qwen2.5-coder-32b", "qwen3-0.6b",
        "qwen3-32b", "qwen3-30b-a3b", "qwen3-235b-a22b", "qwen3-coder-30b-a3b", "qwen3-coder-480b-a35b",
        "qwen3.5-0.8b", "qwen3.5-2b", "qwen3.5-9b", "deepseek-v3", "deepseek-r1", "gpt-oss-20b", "gpt-oss-120b",
        "gemma-3-1b", "gemma-3-27b", "mistral-7b", "mistral-small-24b", "phi-4", "tinyllama-1.1b", "llama-3-8b",
        "llama-3-70b", "llama-2-7b", "llama-2-13b", "llama-2-70b"}) {
    const ModelSpec* m = shipped().find_model(id);
    ASSERT_NE(m, nullptr) << id;
    EXPECT_EQ(m->id, id);
  }
  EXPECT_GT(shipped().models().size(), 40u);
  EXPECT_EQ(shipped().find_model("qwen3-coder"), shipped().find_model("qwen3-coder-30b-a3b"));
}

TEST(ShippedCatalogue, EveryEntryIsValidAndSourced) {
  for (const auto& h : shipped().hardware()) {
    EXPECT_EQ(validate(h), "") << h.id;
    EXPECT_FALSE(h.source.empty()) << h.id;
  }
  for (const auto& m : shipped().models()) {
    EXPECT_EQ(validate(m), "") << m.id;
    EXPECT_NE(shipped().find_quant(m.default_quant), nullptr) << m.id;
  }
  for (const auto& q : shipped().quants()) EXPECT_EQ(validate(q), "") << q.id;
  // The whole set passes the same check user sources get.
  EXPECT_NO_THROW(validate_catalog({shipped().hardware(), shipped().models(), shipped().quants()}, "shipped", nullptr));
}

TEST(ShippedCatalogue, ShapeMatchesPublishedParameterCounts) {
  // Dense models: shape-derived count within 2 % of the published total (catches shape typos).
  for (const auto& m : shipped().models()) {
    const double shape_b = shape_params(m).total() / 1e9;
    if (!m.is_moe()) {
      EXPECT_NEAR(shape_b / m.params_b, 1.0, 0.02) << m.id << ": shape " << shape_b << " B vs " << m.params_b;
    } else {
      EXPECT_NEAR(shape_b / m.params_b, 1.0, 0.05) << m.id << ": shape " << shape_b << " B vs " << m.params_b;
    }
  }
}

// Spot checks of the issue-19 model entries against what their publishers print. Totals: a rounded name
// ("35B") within its rounding, an exact tensor-list count (safetensors total less FP8 block scales, vision
// towers and MTP layers, as each entry's notes derive it) within 0.01 B. Shapes leave out norms and biases.
struct PublishedCount {
  const char* id;
  double total_b;
  double tolerance_b;
  double active_b;  // 0: dense
};

const PublishedCount kPublished[] = {
    {"qwen3.6-27b", 27, 0.5, 0},                       // Qwen: "27B"
    {"qwen3.6-35b-a3b", 35, 0.5, 3},                   // "35B in total and 3B activated"
    {"qwen3.5-4b", 4, 0.5, 0},
    {"qwen3.5-27b", 27, 0.5, 0},
    {"qwen3.5-35b-a3b", 35, 0.5, 3},
    {"qwen3.5-122b-a10b", 122, 0.5, 10},
    {"qwen3.5-397b-a17b", 397, 1.0, 17},               // 397B counts the MTP layer (~1B)
    {"qwen3-4b-instruct-2507", 4.0, 0.05, 0},          // model card: 4.0B
    {"qwen3-4b-thinking-2507", 4.0, 0.05, 0},
    {"qwen3-30b-a3b-instruct-2507", 30.5, 0.05, 3.3},  // 30.5B, 3.3B activated
    {"qwen3-30b-a3b-thinking-2507", 30.5, 0.05, 3.3},
    {"qwen3-235b-a22b-instruct-2507", 235, 0.5, 22},
    {"qwen3-235b-a22b-thinking-2507", 235, 0.5, 22},
    {"gemma-4-31b", 30.7, 0.05, 0},                    // tensor list 31.273B less the 0.576B vision tower
    {"gemma-4-31b-qat", 30.7, 0.05, 0},
    {"gemma-4-26b-a4b", 25.2, 0.05, 3.8},              // Google: 25.2B total, 3.8B active (text)
    {"gemma-4-26b-a4b-qat", 25.2, 0.05, 3.8},
    {"glm-4.5", 355, 2.5, 32},                         // 355B counts the ~4B MTP layer llama.cpp skips
    {"glm-4.6", 355, 2.5, 32},
    {"glm-4.5-air", 106, 1.0, 12},
    {"glm-4.7-flash", 30, 0.5, 3},                     // "30B-A3B"
    {"llama-4-scout", 109, 1.5, 17},                   // Meta's 109B includes the vision encoder
    {"llama-4-maverick", 400, 1.0, 17},
    {"kimi-k2", 1026.408, 0.01, 32},                   // tensor list 1,026,470,731,056 less 62.5M FP8 scales
    {"kimi-k2-0905", 1026.408, 0.01, 32},
    {"deepseek-v3.1", 671, 0.5, 37},
    {"deepseek-v3.2", 671.878, 0.01, 37},              // tensor list 685.397B less scales and the 13.48B MTP layer
    {"minimax-m2", 228.690, 0.01, 10},                 // tensor list (M2.7) 228,703,644,928 less 13.9M FP8 scales
    {"ernie-4.5-0.3b", 0.36, 0.005, 0},
    {"ernie-4.5-21b-a3b", 21, 1.0, 3},                 // "21B" truncates 21.8B
    {"ernie-4.5-300b-a47b", 300, 1.0, 47},
    {"seed-oss-36b", 36, 0.5, 0},
};

TEST(ShippedCatalogue, NewEntriesMatchPublishedParameterCounts) {
  EXPECT_GE(std::size(kPublished), 30u);
  for (const auto& p : kPublished) {
    const ModelSpec* m = shipped().find_model(p.id);
    ASSERT_NE(m, nullptr) << p.id;
    const ParamBreakdown shape = shape_params(*m);
    EXPECT_NEAR(shape.total() / 1e9, p.total_b, p.tolerance_b) << p.id;
    EXPECT_NEAR(m->params_b, p.total_b, p.tolerance_b) << p.id;
    if (p.active_b == 0) {
      EXPECT_FALSE(m->is_moe()) << p.id;
      continue;
    }
    EXPECT_DOUBLE_EQ(m->active_params_b, p.active_b) << p.id;
    // Cards round active counts and differ on counting the embeddings: within 10 % or 1.5 B.
    EXPECT_NEAR(shape.active() / 1e9, p.active_b, std::max(1.5, 0.1 * p.active_b)) << p.id;
  }
}

// Weights in GGUF files as llama.cpp prints them ("model size = X GiB (Y BPW)"): X × 2^30 × 8 / Y is the
// parameter count in the file, the entry's shape plus what the file carries and llama.cpp does not load (GLM's
// MTP layer: attention, experts, eh_proj, and in the Air file its own embedding and head). Q8_0 files also
// check the stored bytes of the catalogue's Q8_0 (8.5 bits) against the file's share of the loaded part.
struct GgufSize {
  const char* id;
  const char* file;  // where the size is printed (the catalogue entry's notes cite it)
  double gib;
  double bits_per_weight;
  double skipped_params;  // in the file, not loaded
  bool q8_0;
};

const GgufSize kGgufSizes[] = {
    {"qwen3.6-27b", "sokann/Qwen3.6-27B-GGUF-4.256bpw", 13.327, 4.256, 0, false},
    {"glm-4.6", "ubergarm/GLM-4.6-GGUF Q8_0", 353.259, 8.505,
     136'314'880.0 + 3'774'873'600.0 + 23'592'960.0 + 819'200.0 + 52'428'800.0, true},
    {"glm-4.5-air", "ubergarm/GLM-4.5-Air-GGUF Q8_0", 109.381, 8.505,
     109'051'904.0 + 2'214'592'512.0 + 17'301'504.0 + 524'288.0 + 33'554'432.0 + 1'241'513'984.0, true},
    {"kimi-k2", "ubergarm/Kimi-K2-Thinking-GGUF Q4_X (same architecture)", 543.617, 4.549, 0, false},
    // The dense MLP beside the experts (3 x 2816 x 2112 x 30 = 0.535 B) counted as a shared expert: without it
    // the shape would be 2.1 % short of the file (llama.cpp's load log in github.com/scrya-com/rotorquant/issues/9).
    {"gemma-4-26b-a4b", "lmstudio-community/gemma-4-26B-A4B-it-GGUF Q4_K_M", 15.63, 5.32, 0, false},
};

TEST(ShippedCatalogue, NewEntriesMatchPublishedGgufSizes) {
  const QuantSpec& q8 = shipped().quant_or_throw("q8_0");
  for (const auto& g : kGgufSizes) {
    const ModelSpec* m = shipped().find_model(g.id);
    ASSERT_NE(m, nullptr) << g.id;
    const double file_bytes = g.gib * 1024.0 * 1024.0 * 1024.0;
    const double file_params = file_bytes * 8 / g.bits_per_weight;
    const double shape = shape_params(*m).total();
    EXPECT_NEAR((shape + g.skipped_params) / file_params, 1.0, 0.005) << g.id << " " << g.file;
    if (g.q8_0) {
      const double loaded_share = file_bytes * (file_params - g.skipped_params) / file_params;
      EXPECT_NEAR(weight_bytes(*m, q8).stored / loaded_share, 1.0, 0.01) << g.id;
    }
  }
}

TEST(ShippedCatalogue, QuantBitsAreOrdered) {
  // Real bits per weight of the GGUF ladder: Q2_K < Q3_K_M < Q4_K_M < Q5_K_M < Q6_K < Q8_0 < F16.
  double previous = 0;
  for (const char* id : {"q2_k", "q3_k_m", "q4_k_m", "q5_k_m", "q6_k", "q8_0", "f16"}) {
    const double bits = shipped().quant_or_throw(id).bits_per_weight;
    EXPECT_GT(bits, previous) << id;
    previous = bits;
  }
  // K-quant mixes keep some tensors at higher precision: Q4_K_M is not 4.0 bits.
  EXPECT_GT(shipped().quant_or_throw("q4_k_m").bits_per_weight, 4.5);
}

TEST(Resolve, ModelWithQuantGrammar) {
  const ModelChoice a = shipped().resolve_model("qwen3-coder-q4");
  EXPECT_EQ(a.model->id, "qwen3-coder-30b-a3b");
  EXPECT_EQ(a.quant->id, "q4_k_m");
  EXPECT_FALSE(a.quant_was_default);
  EXPECT_EQ(shipped().resolve_model("llama-3.1-8b-q4_k_m").quant->id, "q4_k_m");
  EXPECT_EQ(shipped().resolve_model("LLAMA-3.1-8B-Q8").quant->id, "q8_0");
  EXPECT_EQ(shipped().resolve_model("llama-3.1-8b-mlx4").quant->id, "mlx-4bit");
  EXPECT_EQ(shipped().resolve_model("llama-3.1-8b-mlx-4bit").quant->id, "mlx-4bit");
  const ModelChoice d = shipped().resolve_model("gpt-oss-20b");
  EXPECT_TRUE(d.quant_was_default);
  EXPECT_EQ(d.quant->id, "mxfp4");
}

TEST(Resolve, UnknownNamesSuggest) {
  try {
    (void)shipped().resolve_model("qwen3-codr-q4");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'qwen3-coder'"), std::string::npos) << e.what();
  }
  try {
    (void)shipped().resolve_hardware("m2-maxx");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("did you mean 'm2-max'"), std::string::npos) << e.what();
  }
  try {
    (void)shipped().resolve_model("llama-3.1-8b-q4_k_x");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown quantisation"), std::string::npos) << e.what();
  }
}

TEST(Resolve, DeviceCount) {
  const HardwareChoice two = shipped().resolve_hardware("rtx-3090:2");
  EXPECT_EQ(two.hardware->id, "rtx-3090");
  EXPECT_EQ(two.count, 2);
  EXPECT_THROW((void)shipped().resolve_hardware("rtx-3090:0"), InputError);
  EXPECT_THROW((void)shipped().resolve_hardware("rtx-3090:x"), InputError);
  EXPECT_THROW((void)shipped().resolve_hardware("m2-max:2"), InputError);  // separate machines: cluster
}

constexpr const char* kUserHardware = R"(schema: 1
hardware:
  - id: m2-max
    name: My M2 Max
    vendor: apple
    kind: unified
    memory_gib: [96]
    default_memory_gib: 96
    bandwidth_gb_s: 400
    fp16_tflops: 13.6
    form_factor: desktop
    tdp_w: 90
    price_usd: 0
    apis: [metal]
    source: "my measurement"
)";

TEST(UserCatalogue, OverridesAShippedIdAndSaysSo) {
  Catalog catalog = shipped();
  catalog.add_source(parse_catalog_yaml(kUserHardware, "my.yaml"), "my.yaml");
  EXPECT_EQ(catalog.find_hardware("m2-max")->name, "My M2 Max");
  ASSERT_EQ(catalog.overrides().size(), 1u);
  EXPECT_NE(catalog.overrides()[0].find("m2-max"), std::string::npos);
  EXPECT_EQ(catalog.hardware().size(), shipped().hardware().size());
}

TEST(UserCatalogue, DuplicateIdWithinOneSourceIsAnError) {
  const std::string entry_text(kUserHardware);
  std::string text = entry_text;
  text.append(entry_text, entry_text.find("  - id"));
  Catalog catalog = shipped();
  try {
    catalog.add_source(parse_catalog_yaml(text, "dup.yaml"), "dup.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("appears twice"), std::string::npos) << e.what();
  }
}

// One alias names one entry: two entries of one source claiming it, or a user entry claiming a name of another
// shipped entry, are refused naming both; in the shipped set every id and alias finds the entry that claims it.
TEST(UserCatalogue, AnAliasClaimedTwiceIsRefused) {
  std::string first(kUserHardware);
  first.replace(first.find("id: m2-max"), 10, "id: my-box-a");
  first.replace(first.find("    apis:"), 0, "    aliases: [my-box]\n");
  std::string second = first.substr(first.find("  - id"));
  second.replace(second.find("id: my-box-a"), 12, "id: my-box-b");
  Catalog catalog = shipped();
  try {
    catalog.add_source(parse_catalog_yaml(first + second, "two.yaml"), "two.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("'my-box' appears twice"), std::string::npos) << message;
    EXPECT_NE(message.find("my-box-b"), std::string::npos) << message;
  }
  std::string taken = first;
  taken.replace(taken.find("[my-box]"), 8, "[rtx-4090]");
  try {
    catalog.add_source(parse_catalog_yaml(taken, "taken.yaml"), "taken.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("already names hardware 'rtx-4090'"), std::string::npos) << e.what();
  }
  for (const HardwareSpec& h : shipped().hardware())
    for (const std::string& name : h.aliases) EXPECT_EQ(shipped().find_hardware(name), &h) << h.id << ": " << name;
  for (const ModelSpec& m : shipped().models()) {
    EXPECT_EQ(shipped().find_model(m.id), &m) << m.id;
    for (const std::string& name : m.aliases) EXPECT_EQ(shipped().find_model(name), &m) << m.id << ": " << name;
  }
}

TEST(UserCatalogue, ErrorsNameFileLineEntryAndField) {
  std::string text = kUserHardware;
  text.replace(text.find("bandwidth_gb_s: 400"), 19, "bandwidth_gb_s: -4");
  try {
    (void)parse_catalog_yaml(text, "bad.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("bad.yaml:"), std::string::npos) << message;
    EXPECT_NE(message.find("hardware 'm2-max'"), std::string::npos) << message;
    EXPECT_NE(message.find("bandwidth_gb_s"), std::string::npos) << message;
  }
  std::string typo = kUserHardware;
  typo.replace(typo.find("tdp_w"), 5, "tdp_ww");
  try {
    (void)parse_catalog_yaml(typo, "typo.yaml");
    FAIL() << "expected InputError";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find("unknown key (did you mean 'tdp_w'?)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace llmfit

namespace llmfit {
namespace {

// A product on another entry's chip (variant_of): chip fields inherited unless stated, product fields its own.
TEST(HardwareVariants, InheritTheChipAndStateTheProduct) {
  const std::string yaml = R"(schema: 1
hardware:
  - id: my-studio
    variant_of: m4-max-40c
    name: "Desktop M4 Max"
    form_factor: desktop
    price_usd: 1999
    memory_gib: [64, 128]
    aliases: [my-desk]
    source: "https://example.org/desktop"
  - id: my-studio-cut
    variant_of: my-studio
    name: "Cut-down desktop M4 Max"
    form_factor: desktop
    price_usd: 1499
    bandwidth_gb_s: 410
    memory_bus_bits: 384
    source: "https://example.org/cut"
)";
  Catalog catalog = Catalog::builtin();
  catalog.add_source(parse_catalog_yaml(yaml, "variants.yaml"), "variants.yaml");
  const HardwareSpec& chip = *catalog.find_hardware("m4-max-40c");
  ASSERT_TRUE(chip.has_thermal_data);  // the MacBook Pro entry throttles
  const HardwareSpec& studio = *catalog.find_hardware("my-desk");
  EXPECT_EQ(studio.id, "my-studio");
  EXPECT_EQ(studio.variant_of, "m4-max-40c");
  EXPECT_EQ(studio.bandwidth_gb_s, chip.bandwidth_gb_s);
  EXPECT_EQ(studio.fp16_tflops, chip.fp16_tflops);
  EXPECT_EQ(studio.vendor, chip.vendor);
  EXPECT_EQ(studio.kind, chip.kind);
  EXPECT_EQ(studio.apis, chip.apis);
  EXPECT_EQ(studio.form_factor, FormFactor::desktop);
  EXPECT_FALSE(studio.has_thermal_data);  // thermals belong to the enclosure
  EXPECT_EQ(studio.sustained_fraction, 1.0);
  EXPECT_EQ(studio.price_usd, 1999);
  EXPECT_EQ(studio.memory_options_gib, (std::vector<double>{64, 128}));
  EXPECT_EQ(studio.default_memory_gib, 64);  // the first of its own capacities
  EXPECT_TRUE(std::find(studio.aliases.begin(), studio.aliases.end(), "my-desk") != studio.aliases.end());
  EXPECT_EQ(studio.aliases.size(), 1u);  // the chip's names stay the chip's
  const HardwareSpec& cut = *catalog.find_hardware("my-studio-cut");
  EXPECT_EQ(cut.bandwidth_gb_s, 410);
  EXPECT_EQ(cut.memory_options_gib, studio.memory_options_gib);  // a variant of a variant
  EXPECT_TRUE(cut.variant_stated_fields.empty());
  EXPECT_EQ(validate(cut), "");
}

TEST(HardwareVariants, BadVariantsNameTheEntryAndField) {
  const auto refusal = [](const std::string& entries) {
    try {
      Catalog catalog = Catalog::builtin();
      catalog.add_source(parse_catalog_yaml("schema: 1\nhardware:\n" + entries, "v.yaml"), "v.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  const std::string product = "    name: X\n    form_factor: desktop\n    price_usd: 0\n    source: s\n";
  EXPECT_NE(refusal("  - id: a\n    variant_of: m4-max-4oc\n" + product).find("hardware 'a': variant_of: unknown hardware "
                                                                          "'m4-max-4oc' (did you mean 'm4-max-40c'"),
            std::string::npos)
      << refusal("  - id: a\n    variant_of: m4-max-4oc\n" + product);
  EXPECT_NE(refusal("  - id: a\n    variant_of: b\n" + product + "  - id: b\n    variant_of: a\n" + product)
                .find("circular variant_of"),
            std::string::npos);
  EXPECT_NE(refusal("  - id: a\n    variant_of: m4-max-40c\n    name: X\n    price_usd: 0\n    source: s\n")
                .find("hardware 'a': form_factor: missing"),
            std::string::npos);  // product fields are the variant's own to state
  EXPECT_NE(refusal("  - id: a\n    variant_of: m4-max-40c\n" + product + "    bandwidth_gb_s: 0.5\n")
                .find("hardware 'a': bandwidth_gb_s: must be in"),
            std::string::npos);  // the merged entry is validated
  EXPECT_NE(refusal("  - id: a\n    variant_of: m4-max-40c\n" + product + "    memory_gib: [8]\n    default_memory_gib: 128\n")
                .find("default_memory_gib: must be one of memory_gib"),
            std::string::npos);
}

}  // namespace
}  // namespace llmfit
