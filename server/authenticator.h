// TokenAuthenticator: bearer tokens checked against a file of hashed tokens.
//
// The file holds one token per line as "sha256:<64 hex digits> <client-name>"
// (blank lines and lines starting with '#' are ignored); make a line with
//   printf 'sha256:%s %s\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)" billing
// A call presents "authorization: Bearer <token>". The token's SHA-256 is
// compared with every entry in constant time, so neither a match's position
// nor a near miss shows in the timing. The file is checked every few seconds
// and re-read when it changes (Kubernetes updates mounted Secrets in place).
//
// Credentials fail closed: when the file goes missing, becomes empty,
// unreadable or malformed, no token is valid any more and every call is
// UNAUTHENTICATED, until a valid file is back (no restart needed). Each change
// of state is logged once. Thread-safe; the file is read outside the lock.
#ifndef TRACKD_SERVER_AUTHENTICATOR_H_
#define TRACKD_SERVER_AUTHENTICATOR_H_

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/file_system.h"
#include "trackd/common/clock.h"

namespace trackd {

class TokenAuthenticator {
 public:
  // Reads `path`. INVALID_ARGUMENT names the line number of a malformed line
  // (never its content); an empty file is an error too.
  // `clock` tells when the file is due for a check (every check_interval);
  // it must outlive the authenticator.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> Load(
      FileSystem& fs, std::string path, Clock& clock = Clock::Real(),
      absl::Duration check_interval = absl::Seconds(5));

  // Returns the client name for an "authorization" value "Bearer <token>", or
  // UNAUTHENTICATED with the same message whatever was wrong.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization);

  // Reads the file now and installs it if it changed.
  void CheckFile();
  // CheckFile when check_interval has passed since the last check. Calls and
  // metric scrapes call it, so a revoked file takes effect within the interval.
  void CheckFileIfDue();

  // The number of tokens in force: 0 while the file cannot be used.
  size_t tokens() const;
  // False while the file is missing, empty, unreadable or malformed.
  bool file_usable() const;

 private:
  struct Entry {
    std::array<unsigned char, 32> hash;
    std::string client;
  };
  TokenAuthenticator(FileSystem& fs, std::string path, Clock& clock, absl::Duration check_interval)
      : fs_(fs), path_(std::move(path)), clock_(clock), check_interval_(check_interval) {}
  static absl::StatusOr<std::vector<Entry>> Parse(absl::string_view content);
  // Installs what a read of the file gave, logging a change of state.
  void Install(absl::StatusOr<std::string> content) ABSL_LOCKS_EXCLUDED(mu_);

  FileSystem& fs_;
  const std::string path_;
  Clock& clock_;
  const absl::Duration check_interval_;
  mutable absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  // The file's content when last read, or the error reading it gave: a read
  // that finds the same again changes nothing and logs nothing.
  absl::StatusOr<std::string> last_read_ ABSL_GUARDED_BY(mu_);
  bool usable_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time next_check_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_AUTHENTICATOR_H_
