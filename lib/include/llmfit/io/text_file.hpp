#pragma once
/// Reading a whole text file within a size cap, through the io layer's one input opener (what `llmfit serve`
/// reads its page with).
#include <cstdint>
#include <string>
#include <string_view>

namespace llmfit {

/// The text of a regular file or a pipe of at most `max_bytes`. Throws InputError "<path>: no such file",
/// "<path>: is a device, not a file", "<path>: larger than <N> MiB; <too_large>".
[[nodiscard]] std::string read_text(const std::string& path, std::uintmax_t max_bytes, std::string_view too_large);

}  // namespace llmfit
