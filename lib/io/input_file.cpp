// Opening inputs (input_file.hpp).
#include "input_file.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/vfs.h>
#endif

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>
#include <vector>

#include "llmfit/errors.hpp"

namespace llmfit::io {
namespace {

std::mutex inputs_mutex;
std::vector<std::pair<dev_t, ino_t>>& inputs_opened() {
  static std::vector<std::pair<dev_t, ino_t>> opened;
  return opened;
}

void remember_input(const struct stat& status) {
  const std::lock_guard lock(inputs_mutex);
  auto& opened = inputs_opened();
  const std::pair identity{status.st_dev, status.st_ino};
  if (std::find(opened.begin(), opened.end(), identity) == opened.end()) opened.push_back(identity);
}

[[noreturn]] void refuse(const std::string& path, const std::string& cause) { throw InputError(path + ": " + cause); }

/// Kernel pseudo-files (/proc, /sys) report size 0 or 4096, may never end, and some (/proc/self/mem)
/// fail on read: they are not inputs.
bool is_pseudo_file(int fd) {
#ifdef __linux__
  struct statfs filesystem {};
  if (fstatfs(fd, &filesystem) != 0) return false;
  constexpr long kProcMagic = 0x9fa0;
  constexpr long kSysfsMagic = 0x62656572;
  constexpr long kDebugfsMagic = 0x64626720;
  const long type = static_cast<long>(filesystem.f_type);
  return type == kProcMagic || type == kSysfsMagic || type == kDebugfsMagic;
#else
  (void)fd;
  return false;
#endif
}

}  // namespace

InputFile::InputFile(const std::string& path, InputKind kind) : path_(path) {
  if (path.empty()) throw InputError("an empty file name");
  // O_NONBLOCK: opening a FIFO without a writer would wait forever.
  fd_ = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd_ < 0) {
    const int error = errno;
    if (error == ENOENT) refuse(path, "no such file");
    refuse(path, std::string("cannot open: ") + std::strerror(error));
  }
  if (::fstat(fd_, &status_) != 0) {
    const int error = errno;
    ::close(fd_);
    refuse(path, std::string("cannot read: ") + std::strerror(error));
  }
  const mode_t type = status_.st_mode & S_IFMT;
  std::string cause;
  if (type == S_IFDIR) cause = "is a folder, not a file";
  else if (type == S_IFCHR || type == S_IFBLK) cause = "is a device, not a file";
  else if (type == S_IFSOCK) cause = "is a socket, not a file";
  else if (type == S_IFIFO && kind == InputKind::seekable) cause = "is a pipe; this input must be a regular, seekable file";
  else if (type == S_IFIFO && kind == InputKind::machine) cause = "is a pipe, not a file of the machine";
  else if (type != S_IFREG && type != S_IFIFO) cause = "is not a regular file";
  else if (type == S_IFREG && kind != InputKind::machine && is_pseudo_file(fd_)) cause = "is a kernel pseudo-file (/proc, /sys), not a file llmfit reads";
  if (!cause.empty()) {
    ::close(fd_);
    refuse(path, cause);
  }
  if (type == S_IFIFO) {
    const int flags = ::fcntl(fd_, F_GETFL);
    if (flags >= 0) (void)::fcntl(fd_, F_SETFL, flags & ~O_NONBLOCK);  // a pipe's writer may be slow
    // A named pipe whose writer has not opened it yet reads as empty: wait for the writer, as `cat` does
    // (Linux reports POLLHUP only once a writer that came after this open has gone).
    pollfd writer{.fd = fd_, .events = POLLIN, .revents = 0};
    while (::poll(&writer, 1, -1) < 0 && errno == EINTR) {
    }
  } else {
    remember_input(status_);
  }
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

std::uint64_t InputFile::size_bytes() const noexcept {
  return is_regular() && status_.st_size > 0 ? static_cast<std::uint64_t>(status_.st_size) : 0;
}

std::size_t InputFile::read_some(char* buffer, std::size_t capacity) {
  for (;;) {
    const ssize_t got = ::read(fd_, buffer, capacity);
    if (got >= 0) return static_cast<std::size_t>(got);
    if (errno == EINTR) continue;
    refuse(path_, std::string("cannot read: ") + std::strerror(errno));
  }
}

void InputFile::refuse_larger_than(std::uint64_t max_bytes, std::string_view too_large) const {
  refuse(path_, "larger than " + std::to_string(max_bytes >> 20) + " MiB; " + std::string(too_large));
}

std::string InputFile::read_all(std::uint64_t max_bytes, std::string_view too_large) {
  const auto refuse_size = [&] { refuse_larger_than(max_bytes, too_large); };
  if (size_bytes() > max_bytes) refuse_size();
  std::string text;
  text.reserve(static_cast<std::size_t>(size_bytes()));
  char chunk[1 << 16];
  // The cap is checked while reading: a pipe (or a file that grows) is never held beyond it.
  while (const std::size_t got = read_some(chunk, sizeof chunk)) {
    if (text.size() + got > max_bytes) refuse_size();
    text.append(chunk, got);
  }
  return text;
}

InputFileBuffer::int_type InputFileBuffer::underflow() {
  if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
  const std::size_t got = file_.read_some(buffer_, sizeof buffer_);
  if (got == 0) return traits_type::eof();
  setg(buffer_, buffer_, buffer_ + got);
  return traits_type::to_int_type(*gptr());
}

InputFileBuffer::pos_type InputFileBuffer::seekoff(off_type offset, std::ios_base::seekdir direction,
                                                   std::ios_base::openmode which) {
  if ((which & std::ios_base::in) == 0) return pos_type(off_type(-1));
  if (direction == std::ios_base::cur) {
    offset -= egptr() - gptr();  // the file position is past what is buffered
  }
  const int whence = direction == std::ios_base::beg ? SEEK_SET : direction == std::ios_base::cur ? SEEK_CUR : SEEK_END;
  const off_t position = ::lseek(file_.descriptor(), static_cast<off_t>(offset), whence);
  if (position < 0) return pos_type(off_type(-1));
  setg(buffer_, buffer_, buffer_);
  return pos_type(static_cast<off_type>(position));
}

InputFileBuffer::pos_type InputFileBuffer::seekpos(pos_type position, std::ios_base::openmode which) {
  return seekoff(off_type(position), std::ios_base::beg, which);
}

bool is_input(const struct stat& status) noexcept {
  const std::lock_guard lock(inputs_mutex);
  const auto& opened = inputs_opened();
  return std::find(opened.begin(), opened.end(), std::pair{status.st_dev, status.st_ino}) != opened.end();
}

bool is_plain_name(std::string_view name) noexcept {
  constexpr std::size_t kMaxQuoted = 64;
  return !name.empty() && name.size() <= kMaxQuoted && std::all_of(name.begin(), name.end(), [](char c) {
           return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '.' || c == '-' || c == '+';
         });
}

std::string quoted_name(std::string_view name) {
  if (is_plain_name(name)) {
    std::string quoted(1, '\'');
    quoted.append(name).push_back('\'');
    return quoted;
  }
  return "a " + std::to_string(name.size()) + "-character name that is not a field name";
}

}  // namespace llmfit::io
