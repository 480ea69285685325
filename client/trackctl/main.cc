// trackctl: sends events to trackd and checks its health from the command line.
// A thin shell over the TrackClient library; see `trackctl --help`.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "trackd/client/content_message_id.h"
#include "trackd/client/event_input.h"
#include "trackd/client/track_client.h"
#include "trackd/common/json_decoder.h"
#include "trackd/common/json_encoder.h"

ABSL_FLAG(std::string, target, "127.0.0.1:50051",
          "trackd's address, HOST:PORT or a gRPC target URI.");
ABSL_FLAG(bool, tls, false, "Use TLS instead of plaintext.");
ABSL_FLAG(std::string, ca_file, "",
          "With --tls: PEM roots to verify the server (default: system roots).");
ABSL_FLAG(std::string, cert_file, "", "With --tls: PEM client certificate for mutual TLS.");
ABSL_FLAG(std::string, key_file, "", "With --tls: PEM private key of --cert_file.");
ABSL_FLAG(std::string, token_file, "",
          "File whose first line is the bearer token for servers with authentication; "
          "TRACKD_TOKEN may hold the token instead.");
ABSL_FLAG(absl::Duration, deadline, absl::Seconds(10), "Deadline of each call, retries included.");
ABSL_FLAG(int, batch_size, 100, "Events per TrackBatch call when sending NDJSON (1-500).");
ABSL_FLAG(std::string, ids, "content",
          "How events read from a file get their message_id: 'content' (a hash of the event, "
          "so re-sending a file stores nothing twice) or 'random' (a new UUIDv7 each time).");
ABSL_FLAG(std::string, user_id, "", "Build one event from flags: the user's id.");
ABSL_FLAG(std::string, group_id, "", "Build one event from flags: the account's id.");
ABSL_FLAG(std::string, role, "",
          "Build one event from flags: the user's role (account_added_user).");
ABSL_FLAG(std::string, user_name, "", "Build one event from flags: the user's name (optional).");
ABSL_FLAG(std::string, user_email, "", "Build one event from flags: the user's e-mail (optional).");
ABSL_FLAG(std::string, timestamp, "", "Build one event from flags: RFC 3339 time (default: now).");
ABSL_FLAG(std::string, message_id, "",
          "Build one event from flags: its message_id (default: new).");

namespace trackd {
namespace {

constexpr char kUsage[] = R"(trackctl: send events to trackd, or check its health.

Usage:
  trackctl track [--target=HOST:PORT] FILE|-     send documented JSON events
  trackctl track [--target=HOST:PORT] --user_id=U --group_id=G --role=R [--user_name=N]
                 [--user_email=E] [--timestamp=T] [--message_id=M]
                                                 send one account_added_user event
  trackctl health [--target=HOST:PORT]           print the server's health

FILE holds one event written as the documented JSON (a single object, like the
samples of the Track API docs, on one line or pretty-printed) or NDJSON, one event
per line, sent in batches. trackctl prints one result per event, with each
violation as "field: problem". Exit status: 0 when every event was accepted
(or already stored), 1 when any was rejected or failed, 2 for a usage error.

Examples:
  trackctl track --target=127.0.0.1:50051 event.json
  cat events.ndjson | trackctl track --target=trackd:50051 --tls --ca_file=ca.pem -
  TRACKD_TOKEN=… trackctl track --target=trackd:50051 --tls event.json
  trackctl track --user_id=u-1 --group_id=acct-9 --role=Developer --user_email=a@example.com
  trackctl health --target=127.0.0.1:50051
)";

absl::StatusOr<std::string> ReadFileOrStdin(const std::string& path) {
  std::stringstream content;
  if (path == "-") {
    content << std::cin.rdbuf();
    return content.str();
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
  content << in.rdbuf();
  return content.str();
}

absl::StatusOr<ClientOptions> OptionsFromFlags() {
  ClientOptions options;
  options.target = absl::GetFlag(FLAGS_target);
  options.deadline = absl::GetFlag(FLAGS_deadline);
  if (const std::string path = absl::GetFlag(FLAGS_token_file); !path.empty()) {
    auto content = ReadFileOrStdin(path);
    if (!content.ok()) return content.status();
    options.bearer_token = std::string(
        absl::StripAsciiWhitespace(absl::string_view(*content).substr(0, content->find('\n'))));
  } else if (const char* token = std::getenv("TRACKD_TOKEN"); token != nullptr) {
    options.bearer_token = token;
  }
  if (absl::GetFlag(FLAGS_tls)) {
    options.security = ChannelSecurity::kTls;
    const std::pair<std::string, std::string*> files[] = {
        {absl::GetFlag(FLAGS_ca_file), &options.tls_root_certs_pem},
        {absl::GetFlag(FLAGS_cert_file), &options.tls_client_cert_pem},
        {absl::GetFlag(FLAGS_key_file), &options.tls_client_key_pem}};
    for (const auto& [path, out] : files) {
      if (path.empty()) continue;
      auto content = ReadFileOrStdin(path);
      if (!content.ok()) return content.status();
      *out = std::move(*content);
    }
  }
  return options;
}

void PrintViolations(const FieldViolations& violations) {
  for (const auto& v : violations) std::cout << "  " << v.field << ": " << v.description << "\n";
}

void PrintCallError(absl::string_view what, const absl::Status& status) {
  std::cout << what << ": failed: " << absl::StatusCodeToString(status.code()) << ": "
            << status.message() << "\n";
  PrintViolations(ViolationsOf(status));
}

// Sends the event built from the --user_id etc. flags. Returns the exit status.
int TrackFromFlags(TrackClient& client) {
  AccountAddedUserEvent event;
  event.user_id = absl::GetFlag(FLAGS_user_id);
  event.group_id = absl::GetFlag(FLAGS_group_id);
  event.user_role = absl::GetFlag(FLAGS_role);
  event.user_name = absl::GetFlag(FLAGS_user_name);
  event.user_email = absl::GetFlag(FLAGS_user_email);
  event.message_id = absl::GetFlag(FLAGS_message_id);
  if (const std::string t = absl::GetFlag(FLAGS_timestamp); !t.empty()) {
    absl::Time parsed;
    std::string error;
    if (!absl::ParseTime(absl::RFC3339_full, t, &parsed, &error)) {
      std::cerr << "trackctl: --timestamp: " << error << "\n";
      return 2;
    }
    event.timestamp = parsed;
  }
  auto response = client.TrackAccountAddedUser(event);
  if (!response.ok()) {
    PrintCallError("event", response.status());
    return 1;
  }
  std::cout << "event: " << (response->duplicate() ? "duplicate" : "accepted")
            << " message_id=" << response->message_id() << "\n";
  return 0;
}

// Sends the events of `input` in batches. Returns the exit status.
int TrackFromInput(TrackClient& client, absl::string_view input) {
  const int batch_size = absl::GetFlag(FLAGS_batch_size);
  if (batch_size < 1 || batch_size > 500) {
    std::cerr << "trackctl: --batch_size must be 1 to 500\n";
    return 2;
  }
  const std::string ids = absl::GetFlag(FLAGS_ids);
  if (ids != "content" && ids != "random") {
    std::cerr << "trackctl: --ids must be 'content' or 'random'\n";
    return 2;
  }
  const std::vector<InputEvent> events = SplitEvents(input);
  if (events.empty()) {
    std::cerr << "trackctl: the input holds no event\n";
    return 2;
  }
  bool all_ok = true;
  v1::TrackBatchRequest batch;
  std::vector<int> batch_lines;
  auto flush = [&] {
    if (batch.requests_size() == 0) return;
    auto response = client.TrackBatch(batch);
    for (int i = 0; i < batch.requests_size(); ++i) {
      const std::string where = absl::StrCat("line ", batch_lines[i]);
      if (!response.ok()) {
        PrintCallError(where, response.status());
        all_ok = false;
        continue;
      }
      const v1::TrackBatchResult& result = response->results(i);
      switch (result.outcome()) {
        case v1::TrackBatchResult::OUTCOME_ACCEPTED:
          std::cout << where << ": accepted message_id=" << result.message_id() << "\n";
          break;
        case v1::TrackBatchResult::OUTCOME_DUPLICATE:
          std::cout << where << ": duplicate message_id=" << result.message_id() << "\n";
          break;
        default:
          std::cout << where << ": rejected\n";
          for (const auto& v : result.violations()) {
            std::cout << "  " << v.field() << ": " << v.description() << "\n";
          }
          all_ok = false;
      }
    }
    batch.Clear();
    batch_lines.clear();
  };
  for (const InputEvent& event : events) {
    auto request = DecodeDocumentedJson(event.json);
    if (!request.ok()) {
      std::cout << "line " << event.line << ": invalid: " << request.status().message() << "\n";
      all_ok = false;
      continue;
    }
    if (ids == "content") request->set_message_id(ContentMessageId(EncodeDocumentedJson(*request)));
    *batch.add_requests() = std::move(*request);
    batch_lines.push_back(event.line);
    if (batch.requests_size() == batch_size) flush();
  }
  flush();
  return all_ok ? 0 : 1;
}

int Health(TrackClient& client) {
  auto status = client.CheckHealth();
  if (!status.ok()) {
    PrintCallError("health", status.status());
    return 1;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*status) << "\n";
  return *status == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

int Main(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = positional[1];
  auto options = OptionsFromFlags();
  if (!options.ok()) {
    std::cerr << "trackctl: " << options.status().message() << "\n";
    return 2;
  }
  auto client = TrackClient::Create(*options);
  if (!client.ok()) {
    std::cerr << "trackctl: " << client.status().message() << "\n";
    return 2;
  }
  if (command == "health" && positional.size() == 2) return Health(**client);
  if (command == "track") {
    const bool from_flags = !absl::GetFlag(FLAGS_user_id).empty();
    if (from_flags && positional.size() == 2) return TrackFromFlags(**client);
    if (!from_flags && positional.size() == 3) {
      auto input = ReadFileOrStdin(positional[2]);
      if (!input.ok()) {
        std::cerr << "trackctl: " << input.status().message() << "\n";
        return 2;
      }
      return TrackFromInput(**client, *input);
    }
  }
  std::cerr << kUsage;
  return 2;
}

}  // namespace
}  // namespace trackd

int main(int argc, char** argv) { return trackd::Main(argc, argv); }
