// Every rule of the contract, one row each: the request is the valid seed
// sample with one change, and the row names the exact violations expected.
#include "server/validate.h"

#include <functional>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/test_util.h"

namespace trackd {
namespace {

using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::SeedRequest;
using testing::TestNow;
using ::testing::UnorderedElementsAre;

FieldViolations Check(const v1::TrackRequest& request) {
  return FindViolations(request, TestNow(), TimestampBounds());
}

auto ViolationOf(const std::string& field) { return Field(&FieldViolation::field, field); }

v1::TrackRequest FreeFormRequest() {
  v1::TrackRequest request = SeedRequest();
  request.set_event_name("Report Exported");
  (*request.mutable_properties()->mutable_fields())["format"].set_string_value("csv");
  return request;
}

struct RuleCase {
  std::string name;
  std::function<void(v1::TrackRequest&)> mutate;
  std::string field;  // The one violation expected; "" for a valid request.
};

void PrintTo(const RuleCase& c, std::ostream* os) { *os << c.name; }

// Applies the case's change to `request` and checks the one expected violation.
void ExpectExactlyTheRule(v1::TrackRequest request, const RuleCase& rule) {
  rule.mutate(request);
  const FieldViolations violations = Check(request);
  if (rule.field.empty()) {
    EXPECT_THAT(violations, IsEmpty());
  } else {
    EXPECT_THAT(violations, ElementsAre(ViolationOf(rule.field)));
  }
}

// Cases that start from the seed's account_added_user event.
class ValidateRuleTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidateRuleTest, ReportsExactlyTheBrokenRule) {
  ExpectExactlyTheRule(SeedRequest(), GetParam());
}

const RuleCase kRuleCases[] = {
    {"SeedSampleIsValid", [](v1::TrackRequest&) {}, ""},
    {"EmptyMessageIdIsAllowed", [](v1::TrackRequest& r) { r.clear_message_id(); }, ""},
    {"MessageIdOf100CharsIsAllowed",
     [](v1::TrackRequest& r) { r.set_message_id(std::string(100, 'm')); }, ""},
    {"MessageIdOver100Chars", [](v1::TrackRequest& r) { r.set_message_id(std::string(101, 'm')); },
     "message_id"},
    {"MessageIdCountsCharactersNotBytes",
     [](v1::TrackRequest& r) {
       std::string id;
       for (int i = 0; i < 100; ++i) id += "\xC3\xA9";  // 100 × "é", 200 bytes.
       r.set_message_id(id);
     },
     ""},
    {"MessageIdWithNewline", [](v1::TrackRequest& r) { r.set_message_id("a\nb"); }, "message_id"},
    {"MessageIdWithC1Control",
     [](v1::TrackRequest& r) {
       r.set_message_id(
           "a\xC2\x85"
           "b");
     },
     "message_id"},
    {"MessageIdWithLeadingSpace", [](v1::TrackRequest& r) { r.set_message_id(" x"); },
     "message_id"},
    {"MessageIdWithTrailingSpace", [](v1::TrackRequest& r) { r.set_message_id("x "); },
     "message_id"},
    {"MessageIdWithTrailingNoBreakSpace",
     [](v1::TrackRequest& r) { r.set_message_id("x\xC2\xA0"); }, "message_id"},
    {"MessageIdWithLeadingIdeographicSpace",
     [](v1::TrackRequest& r) { r.set_message_id("\xE3\x80\x80x"); }, "message_id"},
    {"MessageIdWithInnerSpaceIsAllowed", [](v1::TrackRequest& r) { r.set_message_id("x y"); }, ""},
    {"UserIdWithLeadingSpace", [](v1::TrackRequest& r) { r.set_user_id(" u-1"); }, "user_id"},
    {"UserIdWithTrailingSpace", [](v1::TrackRequest& r) { r.set_user_id("u-1 "); }, "user_id"},
    {"GroupIdWithTrailingSpace",
     [](v1::TrackRequest& r) {
       r.set_group_id("g-1 ");
       r.clear_context();
     },
     "group_id"},
    {"MissingUserId", [](v1::TrackRequest& r) { r.clear_user_id(); }, "user_id"},
    {"UserIdOver256Chars", [](v1::TrackRequest& r) { r.set_user_id(std::string(257, 'u')); },
     "user_id"},
    {"UserIdWithTab", [](v1::TrackRequest& r) { r.set_user_id("u\t1"); }, "user_id"},
    {"UserIdInvalidUtf8", [](v1::TrackRequest& r) { r.set_user_id("u\xFF"); }, "user_id"},
    {"MissingGroupIdForAccountAddedUser", [](v1::TrackRequest& r) { r.clear_group_id(); },
     "group_id"},
    {"GroupIdWithDel", [](v1::TrackRequest& r) { r.set_group_id("g\x7F"); }, "group_id"},
    {"MissingTimestamp", [](v1::TrackRequest& r) { r.clear_timestamp(); }, "timestamp"},
    {"TimestampNanosOutOfRange",
     [](v1::TrackRequest& r) { r.mutable_timestamp()->set_nanos(1'000'000'000); }, "timestamp"},
    {"TimestampNegativeNanos", [](v1::TrackRequest& r) { r.mutable_timestamp()->set_nanos(-1); },
     "timestamp"},
    {"TimestampSecondsBeyondYear9999",
     [](v1::TrackRequest& r) { r.mutable_timestamp()->set_seconds(253402300800); }, "timestamp"},
    {"TimestampBefore2000",
     [](v1::TrackRequest& r) { r.mutable_timestamp()->set_seconds(946684799); }, "timestamp"},
    {"TimestampExactly2000IsAllowed",
     [](v1::TrackRequest& r) {
       r.mutable_timestamp()->set_seconds(946684800);
       r.mutable_timestamp()->set_nanos(0);
     },
     ""},
    {"TimestampMoreThan24HoursAhead",
     [](v1::TrackRequest& r) {
       const absl::Time t = TestNow() + absl::Hours(24) + absl::Seconds(1);
       r.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(t));
       r.mutable_timestamp()->set_nanos(0);
     },
     "timestamp"},
    {"Timestamp24HoursAheadIsAllowed",
     [](v1::TrackRequest& r) {
       r.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(TestNow() + absl::Hours(24)));
       r.mutable_timestamp()->set_nanos(0);
     },
     ""},
    {"MissingUserRole",
     [](v1::TrackRequest& r) { r.mutable_account_added_user()->clear_user_role(); },
     "account_added_user.user_role"},
    {"UserRoleOver128Chars",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_role(std::string(129, 'r'));
     },
     "account_added_user.user_role"},
    {"UserNameOver256Chars",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_name(std::string(257, 'n'));
     },
     "account_added_user.user_name"},
    {"UserNameAndEmailMayBeEmpty",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->clear_user_name();
       r.mutable_account_added_user()->clear_user_email();
     },
     ""},
    {"EmailWithoutAt",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_email("mark.example.com");
     },
     "account_added_user.user_email"},
    {"EmailWithTwoAts",
     [](v1::TrackRequest& r) { r.mutable_account_added_user()->set_user_email("a@b@example.com"); },
     "account_added_user.user_email"},
    {"EmailWithSpace",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_email("mark wood@example.com");
     },
     "account_added_user.user_email"},
    {"EmailWithoutLocalPart",
     [](v1::TrackRequest& r) { r.mutable_account_added_user()->set_user_email("@example.com"); },
     "account_added_user.user_email"},
    {"EmailWithUndottedDomain",
     [](v1::TrackRequest& r) { r.mutable_account_added_user()->set_user_email("mark@localhost"); },
     "account_added_user.user_email"},
    {"EmailWithDoubleDotDomain",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_email("mark@example..com");
     },
     "account_added_user.user_email"},
    {"EmailDomainEndingInDot",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_email("mark@example.com.");
     },
     "account_added_user.user_email"},
    {"EmailWithPlusAndSubdomainIsAllowed",
     [](v1::TrackRequest& r) {
       r.mutable_account_added_user()->set_user_email("mark+trackd@mail.example.co.uk");
     },
     ""},
    {"EventNameAccountAddedUserIsAllowed",
     [](v1::TrackRequest& r) { r.set_event_name("account_added_user"); }, ""},
    {"EventNameNamingAnotherEventWithTypedProperties",
     [](v1::TrackRequest& r) { r.set_event_name("account_removed_user"); }, "event_name"},
    {"ContextGroupIdEqualToGroupIdIsAllowed",
     [](v1::TrackRequest& r) {
       (*r.mutable_context()->mutable_fields())["group_id"].set_string_value(r.group_id());
     },
     ""},
    {"ContextGroupIdDifferentFromGroupId",
     [](v1::TrackRequest& r) {
       (*r.mutable_context()->mutable_fields())["group_id"].set_string_value("other");
     },
     "context.group_id"},
    {"ContextGroupIdNotAString",
     [](v1::TrackRequest& r) {
       (*r.mutable_context()->mutable_fields())["group_id"].set_number_value(7);
     },
     "context.group_id"},
    {"ContextValueWithoutKind",
     [](v1::TrackRequest& r) { (*r.mutable_context()->mutable_fields())["plan"]; }, "context.plan"},
    {"ContextNumberNaN",
     [](v1::TrackRequest& r) {
       (*r.mutable_context()->mutable_fields())["score"].set_number_value(std::nan(""));
     },
     "context.score"},
    {"ContextNumberInfinity",
     [](v1::TrackRequest& r) {
       (*r.mutable_context()->mutable_fields())["score"].set_number_value(HUGE_VAL);
     },
     "context.score"},
    {"ContextKeyWithControlCharacter",
     [](v1::TrackRequest& r) {
       (*r.mutable_context()->mutable_fields())["a\x01"].set_bool_value(true);
     },
     "context.a\x01"},
    {"ContextNestedListNumberNaN",
     [](v1::TrackRequest& r) {
       auto& list = *(*r.mutable_context()->mutable_fields())["list"].mutable_list_value();
       list.add_values()->set_string_value("ok");
       list.add_values()->set_number_value(std::nan(""));
     },
     "context.list[1]"},
    {"ContextEmptyKey",
     [](v1::TrackRequest& r) { (*r.mutable_context()->mutable_fields())[""].set_bool_value(true); },
     "context.\"\""},
    {"ContextNestingTooDeep",
     [](v1::TrackRequest& r) {
       google::protobuf::Struct* s = r.mutable_context();
       for (int i = 0; i < 17; ++i) {
         s = (*s->mutable_fields())["n"].mutable_struct_value();
       }
     },
     "context.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n.n"},
};

INSTANTIATE_TEST_SUITE_P(Rules, ValidateRuleTest, ::testing::ValuesIn(kRuleCases),
                         [](const auto& info) { return info.param.name; });

// Cases that start from a free-form event with properties.
class ValidateFreeFormTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(ValidateFreeFormTest, ReportsExactlyTheBrokenRule) {
  ExpectExactlyTheRule(FreeFormRequest(), GetParam());
}

const RuleCase kFreeFormCases[] = {
    {"FreeFormEventIsValid", [](v1::TrackRequest&) {}, ""},
    {"GroupIdIsOptional", [](v1::TrackRequest& r) { r.clear_group_id(); }, ""},
    {"PropertiesAreOptional", [](v1::TrackRequest& r) { r.clear_properties(); }, ""},
    {"EventNameWithDotsColonsDashes",
     [](v1::TrackRequest& r) { r.set_event_name("billing.invoice:paid-v2"); }, ""},
    {"MissingEventName", [](v1::TrackRequest& r) { r.clear_event_name(); }, "event_name"},
    {"EventNameStartingWithDigit", [](v1::TrackRequest& r) { r.set_event_name("1st login"); },
     "event_name"},
    {"EventNameWithSlash", [](v1::TrackRequest& r) { r.set_event_name("a/b"); }, "event_name"},
    {"EventNameEndingInSpace", [](v1::TrackRequest& r) { r.set_event_name("Login "); },
     "event_name"},
    {"EventNameOver128Chars", [](v1::TrackRequest& r) { r.set_event_name(std::string(129, 'e')); },
     "event_name"},
    {"EventNameAccountAddedUserNeedsTypedProperties",
     [](v1::TrackRequest& r) { r.set_event_name("account_added_user"); }, "event_name"},
    {"PropertyValueInvalidUtf8",
     [](v1::TrackRequest& r) {
       (*r.mutable_properties()->mutable_fields())["bad"].set_string_value("\xC0\xAF");
     },
     "properties.bad"},
    {"PropertyKeyOver128Chars",
     [](v1::TrackRequest& r) {
       (*r.mutable_properties()->mutable_fields())[std::string(129, 'k')].set_bool_value(true);
     },
     "properties." + std::string(129, 'k')},
    {"PropertyInAListOfStructsNaN",
     [](v1::TrackRequest& r) {
       auto& items = *(*r.mutable_properties()->mutable_fields())["items"].mutable_list_value();
       items.add_values()->mutable_struct_value();
       (*items.add_values()->mutable_struct_value()->mutable_fields())["price"].set_number_value(
           std::nan(""));
     },
     "properties.items[1].price"},
    {"ContextGroupIdWithoutGroupId",
     [](v1::TrackRequest& r) {
       r.clear_group_id();
       (*r.mutable_context()->mutable_fields())["group_id"].set_string_value("g");
     },
     "context.group_id"},
};

INSTANTIATE_TEST_SUITE_P(Rules, ValidateFreeFormTest, ::testing::ValuesIn(kFreeFormCases),
                         [](const auto& info) { return info.param.name; });

TEST(ValidateTest, ReportsEveryViolationNotOnlyTheFirst) {
  v1::TrackRequest request = SeedRequest();
  request.clear_user_id();
  request.clear_group_id();
  request.clear_timestamp();
  request.mutable_account_added_user()->clear_user_role();
  request.mutable_account_added_user()->set_user_email("not-an-email");
  request.set_message_id(std::string(101, 'x'));
  EXPECT_THAT(Check(request),
              UnorderedElementsAre(ViolationOf("message_id"), ViolationOf("user_id"),
                                   ViolationOf("group_id"), ViolationOf("timestamp"),
                                   ViolationOf("account_added_user.user_role"),
                                   ViolationOf("account_added_user.user_email")));
}

TEST(ValidateTest, DescriptionsSayWhatIsWrong) {
  v1::TrackRequest request = SeedRequest();
  request.set_user_id(std::string(300, 'u'));
  const FieldViolations violations = Check(request);
  ASSERT_EQ(violations.size(), 1u);
  EXPECT_EQ(violations[0].description, "must be at most 256 characters, got 300");
}

TEST(ValidateTest, TimestampBoundsAreConfigurable) {
  TimestampBounds strict;
  strict.earliest = testing::SeedTime() + absl::Seconds(1);
  strict.max_future = absl::Minutes(5);
  EXPECT_THAT(FindViolations(SeedRequest(), TestNow(), strict),
              ElementsAre(ViolationOf("timestamp")));
  v1::TrackRequest future = SeedRequest();
  future.mutable_timestamp()->set_seconds(absl::ToUnixSeconds(TestNow() + absl::Minutes(6)));
  strict.earliest = absl::UnixEpoch();
  EXPECT_THAT(FindViolations(future, TestNow(), strict), ElementsAre(ViolationOf("timestamp")));
  EXPECT_THAT(FindViolations(future, TestNow(), TimestampBounds()), IsEmpty());
}

TEST(ValidateTest, EncodedSizeLimitIs32KiB) {
  EXPECT_THAT(CheckEncodedSize(32 * 1024), IsEmpty());
  const FieldViolations over = CheckEncodedSize(32 * 1024 + 1);
  ASSERT_EQ(over.size(), 1u);
  EXPECT_THAT(over[0].description, HasSubstr("32769 bytes"));
}

}  // namespace
}  // namespace trackd
