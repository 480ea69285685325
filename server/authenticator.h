// TokenAuthenticator: bearer tokens checked against a file of hashed tokens.
//
// The file holds one token per line as "sha256:<64 hex digits> <client-name>"
// (blank lines and lines starting with '#' are ignored); make a line with
//   printf 'sha256:%s %s\n' "$(printf %s "$TOKEN" | sha256sum | cut -d' ' -f1)" billing
// A call presents "authorization: Bearer <token>". The token's SHA-256 is
// compared with every entry in constant time, so neither a match's position
// nor a near miss shows in the timing. The file is re-read when it changes
// (Kubernetes updates mounted Secrets in place). Thread-safe.
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

namespace trackd {

class TokenAuthenticator {
 public:
  // Reads `path`. INVALID_ARGUMENT names the line number of a malformed line
  // (never its content); an empty file is an error too.
  static absl::StatusOr<std::unique_ptr<TokenAuthenticator>> Load(FileSystem& fs,
                                                                  std::string path);

  // Returns the client name for an "authorization" value "Bearer <token>", or
  // UNAUTHENTICATED with the same message whatever was wrong.
  absl::StatusOr<std::string> Authenticate(absl::string_view authorization);

 private:
  struct Entry {
    std::array<unsigned char, 32> hash;
    std::string client;
  };
  TokenAuthenticator(FileSystem& fs, std::string path) : fs_(fs), path_(std::move(path)) {}
  static absl::StatusOr<std::vector<Entry>> Parse(absl::string_view content);
  void ReloadIfChanged() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  FileSystem& fs_;
  const std::string path_;
  absl::Mutex mu_;
  std::vector<Entry> entries_ ABSL_GUARDED_BY(mu_);
  absl::Time loaded_mtime_ ABSL_GUARDED_BY(mu_);
  absl::Time last_check_ ABSL_GUARDED_BY(mu_);
};

}  // namespace trackd

#endif  // TRACKD_SERVER_AUTHENTICATOR_H_
