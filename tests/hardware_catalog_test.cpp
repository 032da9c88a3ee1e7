// The shipped hardware catalogue against its datasheets: memory bus x data rate = bandwidth for every entry
// that states both, spot checks of datasheet figures, the CPU compute roof, PCI ids for detection.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <iterator>
#include <map>
#include <set>
#include <string>

#include "llmfit/llmfit.hpp"

namespace llmfit {
namespace {

const Catalog& shipped() { return Catalog::builtin(); }

double bus_bandwidth_gb_s(const HardwareSpec& h) { return h.memory_bus_bits / 8.0 * h.memory_data_rate_mt_s / 1000.0; }

// Property (issue 19): wherever an entry states its bus width and per-pin data rate, they give its bandwidth,
// and the rule validate() applies rejects the same entry with a data rate 10 % off.
TEST(HardwareCatalogue, BusWidthTimesDataRateGivesBandwidth) {
  std::size_t with_bus = 0;
  for (const HardwareSpec& h : shipped().hardware()) {
    if (h.memory_bus_bits == 0 || h.memory_data_rate_mt_s == 0) continue;
    ++with_bus;
    EXPECT_NEAR(bus_bandwidth_gb_s(h) / h.bandwidth_gb_s, 1.0, limits::kBandwidthBusTolerance)
        << h.id << ": " << h.memory_bus_bits << " bits x " << h.memory_data_rate_mt_s << " MT/s";
    EXPECT_EQ(validate(h), "") << h.id;
    EXPECT_FALSE(h.memory_type.empty()) << h.id << ": a bus and data rate without the memory type";
    HardwareSpec off = h;
    off.memory_data_rate_mt_s *= 1.1;
    EXPECT_EQ(validate(off).rfind("bandwidth_gb_s: ", 0), 0u) << h.id << ": " << validate(off);
  }
  // Most discrete GPUs and every CPU host state both (HBM parts whose per-pin rate is unpublished do not).
  EXPECT_GE(with_bus, 115u) << "entries carrying memory_bus_bits and memory_data_rate_mt_s";
}

struct Datasheet {
  const char* id;
  double bandwidth_gb_s;
  double memory_gib;
};

// Datasheet bandwidth and default memory of entries added for issue 19; the comment names the source.
// A typo in either the entry or the table fails here.
constexpr Datasheet kDatasheets[] = {
    {"gtx-1050-ti", 112, 4},           // TechPowerUp geforce-gtx-1050-ti.c2885: 128-bit GDDR5, 7 Gbps
    {"gtx-1080-ti", 484, 11},          // TechPowerUp geforce-gtx-1080-ti.c2877: 352-bit GDDR5X, 11 Gbps
    {"rtx-2080", 448, 8},              // TechPowerUp geforce-rtx-2080.c3224
    {"rtx-2080-ti", 616, 11},          // TechPowerUp geforce-rtx-2080-ti.c3305
    {"titan-rtx", 672, 24},            // TechPowerUp titan-rtx.c3311
    {"rtx-3060-8gb", 240, 8},          // NVIDIA RTX 3060 family spec table: 128-bit, 15 Gbps
    {"rtx-3060-ti", 448, 8},           // TechPowerUp geforce-rtx-3060-ti.c3681
    {"rtx-3080-12gb", 912, 12},        // TechPowerUp geforce-rtx-3080-12-gb.c3834 (not the 10 GB card's 760)
    {"rtx-4060", 272, 8},              // TechPowerUp geforce-rtx-4060.c4107
    {"rtx-4060-ti-8gb", 288, 8},       // TechPowerUp geforce-rtx-4060-ti-8-gb.c4106
    {"rtx-5060", 448, 8},              // TechPowerUp geforce-rtx-5060.c4219: 128-bit GDDR7, 28 Gbps
    {"rtx-a4000", 448, 16},            // NVIDIA RTX A4000 datasheet
    {"rtx-a5000", 768, 24},            // NVIDIA RTX A5000 datasheet
    {"rtx-5880-ada", 960, 48},         // NVIDIA RTX 5880 Ada datasheet
    {"tesla-p40", 346, 24},            // NVIDIA Tesla P40 datasheet
    {"tesla-p100-pcie-16gb", 732, 16}, // NVIDIA Tesla P100 datasheet
    {"tesla-p100-pcie-12gb", 549, 12}, // NVIDIA Tesla P100 datasheet
    {"v100-pcie-16gb", 900, 16},       // NVIDIA V100 datasheet
    {"v100-sxm2-32gb", 900, 32},       // NVIDIA V100 datasheet
    {"t4", 320, 16},                   // NVIDIA T4 datasheet
    {"l4", 300, 24},                   // NVIDIA L4 datasheet
    {"a10", 600, 24},                  // NVIDIA A10 datasheet
    {"a10g", 600, 24},                 // Baseten A10 vs A10G comparison (same memory as the A10)
    {"a30", 933, 24},                  // NVIDIA A30 datasheet
    {"l40", 864, 48},                  // NVIDIA L40 datasheet
    {"gh200", 4000, 96},               // NVIDIA GH200: 96 GB HBM3 at 4 TB/s
    {"gh200-144gb", 4900, 144},        // NVIDIA GH200: 144 GB HBM3e at 4.9 TB/s
    {"gb200", 8000, 186},              // NVIDIA GB200 NVL72: 576 TB/s over 72 GPUs; 186 GB per GPU
    {"b300", 8000, 288},               // HGX B300: 288 GB HBM3e, 8 TB/s per GPU
    {"rx-6800-xt", 512, 16},           // AMD RX 6800 XT page: 256-bit, 16 Gbps
    {"rx-6900-xt", 512, 16},           // AMD RX 6900 XT page
    {"rx-7800-xt", 624, 16},           // AMD RX 7800 XT page: 256-bit, 19.5 Gbps
    {"rx-7900-gre", 576, 16},          // AMD RX 7900 GRE page: 256-bit, 18 Gbps
    {"rx-9060-xt-16gb", 320, 16},      // AMD RX 9060 XT page: 128-bit, 20 Gbps
    {"mi50", 1024, 32},                // AMD accelerator specifications: 4096-bit HBM2
    {"mi60", 1024, 32},                // AMD accelerator specifications
    {"mi100", 1228.8, 32},             // AMD accelerator specifications: 4096-bit, 2.4 Gbps
    {"mi210", 1638.4, 64},             // AMD MI210 page
    {"mi250x", 1638.4, 64},            // AMD MI250X page: 3.2 TB/s and 128 GB per module of two GCDs
    {"mi355x", 8000, 288},             // AMD MI355X page
    {"arc-a380", 186, 6},              // TechPowerUp arc-a380.c3913: 96-bit, 15.5 Gbps
    {"arc-a580", 512, 8},              // TechPowerUp arc-a580.c3927: 256-bit, 16 Gbps
    {"arc-b570", 380, 10},             // Intel Arc B-series: 160-bit, 19 Gbps
    {"ryzen-7-pro-4750g", 51.2, 32},   // AMD: DDR4-3200 dual channel
    {"epyc-9355", 614.4, 384},         // AMD: 12 channels DDR5-6400
    {"xeon-gold-6138-2s", 256, 384},   // Intel ark: 6 channels DDR4-2666 per socket, two sockets
    {"raspberry-pi-4", 12.8, 4},       // Raspberry Pi 4 product brief: LPDDR4-3200, 32-bit
    {"raspberry-pi-5", 17.1, 8},       // Raspberry Pi 5 product brief: LPDDR4X-4267, 32-bit
    {"threadripper-pro-9995wx", 409.6, 512},  // AMD: 8 channels DDR5-6400
    {"arc-140v", 136.5, 32},           // Intel ARK Core Ultra 7 258V: LPDDR5X-8533, 128-bit
    {"arc-130v", 136.5, 16},           // Intel Core Ultra Series 2 brief: LPDDR5X-8533
    {"arc-140t", 134.4, 32},           // Intel ARK Core Ultra 9 285H: LPDDR5X-8400
    {"iris-xe-lpddr4x", 68.3, 16},     // Intel ARK i7-1165G7: LPDDR4x-4266
    {"iris-xe-ddr4", 51.2, 16},        // Intel ARK i7-1165G7: DDR4-3200 dual channel
    {"radeon-780m", 120, 32},          // AMD Ryzen 7 7840U: LPDDR5X-7500
    {"radeon-780m-ddr5", 89.6, 32},    // AMD Ryzen 7 7840HS: DDR5-5600 dual channel
    {"radeon-890m", 120, 32},          // AMD Ryzen AI 9 HX 370: LPDDR5X-7500
    {"jetson-agx-orin-64gb", 204.8, 64},   // NVIDIA Jetson Orin module table
    {"jetson-agx-orin-32gb", 204.8, 32},   // NVIDIA Jetson Orin module table
    {"jetson-orin-nano-8gb", 68, 8},       // NVIDIA Orin Nano datasheet: 68 GB/s
    {"jetson-orin-nano-super", 102, 8},    // NVIDIA Orin Nano Super datasheet: 102 GB/s
    {"snapdragon-x-elite-x1e-78-100", 135, 16},  // Notebookcheck / Qualcomm: LPDDR5X-8448, ~135 GB/s
    {"snapdragon-x2-elite-extreme-x2e-96-100", 228, 48},  // Qualcomm (windowsreport): 192-bit, 228 GB/s; heise: 48 GB
    {"snapdragon-x2-elite-x2e-88-100", 152, 32},  // Qualcomm (windowsreport): 128-bit, 152 GB/s
    {"arrow-lake-s-igpu-285k", 102.4, 64},  // Intel ARK Core Ultra 9 285K: DDR5-6400, two channels
    {"m5-ultra-64c", 1200, 96},        // Mac Studio 2026 specs (via sunkcost): 1.2 TB/s, 96 GB
    {"m3-max-30c", 300, 36},           // Apple: the 30-core M3 Max is 300 GB/s, the 40-core 400
    {"m4-pro-16c", 273, 24},           // Apple Mac mini 2024 specs: 273 GB/s
    {"m4-max-32c", 410, 36},           // Apple Mac Studio 2025 specs: 410 GB/s with 36 GB
    {"mac-studio-m4-max-40c", 546, 48},  // Apple Mac Studio 2025 specs: 546 GB/s, 48 GB base
};

TEST(HardwareCatalogue, DatasheetSpotChecks) {
  static_assert(std::size(kDatasheets) >= 30);
  for (const Datasheet& d : kDatasheets) {
    const HardwareSpec* h = shipped().find_hardware(d.id);
    ASSERT_NE(h, nullptr) << d.id;
    EXPECT_EQ(h->id, d.id) << "spot checks name ids, not aliases";
    EXPECT_NEAR(h->bandwidth_gb_s, d.bandwidth_gb_s, d.bandwidth_gb_s * 0.005) << d.id;
    EXPECT_EQ(h->default_memory_gib, d.memory_gib) << d.id;
  }
}

// Products on a shared chip (variant_of, hardware-db/apple-macs.yaml) carry the chip's memory and compute but their
// own enclosure: a desktop never takes a laptop's throttling, and each product states its own form factor.
TEST(HardwareCatalogue, ProductsOnASharedChipKeepTheChipAndTheirOwnThermals) {
  std::size_t products = 0;
  for (const HardwareSpec& product : shipped().hardware()) {
    if (product.variant_of.empty()) continue;
    ++products;
    const HardwareSpec* chip = shipped().find_hardware(product.variant_of);
    ASSERT_NE(chip, nullptr) << product.id;
    EXPECT_EQ(product.bandwidth_gb_s, chip->bandwidth_gb_s) << product.id;
    EXPECT_EQ(product.memory_bus_bits, chip->memory_bus_bits) << product.id;
    EXPECT_EQ(product.apis, chip->apis) << product.id;
    if (product.form_factor == FormFactor::desktop && product.has_thermal_data) {
      EXPECT_GE(product.sustained_fraction, 0.95) << product.id << ": a desktop with a laptop's throttling";
    }
    if (!product.memory_prices_usd.empty()) {
      EXPECT_FALSE(product.memory_prices_source.empty()) << product.id;
    }
  }
  EXPECT_GE(products, 40u);
  // The case issue 18 names: the M4 Max in a Mac Studio does not throttle, in a MacBook Pro it does.
  const HardwareSpec& studio = *shipped().find_hardware("mac-studio-m4-max");
  const HardwareSpec& laptop = *shipped().find_hardware("macbook-pro-m4-max");
  EXPECT_EQ(studio.id, "mac-studio-m4-max-40c");
  EXPECT_EQ(studio.fp16_tflops, laptop.fp16_tflops);
  EXPECT_EQ(studio.form_factor, FormFactor::desktop);
  EXPECT_EQ(laptop.form_factor, FormFactor::laptop);
  EXPECT_EQ(studio.sustained_fraction, 1.0);
  EXPECT_LT(laptop.sustained_fraction, 0.8);
  // A product on a chip's smaller GPU bin states that bin's compute.
  EXPECT_LT(shipped().find_hardware("macbook-air-m2")->fp16_tflops, shipped().find_hardware("m2")->fp16_tflops);
}

// The devices of the wave2 measured runs (../shared/data/wave2/README.md) are in the catalogue, counted as the
// runs name them.
TEST(HardwareCatalogue, Wave2DevicesResolve) {
  for (const char* slug : {"tesla-p40", "rtx-3060-12gb", "rtx-4060-ti-8gb", "rtx-4060-ti-16gb", "mi100:4",
                           "ryzen-7-pro-4750g", "epyc-9355", "xeon-gold-6138-2s", "ryzen-9-7950x", "ryzen-9-5950x",
                           "raspberry-pi-4", "raspberry-pi-5", "radeon-ai-pro-r9700:2", "h100-pcie", "h200", "b200",
                           "mi300x", "macbook-air-m2"}) {
    const HardwareSlugMatch match = map_hardware_slug(slug, shipped());
    EXPECT_NE(match.hardware, nullptr) << slug;
  }
  EXPECT_EQ(map_hardware_slug("mi100:4", shipped()).device_count, 4);
}

// cpu entries: cores, SIMD width and clock are stated, and fp16_tflops (the FP32 FMA peak) lies between one and
// four FMA pipes of the widest vector (Zen 4 runs 512-bit vectors on two 256-bit pipes = one 512-bit pipe;
// Neoverse V2 has four 128-bit pipes). Catches a core count, clock or peak off by a factor.
TEST(HardwareCatalogue, CpuComputeRoofMatchesCoresSimdAndClock) {
  std::size_t cpus = 0;
  for (const HardwareSpec& h : shipped().hardware()) {
    if (h.kind != HardwareKind::cpu) continue;
    ++cpus;
    EXPECT_EQ(h.gpu_cores, 0) << h.id << ": CPU cores go in cpu_cores";
    ASSERT_GT(h.cpu_cores, 0) << h.id;
    ASSERT_GT(h.cpu_simd_bits, 0) << h.id;
    ASSERT_GT(h.cpu_clock_ghz, 0) << h.id;
    const double one_pipe_tflops = h.cpu_cores * (h.cpu_simd_bits / 32.0) * 2.0 * h.cpu_clock_ghz / 1000.0;
    EXPECT_GE(h.fp16_tflops, one_pipe_tflops * 0.95) << h.id;
    EXPECT_LE(h.fp16_tflops, 4 * one_pipe_tflops * 1.05) << h.id;
  }
  EXPECT_GE(cpus, 25u);
}

// The SM roof (issue 20, docs/model.md): every NVIDIA server GPU that states its SMs states the clock its tensor
// peak is quoted at, and wherever both are stated the peak per SM and clock is an architecture's power of two
// (512 GA102 FP32-accumulate, 1024 GA102/AD102/Volta, 2048 GA100, 4096 GH100); validate() rejects a clock 10 %
// off. Catches a clock, SM count or peak off by a factor.
TEST(HardwareCatalogue, GpuClockTimesSmsGivesTheTensorPeak) {
  std::size_t clocked = 0;
  for (const HardwareSpec& h : shipped().hardware()) {
    if (h.vendor == "nvidia" && h.kind == HardwareKind::gpu && h.form_factor == FormFactor::server && h.gpu_cores > 0) {
      EXPECT_GT(h.gpu_clock_ghz, 0) << h.id << ": a server GPU's SMs without its clock";
    }
    // ROCm decode's weight stream is held to CUs x clock (docs/model.md): every AMD GPU states both.
    if (h.vendor == "amd" && h.kind != HardwareKind::cpu && h.gpu_cores > 0) {
      EXPECT_GT(h.gpu_clock_ghz, 0) << h.id << ": an AMD GPU's CUs without its clock";
    }
    if (h.gpu_clock_ghz <= 0 || h.gpu_cores <= 0) continue;
    ++clocked;
    const double per_sm_clock = std::max(h.fp16_tflops, h.int8_tops / 2) * 1e3 / (h.gpu_cores * h.gpu_clock_ghz);
    const double power_of_two = std::exp2(std::round(std::log2(per_sm_clock)));
    EXPECT_NEAR(per_sm_clock / power_of_two, 1.0, limits::kTensorRateTolerance) << h.id << ": " << per_sm_clock;
    EXPECT_EQ(validate(h), "") << h.id;
    HardwareSpec off = h;
    off.gpu_clock_ghz *= 1.1;
    EXPECT_EQ(validate(off).rfind("gpu_clock_ghz: ", 0), 0u) << h.id << ": " << validate(off);
  }
  EXPECT_GE(clocked, 40u);
}

// NVIDIA calibration classes follow the memory technology (issue 20, docs/calibration.md): HBM parts are
// nvidia-datacenter, GDDR and LPDDR parts nvidia-consumer, so a server card on a workstation chip (L40S = AD102
// as the RTX 6000 Ada; A40 = GA102 as the RTX A6000) shares its chip's class, and the class does not change with
// the form factor.
TEST(HardwareCatalogue, NvidiaClassFollowsTheMemoryTechnology) {
  std::size_t hbm = 0;
  for (const HardwareSpec& h : shipped().hardware()) {
    if (h.vendor != "nvidia" || h.kind == HardwareKind::cpu) continue;
    const bool is_hbm = h.memory_type.rfind("hbm", 0) == 0;
    hbm += is_hbm ? 1 : 0;
    EXPECT_EQ(hardware_class(h), is_hbm ? HardwareClass::nvidia_datacenter : HardwareClass::nvidia_consumer) << h.id;
    HardwareSpec moved = h;
    moved.form_factor = h.form_factor == FormFactor::server ? FormFactor::desktop : FormFactor::server;
    EXPECT_EQ(hardware_class(moved), hardware_class(h)) << h.id;
  }
  EXPECT_GE(hbm, 15u);
  const Catalog& c = shipped();
  EXPECT_EQ(hardware_class(*c.find_hardware("l40s")), hardware_class(*c.find_hardware("rtx-6000-ada")));
  EXPECT_EQ(hardware_class(*c.find_hardware("a40")), hardware_class(*c.find_hardware("rtx-a6000")));
  EXPECT_NE(hardware_class(*c.find_hardware("a100-80gb")), hardware_class(*c.find_hardware("l40s")));
}

// Matrix engines a device API cannot reach (issue 20): an entry naming vector_only_apis states the vector FP32
// peak its matrix multiplications run at there (never above its FP16 matrix figure), on APIs it has; and llama.cpp's
// Vulkan backend reaches Intel's XMX only on Xe2 (ggml-vulkan.cpp, ggml_vk_khr_cooperative_matrix_support), so
// every other Intel GPU lists Vulkan as vector-only.
TEST(HardwareCatalogue, MatrixEnginesAnApiCannotReachAreStated) {
  std::size_t vector_only = 0;
  for (const HardwareSpec& h : shipped().hardware()) {
    const auto has = [](const std::vector<DeviceApi>& apis, DeviceApi api) {
      return std::find(apis.begin(), apis.end(), api) != apis.end();
    };
    if (!h.vector_only_apis.empty()) {
      ++vector_only;
      EXPECT_GT(h.fp32_tflops, 0) << h.id << ": vector_only_apis needs fp32_tflops";
      EXPECT_LE(h.fp32_tflops, h.fp16_tflops) << h.id;
      for (const DeviceApi api : h.vector_only_apis) EXPECT_TRUE(has(h.apis, api)) << h.id << ": " << enum_name(api);
    }
    if (h.vendor == "intel" && h.kind != HardwareKind::cpu && has(h.apis, DeviceApi::vulkan) &&
        h.notes.find("Xe2") == std::string::npos) {
      EXPECT_TRUE(has(h.vector_only_apis, DeviceApi::vulkan)) << h.id << ": Vulkan has no cooperative matrices before Xe2";
    }
  }
  EXPECT_GE(vector_only, 4u);
}

// A cpu entry's cores are CPU cores (cpu_cores); gpu_cores there is a leftover of the old convention and an error.
TEST(HardwareCatalogue, CpuEntryWithGpuCoresIsRejectedNamingTheField) {
  HardwareSpec cpu = *shipped().find_hardware("epyc-9355");
  EXPECT_EQ(validate(cpu), "");
  cpu.gpu_cores = 32;
  EXPECT_EQ(validate(cpu).rfind("gpu_cores: ", 0), 0u) << validate(cpu);
}

// Discrete GPUs carry the PCI ids hardware detection matches, under their own vendor's id. One die sold as
// several cards shares an id (RX 7900 XT/XTX/GRE); detection tells those apart by memory size.
TEST(HardwareCatalogue, DiscreteGpusHavePciIdsOfTheirVendor) {
  const std::map<std::string, std::string> vendor_ids{{"nvidia", "10de"}, {"amd", "1002"}, {"intel", "8086"}};
  std::set<std::string> seen;
  for (const HardwareSpec& h : shipped().hardware()) {
    if (h.kind != HardwareKind::gpu) continue;
    EXPECT_FALSE(h.pci_ids.empty()) << h.id;
    const auto vendor = vendor_ids.find(h.vendor);
    ASSERT_NE(vendor, vendor_ids.end()) << h.id;
    for (const std::string& pci : h.pci_ids) {
      EXPECT_EQ(pci.substr(0, 4), vendor->second) << h.id << ": " << pci;
      seen.insert(pci);
    }
  }
  EXPECT_GE(seen.size(), 100u);
}

}  // namespace
}  // namespace llmfit
