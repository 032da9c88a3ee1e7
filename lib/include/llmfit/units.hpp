#pragma once
/// Units used across llmfit. Capacities are sold in binary gigabytes (GiB); every `_gb` figure llmfit
/// prints or reads in JSON is decimal (1e9 bytes); bandwidth is 1e9 bytes per second.
namespace llmfit::units {
inline constexpr double kBytesPerGB = 1e9;
inline constexpr double kBytesPerGiB = 1073741824.0;  // 2^30
inline constexpr double kFlopsPerTflop = 1e12;
inline constexpr double kSecondsPerMicrosecond = 1e-6;

[[nodiscard]] constexpr double gib_to_bytes(double gib) noexcept { return gib * kBytesPerGiB; }
[[nodiscard]] constexpr double bytes_to_gb(double bytes) noexcept { return bytes / kBytesPerGB; }
[[nodiscard]] constexpr double gb_to_bytes(double gb) noexcept { return gb * kBytesPerGB; }
}  // namespace llmfit::units
