// The shipped catalogues: complete, valid, consistent; lookup, resolution and user overrides.
#include <gtest/gtest.h>

#include <cmath>

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
