// What the log may carry: URLs without their credentials.
#include "server/logging.h"

#include "gtest/gtest.h"

namespace trackd {
namespace {

TEST(RedactUrlTest, RemovesUserInfoAndQuery) {
  EXPECT_EQ(RedactUrl("https://user:pass@track.example.com:8443/v1/track?api_key=k1#frag"),
            "https://(redacted)@track.example.com:8443/v1/track?(redacted)");
}

TEST(RedactUrlTest, KeepsAPlainUrl) {
  EXPECT_EQ(RedactUrl("http://127.0.0.1:8080/track"), "http://127.0.0.1:8080/track");
}

TEST(RedactUrlTest, AnAtInThePathIsNotUserInfo) {
  EXPECT_EQ(RedactUrl("https://host/users/a@b"), "https://host/users/a@b");
}

TEST(RedactUrlTest, RedactsAFragmentWithoutQuery) {
  EXPECT_EQ(RedactUrl("https://host/p#token=abc"), "https://host/p#(redacted)");
}

TEST(RedactUrlTest, RedactsUserInfoWithoutPath) {
  EXPECT_EQ(RedactUrl("https://secret@host"), "https://(redacted)@host");
}

}  // namespace
}  // namespace trackd
