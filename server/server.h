// TrackdServer: wires the embedded log, the dedupe index, the pipeline and the
// gRPC service together and runs them. main.cc and the integration tests use it
// alike, so tests exercise the same wiring as production.
//
// It also makes a failed store visible: once the sink stops for good after an
// I/O error (the fail-stop log, see event_log.h), grpc.health.v1 answers
// NOT_SERVING (overall "" and trackd.v1.TrackService), /readyz 503 with the
// error, the gauge trackd_store_failed is 1, and every Track call with a new
// event is UNAVAILABLE until the process is restarted.
#ifndef TRACKD_SERVER_SERVER_H_
#define TRACKD_SERVER_SERVER_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "common/clock.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/admin_server.h"
#include "server/authenticator.h"
#include "server/metrics.h"
#include "server/rate_limiter.h"
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

// Transport security. With cert and key files: TLS; with a client CA as
// well: mutual TLS (a client certificate is required and verified). The files
// are watched and reloaded when they change, without dropping connections.
struct TlsConfig {
  std::string cert_file;
  std::string key_file;
  std::string client_ca_file;
  absl::Duration reload_interval = absl::Seconds(10);
  bool enabled() const { return !cert_file.empty(); }
};

// Limits that keep abusive or broken callers in check, and connection
// settings that suit load balancers (see README for the reasoning).
struct LimitsConfig {
  int max_message_bytes = 4 << 20;
  int max_batch_items = kMaxBatchItems;
  int max_concurrent_streams = 100;         // Per connection.
  double rate_limit_per_client = 0;         // Events per second; 0 = off.
  double rate_limit_burst = 0;              // 0 = one second's worth.
  absl::Duration keepalive_time = absl::Seconds(60);
  absl::Duration keepalive_timeout = absl::Seconds(20);
  absl::Duration max_connection_age = absl::Minutes(5);
  absl::Duration max_connection_age_grace = absl::Seconds(30);
  absl::Duration max_connection_idle = absl::Minutes(15);
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
  TlsConfig tls;
  LimitsConfig limits;
  // Hashed bearer tokens (see authenticator.h); "" turns authentication off.
  std::string auth_tokens_file;
  // The admin HTTP port (/metrics, /healthz, /readyz); "" turns it off.
  std::string admin_listen;
};

// Thread-safe.
class TrackdServer {
 public:
  // Opens and recovers the log, reloads the message_ids of the dedupe window,
  // and starts serving; health reports SERVING (overall and for
  // trackd.v1.TrackService) from then on, until Shutdown or a store failure. `fs` and `clock`
  // must outlive the server. Returns UNAVAILABLE when the store cannot be opened or the
  // address cannot be bound.
  static absl::StatusOr<std::unique_ptr<TrackdServer>> Start(const ServerConfig& config,
                                                             FileSystem& fs, Clock& clock);
  // Shuts down as Shutdown() does.
  ~TrackdServer();

  // The port actually bound.
  int port() const { return port_; }
  // The admin port actually bound; 0 when it is off.
  int admin_port() const { return admin_ != nullptr ? admin_->port() : 0; }
  const MetricsRegistry& metrics() const { return metrics_; }

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
  // OK while the store takes writes; once it stopped after an I/O error, that error.
  absl::Status store_failure() const { return sink_->Failure(); }

 private:
  TrackdServer() = default;

  // Opens the log (not for Kafka), reloads the dedupe window's ids and builds
  // the configured sink (and the HTTP forwarder).
  absl::Status BuildSink(const ServerConfig& config, FileSystem& fs, Clock& clock);
  absl::Status RegisterMetrics();
  void BuildTransport(const ServerConfig& config, grpc::ServerBuilder& builder);
  // Sets health SERVING unless the store already failed; called once serving.
  void ReportServing();
  // The store stopped: health NOT_SERVING. Called on the writer thread.
  void OnStoreFailure();
  // For /readyz: OK while calls are taken, else why not.
  absl::Status Readiness() const;

  absl::Duration shutdown_grace_;
  Clock* clock_ = &Clock::Real();  // Times the shutdown grace.
  MetricsRegistry metrics_;
  std::unique_ptr<TokenAuthenticator> authenticator_;
  std::unique_ptr<RateLimiter> rate_limiter_;
  std::unique_ptr<EventLog> log_;
  std::unique_ptr<DedupeIndex> index_;
  std::unique_ptr<Sink> sink_;
  std::unique_ptr<HttpForwarder> forwarder_;
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<Tracker> tracker_;
  std::unique_ptr<TrackServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<AdminServer> admin_;  // Last: destroyed first.
  int port_ = 0;
  size_t reloaded_ids_ = 0;
  absl::Mutex health_mu_;
  grpc::HealthCheckServiceInterface* health_ ABSL_GUARDED_BY(health_mu_) = nullptr;
  absl::Mutex shutdown_mu_;
  bool shut_down_ ABSL_GUARDED_BY(shutdown_mu_) = false;
};

}  // namespace trackd

#endif  // TRACKD_SERVER_SERVER_H_
