// ViolationList: collects the field violations of one event with a bound on
// what it keeps, so that no input, however hostile, makes an error large.
//
// A status travels back in gRPC trailers (the message and the
// grpc-status-details-bin BadRequest, base64-encoded); clients refuse
// metadata beyond a limit (8 KiB in Java by default), and the shared service
// config would then retry what it sees as RESOURCE_EXHAUSTED. So the list keeps
// at most kMaxListedViolations entries and kMaxListedViolationBytes of text,
// cuts each field path and description to a bounded length, and ends with one
// "(more)" entry counting what it left out. The server's memory per rejected
// event is bounded the same way. Not thread-safe; one per event.
#ifndef TRACKD_SERVER_VIOLATION_LIST_H_
#define TRACKD_SERVER_VIOLATION_LIST_H_

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "trackd/common/field_violation.h"

namespace trackd {

inline constexpr size_t kMaxListedViolations = 20;
inline constexpr size_t kMaxViolationFieldBytes = 256;
inline constexpr size_t kMaxViolationDescriptionBytes = 128;
// Field paths and descriptions together; with the bounds above, the
// BadRequest detail stays under 4.3 KiB (5.8 KiB in base64), and 20 violations
// of a 128-character key fit.
inline constexpr size_t kMaxListedViolationBytes = 4000;
// The status message, which names the first violation only.
inline constexpr size_t kMaxStatusMessageBytes = 200;
// The field of the closing entry that counts what was left out.
inline constexpr char kMoreViolationsField[] = "(more)";

// Returns `text` (valid UTF-8) cut to at most `max_bytes` on a character
// boundary, ending in "..." when it was cut.
std::string BoundedText(absl::string_view text, size_t max_bytes);

class ViolationList {
 public:
  // Adds a violation; beyond the bounds it is only counted.
  void Add(absl::string_view field, absl::string_view description);

  bool empty() const { return total_ == 0; }
  // Every violation added, listed or not.
  size_t total() const { return total_; }

  // Returns the listed violations, plus one "(more)" entry when some were left
  // out, and empties the list.
  FieldViolations Take();

 private:
  FieldViolations listed_;
  size_t listed_bytes_ = 0;
  size_t total_ = 0;
};

// Applies ViolationList's bounds to an already collected list.
FieldViolations BoundViolations(const FieldViolations& violations);

}  // namespace trackd

#endif  // TRACKD_SERVER_VIOLATION_LIST_H_
