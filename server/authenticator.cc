#include "server/authenticator.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "server/logging.h"

namespace trackd {
namespace {

constexpr absl::Duration kReloadCheckInterval = absl::Seconds(5);

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

absl::Status Unauthenticated() { return absl::UnauthenticatedError("unauthenticated"); }

}  // namespace

absl::StatusOr<std::vector<TokenAuthenticator::Entry>> TokenAuthenticator::Parse(
    absl::string_view content) {
  std::vector<Entry> entries;
  int line_number = 0;
  for (absl::string_view line : absl::StrSplit(content, '\n')) {
    ++line_number;
    line = absl::StripAsciiWhitespace(line);
    if (line.empty() || line.front() == '#') continue;
    const std::vector<absl::string_view> words =
        absl::StrSplit(line, absl::ByAnyChar(" \t"), absl::SkipEmpty());
    Entry entry;
    bool ok = words.size() == 2 && absl::StartsWith(words[0], "sha256:") &&
              words[0].size() == 7 + 64;
    for (size_t i = 0; ok && i < 32; ++i) {
      const int high = HexValue(words[0][7 + 2 * i]);
      const int low = HexValue(words[0][8 + 2 * i]);
      ok = high >= 0 && low >= 0;
      entry.hash[i] = static_cast<unsigned char>(high * 16 + low);
    }
    if (!ok) {
      return absl::InvalidArgumentError(absl::StrCat(
          "token file line ", line_number, " is not 'sha256:<64 hex digits> <client-name>'"));
    }
    entry.client = std::string(words[1]);
    entries.push_back(std::move(entry));
  }
  if (entries.empty()) return absl::InvalidArgumentError("the token file holds no token");
  return entries;
}

absl::StatusOr<std::unique_ptr<TokenAuthenticator>> TokenAuthenticator::Load(FileSystem& fs,
                                                                             std::string path) {
  auto content = fs.ReadFile(path);
  if (!content.ok()) return content.status();
  auto entries = Parse(*content);
  if (!entries.ok()) return entries.status();
  auto authenticator = std::unique_ptr<TokenAuthenticator>(new TokenAuthenticator(fs, path));
  absl::MutexLock lock(&authenticator->mu_);
  authenticator->entries_ = std::move(*entries);
  authenticator->loaded_mtime_ = fs.ModifiedTime(path).value_or(absl::InfinitePast());
  authenticator->last_check_ = absl::Now();
  return authenticator;
}

void TokenAuthenticator::ReloadIfChanged() {
  const absl::Time now = absl::Now();
  if (now - last_check_ < kReloadCheckInterval) return;
  last_check_ = now;
  auto mtime = fs_.ModifiedTime(path_);
  if (!mtime.ok() || *mtime == loaded_mtime_) return;
  auto content = fs_.ReadFile(path_);
  auto entries = content.ok() ? Parse(*content) : content.status();
  if (!entries.ok()) {
    // Keep the tokens that work rather than lock every client out.
    Log("error", "token file changed but cannot be used; keeping the previous tokens",
        {{"path", path_}, {"error", entries.status().ToString()}});
    loaded_mtime_ = *mtime;
    return;
  }
  entries_ = std::move(*entries);
  loaded_mtime_ = *mtime;
  Log("info", "token file reloaded", {{"path", path_}, {"tokens", absl::StrCat(entries_.size())}});
}

absl::StatusOr<std::string> TokenAuthenticator::Authenticate(absl::string_view authorization) {
  constexpr absl::string_view kBearer = "Bearer ";
  if (!absl::StartsWithIgnoreCase(authorization, kBearer)) return Unauthenticated();
  const absl::string_view token = authorization.substr(kBearer.size());
  if (token.empty()) return Unauthenticated();
  unsigned char hash[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(token.data()), token.size(), hash);

  absl::MutexLock lock(&mu_);
  ReloadIfChanged();
  const std::string* client = nullptr;
  for (const Entry& entry : entries_) {  // Every entry, match or not: constant time.
    const bool match = CRYPTO_memcmp(hash, entry.hash.data(), SHA256_DIGEST_LENGTH) == 0;
    if (match) client = &entry.client;
  }
  if (client == nullptr) return Unauthenticated();
  return *client;
}

}  // namespace trackd
