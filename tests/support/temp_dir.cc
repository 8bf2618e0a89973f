#include "tests/support/temp_dir.h"

#include <stdlib.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace samenspel::test_support {

TempDir::TempDir(const std::string& prefix) {
  const char* tmp = std::getenv("TMPDIR");
  path_ = absl::StrCat(tmp != nullptr && *tmp ? tmp : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(path_.data()) == nullptr) {
    std::fprintf(stderr, "mkdtemp %s: %s\n", path_.c_str(), std::strerror(errno));
    std::abort();
  }
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::File(const std::string& name) const {
  return absl::StrCat(path_, "/", name);
}

}  // namespace samenspel::test_support
