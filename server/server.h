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
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "server/admin_server.h"
#include "server/authenticator.h"
#include "server/config.h"
#include "server/dedupe_index.h"
#include "server/event_log.h"
#include "server/file_system.h"
#include "server/metrics.h"
#include "server/pipeline.h"
#include "server/rate_limiter.h"
#include "server/service.h"
#include "server/sinks/file_sink.h"
#include "server/sinks/http_forwarder.h"
#include "server/sinks/kafka_sink.h"
#include "server/sinks/store_and_forward_sink.h"
#include "server/tracker.h"
#include "server/validate.h"
#include "trackd/common/clock.h"

namespace trackd {

// Thread-safe.
class TrackdServer {
 public:
  // Opens and recovers the log, reloads the message_ids of the dedupe window,
  // and starts serving; health reports SERVING (overall and for
  // trackd.v1.TrackService) from then on, until Shutdown or a store failure. `fs` and `clock`
  // must outlive the server. Returns INVALID_ARGUMENT when config.Validate() does, and
  // UNAVAILABLE when the store cannot be opened or the address cannot be bound.
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
  // Opens and recovers the log; its failure turns health NOT_SERVING.
  absl::Status OpenLog(const EventLogOptions& options, FileSystem& fs);
  // The validation stage, counting rejected events by field.
  absl::Status BuildPersonalDataFilter(const PersonalDataConfig& config);
  void BuildTracker(const ServerConfig& config, Clock& clock);
  // The gRPC service with its authenticator, rate limiter and request metrics.
  absl::Status BuildService(const ServerConfig& config, FileSystem& fs, Clock& clock);
  absl::Status BuildAuthenticator(const std::string& tokens_file, FileSystem& fs, Clock& clock);
  // Binds the gRPC port, reports SERVING and starts the admin server. On an
  // error, stops what it started and returns UNAVAILABLE (or the admin
  // server's error).
  absl::Status StartServing(const ServerConfig& config);
  // The sink-write histogram and failure counter, and the pipeline's observer that feeds them.
  std::function<void(absl::Duration, const absl::Status&)> SinkWriteObserver();
  absl::Status RegisterMetrics(const ServerConfig& config);
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
  HttpForwarder* forwarder_ = nullptr;  // kHttp: owned by sink_.
  std::unique_ptr<Pipeline> pipeline_;
  std::unique_ptr<PersonalValueFilter> personal_data_;  // nullptr: keep.
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
