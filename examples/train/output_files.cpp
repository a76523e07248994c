#include "output_files.h"

#include <c10/util/Exception.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace gradus {
namespace examples {
namespace {

std::string folder_of(const std::string& path) {
  const std::string parent = std::filesystem::path(path).parent_path().string();
  return parent.empty() ? "." : parent;
}

bool is_regular_or_missing(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) != 0 ? errno == ENOENT : S_ISREG(st.st_mode);
}

// write(2) until done; false with errno set on a failure (ENOSPC, EIO, ...).
bool write_all(int fd, const std::string& bytes) {
  size_t done = 0;
  while (done < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += size_t(n);
  }
  return true;
}

[[noreturn]] void fail(const std::string& path, int error) {
  TORCH_CHECK(false, "cannot write ", path, ": ", std::strerror(error));
}

}  // namespace

void check_writable(const std::string& path) {
  TORCH_CHECK(!path.empty(), "an output path is empty");
  TORCH_CHECK(!std::filesystem::is_directory(path), "cannot write ", path, ": it is a folder");
  if (::access(path.c_str(), F_OK) == 0) {
    TORCH_CHECK(::access(path.c_str(), W_OK) == 0, "cannot write ", path, ": ", std::strerror(errno));
    return;
  }
  const std::string folder = folder_of(path);
  TORCH_CHECK(std::filesystem::is_directory(folder), "cannot write ", path, ": no folder ", folder);
  TORCH_CHECK(::access(folder.c_str(), W_OK) == 0, "cannot write ", path, ": ", std::strerror(errno));
}

void write_file(const std::string& path, const std::string& bytes) {
  if (!is_regular_or_missing(path)) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) fail(path, errno);
    const bool ok = write_all(fd, bytes);
    const int error = errno;
    ::close(fd);
    if (!ok) fail(path, error);
    return;
  }
  std::string temp = path + ".XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) fail(path, errno);
  const bool ok = write_all(fd, bytes) && ::fsync(fd) == 0;
  int error = errno;
  const bool closed = ::close(fd) == 0;
  if (ok && !closed) error = errno;
  if (!ok || !closed || ::rename(temp.c_str(), path.c_str()) != 0) {
    if (ok && closed) error = errno;
    ::unlink(temp.c_str());
    fail(path, error);
  }
  const mode_t mask = ::umask(0);  // mkstemp's 0600, not the mode a new file gets
  ::umask(mask);
  ::chmod(path.c_str(), 0666 & ~mask);
}

}  // namespace examples
}  // namespace gradus
