// trackd_noop_server: the "handler that does nothing" baseline for trackd.
// It serves trackd.v1.TrackService on the same gRPC callback API as trackd:
// its Track finishes OK at once, echoing message_id, and its TrackBatch
// answers one empty TrackBatchResult per item: no validation, no encoding, no
// log, no fsync. What trackd achieves against this is the cost of trackd's
// own work.
//
// With --finish_after=D (e.g. 400us) the handlers do not finish their calls:
// a finisher thread takes every call waiting, sleeps D (a stand-in for the
// fsync of a group commit) and finishes them, as trackd finishes calls from
// the thread that learns of durability. The gap between that and the default
// is what gRPC charges for finishing a call off its own thread.
//
// Writes the bound port to --port_file (temporary file + rename) once serving;
// on SIGTERM or SIGINT logs {"msg":"stopped","calls":"N","events":"M"} on
// stderr (calls of both methods; events = Track calls + TrackBatch items, to
// compare with trackd's events_stored) and exits 0.
#include <signal.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "trackd/v1/track.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Address to serve on, HOST:PORT; port 0 picks one.");
ABSL_FLAG(std::string, port_file, "", "If set, the bound port is written here once serving.");
ABSL_FLAG(absl::Duration, finish_after, absl::ZeroDuration(),
          "0: handlers finish at once. Otherwise a finisher thread finishes the calls waiting, "
          "every this long (a stand-in for a group commit's fsync).");

namespace trackd::bench {
namespace {

// Finishes calls from its own thread, in groups, after a delay per group.
// Thread-safe.
class Finisher {
 public:
  explicit Finisher(absl::Duration delay) : delay_(delay), thread_([this] { Loop(); }) {}
  ~Finisher() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      stopping_ = true;
    }
    changed_.notify_one();
    thread_.join();
  }

  void Add(grpc::ServerUnaryReactor* reactor) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      waiting_.push_back(reactor);
    }
    changed_.notify_one();
  }

 private:
  void Loop() {
    while (true) {
      std::vector<grpc::ServerUnaryReactor*> group;
      {
        std::unique_lock<std::mutex> lock(mu_);
        changed_.wait(lock, [this] { return stopping_ || !waiting_.empty(); });
        if (waiting_.empty()) return;  // Stopping with nothing left.
        group.swap(waiting_);
      }
      absl::SleepFor(delay_);
      for (grpc::ServerUnaryReactor* reactor : group) reactor->Finish(grpc::Status::OK);
    }
  }

  const absl::Duration delay_;
  std::mutex mu_;
  std::condition_variable changed_;
  std::vector<grpc::ServerUnaryReactor*> waiting_;  // Guarded by mu_.
  bool stopping_ = false;                           // Guarded by mu_.
  std::thread thread_;
};

// Thread-safe.
class NoopTrackService final : public v1::TrackService::CallbackService {
 public:
  // `finisher` null: calls finish in their handler.
  explicit NoopTrackService(Finisher* finisher) : finisher_(finisher) {}

  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override {
    // Relaxed increments, so the run can be checked against what the server saw.
    calls_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(1, std::memory_order_relaxed);
    response->set_message_id(request->message_id());
    return Finish(context);
  }

  // The response has the shape trackd's has (one result per item), so the
  // baseline pays for serialising as many results; they stay empty.
  grpc::ServerUnaryReactor* TrackBatch(grpc::CallbackServerContext* context,
                                       const v1::TrackBatchRequest* request,
                                       v1::TrackBatchResponse* response) override {
    const int items = request->requests_size();
    calls_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(static_cast<uint64_t>(items), std::memory_order_relaxed);
    response->mutable_results()->Reserve(items);
    for (int i = 0; i < items; ++i) response->add_results();
    return Finish(context);
  }

  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  uint64_t events() const { return events_.load(std::memory_order_relaxed); }

 private:
  grpc::ServerUnaryReactor* Finish(grpc::CallbackServerContext* context) {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    if (finisher_ != nullptr) {
      finisher_->Add(reactor);
    } else {
      reactor->Finish(grpc::Status::OK);
    }
    return reactor;
  }

  Finisher* const finisher_;
  std::atomic<uint64_t> calls_{0};
  std::atomic<uint64_t> events_{0};
};

bool WritePortFile(const std::string& path, int port) {
  // A reader polling for the file never sees half a number.
  const std::string temporary = path + ".tmp";
  {
    std::ofstream out(temporary);
    out << port << "\n";
    if (!out.flush()) return false;
  }
  return std::rename(temporary.c_str(), path.c_str()) == 0;
}

int Main() {
  // Block the stop signals in every thread (gRPC's threads inherit the mask);
  // this one waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const std::string listen = absl::GetFlag(FLAGS_listen);
  const absl::Duration finish_after = absl::GetFlag(FLAGS_finish_after);
  std::unique_ptr<Finisher> finisher;
  if (finish_after > absl::ZeroDuration()) finisher = std::make_unique<Finisher>(finish_after);
  NoopTrackService service(finisher.get());
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort(listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    absl::FPrintF(stderr, "{\"level\":\"error\",\"msg\":\"cannot listen\",\"listen\":\"%s\"}\n",
                  listen);
    return 1;
  }
  absl::FPrintF(stderr, "{\"level\":\"info\",\"msg\":\"serving\",\"port\":\"%d\"}\n", port);
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty() && !WritePortFile(port_file, port)) {
    absl::FPrintF(stderr, "{\"level\":\"error\",\"msg\":\"cannot write the port file\"}\n");
    return 1;
  }

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  // Every call finishes at once or after one delay, so no grace period is needed.
  server->Shutdown();
  finisher.reset();
  absl::FPrintF(stderr,
                "{\"level\":\"info\",\"msg\":\"stopped\",\"calls\":\"%d\",\"events\":\"%d\"}\n",
                service.calls(), service.events());
  return 0;
}

}  // namespace
}  // namespace trackd::bench

int main(int argc, char** argv) {
  // As trackd does: Debian's Abseil leaves mutex deadlock detection on, and it
  // costs gRPC's own locks CPU. The baseline is the framework at its best.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  absl::SetProgramUsageMessage(
      "trackd_noop_server: TrackService that answers OK at once (a baseline).\n"
      "Example: trackd_noop_server --listen=127.0.0.1:0 --port_file=/tmp/port");
  absl::ParseCommandLine(argc, argv);
  return trackd::bench::Main();
}
