#include "cli/core/secret_file.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_cat.h"

namespace samenspel::cli {
namespace {

absl::Status ErrnoError(int error, absl::string_view what, const std::string& path) {
  const std::string message = absl::StrCat(what, " ", path, ": ", std::strerror(error));
  switch (error) {
    case EEXIST:
      return absl::AlreadyExistsError(message);
    case ENOENT:
    case ENOTDIR:
      return absl::NotFoundError(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return absl::PermissionDeniedError(message);
    default:
      return absl::InternalError(message);
  }
}

std::string DirectoryOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// OK when `path` does not exist or is a regular file; INVALID_ARGUMENT for
// anything else. rename(2) would replace a FIFO, a device (/dev/full, as
// root) or a symlink (/dev/stdout) with the secret, and not write through it
// as the user meant; a symlink to a file is refused too: which one is meant?
absl::Status CheckReplaceable(const std::string& path) {
  struct stat info;
  if (lstat(path.c_str(), &info) != 0 || S_ISREG(info.st_mode)) return absl::OkStatus();
  const char* what = S_ISDIR(info.st_mode)    ? "a directory"
                     : S_ISLNK(info.st_mode)  ? "a symbolic link"
                     : S_ISFIFO(info.st_mode) ? "a FIFO"
                     : S_ISSOCK(info.st_mode) ? "a socket"
                                              : "a device";
  return absl::InvalidArgumentError(absl::StrCat(
      path, " is ", what, ", not a regular file: name a new file or a secret's file"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<SecretFile>> SecretFile::Prepare(std::string path,
                                                                bool overwrite) {
  if (path.empty() || path.back() == '/') {
    return absl::InvalidArgumentError(absl::StrCat("'", path, "' is not a file name"));
  }
  if (absl::Status replaceable = CheckReplaceable(path); !replaceable.ok()) {
    return replaceable;
  }
  struct stat info;
  if (lstat(path.c_str(), &info) == 0) {
    if (!overwrite) {
      return absl::AlreadyExistsError(absl::StrCat(
          path, " exists; it may hold another secret (--force replaces it)"));
    }
  }
  std::string temp = absl::StrCat(DirectoryOf(path), "/.samenspel-secret-XXXXXX");
  // mkstemp creates the file with mode 0600, whatever the umask.
  const int fd = mkstemp(temp.data());
  if (fd < 0) return ErrnoError(errno, "cannot create a file in", DirectoryOf(path));
  return std::unique_ptr<SecretFile>(
      new SecretFile(std::move(path), std::move(temp), fd, overwrite));
}

SecretFile::~SecretFile() {
  if (fd_ >= 0) close(fd_);
  if (!committed_) unlink(temp_path_.c_str());
}

absl::Status SecretFile::Commit(absl::string_view secret) {
  const std::string text = absl::StrCat(secret, "\n");
  size_t written = 0;
  while (written < text.size()) {
    const ssize_t n = write(fd_, text.data() + written, text.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoError(errno, "cannot write", temp_path_);
    written += static_cast<size_t>(n);
  }
  if (fsync(fd_) != 0) return ErrnoError(errno, "cannot write", temp_path_);
  const int closed = close(fd_);
  fd_ = -1;
  if (closed != 0) return ErrnoError(errno, "cannot write", temp_path_);
  if (overwrite_) {
    // Once more: something else may have taken the name since Prepare().
    if (absl::Status replaceable = CheckReplaceable(path_); !replaceable.ok()) {
      return replaceable;
    }
    if (rename(temp_path_.c_str(), path_.c_str()) != 0) {
      return ErrnoError(errno, "cannot create", path_);
    }
  } else {
    if (link(temp_path_.c_str(), path_.c_str()) != 0) {
      return ErrnoError(errno, "cannot create", path_);
    }
    unlink(temp_path_.c_str());
  }
  committed_ = true;
  return absl::OkStatus();
}

}  // namespace samenspel::cli
