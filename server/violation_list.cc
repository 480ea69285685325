#include "server/violation_list.h"

#include "absl/strings/str_cat.h"
#include "server/utf8.h"

namespace trackd {

std::string BoundedText(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  constexpr absl::string_view kEllipsis = "...";
  return absl::StrCat(Utf8Prefix(text, max_bytes - kEllipsis.size()), kEllipsis);
}

void ViolationList::Add(absl::string_view field, absl::string_view description) {
  ++total_;
  if (listed_.size() >= kMaxListedViolations) return;
  std::string bounded_field = BoundedText(field, kMaxViolationFieldBytes);
  std::string bounded_description = BoundedText(description, kMaxViolationDescriptionBytes);
  const size_t bytes = bounded_field.size() + bounded_description.size();
  if (listed_bytes_ + bytes > kMaxListedViolationBytes) {
    // Nothing more is listed once the budget is spent, so the list keeps the
    // order in which rules were checked.
    listed_bytes_ = kMaxListedViolationBytes;
    return;
  }
  listed_bytes_ += bytes;
  listed_.push_back({std::move(bounded_field), std::move(bounded_description)});
}

FieldViolations ViolationList::Take() {
  FieldViolations out = std::move(listed_);
  if (total_ > out.size()) {
    const size_t more = total_ - out.size();
    out.push_back({kMoreViolationsField, absl::StrCat("and ", more, " more violation",
                                                      more == 1 ? "" : "s", " not listed")});
  }
  listed_.clear();
  listed_bytes_ = 0;
  total_ = 0;
  return out;
}

FieldViolations BoundViolations(const FieldViolations& violations) {
  ViolationList list;
  for (const auto& v : violations) list.Add(v.field, v.description);
  return list.Take();
}

}  // namespace trackd
