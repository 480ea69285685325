// Process tests of the promise "OK means durable" at its edges (issue 9): the
// real trackd binary killed with SIGKILL at random moments under concurrent
// Track and TrackBatch load (the crash loop), and trackd on a real, small file
// system that fills under load. After every restart each acknowledged event is
// in the segments exactly once, no event is there twice, and no line is torn.
// The binary's path comes from TRACKD_BINARY, defined by the build.
#include <httplib.h>
#include <sys/mount.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "server/file_system.h"
#include "server/log_format.h"
#include "tests/test_util.h"
#include "trackd/v1/track.grpc.pb.h"

namespace trackd {
namespace {

using grpc::health::v1::HealthCheckResponse;

// Event n of a test: message_id "crash-<n>" and user_id "user-<n>", so each
// stored JSON line can be checked against the id stored beside it.
constexpr absl::string_view kIdPrefix = "crash-";
constexpr absl::string_view kUserPrefix = "user-";

v1::TrackRequest EventRequest(int n) {
  v1::TrackRequest request = testing::SeedRequest();
  request.set_message_id(absl::StrCat(kIdPrefix, n));
  request.set_user_id(absl::StrCat(kUserPrefix, n));
  return request;
}

// A trackd child process on 127.0.0.1 with port 0, announced through a port
// file; stdout and stderr (the JSON log) go to <work_dir>/trackd.log, which
// every restart appends to.
class TrackdProcess {
 public:
  // Starts trackd with `flags` after the listen and port-file flags, and waits
  // (up to 30 s) until it serves; serving() says whether it did.
  TrackdProcess(const std::string& work_dir, const std::vector<std::string>& flags)
      : port_file_(work_dir + "/port"), log_file_(work_dir + "/trackd.log") {
    std::remove(port_file_.c_str());
    log_offset_ = Log().size();
    std::vector<std::string> args = {TRACKD_BINARY, "--listen=127.0.0.1:0",
                                     "--port_file=" + port_file_};
    args.insert(args.end(), flags.begin(), flags.end());
    process_ = std::make_unique<testing::Subprocess>(args, log_file_);
    port_ = testing::WaitForPortFile(port_file_, absl::Seconds(30));
  }

  bool serving() const { return port_ != 0; }
  std::string target() const { return absl::StrCat("127.0.0.1:", port_); }
  bool Exited() { return process_->Exited(); }
  void Kill9() { process_->SignalAndWait(SIGKILL, absl::Seconds(10)); }
  // SIGTERM, and SIGKILL when it has not exited within `limit`.
  void Stop(absl::Duration limit) {
    if (process_->SignalAndWait(SIGTERM, limit) < 0) Kill9();
  }

  // The whole log file, all runs.
  std::string Log() const {
    PosixFileSystem fs;
    auto content = fs.ReadFile(log_file_);
    return content.ok() ? *content : "";
  }
  // What this run logged.
  std::string RunLog() const { return Log().substr(log_offset_); }

  // A field of this run's "serving" log line ("admin_port",
  // "recovered_truncated_bytes", ...); "" if there is none.
  std::string ServingField(const std::string& key) const {
    const std::string log = RunLog();
    const size_t serving = log.find("\"msg\":\"serving\"");
    if (serving == std::string::npos) return "";
    const std::string key_text = absl::StrCat("\"", key, "\":\"");
    const size_t found = log.find(key_text, serving);
    if (found == std::string::npos) return "";
    const size_t start = found + key_text.size();
    return log.substr(start, log.find('"', start) - start);
  }
  // The admin port; 0 if it is off or unknown.
  int AdminPort() const {
    int port = 0;
    return absl::SimpleAtoi(ServingField("admin_port"), &port) ? port : 0;
  }

 private:
  std::string port_file_;
  std::string log_file_;
  size_t log_offset_ = 0;
  std::unique_ptr<testing::Subprocess> process_;
  int port_ = 0;
};

// What the callers were told about each event. An event answered OK (accepted
// or duplicate) is acknowledged; one without an OK may or may not be stored
// and waits to be sent again. Thread-safe.
class Ledger {
 public:
  // A new event number.
  int NewEvent() { return next_.fetch_add(1); }
  int events_created() const { return next_.load(); }

  void Acknowledge(int n) {
    absl::MutexLock lock(&mu_);
    acknowledged_.insert(n);
  }
  // An event whose call got `code` instead of OK; offered again by TakeRetry.
  void Unanswered(int n, grpc::StatusCode code) {
    absl::MutexLock lock(&mu_);
    retry_.push_back(n);
    ++failures_[code];
  }
  // An event no call carried (forged on disk); offered by TakeRetry.
  void NeverAnswered(int n) {
    absl::MutexLock lock(&mu_);
    retry_.push_back(n);
  }
  // An event to send again, if any; it leaves the ledger's retry list.
  std::optional<int> TakeRetry() {
    absl::MutexLock lock(&mu_);
    if (retry_.empty()) return std::nullopt;
    const int n = retry_.back();
    retry_.pop_back();
    return n;
  }
  // Every event waiting for a retry; the list is left empty.
  std::vector<int> TakeAllRetries() {
    absl::MutexLock lock(&mu_);
    return std::exchange(retry_, {});
  }

  // Waits until `count` events in all are acknowledged, or `limit` passes.
  bool AwaitAcknowledged(size_t count, absl::Duration limit) {
    absl::MutexLock lock(&mu_);
    const auto reached = [this, count]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return acknowledged_.size() >= count;
    };
    return mu_.AwaitWithTimeout(absl::Condition(&reached), limit);
  }

  absl::flat_hash_set<int> acknowledged() const {
    absl::MutexLock lock(&mu_);
    return acknowledged_;
  }
  size_t acknowledged_count() const {
    absl::MutexLock lock(&mu_);
    return acknowledged_.size();
  }
  // How many times an event's call got something other than OK, by status code.
  std::map<grpc::StatusCode, int> failures() const {
    absl::MutexLock lock(&mu_);
    return failures_;
  }

 private:
  std::atomic<int> next_{0};
  mutable absl::Mutex mu_;
  absl::flat_hash_set<int> acknowledged_ ABSL_GUARDED_BY(mu_);
  std::vector<int> retry_ ABSL_GUARDED_BY(mu_);
  std::map<grpc::StatusCode, int> failures_ ABSL_GUARDED_BY(mu_);
};

// How one load thread calls: Track with one event, or TrackBatch with 1 to
// max_batch events; events waiting for a retry go first.
struct LoadOptions {
  int max_batch = 0;  // 0: Track calls.
  uint32_t seed = 0;  // Batch sizes.
  int max_calls = 5000;
  int max_failed_calls = 0;  // Stop after this many calls without OK; 0: never.
};

void SendLoad(v1::TrackService::Stub& stub, Ledger& ledger, const LoadOptions& options,
              const std::atomic<bool>& stop) {
  std::mt19937 rng(options.seed);
  int failed_calls = 0;
  for (int call = 0; call < options.max_calls && !stop; ++call) {
    const int items =
        options.max_batch == 0 ? 1 : std::uniform_int_distribution<int>(1, options.max_batch)(rng);
    std::vector<int> events;
    while (static_cast<int>(events.size()) < items) {
      const std::optional<int> retry = ledger.TakeRetry();
      events.push_back(retry ? *retry : ledger.NewEvent());
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Status status;
    if (options.max_batch == 0) {
      v1::TrackResponse response;
      status = stub.Track(&context, EventRequest(events[0]), &response);
      if (status.ok()) ledger.Acknowledge(events[0]);
    } else {
      v1::TrackBatchRequest request;
      for (int n : events) *request.add_requests() = EventRequest(n);
      v1::TrackBatchResponse response;
      status = stub.TrackBatch(&context, request, &response);
      if (status.ok()) {
        ASSERT_EQ(response.results_size(), request.requests_size());
        for (size_t i = 0; i < events.size(); ++i) {
          const auto outcome = response.results(static_cast<int>(i)).outcome();
          if (outcome == v1::TrackBatchResult::OUTCOME_ACCEPTED ||
              outcome == v1::TrackBatchResult::OUTCOME_DUPLICATE) {
            ledger.Acknowledge(events[i]);
          } else {
            ADD_FAILURE() << "event " << events[i]
                          << " rejected: " << response.results(static_cast<int>(i)).DebugString();
          }
        }
      }
    }
    if (!status.ok()) {
      ASSERT_NE(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT) << status.error_message();
      for (int n : events) ledger.Unanswered(n, status.error_code());
      if (++failed_calls == options.max_failed_calls) return;
    }
  }
}

// Runs SendLoad on `threads` threads, half of them Track and half TrackBatch.
class LoadThreads {
 public:
  LoadThreads(const std::string& target, Ledger& ledger, int threads, uint32_t seed,
              LoadOptions options)
      : stub_(v1::TrackService::NewStub(
            grpc::CreateChannel(target, grpc::InsecureChannelCredentials()))) {
    for (int t = 0; t < threads; ++t) {
      LoadOptions mine = options;
      mine.max_batch = t % 2 == 0 ? 0 : options.max_batch;
      mine.seed = seed + static_cast<uint32_t>(t);
      threads_.emplace_back([this, &ledger, mine] { SendLoad(*stub_, ledger, mine, stop_); });
    }
  }
  ~LoadThreads() { StopAndJoin(); }

  // Waits until every thread has reached its own limit.
  void Join() {
    for (auto& thread : threads_) {
      if (thread.joinable()) thread.join();
    }
  }
  void StopAndJoin() {
    stop_ = true;
    Join();
  }

 private:
  std::unique_ptr<v1::TrackService::Stub> stub_;
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

// The segments of a data directory as read back from disk.
struct StoreContents {
  // How often each message_id occurs among the stored (JSON line, id line) pairs.
  absl::flat_hash_map<std::string, int> count_by_id;
  // Torn or malformed lines, and pairs that do not belong together: one
  // sentence each.
  std::vector<std::string> defects;
};

// Reads every segment pair: line k of segment-N.ids ("<unix ms> <message_id>")
// belongs to line k of segment-N.ndjson.
StoreContents ReadSegments(const std::string& dir) {
  StoreContents out;
  PosixFileSystem fs;
  auto names = fs.ListDir(dir);
  if (!names.ok()) {
    out.defects.push_back(names.status().ToString());
    return out;
  }
  std::set<uint64_t> numbers;
  for (const std::string& name : *names) {
    if (auto number = log_format::ParseSegmentFileName(name)) numbers.insert(*number);
  }
  for (const uint64_t number : numbers) {
    const std::string segment = absl::StrCat("segment ", number);
    auto data = fs.ReadFile(log_format::DataFilePath(dir, number));
    auto ids = fs.ReadFile(log_format::IdsFilePath(dir, number));
    if (!data.ok() || !ids.ok()) {
      out.defects.push_back(
          absl::StrCat(segment, ": ", data.status().ToString(), " / ", ids.status().ToString()));
      continue;
    }
    if (!data->empty() && data->back() != '\n') {
      out.defects.push_back(segment + "'s .ndjson file ends in a torn line");
    }
    if (!ids->empty() && ids->back() != '\n') {
      out.defects.push_back(segment + "'s .ids file ends in a torn line");
    }
    // Complete lines only: a torn last line is reported above.
    std::vector<absl::string_view> data_lines = absl::StrSplit(*data, '\n');
    std::vector<absl::string_view> id_lines = absl::StrSplit(*ids, '\n');
    data_lines.pop_back();
    id_lines.pop_back();
    if (data_lines.size() != id_lines.size()) {
      out.defects.push_back(absl::StrCat(segment, " holds ", data_lines.size(), " JSON lines but ",
                                         id_lines.size(), " id lines"));
    }
    for (size_t k = 0; k < std::min(data_lines.size(), id_lines.size()); ++k) {
      const std::string where = absl::StrCat(segment, " line ", k + 1);
      const std::optional<log_format::IdLine> id_line = log_format::ParseIdLine(id_lines[k]);
      if (!id_line.has_value()) {
        out.defects.push_back(absl::StrCat(where, ": malformed id line \"", id_lines[k], "\""));
        continue;
      }
      const absl::string_view id = id_line->message_id;
      google::protobuf::Struct event;
      if (!google::protobuf::util::JsonStringToMessage(std::string(data_lines[k]), &event).ok()) {
        out.defects.push_back(absl::StrCat(where, ": not JSON: ", data_lines[k]));
        continue;
      }
      const std::string expected_user = absl::StrCat(kUserPrefix, absl::StripPrefix(id, kIdPrefix));
      const auto user = event.fields().find("user_id");
      if (user == event.fields().end() || user->second.string_value() != expected_user) {
        out.defects.push_back(
            absl::StrCat(where, ": id ", id, " beside the JSON of another event: ", data_lines[k]));
      }
      ++out.count_by_id[id];
    }
  }
  return out;
}

// Expects no defect, every acknowledged event exactly once, and no event
// (acknowledged or not) twice. Lists at most a few examples of each problem.
void ExpectEachAcknowledgedEventOnceAndNoTornLine(const StoreContents& store,
                                                  const absl::flat_hash_set<int>& acknowledged) {
  constexpr size_t kExamples = 10;
  EXPECT_TRUE(store.defects.empty())
      << store.defects.size() << " defects, e.g.:\n"
      << absl::StrJoin(store.defects.begin(),
                       store.defects.begin() + std::min(kExamples, store.defects.size()), "\n");
  std::vector<std::string> missing;
  for (int n : acknowledged) {
    const auto it = store.count_by_id.find(absl::StrCat(kIdPrefix, n));
    if (it == store.count_by_id.end()) missing.push_back(absl::StrCat(kIdPrefix, n));
  }
  std::sort(missing.begin(), missing.end());
  EXPECT_TRUE(missing.empty()) << missing.size() << " acknowledged events are missing, e.g. "
                               << absl::StrJoin(
                                      missing.begin(),
                                      missing.begin() + std::min(kExamples, missing.size()), " ");
  std::vector<std::string> twice;
  for (const auto& [id, count] : store.count_by_id) {
    if (count > 1) twice.push_back(absl::StrCat(id, " x", count));
  }
  EXPECT_TRUE(twice.empty()) << twice.size() << " events are stored more than once, e.g. "
                             << absl::StrJoin(twice.begin(),
                                              twice.begin() + std::min(kExamples, twice.size()),
                                              " ");
}

// Sends every event still waiting for a retry once more, in batches, and
// expects each to be answered OK (stored now, or found stored before).
void ResendUnanswered(const std::string& target, Ledger& ledger) {
  auto stub =
      v1::TrackService::NewStub(grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  const std::vector<int> waiting = ledger.TakeAllRetries();
  for (size_t start = 0; start < waiting.size(); start += 100) {
    v1::TrackBatchRequest request;
    for (size_t i = start; i < std::min(waiting.size(), start + 100); ++i) {
      *request.add_requests() = EventRequest(waiting[i]);
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    v1::TrackBatchResponse response;
    const grpc::Status status = stub->TrackBatch(&context, request, &response);
    ASSERT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
    ASSERT_EQ(response.results_size(), request.requests_size());
    for (int i = 0; i < response.results_size(); ++i) {
      EXPECT_NE(response.results(i).outcome(), v1::TrackBatchResult::OUTCOME_REJECTED);
      ledger.Acknowledge(waiting[start + static_cast<size_t>(i)]);
    }
  }
}

// What a SIGKILL in the middle of an append can leave, forged after a kill,
// because real kills rarely land there: a write() is cut only between pages,
// and the two files' writes are microseconds apart against milliseconds of
// fdatasync. Appends to the newest segment the lines of 1 to 5 new events,
// either with the last .ndjson line cut short and no id line, or with every
// .ndjson line whole and the id lines cut short somewhere. Those events were
// never answered, so they wait for a retry. Returns what it forged, or "" when
// the newest segment does not end in whole line pairs (the kill tore it
// already) or no stored line can serve as a template.
std::string ForgeTornTail(const std::string& dir, Ledger& ledger, std::mt19937& rng) {
  PosixFileSystem fs;
  auto names = fs.ListDir(dir);
  if (!names.ok()) return "";
  std::vector<uint64_t> numbers;  // Of the segments with a .ndjson file.
  for (const std::string& name : *names) {
    const std::optional<uint64_t> number = log_format::ParseSegmentFileName(name);
    if (number.has_value() && name == log_format::DataFileName(*number)) {
      numbers.push_back(*number);
    }
  }
  std::sort(numbers.begin(), numbers.end());
  if (numbers.empty()) return "";
  std::vector<std::string> data_files;
  for (uint64_t number : numbers) data_files.push_back(log_format::DataFilePath(dir, number));
  const std::string data_path = data_files.back();
  const std::string ids_path = log_format::IdsFilePath(dir, numbers.back());
  auto data = fs.ReadFile(data_path);
  auto ids = fs.ReadFile(ids_path);
  if (!data.ok() || !ids.ok()) return "";
  if ((!data->empty() && data->back() != '\n') || (!ids->empty() && ids->back() != '\n') ||
      std::count(data->begin(), data->end(), '\n') != std::count(ids->begin(), ids->end(), '\n')) {
    return "";
  }
  std::string model;  // The newest stored line; only its user_id changes.
  for (auto it = data_files.rbegin(); it != data_files.rend() && model.empty(); ++it) {
    auto content = fs.ReadFile(*it);
    if (!content.ok() || content->empty()) continue;
    const size_t start = content->rfind('\n', content->size() - 2);
    model = content->substr(start == std::string::npos ? 0 : start + 1);
  }
  const std::string key = "\"user_id\":\"";
  const size_t user_start = model.find(key);
  if (user_start == std::string::npos) return "";
  const size_t value_start = user_start + key.size();
  const size_t value_end = model.find('"', value_start);

  const int events = std::uniform_int_distribution<int>(1, 5)(rng);
  std::string new_data;
  std::string new_ids;
  size_t last_line_start = 0;
  for (int e = 0; e < events; ++e) {
    const int n = ledger.NewEvent();
    ledger.NeverAnswered(n);
    last_line_start = new_data.size();
    absl::StrAppend(&new_data, model.substr(0, value_start), kUserPrefix, n,
                    model.substr(value_end));
    log_format::IdLineWriter(absl::Now()).Append(absl::StrCat(kIdPrefix, n), new_ids);
  }
  const bool torn_data = rng() % 2 == 0;
  if (torn_data) {
    // Keeps at least one byte of the last line and loses at least its newline.
    new_data.resize(
        std::uniform_int_distribution<size_t>(last_line_start + 1, new_data.size() - 1)(rng));
    new_ids.clear();
  } else {
    new_ids.resize(std::uniform_int_distribution<size_t>(0, new_ids.size() - 1)(rng));
  }
  for (const auto& [path, bytes] :
       {std::pair(data_path, &new_data), std::pair(ids_path, &new_ids)}) {
    auto file = fs.OpenForAppend(path);
    if (!file.ok() || !(*file)->Append(*bytes).ok()) {
      ADD_FAILURE() << "cannot append to " << path;
      return "";
    }
  }
  return absl::StrCat("forged ", events, " unanswered events: ", new_data.size(),
                      " bytes in .ndjson, ", new_ids.size(), " in .ids (",
                      torn_data ? "torn JSON line" : "torn id lines", ")");
}

uint32_t CrashLoopSeed() {
  const char* fixed = std::getenv("TRACKD_CRASH_SEED");
  uint32_t seed = 0;
  if (fixed != nullptr && absl::SimpleAtoi(fixed, &seed)) return seed;
  return std::random_device()();
}

// The crash loop: 24 times, start trackd on the same data directory, check
// what the restart recovered, put it under Track and TrackBatch load from six
// threads (events that got no OK are sent again, so deduplication across a
// crash is exercised too), and SIGKILL it after a random number of
// acknowledgements (0 to 400: sometimes before the first, usually with calls
// and a group commit in flight). Small segments make kills land in rotations
// too. After every other kill a torn tail is forged (ForgeTornTail), so that
// recovery from a write cut short runs too. Set TRACKD_CRASH_SEED to replay a
// seed.
TEST(CrashTest, SigkillUnderTrackAndBatchLoadLosesNoAcknowledgedEventAndTearsNoLine) {
  constexpr int kKills = 24;
  const uint32_t seed = CrashLoopSeed();
  std::cout << "crash loop seed: " << seed << " (replay with TRACKD_CRASH_SEED=" << seed << ")"
            << std::endl;
  ::testing::Test::RecordProperty("seed", std::to_string(seed));
  std::mt19937 rng(seed);
  testing::TempDir work;
  const std::string data_dir = work.path() + "/data";
  const std::vector<std::string> flags = {"--data_dir=" + data_dir,
                                          "--admin_listen=", "--segment_bytes=65536"};
  Ledger ledger;
  std::vector<std::string> history;  // What happened in each round, for a failure's report.
  for (int round = 0; round <= kKills; ++round) {
    SCOPED_TRACE(absl::StrCat("seed ", seed, ", after kills:\n  ", absl::StrJoin(history, "\n  ")));
    TrackdProcess trackd(work.path(), flags);
    ASSERT_TRUE(trackd.serving()) << "trackd did not start (round " << round << "); log:\n"
                                  << trackd.RunLog();
    if (round > 0) {
      absl::StrAppend(&history.back(), "; recovery cut ",
                      trackd.ServingField("recovered_truncated_bytes"), " torn bytes");
    }
    ExpectEachAcknowledgedEventOnceAndNoTornLine(ReadSegments(data_dir), ledger.acknowledged());
    if (::testing::Test::HasFailure()) return;
    if (round == kKills) {
      // Last: everything that never got an OK can still be stored, once.
      ResendUnanswered(trackd.target(), ledger);
      const StoreContents store = ReadSegments(data_dir);
      ExpectEachAcknowledgedEventOnceAndNoTornLine(store, ledger.acknowledged());
      EXPECT_EQ(store.count_by_id.size(), static_cast<size_t>(ledger.events_created()));
      trackd.Stop(absl::Seconds(15));
      break;
    }
    const size_t before = ledger.acknowledged_count();
    const size_t threshold = std::uniform_int_distribution<size_t>(0, 400)(rng);
    LoadThreads load(trackd.target(), ledger, /*threads=*/6, /*seed=*/rng(),
                     {.max_batch = 40, .max_calls = 5000});
    ledger.AwaitAcknowledged(before + threshold, absl::Seconds(10));
    trackd.Kill9();
    load.StopAndJoin();
    history.push_back(absl::StrCat("round ", round, ": killed after ",
                                   ledger.acknowledged_count() - before,
                                   " new acknowledgements (aimed at ", threshold, ")"));
    if (rng() % 2 == 0) {
      const std::string forged = ForgeTornTail(data_dir, ledger, rng);
      if (!forged.empty()) absl::StrAppend(&history.back(), "; ", forged);
    }
  }
  std::string failures;
  for (const auto& [code, count] : ledger.failures())
    absl::StrAppend(&failures, " ", code, ":", count);
  std::cout << absl::StrJoin(history, "\n") << "\nevents: " << ledger.events_created()
            << ", all acknowledged in the end; answers other than OK (per event, by code):"
            << failures << std::endl;
}

// grpc.health.v1 Check for the whole server ("").
absl::StatusOr<HealthCheckResponse::ServingStatus> CheckHealth(const std::string& target) {
  auto stub = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel(target, grpc::InsecureChannelCredentials()));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  HealthCheckResponse response;
  const grpc::Status status = stub->Check(&context, {}, &response);
  if (!status.ok()) return absl::UnavailableError(status.error_message());
  return response.status();
}

// The HTTP status of GET /readyz on the admin port; -1 when nothing answers.
int ReadyzStatus(int admin_port) {
  httplib::Client admin("127.0.0.1", admin_port);
  admin.set_connection_timeout(5);
  const auto response = admin.Get("/readyz");
  return response ? response->status : -1;
}

// trackd on a real, small file system: a 1 MiB tmpfs mounted for the test
// (needs root or CAP_SYS_ADMIN; skipped with the reason where mounting is
// refused), always unmounted afterwards.
class FullDiskTest : public ::testing::Test {
 protected:
  void SetUp() override {
    mount_point_ = work_.path() + "/small-disk";
    std::filesystem::create_directories(mount_point_);
    if (::mount("tmpfs", mount_point_.c_str(), "tmpfs", 0, "size=1m,mode=0700") != 0) {
      const int err = errno;
      if (err == EPERM || err == EACCES) {
        GTEST_SKIP() << "cannot mount a size-limited tmpfs at " << mount_point_ << ": "
                     << std::strerror(err)
                     << " (mounting needs root or CAP_SYS_ADMIN; CI runs this test as root)";
      }
      FAIL() << "mount -t tmpfs " << mount_point_ << ": " << std::strerror(err);
    }
    mounted_ = true;
  }

  void TearDown() override {
    trackd_.reset();  // Nothing may hold files on the tmpfs while it is unmounted.
    if (mounted_ && ::umount2(mount_point_.c_str(), MNT_DETACH) != 0) {
      ADD_FAILURE() << "umount " << mount_point_ << ": " << std::strerror(errno);
    }
  }

  void StartTrackd() {
    trackd_ = std::make_unique<TrackdProcess>(
        work_.path(),
        std::vector<std::string>{"--data_dir=" + data_dir(), "--admin_listen=127.0.0.1:0"});
  }
  std::string data_dir() const { return mount_point_ + "/data"; }

  testing::TempDir work_;  // The log and port file live here, off the small disk.
  std::string mount_point_;
  bool mounted_ = false;
  std::unique_ptr<TrackdProcess> trackd_;
};

// Point 10 of issue 9. A filler file takes part of the disk before the load,
// so deleting it frees space afterwards.
TEST_F(FullDiskTest, FillingDiskAcknowledgesOnlyStoredEventsAndReportsNotServingWhy) {
  const std::string filler = mount_point_ + "/filler";
  {
    std::ofstream out(filler, std::ios::binary);
    out << std::string(384 << 10, 'x');
    ASSERT_TRUE(out.flush()) << "cannot write " << filler;
  }
  StartTrackd();
  ASSERT_TRUE(trackd_->serving()) << trackd_->RunLog();
  const int admin_port = trackd_->AdminPort();
  ASSERT_NE(admin_port, 0) << trackd_->RunLog();
  ASSERT_EQ(CheckHealth(trackd_->target()).value_or(HealthCheckResponse::UNKNOWN),
            HealthCheckResponse::SERVING);
  ASSERT_EQ(ReadyzStatus(admin_port), 200);

  // Four threads, Track and TrackBatch, each until its 10th call without OK
  // (the disk is full by then) or its 3000th call.
  Ledger ledger;
  LoadThreads(trackd_->target(), ledger, /*threads=*/4, /*seed=*/1,
              {.max_batch = 20, .max_calls = 3000, .max_failed_calls = 10})
      .Join();
  // Every OK is on disk already (a torn tail may wait for the restart's recovery).
  const StoreContents while_full = ReadSegments(data_dir());
  for (int n : ledger.acknowledged()) {
    const auto it = while_full.count_by_id.find(absl::StrCat(kIdPrefix, n));
    ASSERT_TRUE(it != while_full.count_by_id.end() && it->second == 1)
        << "event " << n << " was answered OK but is not stored once";
  }

  const auto failures = ledger.failures();
  ASSERT_FALSE(failures.empty()) << "the disk never filled: " << ledger.acknowledged_count()
                                 << " events stored";
  for (const auto& [code, count] : failures) {
    EXPECT_EQ(code, grpc::StatusCode::UNAVAILABLE) << "for " << count << " events";
  }

  // Full: still up, and health and the log say why.
  EXPECT_FALSE(trackd_->Exited()) << trackd_->RunLog();
  absl::StatusOr<HealthCheckResponse::ServingStatus> health;
  int ready = 0;
  bool logged_why = false;
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        health = CheckHealth(trackd_->target());
        ready = ReadyzStatus(admin_port);
        for (absl::string_view line : absl::StrSplit(trackd_->RunLog(), '\n')) {
          logged_why = logged_why || (absl::StrContains(line, "\"level\":\"error\"") &&
                                      absl::StrContains(line, data_dir() + "/segment-") &&
                                      absl::StrContains(line, "No space left on device"));
        }
        return health.ok() && *health == HealthCheckResponse::NOT_SERVING && ready == 503 &&
               logged_why;
      },
      absl::Seconds(5), "NOT_SERVING, /readyz 503 and the error logged"));
  ASSERT_TRUE(health.ok()) << "the health RPC did not answer: " << health.status();
  EXPECT_EQ(*health, HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(ready, 503);
  EXPECT_TRUE(logged_why) << "no error line names the segment file and ENOSPC:\n"
                          << trackd_->RunLog();

  // Space freed and a restart: everything acknowledged is there once, and the
  // events that got no OK can be stored now.
  ASSERT_EQ(std::remove(filler.c_str()), 0);
  trackd_->Stop(absl::Seconds(15));
  StartTrackd();
  ASSERT_TRUE(trackd_->serving()) << trackd_->RunLog();
  EXPECT_EQ(CheckHealth(trackd_->target()).value_or(HealthCheckResponse::UNKNOWN),
            HealthCheckResponse::SERVING);
  ExpectEachAcknowledgedEventOnceAndNoTornLine(ReadSegments(data_dir()), ledger.acknowledged());
  ResendUnanswered(trackd_->target(), ledger);
  const StoreContents after = ReadSegments(data_dir());
  ExpectEachAcknowledgedEventOnceAndNoTornLine(after, ledger.acknowledged());
  EXPECT_EQ(after.count_by_id.size(), static_cast<size_t>(ledger.events_created()));
}

}  // namespace
}  // namespace trackd
