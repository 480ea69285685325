#include "server/sinks/http_poster.h"

#include <curl/curl.h>

#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"

namespace trackd {
namespace {

// The raw body is collected into HttpResult::body, then made valid UTF-8.
size_t CollectBody(char* data, size_t size, size_t count, void* user) {
  auto* result = static_cast<HttpResult*>(user);
  const size_t n = size * count;
  const size_t room = kMaxResponseBodyBytes - std::min(kMaxResponseBodyBytes, result->body.size());
  result->body.append(data, std::min(n, room));
  if (n > room) result->body_truncated = true;
  return n;  // Read everything; keep the first 4 KiB.
}

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629:
// no overlong forms, surrogates or code points above U+10FFFF); 0 when it is
// not one, and -1 when `s` ends inside what could still become one.
int SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  int length;
  unsigned char low = 0x80, high = 0xBF;  // The allowed range of the second byte.
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  for (int i = 1; i < length; ++i) {
    if (static_cast<size_t>(i) >= s.size()) return -1;
    const unsigned char c = byte(i);
    if (i == 1 ? (c < low || c > high) : (c < 0x80 || c > 0xBF)) return 0;
  }
  return length;
}

// What the header callback writes to, and the clock that dates a Retry-After.
struct HeaderContext {
  HttpResult* result;
  const Clock* clock;
};

size_t CollectHeader(char* data, size_t size, size_t count, void* user) {
  const auto* context = static_cast<const HeaderContext*>(user);
  const size_t n = size * count;
  const absl::string_view line(data, n);
  constexpr absl::string_view kRetryAfter = "retry-after:";
  if (line.size() > kRetryAfter.size() && absl::StartsWithIgnoreCase(line, kRetryAfter)) {
    context->result->retry_after =
        ParseRetryAfter(std::string(absl::StripAsciiWhitespace(line.substr(kRetryAfter.size()))),
                        context->clock->Now());
  }
  return n;
}

int AbortIfAsked(void* user, curl_off_t, curl_off_t, curl_off_t, curl_off_t) {
  const auto* abort = static_cast<const std::atomic<bool>*>(user);
  return abort != nullptr && abort->load() ? 1 : 0;
}

}  // namespace

std::string BoundedUtf8(absl::string_view bytes, size_t max_bytes, bool cut) {
  constexpr absl::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD
  std::string out;
  size_t at = 0;
  while (at < bytes.size()) {
    const int length = SequenceLength(bytes.substr(at));
    if (length == -1 && cut) break;  // The rest of this character was never read.
    const absl::string_view piece = length > 0 ? bytes.substr(at, length) : kReplacement;
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece.data(), piece.size());
    at += length > 0 ? length : 1;
  }
  return out;
}

std::optional<absl::Duration> ParseRetryAfter(const std::string& value, absl::Time now) {
  int64_t seconds;
  if (absl::SimpleAtoi(value, &seconds)) {
    if (seconds < 0) return std::nullopt;
    return absl::Seconds(seconds);
  }
  const time_t date = curl_getdate(value.c_str(), nullptr);
  if (date < 0) return std::nullopt;
  return std::max(absl::ZeroDuration(), absl::FromTimeT(date) - now);
}

HttpPoster::HttpPoster(HttpPosterOptions options, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  static std::once_flag global_init;
  std::call_once(global_init, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
  curl_ = curl_easy_init();
}

HttpPoster::~HttpPoster() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResult HttpPoster::Post(const std::string& body, const std::vector<std::string>& headers,
                            const std::atomic<bool>* abort) {
  HttpResult result;
  HeaderContext header_context{&result, &clock_};
  CURL* curl = static_cast<CURL*>(curl_);
  curl_slist* header_list = curl_slist_append(nullptr, "Content-Type: application/json");
  header_list = curl_slist_append(header_list, "Expect:");  // No 100-continue round trip.
  for (const std::string& h : headers) header_list = curl_slist_append(header_list, h.c_str());

  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_POST, 1L);
  curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(options_.total_timeout)));
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, CollectBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &result);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, CollectHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &header_context);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, AbortIfAsked);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, abort);

  const CURLcode code = curl_easy_perform(curl);
  curl_slist_free_all(header_list);
  result.body = BoundedUtf8(result.body, kMaxResponseBodyBytes, result.body_truncated);
  if (code != CURLE_OK) {
    result.status = 0;
    result.timed_out = code == CURLE_OPERATION_TIMEDOUT;
    result.transport_error = curl_easy_strerror(code);
    return result;
  }
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  result.status = static_cast<int>(status);
  return result;
}

}  // namespace trackd
