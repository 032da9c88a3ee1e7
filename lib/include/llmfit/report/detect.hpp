#pragma once
/// Presentation of `llmfit detect` (what was found and how each figure is known) and `llmfit
/// probe-bandwidth`; JSON shapes in docs/commands.md.
#include <string>

#include "llmfit/identify.hpp"
#include "llmfit/report/format.hpp"

namespace llmfit {

inline constexpr std::array kDetectFormats = kDocumentFormats;
[[nodiscard]] std::string render_detected(const MachineEvidence& evidence, const IdentifiedMachine& machine,
                                          Format format);
/// The measured figure next to the datasheet figure of `reference` (the host or unified pool; null = none).
[[nodiscard]] std::string render_bandwidth_probe(const BandwidthProbe& probe, const IdentifiedDevice* reference,
                                                 Format format);

}  // namespace llmfit
