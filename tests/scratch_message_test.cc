#include "server/scratch_message.h"

#include "gtest/gtest.h"
#include "trackd/v1/track.pb.h"

namespace trackd {
namespace {

TEST(ScratchMessageTest, SuccessiveUsesOnAThreadShareOneClearedMessage) {
  v1::TrackRequest* first = nullptr;
  {
    ScratchMessage<v1::TrackRequest> scratch;
    scratch->set_user_id("u-1");
    first = scratch.get();
  }
  ScratchMessage<v1::TrackRequest> again;
  EXPECT_EQ(again.get(), first);
  EXPECT_TRUE(again->user_id().empty()) << "a reused message starts cleared";
}

TEST(ScratchMessageTest, ANestedUseGetsItsOwnMessage) {
  ScratchMessage<v1::TrackRequest> outer;
  outer->set_user_id("outer");
  {
    ScratchMessage<v1::TrackRequest> inner;
    EXPECT_NE(inner.get(), outer.get());
    inner->set_user_id("inner");
  }
  EXPECT_EQ(outer->user_id(), "outer") << "the nested use must not touch the outer message";
}

TEST(ScratchMessageTest, ABigInputIsNotKeptForTheThread) {
  v1::TrackRequest* kept = nullptr;
  { kept = ScratchMessage<v1::TrackRequest>().get(); }
  ScratchMessage<v1::TrackRequest> big(ScratchMessage<v1::TrackRequest>::kMaxKeptBytes + 1);
  EXPECT_NE(big.get(), kept);
}

}  // namespace
}  // namespace trackd
