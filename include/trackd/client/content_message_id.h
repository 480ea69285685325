// Message ids derived from an event's content, so that sending the same file
// twice (a retried trackctl run) stores each event once.
#ifndef TRACKD_CLIENT_CONTENT_MESSAGE_ID_H_
#define TRACKD_CLIENT_CONTENT_MESSAGE_ID_H_

#include <string>

#include "absl/strings/string_view.h"

namespace trackd {

// Returns a version 8 UUID (RFC 9562, custom) made of the first 122 bits of the
// SHA-256 of `canonical_json`, the event's documented JSON. Equal events give
// equal ids; two events differing in any byte almost surely do not.
std::string ContentMessageId(absl::string_view canonical_json);

}  // namespace trackd

#endif  // TRACKD_CLIENT_CONTENT_MESSAGE_ID_H_
