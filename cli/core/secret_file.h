// A file for a secret that exists once (`tokens create --secret-file`): made
// ready before the token is created, so a bad path fails before there is a
// token whose secret would be lost, and filled afterwards.
//
// The secret goes to a new temporary file (mode 0600) in the same directory,
// then takes the final name in one step: link(2) without --force (fails if
// the name was taken meanwhile; never follows a symlink there), rename(2)
// with it, over a regular file only. A reader never sees a partly written
// secret, and a failed command leaves no file behind.
//
// Example:
//   absl::StatusOr<std::unique_ptr<SecretFile>> file = SecretFile::Prepare(path, force);
//   if (!file.ok()) return file.status();            // before the RPC
//   ... CreateAccessToken ...
//   absl::Status s = (*file)->Commit(response.secret());
#ifndef SAMENSPEL_CLI_CORE_SECRET_FILE_H_
#define SAMENSPEL_CLI_CORE_SECRET_FILE_H_

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace samenspel::cli {

// Thread-compatible.
class SecretFile {
 public:
  // ALREADY_EXISTS when `path` exists and `overwrite` is false;
  // INVALID_ARGUMENT for an empty path, or one that exists and is not a
  // regular file (a directory, FIFO, device or symlink: never replaced, not
  // even with `overwrite`); PERMISSION_DENIED or NOT_FOUND when its
  // directory cannot be written.
  static absl::StatusOr<std::unique_ptr<SecretFile>> Prepare(std::string path,
                                                             bool overwrite);

  // Removes the temporary file unless Commit() succeeded.
  ~SecretFile();
  SecretFile(const SecretFile&) = delete;
  SecretFile& operator=(const SecretFile&) = delete;

  // Writes `secret` and a newline, flushes it to disk and gives it the final
  // name. ALREADY_EXISTS when the name was taken since Prepare() (without
  // overwrite), INVALID_ARGUMENT when it is no longer a regular file (with
  // overwrite); INTERNAL for an I/O error. Call at most once.
  absl::Status Commit(absl::string_view secret);

  const std::string& path() const { return path_; }

 private:
  SecretFile(std::string path, std::string temp_path, int fd, bool overwrite)
      : path_(std::move(path)),
        temp_path_(std::move(temp_path)),
        fd_(fd),
        overwrite_(overwrite) {}

  const std::string path_;
  const std::string temp_path_;
  int fd_;  // -1 once closed.
  const bool overwrite_;
  bool committed_ = false;
};

}  // namespace samenspel::cli

#endif  // SAMENSPEL_CLI_CORE_SECRET_FILE_H_
