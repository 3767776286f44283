#include "authority/atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

#include "base/errno_error.h"
#include "crypto/random.h"

namespace notme::authority {
namespace {

// Closes an fd on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  // Closes now, reporting the error close(2) returns (data may be lost on NFS).
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

std::string TempName(const std::filesystem::path& path) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string name = "." + path.filename().string() + ".tmp-";
  for (uint8_t b : crypto::RandomBytes(8)) {
    name.push_back(kHex[b >> 4]);
    name.push_back(kHex[b & 15]);
  }
  return name;
}

Result<void> WriteAll(int fd, std::string_view data, const std::string& what) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrnoError("write " + what, errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

Result<void> FsyncDir(const std::filesystem::path& dir) {
  Fd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0) return Fail(ErrnoError("open " + dir.string(), errno));
  if (::fsync(fd.get()) != 0) return Fail(ErrnoError("fsync " + dir.string(), errno));
  return Ok();
}

}  // namespace

Result<void> WriteFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  std::filesystem::path dir = path.parent_path();
  if (dir.empty()) dir = ".";
  const std::filesystem::path tmp = dir / TempName(path);
  Fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) return Fail(ErrnoError("create " + tmp.string(), errno));
  auto result = [&]() -> Result<void> {
    // The umask cannot widen 0600, but an inherited ACL default could; be explicit.
    if (::fchmod(fd.get(), 0600) != 0) return Fail(ErrnoError("chmod " + tmp.string(), errno));
    NOTME_TRY_VOID(WriteAll(fd.get(), contents, tmp.string()));
    if (::fsync(fd.get()) != 0) return Fail(ErrnoError("fsync " + tmp.string(), errno));
    if (fd.Close() != 0) return Fail(ErrnoError("close " + tmp.string(), errno));
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
      return Fail(ErrnoError("rename to " + path.string(), errno));
    }
    return Ok();
  }();
  if (!result) {
    ::unlink(tmp.c_str());
    return result;
  }
  // The rename is durable only once the directory entry is on disk.
  return FsyncDir(dir);
}

Result<std::optional<std::string>> ReadOwnerFile(const std::filesystem::path& path,
                                                 size_t max_bytes) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY | O_NONBLOCK));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::optional<std::string>();
    if (errno == ELOOP) {
      return Fail(ErrorCode::kUnsafePath, path.string() + ": is a symlink; refusing to read it");
    }
    return Fail(ErrnoError("open " + path.string(), errno));
  }
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return Fail(ErrnoError("stat " + path.string(), errno));
  if (!S_ISREG(st.st_mode)) {
    return Fail(ErrorCode::kUnsafePath, path.string() + ": not a regular file");
  }
  if (st.st_uid != ::geteuid()) {
    return Fail(ErrorCode::kUnsafePath, path.string() + ": not owned by the current user");
  }
  if ((st.st_mode & (S_IWGRP | S_IWOTH)) != 0) {
    return Fail(ErrorCode::kUnsafePath,
                path.string() + ": writable by group or others; fix with chmod 600");
  }
  if (static_cast<uint64_t>(st.st_size) > max_bytes) {
    return Fail(ErrorCode::kTooLarge, path.string() + ": larger than " +
                                          std::to_string(max_bytes) + " bytes");
  }
  std::string out;
  char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buf, sizeof(buf));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(ErrnoError("read " + path.string(), errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
    // The file may grow after fstat; the limit holds regardless.
    if (out.size() > max_bytes) {
      return Fail(ErrorCode::kTooLarge, path.string() + ": larger than " +
                                            std::to_string(max_bytes) + " bytes");
    }
  }
  return std::optional<std::string>(std::move(out));
}

}  // namespace notme::authority
