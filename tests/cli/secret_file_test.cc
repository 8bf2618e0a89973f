// The --secret-file of `tokens create`: mode 0600, never overwritten without
// --force, nothing left behind when the command fails.
#include "cli/core/secret_file.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/temp_dir.h"

namespace samenspel::cli {
namespace {

using ::testing::HasSubstr;

class SecretFileTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return dir_.File(name); }

  static std::string Read(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static mode_t Mode(const std::string& path) {
    struct stat info;
    EXPECT_EQ(lstat(path.c_str(), &info), 0) << path;
    return info.st_mode & 07777;
  }

  // The names in the directory (no temporary files left over).
  int Entries() const {
    int count = 0;
    DIR* dir = opendir(dir_.path().c_str());
    while (dirent* e = readdir(dir)) {
      if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") ++count;
    }
    closedir(dir);
    return count;
  }

  test_support::TempDir dir_{"samenspel-secret-test"};
};

TEST_F(SecretFileTest, WritesTheSecretWithMode0600) {
  const mode_t old_umask = umask(0);  // Even with a permissive umask.
  auto file = SecretFile::Prepare(Path("bzk.token"), /*overwrite=*/false);
  umask(old_umask);
  ASSERT_TRUE(file.ok()) << file.status();
  ASSERT_TRUE((*file)->Commit("s3cr3t").ok());
  EXPECT_EQ(Read(Path("bzk.token")), "s3cr3t\n");
  EXPECT_EQ(Mode(Path("bzk.token")), 0600);
  file->reset();
  EXPECT_EQ(Entries(), 1);
}

TEST_F(SecretFileTest, RefusesAnExistingFileBeforeAnythingHappens) {
  std::ofstream(Path("bzk.token")) << "old\n";
  auto file = SecretFile::Prepare(Path("bzk.token"), /*overwrite=*/false);
  EXPECT_TRUE(absl::IsAlreadyExists(file.status())) << file.status();
  EXPECT_TRUE(absl::StrContains(file.status().message(), "--force"));
  EXPECT_EQ(Read(Path("bzk.token")), "old\n");
  EXPECT_EQ(Entries(), 1);
}

TEST_F(SecretFileTest, RefusesANameTakenBetweenPrepareAndCommit) {
  auto file = SecretFile::Prepare(Path("bzk.token"), /*overwrite=*/false);
  ASSERT_TRUE(file.ok());
  std::ofstream(Path("bzk.token")) << "someone else's\n";
  EXPECT_TRUE(absl::IsAlreadyExists((*file)->Commit("s3cr3t")));
  file->reset();
  EXPECT_EQ(Read(Path("bzk.token")), "someone else's\n");
  EXPECT_EQ(Entries(), 1);
}

// rename(2) would replace whatever the name is: a symlink (/dev/stdout), a
// FIFO, a device (/dev/full, as root). Refused, --force or not, and nothing
// is written.
TEST_F(SecretFileTest, RefusesWhatIsNotARegularFileEvenWithForce) {
  std::ofstream(Path("target")) << "keep\n";
  ASSERT_EQ(symlink(Path("target").c_str(), Path("link").c_str()), 0);
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0600), 0);
  for (const std::string& path : {Path("link"), Path("fifo")}) {
    for (bool overwrite : {false, true}) {
      auto file = SecretFile::Prepare(path, overwrite);
      EXPECT_TRUE(absl::IsInvalidArgument(file.status())) << path << " " << file.status();
      EXPECT_TRUE(absl::StrContains(file.status().message(), "not a regular file"))
          << file.status();
    }
  }
  EXPECT_THAT(SecretFile::Prepare(Path("link"), true).status().message(),
              HasSubstr("a symbolic link"));
  EXPECT_THAT(SecretFile::Prepare(Path("fifo"), true).status().message(),
              HasSubstr("a FIFO"));
  EXPECT_THAT(SecretFile::Prepare("/dev/null", true).status().message(),
              HasSubstr("/dev/null is a device"));
  EXPECT_EQ(Read(Path("target")), "keep\n");
  struct stat info;
  ASSERT_EQ(lstat(Path("link").c_str(), &info), 0);
  EXPECT_TRUE(S_ISLNK(info.st_mode));
  ASSERT_EQ(lstat(Path("fifo").c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_EQ(Entries(), 3);  // no temporary file left
}

// A FIFO put in the file's place between Prepare and Commit is not replaced.
TEST_F(SecretFileTest, ForceRefusesANameThatStoppedBeingAFileBeforeCommit) {
  std::ofstream(Path("bzk.token")) << "old\n";
  auto file = SecretFile::Prepare(Path("bzk.token"), /*overwrite=*/true);
  ASSERT_TRUE(file.ok());
  ASSERT_EQ(unlink(Path("bzk.token").c_str()), 0);
  ASSERT_EQ(mkfifo(Path("bzk.token").c_str(), 0600), 0);
  EXPECT_TRUE(absl::IsInvalidArgument((*file)->Commit("s3cr3t")));
  file->reset();
  struct stat info;
  ASSERT_EQ(lstat(Path("bzk.token").c_str(), &info), 0);
  EXPECT_TRUE(S_ISFIFO(info.st_mode));
  EXPECT_EQ(Entries(), 1);
}

TEST_F(SecretFileTest, ForceReplacesAFileAndTightensItsMode) {
  std::ofstream(Path("bzk.token")) << "old\n";
  chmod(Path("bzk.token").c_str(), 0644);
  auto file = SecretFile::Prepare(Path("bzk.token"), /*overwrite=*/true);
  ASSERT_TRUE(file.ok());
  // Until Commit the old file stays as it was (the token may not be created).
  EXPECT_EQ(Read(Path("bzk.token")), "old\n");
  ASSERT_TRUE((*file)->Commit("new").ok());
  EXPECT_EQ(Read(Path("bzk.token")), "new\n");
  EXPECT_EQ(Mode(Path("bzk.token")), 0600);
}

TEST_F(SecretFileTest, LeavesNothingWhenNotCommitted) {
  {
    auto file = SecretFile::Prepare(Path("bzk.token"), /*overwrite=*/false);
    ASSERT_TRUE(file.ok());
  }
  EXPECT_EQ(Entries(), 0);
}

TEST_F(SecretFileTest, BadPaths) {
  EXPECT_TRUE(absl::IsInvalidArgument(SecretFile::Prepare("", false).status()));
  EXPECT_TRUE(absl::IsInvalidArgument(SecretFile::Prepare(dir_.path(), true).status()));
  EXPECT_TRUE(absl::IsNotFound(SecretFile::Prepare(Path("no/such/dir"), false).status()));
}

}  // namespace
}  // namespace samenspel::cli
