#pragma once
// How the io layer opens what it reads (internal): one open for every input, which refuses what cannot
// be read safely before reading a byte, and remembers each file it opened so that no output of the same
// process replaces one of its inputs (output_file.cpp asks is_input()).
#include <sys/stat.h>

#include <cstdint>
#include <streambuf>
#include <string>
#include <string_view>

namespace llmfit::io {

/// What a reader accepts.
enum class InputKind {
  stream,    // text read front to back: regular files and pipes (`calibrate <(llama-bench -o json)`)
  seekable,  // read by offset (GGUF headers, split parts): regular files only
  machine,   // what detection reads of the machine: regular files, /proc and /sys files included; no pipes
};

/// An open input: a file descriptor, closed on destruction.
class InputFile {
 public:
  /// Opens `path` without blocking and refuses, with InputError "<path>: <cause>": a missing or unreadable
  /// path, a folder, a device, a socket, a /proc or /sys file, and a pipe where `kind` is seekable.
  InputFile(const std::string& path, InputKind kind);
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;
  ~InputFile();

  [[nodiscard]] int descriptor() const noexcept { return fd_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] bool is_regular() const noexcept { return S_ISREG(status_.st_mode); }
  /// Size of a regular file (0 for a pipe).
  [[nodiscard]] std::uint64_t size_bytes() const noexcept;

  /// Up to `capacity` bytes into `buffer` (0 at the end); InputError "<path>: cannot read: <errno text>".
  std::size_t read_some(char* buffer, std::size_t capacity);
  /// All of it, at most `max_bytes`: refused at once when a regular file is larger, and while reading when a
  /// pipe passes the cap ("<path>: larger than <N> MiB; <too_large>").
  [[nodiscard]] std::string read_all(std::uint64_t max_bytes, std::string_view too_large);
  /// InputError "<path>: larger than <N> MiB; <too_large>": the one message of every reader's byte cap.
  [[noreturn]] void refuse_larger_than(std::uint64_t max_bytes, std::string_view too_large) const;

 private:
  std::string path_;
  int fd_ = -1;
  struct stat status_ {};
};

/// A seekable std::streambuf over an InputFile (the GGUF parser reads through std::istream).
class InputFileBuffer : public std::streambuf {
 public:
  explicit InputFileBuffer(InputFile& file) : file_(file) {}

 protected:
  int_type underflow() override;
  pos_type seekoff(off_type offset, std::ios_base::seekdir direction, std::ios_base::openmode which) override;
  pos_type seekpos(pos_type position, std::ios_base::openmode which) override;

 private:
  InputFile& file_;
  char buffer_[1 << 16];
};

/// True when `status` is a file this process opened as an input (same device and inode).
[[nodiscard]] bool is_input(const struct stat& status) noexcept;

/// True for a short name of letters, digits and `_.-+` (a field or column name), which messages may echo.
[[nodiscard]] bool is_plain_name(std::string_view name) noexcept;

/// `name` as an error message may quote it: a short name of letters, digits and `_.-+/:` is quoted;
/// anything else (a line of some other file, control characters) is described, never echoed.
[[nodiscard]] std::string quoted_name(std::string_view name);

}  // namespace llmfit::io
