#include "server/flag_help.h"

#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace trackd {
namespace {

const std::vector<std::string> kOwn = {"server/flags.cc"};

// A compiler cache (ccache with base_dir) rewrites some compile commands to relative paths, so
// the flags' file and flag_help.cc itself may be spelled differently in one binary.
TEST(FlagHelpTest, AFlagFileMatchesHoweverItsPathIsSpelled) {
  EXPECT_TRUE(IsOwnFlagFile(kOwn, "server/flags.cc"));
  EXPECT_TRUE(IsOwnFlagFile(kOwn, "/check/work/main/server/flags.cc"));
  EXPECT_TRUE(IsOwnFlagFile(kOwn, "../server/flags.cc"));
  EXPECT_TRUE(IsOwnFlagFile(kOwn, "../../server/flags.cc"));
}

TEST(FlagHelpTest, OtherFilesAndLookalikesAreNotOwn) {
  EXPECT_FALSE(IsOwnFlagFile(kOwn, "/usr/include/absl/flags/internal/usage.cc"));
  EXPECT_FALSE(IsOwnFlagFile(kOwn, "/src/myserver/flags.cc"));
  EXPECT_FALSE(IsOwnFlagFile(kOwn, "/src/otherserver/flags.cc"));
  EXPECT_FALSE(IsOwnFlagFile(kOwn, "server/flags.cc.orig"));
  EXPECT_FALSE(IsOwnFlagFile(kOwn, ""));
}

}  // namespace
}  // namespace trackd
