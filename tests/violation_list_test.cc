// The bounds on what one rejected event reports.
#include "server/violation_list.h"

#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::FieldsAre;
using ::testing::SizeIs;

TEST(ViolationListTest, ListsEveryViolationUpToTheBound) {
  ViolationList list;
  list.Add("user_id", "is required and must not be empty");
  list.Add("timestamp", "is required");
  EXPECT_EQ(list.total(), 2u);
  EXPECT_THAT(list.Take(), ElementsAre(FieldsAre("user_id", "is required and must not be empty"),
                                       FieldsAre("timestamp", "is required")));
}

TEST(ViolationListTest, BeyondTwentyViolationsOneEntryCountsTheRest) {
  ViolationList list;
  for (int i = 0; i < 120; ++i) list.Add(absl::StrCat("properties.k", i), "is bad");
  const FieldViolations out = list.Take();
  ASSERT_THAT(out, SizeIs(kMaxListedViolations + 1));
  EXPECT_THAT(out[0], FieldsAre("properties.k0", "is bad"));
  EXPECT_THAT(out[19], FieldsAre("properties.k19", "is bad"));
  EXPECT_THAT(out.back(), FieldsAre("(more)", "and 100 more violations not listed"));
}

TEST(ViolationListTest, LongPathsAndDescriptionsAreCutOnACharacterBoundary) {
  ViolationList list;
  // 200 two-byte characters: a cut at an odd byte would split one.
  std::string key;
  for (int i = 0; i < 200; ++i) key += "\xC3\xA9";
  list.Add(absl::StrCat("properties.", key), std::string(1000, 'd'));
  const FieldViolations out = list.Take();
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_LE(out[0].field.size(), kMaxViolationFieldBytes);
  EXPECT_TRUE(absl::EndsWith(out[0].field, "\xC3\xA9..."));
  EXPECT_EQ(out[0].description, std::string(kMaxViolationDescriptionBytes - 3, 'd') + "...");
}

TEST(ViolationListTest, TextBudgetStopsListingBeforeTheCount) {
  ViolationList list;
  const std::string long_text(kMaxViolationFieldBytes, 'f');
  for (int i = 0; i < 19; ++i) list.Add(long_text, std::string(kMaxViolationDescriptionBytes, 'd'));
  const FieldViolations out = list.Take();
  size_t bytes = 0;
  for (const auto& v : out) bytes += v.field.size() + v.description.size();
  EXPECT_LT(out.size(), 19u);
  EXPECT_LE(bytes, kMaxListedViolationBytes + 64);
  EXPECT_EQ(out.back().field, "(more)");
}

TEST(ViolationListTest, OneLeftOutIsSingular) {
  FieldViolations many;
  for (int i = 0; i < 21; ++i) many.push_back({"f", "d"});
  EXPECT_THAT(BoundViolations(many).back(), FieldsAre("(more)", "and 1 more violation not listed"));
}

}  // namespace
}  // namespace trackd
