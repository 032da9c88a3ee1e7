#include "llmfit/io/text_file.hpp"

#include "text_input.hpp"

namespace llmfit {

std::string read_text(const std::string& path, std::uintmax_t max_bytes, std::string_view too_large) {
  return io::read_text_file(path, max_bytes, too_large);
}

}  // namespace llmfit
