#include "trackd/common/message_id.h"

#include <cstdint>
#include <string>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

TEST(MessageIdTest, FormatsAUuidAsLowerCaseHexInFiveGroups) {
  const uint8_t bytes[16] = {0x01, 0x90, 0xf2, 0xa4, 0x7b, 0x7e, 0x7c, 0x3a,
                             0x9d, 0x2e, 0x5f, 0x6a, 0x7b, 0x8c, 0x9d, 0x0e};
  EXPECT_EQ(FormatUuid(bytes), "0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e");
  const uint8_t extremes[16] = {0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff,
                                0x00, 0xff, 0x00, 0xff, 0x00, 0xff, 0x00, 0xff};
  EXPECT_EQ(FormatUuid(extremes), "00ff00ff-00ff-00ff-00ff-00ff00ff00ff");
}

TEST(MessageIdTest, NewIdIsAVersion7UuidCarryingTheMillisecond) {
  const absl::Time now = absl::FromUnixMillis(1698885008276);  // 0x018b8d6ffb94
  const std::string id = NewMessageId(now);
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id.substr(0, 13), "018b8d6f-fb94");
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[13], '-');
  EXPECT_EQ(id[14], '7');  // Version.
  EXPECT_EQ(id[18], '-');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;  // Variant 10.
  EXPECT_EQ(id[23], '-');
  for (char c : id) {
    EXPECT_TRUE(c == '-' || (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << id;
  }
}

TEST(MessageIdTest, IdsOfTheSameMillisecondDiffer) {
  const absl::Time now = absl::FromUnixMillis(1698885008276);
  absl::flat_hash_set<std::string> ids;
  for (int i = 0; i < 100'000; ++i) ASSERT_TRUE(ids.insert(NewMessageId(now)).second) << i;
}

}  // namespace
}  // namespace trackd
