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
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "server/file_system.h"
#include "server/flag_help.h"
#include "server/sinks/http_auth_header.h"
#include "tools/trackctl/resend_dead_letters.h"
#include "trackd/client/content_message_id.h"
#include "trackd/client/event_input.h"
#include "trackd/client/track_client.h"
#include "trackd/common/documented_json_path.h"
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
ABSL_FLAG(bool, dry_run, false,
          "track: a dry run (validate_only): judge the events as a real call would and print "
          "each accepted one's documented JSON line; nothing is stored. Also --dry-run.");
ABSL_FLAG(std::string, user_id, "", "Build one event from flags: the user's id.");
ABSL_FLAG(std::string, group_id, "", "Build one event from flags: the account's id.");
ABSL_FLAG(std::string, role, "",
          "Build one event from flags: the user's role (account_added_user).");
ABSL_FLAG(std::string, user_name, "", "Build one event from flags: the user's name (optional).");
ABSL_FLAG(std::string, user_email, "", "Build one event from flags: the user's e-mail (optional).");
ABSL_FLAG(std::string, timestamp, "", "Build one event from flags: RFC 3339 time (default: now).");
ABSL_FLAG(std::string, message_id, "",
          "Build one event from flags: its message_id (default: new).");
ABSL_FLAG(std::string, http_url, "",
          "resend-dead-letters: the Track API endpoint, as trackd's --http_url.");
ABSL_FLAG(std::string, http_auth_header_file, "",
          "resend-dead-letters: a file holding the header line sent with every request, as "
          "trackd's; TRACKD_HTTP_AUTH_HEADER may hold it instead. Never printed.");
ABSL_FLAG(absl::Duration, http_connect_timeout, absl::Seconds(5),
          "resend-dead-letters: connect timeout.");
ABSL_FLAG(absl::Duration, http_timeout, absl::Seconds(30),
          "resend-dead-letters: total timeout of one request.");

namespace trackd {
namespace {

constexpr char kUsage[] = R"(send events to trackd, check its health, or re-send dead letters.

Usage:
  trackctl track [--target=HOST:PORT] FILE|-     send documented JSON events
  trackctl track [--target=HOST:PORT] --user_id=U --group_id=G --role=R [--user_name=N]
                 [--user_email=E] [--timestamp=T] [--message_id=M]
                                                 send one account_added_user event
  trackctl track --dry-run ... FILE|-            judge the events, store nothing, and print
                                                 each accepted one's documented JSON line
  trackctl health [--target=HOST:PORT]           print the server's health
  trackctl resend-dead-letters --http_url=URL [--http_auth_header_file=F] FILE
                                                 POST the events of trackd's dead-letter
                                                 file to the Track API again, each with its
                                                 original message_id as Idempotency-Key

FILE holds one event written as the documented JSON (a single object, like the
samples of the Track API docs, on one line or pretty-printed) or NDJSON, one event
per line, sent in batches. trackctl prints one result per event, with each
violation as "field: problem" below it; fields are named as in the input (the
documented JSON's keys for a file, the flags for a flag event). Exit status: 0
when every event was accepted (or already stored), 1 when any was rejected or
failed, 2 for a usage error. With --dry-run each event is named with
(dry run) after it, and an accepted one's documented JSON line follows its
result, unindented, exactly as trackd would write it: `grep '^{'` keeps just
those lines for a golden test.

Examples:
  trackctl track --target=127.0.0.1:50051 event.json
  cat events.ndjson | trackctl track --target=trackd:50051 --tls --ca_file=ca.pem -
  TRACKD_TOKEN=… trackctl track --target=trackd:50051 --tls event.json
  trackctl track --user_id=u-1 --group_id=acct-9 --role=Developer --user_email=a@example.com
  trackctl track --dry-run --ids=random events.ndjson | grep '^{' > actual.ndjson
  trackctl health --target=127.0.0.1:50051
  trackctl resend-dead-letters --http_url=https://track.example.com/v1/track \
      --http_auth_header_file=auth.txt data/dead-letter.ndjson
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

// How violations name fields: as the input did. FieldViolation::field is a request field path.
using FieldNamer = std::string (*)(absl::string_view request_field);

// A flag event's fields by the flag that set them; other paths as the server named them.
std::string FlagName(absl::string_view request_field) {
  static constexpr std::pair<absl::string_view, absl::string_view> kFlags[] = {
      {"user_id", "--user_id"},
      {"group_id", "--group_id"},
      {"account_added_user.user_role", "--role"},
      {"account_added_user.user_name", "--user_name"},
      {"account_added_user.user_email", "--user_email"},
      {"timestamp", "--timestamp"},
      {"message_id", "--message_id"}};
  for (const auto& [field, flag] : kFlags) {
    if (request_field == field) return std::string(flag);
  }
  return std::string(request_field);
}

// The one output format of every event, from a file or from flags:
//   <where>: accepted|duplicate message_id=<id>
//   <where>: rejected            then "  <field>: <problem>" per violation
//   <where>: failed: <CODE>: <message>
//   <where>: invalid: <why the input is not an event>
void PrintViolation(FieldNamer name, absl::string_view field, absl::string_view description) {
  std::cout << "  " << name(field) << ": " << description << "\n";
}

void PrintStored(absl::string_view where, bool duplicate, absl::string_view message_id) {
  std::cout << where << ": " << (duplicate ? "duplicate" : "accepted")
            << " message_id=" << message_id << "\n";
}

// A dry run names its events "<where> (dry run)" and prints the same lines,
// plus, after an accepted event's, its documented JSON line unindented.
void PrintDryRun(absl::string_view where, bool duplicate, absl::string_view message_id,
                 absl::string_view documented_json) {
  PrintStored(where, duplicate, message_id);
  if (!duplicate) std::cout << documented_json << "\n";
}

// A call that failed as a whole. INVALID_ARGUMENT with violations is a rejected event; any
// other error is printed with its code and message.
void PrintCallError(absl::string_view where, const absl::Status& status, FieldNamer name) {
  const FieldViolations violations = ViolationsOf(status);
  if (status.code() == absl::StatusCode::kInvalidArgument && !violations.empty()) {
    std::cout << where << ": rejected\n";
  } else {
    std::cout << where << ": failed: " << absl::StatusCodeToString(status.code()) << ": "
              << status.message() << "\n";
  }
  for (const auto& v : violations) PrintViolation(name, v.field, v.description);
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
  event.validate_only = absl::GetFlag(FLAGS_dry_run);
  auto response = client.TrackAccountAddedUser(event);
  if (!response.ok()) {
    PrintCallError(event.validate_only ? "event (dry run)" : "event", response.status(), &FlagName);
    return 1;
  }
  if (event.validate_only) {
    PrintDryRun("event (dry run)", response->duplicate(), response->message_id(),
                response->documented_json());
  } else {
    PrintStored("event", response->duplicate(), response->message_id());
  }
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
  const bool dry_run = absl::GetFlag(FLAGS_dry_run);
  bool all_ok = true;
  v1::TrackBatchRequest batch;
  std::vector<int> batch_lines;
  auto flush = [&] {
    if (batch.requests_size() == 0) return;
    auto response = dry_run ? client.DryRunBatch(batch) : client.TrackBatch(batch);
    for (int i = 0; i < batch.requests_size(); ++i) {
      const std::string where = absl::StrCat("line ", batch_lines[i], dry_run ? " (dry run)" : "");
      if (!response.ok()) {
        PrintCallError(where, response.status(), &DocumentedJsonPath);
        all_ok = false;
        continue;
      }
      const v1::TrackBatchResult& result = response->results(i);
      switch (result.outcome()) {
        case v1::TrackBatchResult::OUTCOME_ACCEPTED:
        case v1::TrackBatchResult::OUTCOME_DUPLICATE:
          if (dry_run) {
            PrintDryRun(where, result.outcome() == v1::TrackBatchResult::OUTCOME_DUPLICATE,
                        result.message_id(), result.documented_json());
          } else {
            PrintStored(where, result.outcome() == v1::TrackBatchResult::OUTCOME_DUPLICATE,
                        result.message_id());
          }
          break;
        default:
          std::cout << where << ": rejected\n";
          for (const auto& v : result.violations()) {
            PrintViolation(&DocumentedJsonPath, v.field(), v.description());
          }
          all_ok = false;
      }
    }
    batch.Clear();
    batch_lines.clear();
  };
  for (const InputEvent& event : events) {
    auto request = DecodeDocumentedJson(event.json, event.line);
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

// Re-sends the dead-letter file at `path` straight to the Track API. Returns the exit status.
int ResendDeadLettersFromFlags(const std::string& path) {
  ResendOptions options;
  options.http = {.url = absl::GetFlag(FLAGS_http_url),
                  .connect_timeout = absl::GetFlag(FLAGS_http_connect_timeout),
                  .total_timeout = absl::GetFlag(FLAGS_http_timeout)};
  if (options.http.url.empty()) {
    std::cerr << "trackctl: resend-dead-letters needs --http_url\n";
    return 2;
  }
  PosixFileSystem fs;
  auto auth = ReadHttpAuthHeader(fs, absl::GetFlag(FLAGS_http_auth_header_file), std::getenv);
  if (!auth.ok()) {
    std::cerr << "trackctl: " << auth.status().message() << "\n";
    return 2;
  }
  options.auth_header = *std::move(auth);
  auto content = ReadFileOrStdin(path);
  if (!content.ok()) {
    std::cerr << "trackctl: " << content.status().message() << "\n";
    return 2;
  }
  return ResendDeadLetters(*content, options, std::cout);
}

int Health(TrackClient& client) {
  auto status = client.CheckHealth();
  if (!status.ok()) {
    PrintCallError("health", status.status(), &DocumentedJsonPath);
    return 1;
  }
  std::cout << grpc::health::v1::HealthCheckResponse::ServingStatus_Name(*status) << "\n";
  return *status == grpc::health::v1::HealthCheckResponse::SERVING ? 0 : 1;
}

FlagHelpOptions HelpOptions() {
  return {.program = "trackctl",
          .own_flag_files = {"tools/trackctl/main.cc"},
          .usage = kUsage,
          .version = "trackctl (contract trackd.v1)"};
}

int UsageError() {
  std::cerr << "trackctl: " << kUsage;
  return 2;
}

int Main(int argc, char** argv) {
  // The issue and the docs spell it --dry-run; absl flags are spelled with "_".
  for (int i = 1; i < argc; ++i) {
    if (absl::string_view(argv[i]) == "--dry-run") argv[i] = const_cast<char*>("--dry_run");
  }
  ConfigureFlagHelp(HelpOptions());
  if (HelpRequested(argc, argv)) {
    PrintFlagHelp(HelpOptions(), std::cout);
    return 0;
  }
  const std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) return UsageError();
  const std::string command = positional[1];
  if (command == "resend-dead-letters") {
    return positional.size() == 3 ? ResendDeadLettersFromFlags(positional[2]) : UsageError();
  }
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
  return UsageError();
}

}  // namespace
}  // namespace trackd

int main(int argc, char** argv) { return trackd::Main(argc, argv); }
