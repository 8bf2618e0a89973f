// A directory for one test's files, removed with everything in it when the
// object goes. Made under $TMPDIR (else /tmp), named "<prefix>-XXXXXX".
#ifndef SAMENSPEL_TESTS_SUPPORT_TEMP_DIR_H_
#define SAMENSPEL_TESTS_SUPPORT_TEMP_DIR_H_

#include <string>

namespace samenspel::test_support {

class TempDir {
 public:
  // Aborts when the directory cannot be made: no test can run without it.
  explicit TempDir(const std::string& prefix);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name.
  std::string File(const std::string& name) const;

 private:
  std::string path_;
};

}  // namespace samenspel::test_support

#endif  // SAMENSPEL_TESTS_SUPPORT_TEMP_DIR_H_
