// HttpPoster: one HTTP POST at a time over a kept-alive libcurl connection.
// The HTTP forwarder's only window on the network; it classifies nothing, it
// reports what happened.
#ifndef TRACKD_SERVER_SINKS_HTTP_POSTER_H_
#define TRACKD_SERVER_SINKS_HTTP_POSTER_H_

#include <atomic>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "trackd/common/clock.h"

namespace trackd {

struct HttpPosterOptions {
  std::string url;  // http:// or https://
  absl::Duration connect_timeout = absl::Seconds(5);
  absl::Duration total_timeout = absl::Seconds(30);
};

// What one POST came to.
struct HttpResult {
  int status = 0;               // HTTP status; 0 when none arrived.
  std::string transport_error;  // Non-empty when no response arrived.
  bool timed_out = false;
  std::optional<absl::Duration> retry_after;  // From a Retry-After header.
  // The start of the response body as valid UTF-8: at most kMaxResponseBodyBytes,
  // cut at a character boundary, invalid bytes replaced by U+FFFD.
  std::string body;
  bool body_truncated = false;  // The receiver sent more than `body`.
};

// How much of a response body HttpResult keeps (it goes into dead-letter lines).
inline constexpr size_t kMaxResponseBodyBytes = 4096;

// Returns the longest prefix of `bytes` as valid UTF-8 of at most `max_bytes`
// bytes, ending on a character boundary. Invalid sequences become U+FFFD; an
// incomplete sequence at the very end is dropped when `cut` says `bytes` was
// itself cut from something longer (its remaining bytes were never read), and
// becomes U+FFFD otherwise.
std::string BoundedUtf8(absl::string_view bytes, size_t max_bytes, bool cut);

// Not thread-safe: the forwarder's thread owns it.
class HttpPoster {
 public:
  // `clock` dates a Retry-After given as an HTTP-date; it must outlive the poster.
  explicit HttpPoster(HttpPosterOptions options, const Clock& clock = Clock::Real());
  ~HttpPoster();
  HttpPoster(const HttpPoster&) = delete;
  HttpPoster& operator=(const HttpPoster&) = delete;

  // POSTs `body` as application/json with the extra `headers` ("Name: value").
  // When `abort` becomes true the transfer stops early (transport_error set).
  HttpResult Post(const std::string& body, const std::vector<std::string>& headers,
                  const std::atomic<bool>* abort = nullptr);

 private:
  const HttpPosterOptions options_;
  const Clock& clock_;
  void* curl_;  // CURL*, kept for connection reuse.
};

// Parses a Retry-After value: delta-seconds or an HTTP-date (relative to `now`).
std::optional<absl::Duration> ParseRetryAfter(const std::string& value, absl::Time now);

}  // namespace trackd

#endif  // TRACKD_SERVER_SINKS_HTTP_POSTER_H_
