// FieldViolation: one broken rule of the contract, the unit in which validation
// reports errors. Converted to google.rpc.BadRequest for Track and to
// trackd.v1.FieldViolation for TrackBatch.
#ifndef TRACKD_COMMON_FIELD_VIOLATION_H_
#define TRACKD_COMMON_FIELD_VIOLATION_H_

#include <string>
#include <vector>

namespace trackd {

struct FieldViolation {
  std::string field;        // Path in proto field names, e.g. "account_added_user.user_email".
  std::string description;  // What rule is broken, as a sentence.

  friend bool operator==(const FieldViolation&, const FieldViolation&) = default;
};

using FieldViolations = std::vector<FieldViolation>;

}  // namespace trackd

#endif  // TRACKD_COMMON_FIELD_VIOLATION_H_
