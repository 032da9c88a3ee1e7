// Files written whole or not at all (output_file.hpp).
#include "llmfit/io/output_file.hpp"

#include <filesystem>

#include "llmfit/errors.hpp"

namespace llmfit {

OutputFile::OutputFile(std::string path) : path_(std::move(path)), temporary_(path_ + ".tmp-llmfit") {
  file_ = std::fopen(temporary_.c_str(), "wb");
  if (file_ == nullptr) throw InputError(path_ + ": cannot open for writing");
}

OutputFile::~OutputFile() {
  if (file_ == nullptr) return;  // committed
  std::fclose(file_);
  std::error_code ignored;
  std::filesystem::remove(temporary_, ignored);
}

void OutputFile::write(std::string_view chunk) {
  if (std::fwrite(chunk.data(), 1, chunk.size(), file_) != chunk.size()) throw InputError(path_ + ": write failed");
}

void OutputFile::commit() {
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  std::error_code error;
  if (closed) std::filesystem::rename(temporary_, path_, error);
  if (!closed || error) {
    std::error_code ignored;
    std::filesystem::remove(temporary_, ignored);
    throw InputError(path_ + (closed ? ": cannot write: " + error.message() : std::string(": write failed")));
  }
}

void write_file_atomically(const std::string& path, std::string_view text) {
  OutputFile file(path);
  file.write(text);
  file.commit();
}

}  // namespace llmfit
