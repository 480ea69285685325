#include "server/server.h"

#include <algorithm>
#include <array>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "absl/strings/str_cat.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "grpcpp/server_builder.h"
#include "server/process_metrics.h"

namespace trackd {
namespace {

// gRPC's file watcher would start without the TLS files and fail every
// handshake while health says SERVING; refuse to start instead.
absl::Status CheckTlsFiles(const TlsConfig& tls, FileSystem& fs) {
  if (!tls.enabled()) return absl::OkStatus();
  for (const std::string& path : {tls.cert_file, tls.key_file, tls.client_ca_file}) {
    if (path.empty()) continue;
    auto content = fs.ReadFile(path);
    if (!content.ok() || content->find("-----BEGIN ") == std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("TLS file ", path, " is missing, unreadable or not PEM"));
    }
  }
  return absl::OkStatus();
}

// Loads the ids `log` stored at or after `since` into `index`; returns how many
// it then holds.
absl::StatusOr<size_t> ReloadDedupeIndex(EventLog& log, absl::Time since, DedupeIndex& index) {
  {  // The ids read are freed at the end of this block, before the trim below.
    auto ids = log.ReadIdsSince(since);
    if (!ids.ok()) return ids.status();
    for (const StoredId& id : *ids) index.Insert(id.message_id, id.stored_at);
  }
#ifdef __GLIBC__
  // The index keeps fingerprints, not the strings just freed; glibc's
  // malloc would keep their pages (about 110 MiB at 2 M ids) in the process
  // for good. (The trackd binary links jemalloc, where this is a no-op and
  // main's MemoryReleaser returns them within a second.)
  malloc_trim(0);
#endif
  return index.size();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TrackdServer>> TrackdServer::Start(const ServerConfig& config,
                                                                  FileSystem& fs, Clock& clock) {
  if (auto status = config.Validate(); !status.ok()) return status;
  auto server = std::unique_ptr<TrackdServer>(new TrackdServer());
  server->clock_ = &clock;
  server->shutdown_grace_ = config.shutdown_grace;

  if (auto status = CheckTlsFiles(config.tls, fs); !status.ok()) return status;
  // Before the sink: a bad key file stops start-up before anything is opened.
  if (auto s = server->BuildPersonalDataFilter(config.personal_data); !s.ok()) return s;
  if (auto status = server->BuildSink(config, fs, clock); !status.ok()) return status;
  PipelineOptions pipeline_options = config.pipeline;
  pipeline_options.on_sink_write = server->SinkWriteObserver();
  server->pipeline_ =
      std::make_unique<Pipeline>(*server->sink_, *server->index_, clock, pipeline_options);
  server->BuildTracker(config, clock);
  if (auto s = server->BuildService(config, fs, clock); !s.ok()) return s;
  if (auto s = server->RegisterMetrics(config); !s.ok()) return s;
  if (auto s = server->StartServing(config); !s.ok()) return s;
  return server;
}

absl::Status TrackdServer::BuildPersonalDataFilter(const PersonalDataConfig& config) {
  std::string key;
  if (config.policy == PersonalDataPolicy::kHash) {
    auto read = ReadPersonalDataKey(config.key_file);
    if (!read.ok()) return read.status();
    key = *std::move(read);
  }
  personal_data_ =
      MakePersonalValueFilter(config.policy, std::move(key), DataClasses::ForTrackRequest());
  // An info metric: which policy is in force, for dashboards and alerts.
  metrics_.AddCallback("trackd_personal_data_policy",
                       "1 for the --personal_data policy in force (keep, hash or drop).", "gauge",
                       [] { return 1.0; },
                       {{"policy", std::string(PersonalDataPolicyName(config.policy))}});
  return absl::OkStatus();
}

void TrackdServer::BuildTracker(const ServerConfig& config, Clock& clock) {
  TrackerOptions tracker_options{.timestamps = config.timestamps,
                                 .max_batch_items = config.limits.max_batch_items,
                                 .partition_keys = config.sink == SinkKind::kKafka,
                                 .personal_data = personal_data_.get()};
  CounterFamily& rejected = metrics_.AddCounter(
      "trackd_events_rejected_total", "Events rejected by validation, by field.", {"field"});
  tracker_options.on_rejected = [&rejected](const FieldViolations& violations) {
    for (const FieldViolation& v : violations) {
      // Struct keys are the caller's; the label keeps only the top-level field.
      const std::string& f = v.field;
      rejected.Add({f.rfind("context.", 0) == 0      ? "context"
                    : f.rfind("properties.", 0) == 0 ? "properties"
                                                     : f});
    }
  };
  // Dry runs count here, per event, and in no metric of stored or rejected
  // events. The six series are resolved once, so counting takes no lock.
  CounterFamily& dry_runs = metrics_.AddCounter(
      "trackd_dry_runs_total", "Events judged by dry runs (validate_only), by RPC and outcome.",
      {"rpc", "outcome"});
  std::array<std::array<Counter*, 3>, 2> dry_run_series;
  for (const DryRunRpc rpc : {DryRunRpc::kTrack, DryRunRpc::kTrackBatch}) {
    for (const DryRunOutcome outcome :
         {DryRunOutcome::kAccepted, DryRunOutcome::kDuplicate, DryRunOutcome::kRejected}) {
      dry_run_series[static_cast<int>(rpc)][static_cast<int>(outcome)] =
          dry_runs.Series({rpc == DryRunRpc::kTrack ? "Track" : "TrackBatch",
                           outcome == DryRunOutcome::kAccepted    ? "accepted"
                           : outcome == DryRunOutcome::kDuplicate ? "duplicate"
                                                                  : "rejected"});
    }
  }
  tracker_options.on_dry_run = [dry_run_series](DryRunRpc rpc, DryRunOutcome outcome) {
    dry_run_series[static_cast<int>(rpc)][static_cast<int>(outcome)]->Add();
  };
  tracker_ = std::make_unique<Tracker>(*pipeline_, clock, std::move(tracker_options));
}

absl::Status TrackdServer::BuildService(const ServerConfig& config, FileSystem& fs, Clock& clock) {
  ServiceOptions service_options;
  service_options.clock = &clock;
  if (!config.auth_tokens_file.empty()) {
    if (auto s = BuildAuthenticator(config.auth_tokens_file, fs, clock); !s.ok()) return s;
    service_options.authenticator = authenticator_.get();
  }
  if (config.limits.rate_limit_per_client > 0) {
    const double burst = config.limits.rate_limit_burst > 0 ? config.limits.rate_limit_burst
                                                            : config.limits.rate_limit_per_client;
    rate_limiter_ = std::make_unique<RateLimiter>(config.limits.rate_limit_per_client, burst);
    service_options.rate_limiter = rate_limiter_.get();
  }
  service_options.metrics = {
      .requests = &metrics_.AddCounter("trackd_requests_total",
                                       "gRPC calls by method, status code and client.",
                                       {"method", "code", "client"}),
      .latency = &metrics_.AddHistogram("trackd_request_duration_seconds",
                                        "gRPC call latency in the server.", {"method"},
                                        MetricsRegistry::LatencyBounds()),
      .auth_failures =
          &metrics_.AddCounter("trackd_auth_failures_total", "Calls refused as unauthenticated."),
      .rate_limited = &metrics_.AddCounter(
          "trackd_rate_limited_total", "Calls refused by the per-client rate limit.", {"client"}),
  };
  service_ = std::make_unique<TrackServiceImpl>(*tracker_, service_options);
  return absl::OkStatus();
}

absl::Status TrackdServer::BuildAuthenticator(const std::string& tokens_file, FileSystem& fs,
                                              Clock& clock) {
  auto authenticator = TokenAuthenticator::Load(fs, tokens_file, clock);
  if (!authenticator.ok()) return authenticator.status();
  authenticator_ = std::move(*authenticator);
  TokenAuthenticator* authenticator_ptr = authenticator_.get();
  metrics_.AddCallback("trackd_auth_tokens",
                       "Bearer tokens in force; 0 while the tokens file cannot be used.", "gauge",
                       [authenticator_ptr] {
                         authenticator_ptr->CheckFileIfDue();
                         return static_cast<double>(authenticator_ptr->tokens());
                       });
  metrics_.AddCallback(
      "trackd_auth_tokens_file_usable",
      "1 while the tokens file is present and well-formed; 0 means every call is refused.", "gauge",
      [authenticator_ptr] { return authenticator_ptr->file_usable() ? 1.0 : 0.0; });
  return absl::OkStatus();
}

absl::Status TrackdServer::StartServing(const ServerConfig& config) {
  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  BuildTransport(config, builder);
  builder.RegisterService(service_.get());
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port_ == 0) {
    pipeline_->Stop();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  ReportServing();
  if (!config.admin_listen.empty()) {
    auto admin = AdminServer::Start(config.admin_listen, metrics_, [this] { return Readiness(); });
    if (!admin.ok()) {
      Shutdown();
      return admin.status();
    }
    admin_ = std::move(*admin);
  }
  return absl::OkStatus();
}

absl::Status TrackdServer::BuildSink(const ServerConfig& config, FileSystem& fs, Clock& clock) {
  index_ = std::make_unique<DedupeIndex>(config.dedupe);
  if (config.sink == SinkKind::kKafka) {
    KafkaSinkOptions kafka_options = config.kafka;
    kafka_options.clock = &clock;
    auto kafka = KafkaSink::Create(std::move(kafka_options));
    if (!kafka.ok()) return kafka.status();
    sink_ = std::move(*kafka);
    return absl::OkStatus();
  }
  if (auto s = OpenLog(config.log, fs); !s.ok()) return s;
  auto reloaded = ReloadDedupeIndex(*log_, clock.Now() - config.dedupe.window, *index_);
  if (!reloaded.ok()) return reloaded.status();
  reloaded_ids_ = *reloaded;
  if (config.sink == SinkKind::kFile) {
    sink_ = std::make_unique<FileSink>(*log_, clock);
    return absl::OkStatus();
  }
  StoreAndForwardOptions http{.forwarder = config.http,
                              .max_backlog_bytes = config.spool_max_bytes};
  http.forwarder.ids_retention = config.dedupe.window;
  auto sink = StoreAndForwardSink::Start(*log_, fs, clock, std::move(http));
  if (!sink.ok()) return sink.status();
  forwarder_ = &(*sink)->forwarder();
  sink_ = std::move(*sink);
  return absl::OkStatus();
}

absl::Status TrackdServer::OpenLog(const EventLogOptions& options, FileSystem& fs) {
  auto log = EventLog::Open(fs, options);
  if (!log.ok()) return log.status();
  log_ = std::move(*log);
  log_->set_failure_observer([this](const absl::Status&) { OnStoreFailure(); });
  return absl::OkStatus();
}

void TrackdServer::BuildTransport(const ServerConfig& config, grpc::ServerBuilder& builder) {
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  if (config.tls.enabled()) {
    const bool mutual = !config.tls.client_ca_file.empty();
    auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
        config.tls.key_file, config.tls.cert_file, config.tls.client_ca_file,
        static_cast<unsigned int>(
            std::max<int64_t>(1, absl::ToInt64Seconds(config.tls.reload_interval))));
    grpc::experimental::TlsServerCredentialsOptions options(provider);
    options.watch_identity_key_cert_pairs();
    if (mutual) {
      options.watch_root_certs();
      options.set_cert_request_type(GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
    } else {
      options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    }
    credentials = grpc::experimental::TlsServerCredentials(options);
  }
  builder.AddListeningPort(config.listen, credentials, &port_);
  const LimitsConfig& limits = config.limits;
  builder.SetMaxReceiveMessageSize(limits.max_message_bytes);
  builder.AddChannelArgument(GRPC_ARG_MAX_CONCURRENT_STREAMS, limits.max_concurrent_streams);
  const auto ms = [](absl::Duration d) { return static_cast<int>(absl::ToInt64Milliseconds(d)); };
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIME_MS, ms(limits.keepalive_time));
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, ms(limits.keepalive_timeout));
  // Clients may ping idle connections (their own keepalive) every 10 s or more.
  builder.AddChannelArgument(GRPC_ARG_HTTP2_MIN_RECV_PING_INTERVAL_WITHOUT_DATA_MS, 10000);
  builder.AddChannelArgument(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  // Connections end after an age (with grace for calls under way), so clients
  // re-resolve and spread over replicas that came and went.
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_MS, ms(limits.max_connection_age));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_AGE_GRACE_MS,
                             ms(limits.max_connection_age_grace));
  builder.AddChannelArgument(GRPC_ARG_MAX_CONNECTION_IDLE_MS, ms(limits.max_connection_idle));
}

std::function<void(absl::Duration, const absl::Status&)> TrackdServer::SinkWriteObserver() {
  HistogramFamily& duration = metrics_.AddHistogram(
      "trackd_sink_write_duration_seconds",
      "Time each sink write took: the embedded log's append and fsync, or until Kafka "
      "acknowledged every event of the batch.",
      {}, MetricsRegistry::LatencyBounds());
  CounterFamily& failures = metrics_.AddCounter(
      "trackd_sink_write_failures_total",
      "Sink writes that failed (their calls answered UNAVAILABLE); a full spool is not one.");
  Histogram* duration_series = duration.Series({});
  Counter* failure_series = failures.Series({});
  return [duration_series, failure_series](absl::Duration elapsed, const absl::Status& status) {
    duration_series->Observe(absl::ToDoubleSeconds(elapsed));
    if (!status.ok() && !absl::IsResourceExhausted(status)) failure_series->Add();
  };
}

absl::Status TrackdServer::RegisterMetrics(const ServerConfig& config) {
  RegisterProcessMetrics(metrics_);
  Pipeline* pipeline = pipeline_.get();
  metrics_.AddCallback("trackd_events_stored_total", "Events made durable by the sink.", "counter",
                       [pipeline] { return pipeline->stats().events_stored; });
  metrics_.AddCallback("trackd_events_deduplicated_total",
                       "Events answered duplicate=true (already stored).", "counter",
                       [pipeline] { return pipeline->stats().duplicates; });
  metrics_.AddCallback("trackd_commits_total", "Sink writes (fsyncs for the embedded log).",
                       "counter", [pipeline] { return pipeline->stats().commits; });
  metrics_.AddCallback("trackd_queue_depth", "Events waiting for the writer.", "gauge",
                       [pipeline] { return pipeline->queue_depth(); });
  const double queue_capacity = static_cast<double>(config.pipeline.max_queued_events);
  metrics_.AddCallback("trackd_queue_capacity",
                       "The most events that may wait for the writer (--max_queued_events); "
                       "calls beyond it are answered RESOURCE_EXHAUSTED.",
                       "gauge", [queue_capacity] { return queue_capacity; });
  Sink* sink = sink_.get();
  metrics_.AddCallback("trackd_store_failed",
                       "1 once the store stopped after an I/O error (fail-stop); check the "
                       "disk, then restart trackd.",
                       "gauge", [sink] { return sink->Failure().ok() ? 0 : 1; });
  if (log_ != nullptr) {
    HistogramFamily& fsync = metrics_.AddHistogram(
        "trackd_fsync_duration_seconds", "Time the embedded log's fsyncs took per commit.", {},
        MetricsRegistry::LatencyBounds());
    log_->set_sync_observer(
        [&fsync](absl::Duration d) { fsync.Observe({}, absl::ToDoubleSeconds(d)); });
    EventLog* log = log_.get();
    metrics_.AddCallback("trackd_log_disk_bytes", "Bytes of the embedded log's .ndjson files.",
                         "gauge", [log] { return log->DiskBytes(); });
  }
  if (forwarder_ != nullptr) {
    HttpForwarder* f = forwarder_;
    metrics_.AddCallback("trackd_sink_backlog_bytes", "Bytes of events not yet delivered.", "gauge",
                         [f] { return f->BacklogBytes(); });
    metrics_.AddCallback("trackd_sink_oldest_undelivered_age_seconds",
                         "How long the oldest undelivered event has waited.", "gauge",
                         [f] { return absl::ToDoubleSeconds(f->OldestUndeliveredAge()); });
    metrics_.AddCallback("trackd_forward_delivered_total", "Events the upstream accepted.",
                         "counter", [f] { return f->stats().delivered; });
    metrics_.AddCallback("trackd_forward_dead_lettered_total",
                         "Events the upstream refused for good.", "counter",
                         [f] { return f->stats().dead_lettered; });
    metrics_.AddCallback("trackd_forward_retries_total", "Failed delivery attempts.", "counter",
                         [f] { return f->stats().retries; });
    metrics_.AddCallback("trackd_upstream_healthy", "1 while upstream delivery succeeds.", "gauge",
                         [f] { return f->stats().upstream_healthy ? 1 : 0; });
    metrics_.AddCallback("trackd_spool_storage_healthy",
                         "0 while saving the forward cursor, releasing delivered segments or "
                         "writing dead letters fails (retried until it succeeds).",
                         "gauge", [f] { return f->stats().storage_healthy ? 1 : 0; });
    metrics_.AddCallback("trackd_spool_storage_retries_total",
                         "Failed attempts to save the cursor, release segments or write dead "
                         "letters.",
                         "counter", [f] { return f->stats().storage_retries; });
  }
  return absl::OkStatus();
}

void TrackdServer::ReportServing() {
  absl::MutexLock lock(&health_mu_);
  health_ = server_->GetHealthCheckService();
  // A call may have reached the store, and failed it, before this line.
  const bool serving = sink_->Failure().ok();
  health_->SetServingStatus(v1::TrackService::service_full_name(), serving);
  health_->SetServingStatus(serving);  // Every service, "" included.
}

void TrackdServer::OnStoreFailure() {
  absl::MutexLock lock(&health_mu_);
  if (health_ != nullptr) health_->SetServingStatus(false);
}

absl::Status TrackdServer::Readiness() const {
  if (service_->draining()) return absl::UnavailableError("draining: trackd is shutting down");
  return sink_->Failure();
}

TrackdServer::~TrackdServer() { Shutdown(); }

void TrackdServer::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_ != nullptr) {
    {
      absl::MutexLock lock(&health_mu_);
      server_->GetHealthCheckService()->SetServingStatus(false);  // /readyz follows draining.
    }
    service_->StartDraining();
    service_->WaitUntilIdle(clock_->Now() + shutdown_grace_);
    // Nothing of ours is in flight now (or the grace is spent): close the
    // connections at once and cancel whatever is left.
    server_->Shutdown(std::chrono::system_clock::now());
  }
  if (pipeline_ != nullptr) pipeline_->Stop();
  if (forwarder_ != nullptr) forwarder_->Stop();
}

}  // namespace trackd
