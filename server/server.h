// TrackdServer: wires the embedded log, the dedupe index, the pipeline and the
// gRPC service together and runs them. main.cc and the integration tests use it
// alike, so tests exercise the same wiring as production.
#ifndef TRACKD_SERVER_SERVER_H_
#define TRACKD_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/server.h"
#include "server/dedupe_index.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/pipeline.h"
#include "server/service.h"
#include "server/sinks/file_sink.h"
#include "server/sinks/http_forwarder.h"
#include "server/sinks/kafka_sink.h"
#include "server/tracker.h"
#include "server/validate.h"

namespace trackd {

enum class SinkKind {
  kFile,   // The embedded log is the store.
  kHttp,   // The embedded log is a spool; HttpForwarder delivers to the Track API.
  kKafka,  // Events go to Kafka; OK after the delivery report.
};

struct ServerConfig {
  // The address gRPC listens on; port 0 picks a free port (see port()).
  std::string listen = "127.0.0.1:50051";
  EventLogOptions log;
  DedupeOptions dedupe;
  PipelineOptions pipeline;
  TimestampBounds timestamps;
  // How long Shutdown waits for in-flight calls before cancelling them.
  absl::Duration shutdown_grace = absl::Seconds(20);
  SinkKind sink = SinkKind::kFile;
  // kHttp: the most bytes of undelivered events the spool holds; beyond it
  // Track answers RESOURCE_EXHAUSTED.
  uint64_t spool_max_bytes = uint64_t{1} << 30;
  HttpForwarderOptions http;  // kHttp. Empty paths default into log.dir.
  KafkaSinkOptions kafka;     // kKafka.
};

// Thread-safe.
class TrackdServer {
 public:
  // Opens and recovers the log, reloads the message_ids of the dedupe window,
  // and starts serving; health reports SERVING from then on. `fs` must outlive
  // the server. Returns UNAVAILABLE when the store cannot be opened or the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<TrackdServer>> Start(const ServerConfig& config,
                                                             FileSystem& fs,
                                                             std::function<absl::Time()> clock);
  // Shuts down as Shutdown() does.
  ~TrackdServer();

  // The port actually bound.
  int port() const { return port_; }

  // Health NOT_SERVING, stop accepting calls, let in-flight calls finish for up
  // to shutdown_grace (then cancel them), write what is queued and stop. Safe
  // to call more than once.
  void Shutdown();

  PipelineStats stats() const { return pipeline_->stats(); }
  // What Open recovered; empty for the Kafka sink, which keeps no log.
  RecoveryReport recovery() const { return log_ ? log_->recovery_report() : RecoveryReport(); }
  // The HTTP forwarder's counters; nullopt for other sinks.
  std::optional<ForwarderStats> forwarder_stats() const {
    if (forwarder_ == nullptr) return std::nullopt;
    return forwarder_->stats();
  }
  // How many message_ids were reloaded from the log into the dedupe index at start.
  size_t reloaded_ids() const { return reloaded_ids_; }

 private:
  TrackdServer() = default;

  absl::Duration shutdown_grace_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<DedupeIndex> index_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<HttpForwarder> forwarder_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Tracker> tracker_;
  std::unique_ptr<TrackServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;  // Last: destroyed first.
  int port_ = 0;
  size_t reloaded_ids_ = 0;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SERVER_H_
