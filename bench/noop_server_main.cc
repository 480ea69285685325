// trackd_noop_server: the "handler that does nothing" baseline for trackd.
// It serves trackd.v1.TrackService on the same gRPC callback API as trackd:
// its Track finishes OK at once, echoing message_id, and its TrackBatch
// answers one empty TrackBatchResult per item: no validation, no encoding, no
// log, no fsync. What trackd achieves against this is the cost of trackd's
// own work.
//
// Writes the bound port to --port_file (temporary file + rename) once serving;
// on SIGTERM or SIGINT logs {"msg":"stopped","calls":"N","events":"M"} on
// stderr (calls of both methods; events = Track calls + TrackBatch items, to
// compare with trackd's events_stored) and exits 0.
#include <signal.h>

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_format.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "trackd/v1/track.grpc.pb.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:0", "Address to serve on, HOST:PORT; port 0 picks one.");
ABSL_FLAG(std::string, port_file, "", "If set, the bound port is written here once serving.");

namespace trackd::bench {
namespace {

// Thread-safe.
class NoopTrackService final : public v1::TrackService::CallbackService {
 public:
  grpc::ServerUnaryReactor* Track(grpc::CallbackServerContext* context,
                                  const v1::TrackRequest* request,
                                  v1::TrackResponse* response) override {
    // Relaxed increments, so the run can be checked against what the server saw.
    calls_.fetch_add(1, std::memory_order_relaxed);
    events_.fetch_add(1, std::memory_order_relaxed);
    response->set_message_id(request->message_id());
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
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
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  uint64_t calls() const { return calls_.load(std::memory_order_relaxed); }
  uint64_t events() const { return events_.load(std::memory_order_relaxed); }

 private:
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
  NoopTrackService service;
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
  // Every handler finishes at once, so no grace period is needed.
  server->Shutdown();
  absl::FPrintF(stderr,
                "{\"level\":\"info\",\"msg\":\"stopped\",\"calls\":\"%d\",\"events\":\"%d\"}\n",
                service.calls(), service.events());
  return 0;
}

}  // namespace
}  // namespace trackd::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "trackd_noop_server: TrackService that answers OK at once (a baseline).\n"
      "Example: trackd_noop_server --listen=127.0.0.1:0 --port_file=/tmp/port");
  absl::ParseCommandLine(argc, argv);
  return trackd::bench::Main();
}
