// The Retry-After parser of the HTTP forwarder (server/sinks/http_poster.h): delta-seconds
// and HTTP-dates (RFC 9110 section 10.2.3) give how long to wait, measured from the injected
// `now`; anything else gives no value, so the forwarder falls back to its own backoff.
#include <optional>
#include <string>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "server/sinks/http_poster.h"

namespace trackd {
namespace {

// Wed, 21 Oct 2015 07:28:00 GMT, the example date of RFC 9110.
const absl::Time kDate = absl::FromUnixSeconds(1445412480);

struct Case {
  std::string name;
  std::string value;
  absl::Time now;
  std::optional<absl::Duration> want;
};

class RetryAfterTest : public ::testing::TestWithParam<Case> {};

TEST_P(RetryAfterTest, GivesTheWaitOrNothing) {
  const Case& c = GetParam();
  EXPECT_EQ(ParseRetryAfter(c.value, c.now), c.want) << "Retry-After: " << c.value;
}

INSTANTIATE_TEST_SUITE_P(
    Values, RetryAfterTest,
    ::testing::Values(Case{"Seconds", "120", kDate, absl::Seconds(120)},
                      Case{"ZeroSeconds", "0", kDate, absl::ZeroDuration()},
                      Case{"SecondsDoNotDependOnNow", "7", absl::UnixEpoch(), absl::Seconds(7)},
                      Case{"ImfFixdateAhead", "Wed, 21 Oct 2015 07:28:00 GMT",
                           kDate - absl::Seconds(30), absl::Seconds(30)},
                      Case{"Rfc850DateAhead", "Wednesday, 21-Oct-15 07:28:00 GMT",
                           kDate - absl::Minutes(2), absl::Minutes(2)},
                      Case{"AsctimeDateAhead", "Wed Oct 21 07:28:00 2015", kDate - absl::Hours(1),
                           absl::Hours(1)},
                      Case{"DateNowIsNoWait", "Wed, 21 Oct 2015 07:28:00 GMT", kDate,
                           absl::ZeroDuration()},
                      Case{"DatePassedIsNoWait", "Wed, 21 Oct 2015 07:28:00 GMT",
                           kDate + absl::Hours(1), absl::ZeroDuration()},
                      Case{"NegativeSeconds", "-5", kDate, std::nullopt},
                      Case{"Empty", "", kDate, std::nullopt},
                      Case{"Word", "soon", kDate, std::nullopt},
                      Case{"SecondsOverflow", "99999999999999999999999", kDate, std::nullopt}),
    [](const ::testing::TestParamInfo<Case>& info) { return info.param.name; });

}  // namespace
}  // namespace trackd
