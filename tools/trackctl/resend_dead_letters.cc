#include "tools/trackctl/resend_dead_letters.h"

#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "server/logging.h"
#include "server/sinks/dead_letter_line.h"

namespace trackd {
namespace {

// The upstream's answer in one line: its status and body, or why none came.
std::string Answer(const HttpResult& result) {
  if (result.status == 0) {
    return absl::StrCat("no response", result.timed_out ? " (timed out)" : "", ": ",
                        result.transport_error);
  }
  return absl::StrCat("HTTP ", result.status, result.body.empty() ? "" : ": ", result.body,
                      result.body_truncated ? "…" : "");
}

void Summary(int sent, int total, const std::string& url, std::ostream& out) {
  out << "resent " << sent << " of " << total << " dead letters to " << url << "\n";
}

}  // namespace

int ResendDeadLetters(absl::string_view dead_letters, const ResendOptions& options,
                      std::ostream& out) {
  std::vector<std::pair<int, absl::string_view>> lines;
  int number = 0;
  for (absl::string_view line : absl::StrSplit(dead_letters, '\n')) {
    ++number;
    if (!line.empty()) lines.emplace_back(number, line);
  }
  const std::string url = RedactUrl(options.http.url);
  HttpPoster poster(options.http);
  int sent = 0;
  for (const auto& [line_number, line] : lines) {
    const std::string where = absl::StrCat("line ", line_number);
    absl::StatusOr<DeadLetter> letter = ParseDeadLetterLine(line);
    if (!letter.ok()) {
      out << where << ": invalid: " << letter.status().message() << "\n";
      Summary(sent, lines.size(), url, out);
      return 1;
    }
    // The forwarder's request for one event (http_forwarder.cc, Deliver).
    std::vector<std::string> headers = {absl::StrCat("Idempotency-Key: ", letter->message_id)};
    if (!options.auth_header.empty()) headers.push_back(options.auth_header);
    const HttpResult result = poster.Post(letter->event_json, headers);
    if (result.status < 200 || result.status >= 300) {
      out << where << ": failed message_id=" << letter->message_id << ": " << Answer(result)
          << "\n";
      Summary(sent, lines.size(), url, out);
      out << "fix the cause and run again: what was resent carries the same Idempotency-Key, so "
             "the Track API drops the repeats\n";
      return 1;
    }
    out << where << ": resent message_id=" << letter->message_id << " (HTTP " << result.status
        << ")\n";
    ++sent;
  }
  Summary(sent, lines.size(), url, out);
  return 0;
}

}  // namespace trackd
