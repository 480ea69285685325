// The fuzz targets' JSON oracle must itself be right: one row per rule.
#include "fuzz/strict_json.h"

#include <ostream>
#include <string>

#include "gtest/gtest.h"

namespace trackd {
namespace {

TEST(StrictJsonTest, AcceptsTheDocumentedSeedLineAndEveryValueKind) {
  EXPECT_TRUE(CheckStrictJson(R"({"user_id":"766b3aef","event":"account_added_user","properties":)"
                              R"({"user_name":"Mark Wood"},"context":{"group_id":"47464e5b"},)"
                              R"("timestamp":"2023-11-02T00:30:08.276Z"})")
                  .ok());
  EXPECT_TRUE(CheckStrictJson(" [0, -0.5e+10, 1E-2, true, false, null, {}, [], \"\"] \n").ok());
  EXPECT_TRUE(CheckStrictJson(R"("\" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00 é 😀")").ok());
}

struct Row {
  const char* name;
  std::string text;
};

void PrintTo(const Row& row, std::ostream* os) { *os << row.name; }

class StrictJsonRejectTest : public testing::TestWithParam<Row> {};

TEST_P(StrictJsonRejectTest, Rejects) {
  const absl::Status status = CheckStrictJson(GetParam().text);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << GetParam().text;
}

INSTANTIATE_TEST_SUITE_P(
    Rules, StrictJsonRejectTest,
    testing::Values(Row{"Empty", ""}, Row{"TrailingText", "{} x"}, Row{"TwoValues", "1 2"},
                    Row{"InvalidUtf8", "\"\xff\""}, Row{"TruncatedUtf8", "\"\xe2\x80\""},
                    Row{"OverlongUtf8", "\"\xc0\xaf\""}, Row{"Utf8Surrogate", "\"\xed\xa0\x80\""},
                    Row{"AboveU10FFFF", "\"\xf4\x90\x80\x80\""}, Row{"RawControl", "\"a\x01\""},
                    Row{"RawNewline", "\"a\nb\""}, Row{"LoneLowSurrogateEscape", R"("\udc00")"},
                    Row{"HighSurrogateEscapeAlone", R"("\ud83d x")"},
                    Row{"UnknownEscape", R"("\x")"}, Row{"ShortUnicodeEscape", R"("\u12")"},
                    Row{"LeadingZero", "01"}, Row{"BareFraction", "1."}, Row{"BareExponent", "1e"},
                    Row{"PlusSign", "+1"}, Row{"Infinity", "inf"}, Row{"NaN", "nan"},
                    Row{"TrailingComma", "[1,]"}, Row{"SingleQuotes", "{'a':1}"},
                    Row{"UnquotedKey", "{a:1}"}, Row{"DuplicateKey", R"({"a":1,"a":2})"},
                    Row{"DuplicateKeyEscapedDifferently", R"({"a":1,"\u0061":2})"},
                    Row{"TooDeep", std::string(513, '[') + std::string(513, ']')}),
    [](const testing::TestParamInfo<Row>& info) { return info.param.name; });

}  // namespace
}  // namespace trackd
