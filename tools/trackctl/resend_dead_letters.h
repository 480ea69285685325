// trackctl resend-dead-letters: POSTs the events of trackd's dead-letter file to the Track API
// again, each exactly as the forwarder sent it (the same body, Content-Type, auth header, and
// Idempotency-Key = the event's original message_id). Not through trackd: trackd would give a
// re-sent event a new message_id, or, with the old one, drop it as a duplicate of the event it
// already accepted. docs/forwarding.md explains when to use it.
#ifndef TRACKD_TOOLS_TRACKCTL_RESEND_DEAD_LETTERS_H_
#define TRACKD_TOOLS_TRACKCTL_RESEND_DEAD_LETTERS_H_

#include <ostream>
#include <string>

#include "absl/strings/string_view.h"
#include "server/sinks/http_poster.h"

namespace trackd {

struct ResendOptions {
  HttpPosterOptions http;   // The Track API endpoint, as trackd's --http_url.
  std::string auth_header;  // "Name: value" or empty; sent, never printed.
};

// Sends the lines of `dead_letters` (the dead-letter file's content) in order, one POST per
// line, and writes one result per line to `out`: "line N: resent message_id=M (HTTP S)". Stops
// at the first line that is not a dead-letter line or that the upstream does not answer 2xx,
// naming the line and the answer, then writes a summary. Re-running after a stop is safe: the
// lines already sent carry the same Idempotency-Key, so the Track API drops the repeats.
// Returns the exit status: 0 when every line was sent (or there were none), 1 otherwise.
int ResendDeadLetters(absl::string_view dead_letters, const ResendOptions& options,
                      std::ostream& out);

}  // namespace trackd

#endif  // TRACKD_TOOLS_TRACKCTL_RESEND_DEAD_LETTERS_H_
