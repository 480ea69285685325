// stages_bench: the CPU of each of trackd's own stages, per event, on the seed
// event (bench/seed_event.h), so that a regression in one stage shows:
//   validate  FindViolations on the decoded request;
//   decode    the request's bytes parsed into the wire view + DecodeWireRequest;
//   encode    AppendDocumentedJson into a reused buffer;
//   prepare   decode + validate + encode + a server-assigned id into a Record:
//             Tracker's work before it hands the record to the pipeline;
//   dedupe    DedupeIndex Contains + Insert of a new id, and Contains of a
//             stored one, with the index holding 2 M ids (the default cap);
//   write     EventLog::Append of 32 events into a real directory under
//             $TMPDIR, with its two fdatasyncs, and without them (the same
//             log on a file system whose Sync does nothing): the difference
//             is what the fsyncs cost;
//   tracker   Tracker::Track and TrackBatch(500) through a real Pipeline into
//             a sink that keeps nothing: the whole path but the disk,
//             thread hand-offs included (process CPU, all threads).
// The write benchmarks count wall time (an fsync waits, it does not compute);
// the others CPU time.
// Every benchmark counts items, so Google Benchmark's items_per_second is
// events per second; scripts/bench.sh prints 1e9 / items_per_second.
// Run pinned, e.g.:
//   taskset -c 1 build/bench/stages_bench --benchmark_repetitions=5
//     --benchmark_report_aggregates_only=true
#include <stdlib.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/seed_event.h"
#include "benchmark/benchmark.h"
#include "server/dedupe_index.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/pipeline.h"
#include "server/record.h"
#include "server/sinks/sink.h"
#include "server/tracker.h"
#include "server/validate.h"
#include "server/wire/track_wire.pb.h"
#include "server/wire_decode.h"
#include "trackd/common/json_encoder.h"
#include "trackd/common/message_id.h"

namespace trackd::bench {
namespace {

// A fixed "now" for the pure stages; the seed event is one second older.
const absl::Time kNow = absl::FromUnixMillis(1698885009276);

v1::TrackRequest Seed(absl::Time timestamp = kNow - absl::Seconds(1)) {
  return SeedTrackRequest("0190f2a4-7b7e-7c3a-9d2e-5f6a7b8c9d0e", timestamp);
}

void BM_Validate(benchmark::State& state) {
  const v1::TrackRequest request = Seed();
  const TimestampBounds bounds;
  for (auto _ : state) {
    FieldViolations violations = FindViolations(request, kNow, bounds);
    benchmark::DoNotOptimize(violations);
    if (!violations.empty()) state.SkipWithError("the seed event is not valid");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Validate);

// Fresh messages each time, as the server parses each request anew.
void BM_WireDecode(benchmark::State& state) {
  const std::string bytes = Seed().SerializeAsString();
  for (auto _ : state) {
    wire::TrackRequest wire_request;
    if (!wire_request.ParseFromString(bytes)) state.SkipWithError("cannot parse the seed event");
    v1::TrackRequest decoded;
    FieldViolations violations = DecodeWireRequest(wire_request, &decoded);
    benchmark::DoNotOptimize(violations);
    benchmark::DoNotOptimize(decoded);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_WireDecode);

void BM_EncodeReusedBuffer(benchmark::State& state) {
  const v1::TrackRequest request = Seed();
  std::string out;
  for (auto _ : state) {
    out.clear();
    AppendDocumentedJson(request, &out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeReusedBuffer);

// What tracker.cc's Prepare does for an event without a message_id, from the
// wire view to the Record handed to the pipeline, with public functions only
// (Prepare itself is private).
void BM_PrepareRecord(benchmark::State& state) {
  v1::TrackRequest seed = Seed();
  seed.clear_message_id();
  wire::TrackRequest wire_request;
  wire_request.ParseFromString(seed.SerializeAsString());
  const TimestampBounds bounds;
  for (auto _ : state) {
    v1::TrackRequest request;
    FieldViolations violations = DecodeWireRequest(wire_request, &request);
    if (violations.empty()) violations = FindViolations(request, kNow, bounds);
    Record record;
    if (violations.empty()) {
      AppendDocumentedJson(request, &record.json);
      violations = CheckEncodedSize(record.json.size());
    }
    if (!violations.empty()) state.SkipWithError("the seed event is not valid");
    record.message_id = NewMessageId(kNow);
    record.partition_key = request.group_id().empty() ? request.user_id() : request.group_id();
    benchmark::DoNotOptimize(record);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PrepareRecord);

// Ids shaped like the server's (36-character UUIDs), made cheaply from a
// counter so the benchmark measures the index, not the id generator.
class IdMaker {
 public:
  std::string Next() {
    std::string id = "0190f2a4-7b7e-7c3a-9d2e-000000000000";
    uint64_t n = next_++;
    for (size_t i = id.size(); i-- > id.size() - 12;) {
      id[i] = "0123456789abcdef"[n & 0xf];
      n >>= 4;
    }
    return id;
  }

 private:
  uint64_t next_ = 0;
};

constexpr size_t kDedupeIds = 2'000'000;

// The index at its default cap, built once (it takes a few seconds) and
// shared by the dedupe benchmarks; times advance by 1 µs per id, so every id
// stays within the 24 h window.
struct FullIndex {
  FullIndex() : index(Options()) {
    for (size_t i = 0; i < kDedupeIds; ++i) {
      std::string id = ids.Next();
      if (i == kDedupeIds / 2) present = id;
      index.Insert(std::move(id), Tick());
    }
  }
  static DedupeOptions Options() {
    DedupeOptions options;
    options.max_ids = kDedupeIds;
    return options;
  }
  absl::Time Tick() { return now += absl::Microseconds(1); }

  DedupeIndex index;
  IdMaker ids;
  absl::Time now = kNow;
  std::string present;
};

FullIndex& SharedFullIndex() {
  static FullIndex* full = new FullIndex;  // Never freed: benchmarks share it to the end.
  return *full;
}

// A new id at the cap: the lookup misses, the insert evicts the oldest.
void BM_DedupeNewIdAtCap(benchmark::State& state) {
  FullIndex& full = SharedFullIndex();
  for (auto _ : state) {
    std::string id = full.ids.Next();
    const absl::Time now = full.Tick();
    if (full.index.Contains(id, now)) state.SkipWithError("a new id was found");
    // std::move works whether Insert takes std::string or absl::string_view.
    full.index.Insert(std::move(id), now);
  }
  state.SetItemsProcessed(state.iterations());
  state.counters["ids"] = static_cast<double>(full.index.size());
}
BENCHMARK(BM_DedupeNewIdAtCap);

// A retried id, still in the index.
void BM_DedupeStoredId(benchmark::State& state) {
  FullIndex& full = SharedFullIndex();
  // An id from the newest half: the run above evicted only the oldest.
  std::string id = full.ids.Next();
  full.index.Insert(std::string(id), full.Tick());
  for (auto _ : state) {
    if (!full.index.Contains(id, full.now)) state.SkipWithError("a stored id was not found");
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DedupeStoredId);

// PosixFileSystem with a Sync that does nothing, to take the fsyncs out of
// an append.
class NoSyncFileSystem final : public FileSystem {
 public:
  absl::StatusOr<std::unique_ptr<AppendableFile>> OpenForAppend(const std::string& path) override {
    absl::StatusOr<std::unique_ptr<AppendableFile>> file = posix_.OpenForAppend(path);
    if (!file.ok()) return file.status();
    return std::unique_ptr<AppendableFile>(new NoSyncFile(*std::move(file)));
  }
  absl::StatusOr<std::string> ReadFile(const std::string& path) override {
    return posix_.ReadFile(path);
  }
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& dir) override {
    return posix_.ListDir(dir);
  }
  absl::Status CreateDirs(const std::string& dir) override { return posix_.CreateDirs(dir); }
  absl::Status SyncDir(const std::string&) override { return absl::OkStatus(); }
  absl::StatusOr<absl::Time> ModifiedTime(const std::string& path) override {
    return posix_.ModifiedTime(path);
  }
  absl::StatusOr<std::string> ReadRange(const std::string& path, uint64_t offset,
                                        uint64_t max_bytes) override {
    return posix_.ReadRange(path, offset, max_bytes);
  }
  absl::Status WriteFileAtomically(const std::string& path, absl::string_view content) override {
    return posix_.WriteFileAtomically(path, content);
  }
  absl::Status DeleteFile(const std::string& path) override { return posix_.DeleteFile(path); }
  absl::StatusOr<uint64_t> FileSize(const std::string& path) override {
    return posix_.FileSize(path);
  }

 private:
  class NoSyncFile final : public AppendableFile {
   public:
    explicit NoSyncFile(std::unique_ptr<AppendableFile> file) : file_(std::move(file)) {}
    absl::Status Append(absl::string_view data) override { return file_->Append(data); }
    absl::Status Sync() override { return absl::OkStatus(); }
    absl::Status Truncate(uint64_t size) override { return file_->Truncate(size); }

   private:
    std::unique_ptr<AppendableFile> file_;
  };

  PosixFileSystem posix_;
};

// A new directory under $TMPDIR (or /tmp), removed with the object.
class TempDir {
 public:
  TempDir() {
    const char* tmp = getenv("TMPDIR");
    std::string pattern =
        absl::StrCat(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", "/stages_bench.XXXXXX");
    if (mkdtemp(pattern.data()) != nullptr) path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

constexpr int kWriteBatch = 32;

// EventLog::Append of kWriteBatch seed events (the group commit of ~32 calls
// that trackd sees at 1 000 in flight), per event.
void WriteBatches(benchmark::State& state, FileSystem& fs) {
  TempDir dir;
  if (dir.path().empty()) {
    state.SkipWithError("cannot create a directory under $TMPDIR");
    return;
  }
  EventLogOptions options;
  options.dir = dir.path() + "/log";
  absl::StatusOr<std::unique_ptr<EventLog>> log = EventLog::Open(fs, options);
  if (!log.ok()) {
    state.SkipWithError(std::string(log.status().message()).c_str());
    return;
  }
  const std::string json = EncodeDocumentedJson(Seed());
  std::vector<Record> records(kWriteBatch);
  IdMaker ids;
  for (auto _ : state) {
    for (Record& record : records) {
      record.message_id = ids.Next();
      record.json = json;
    }
    const absl::Status status = (*log)->Append(records, kNow);
    if (!status.ok()) {
      state.SkipWithError(std::string(status.message()).c_str());
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * kWriteBatch);
}

void BM_WriteBatch32Fsync(benchmark::State& state) {
  PosixFileSystem fs;
  WriteBatches(state, fs);
}
BENCHMARK(BM_WriteBatch32Fsync)->UseRealTime();

void BM_WriteBatch32NoFsync(benchmark::State& state) {
  NoSyncFileSystem fs;
  WriteBatches(state, fs);
}
BENCHMARK(BM_WriteBatch32NoFsync)->UseRealTime();

// A sink that keeps nothing: the pipeline's cost without the disk's.
class DiscardSink final : public Sink {
 public:
  absl::Status Write(absl::Span<const Record>) override { return absl::OkStatus(); }
};

// Waits for a known number of callbacks.
class Countdown {
 public:
  void Add(int n) {
    absl::MutexLock lock(&mu_);
    pending_ += n;
  }
  void Done(bool ok) {
    absl::MutexLock lock(&mu_);
    --pending_;
    if (!ok) ++failed_;
  }
  // Returns the failures so far once nothing is pending.
  int Wait() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](int* pending) { return *pending == 0; }, &pending_));
    return failed_;
  }

 private:
  absl::Mutex mu_;
  int pending_ = 0;
  int failed_ = 0;
};

// The tracker's path with the pipeline's threads: each iteration submits
// `in_flight` Track calls (or TrackBatch calls of 500) and waits for their
// answers, as a server with that many calls in flight would. Process CPU
// (every thread's) per event.
void TrackerPath(benchmark::State& state, bool batch) {
  const int in_flight = static_cast<int>(state.range(0));
  DiscardSink sink;
  DedupeIndex index(DedupeOptions{});
  Clock& clock = Clock::Real();
  Pipeline pipeline(sink, index, clock, PipelineOptions{});
  Tracker tracker(pipeline, clock, TrackerOptions{});
  v1::TrackRequest seed = Seed(absl::Now());
  seed.clear_message_id();
  wire::TrackRequest wire_request;
  wire_request.ParseFromString(seed.SerializeAsString());
  wire::TrackBatchRequest wire_batch;
  for (int i = 0; i < kMaxBatchItems; ++i) *wire_batch.add_requests() = wire_request;
  Countdown countdown;
  for (auto _ : state) {
    countdown.Add(in_flight);
    for (int i = 0; i < in_flight; ++i) {
      if (batch) {
        tracker.TrackBatch(wire_batch,
                           [&countdown](absl::StatusOr<const v1::TrackBatchResponse*> r) {
                             countdown.Done(r.ok());
                           });
      } else {
        tracker.Track(wire_request, [&countdown](absl::StatusOr<const v1::TrackResponse*> r) {
          countdown.Done(r.ok());
        });
      }
    }
    if (countdown.Wait() != 0) {
      state.SkipWithError("a call failed (is the queue too small for the calls in flight?)");
      break;
    }
  }
  state.SetItemsProcessed(state.iterations() * in_flight * (batch ? kMaxBatchItems : 1));
}

void BM_TrackerTrackDiscardSink(benchmark::State& state) { TrackerPath(state, false); }
BENCHMARK(BM_TrackerTrackDiscardSink)->Arg(64)->MeasureProcessCPUTime();

void BM_TrackerTrackBatch500DiscardSink(benchmark::State& state) { TrackerPath(state, true); }
BENCHMARK(BM_TrackerTrackBatch500DiscardSink)->Arg(4)->MeasureProcessCPUTime();

}  // namespace
}  // namespace trackd::bench

int main(int argc, char** argv) {
  // As trackd's main does: Debian builds Abseil without NDEBUG, which leaves
  // absl::Mutex's deadlock detection (a global lock graph) on.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 2;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
