#include "server/server.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server_builder.h"

namespace trackd {
namespace {

// A full batch of maximal events must fit, with room for protobuf framing.
constexpr int kMaxReceiveMessageBytes = kMaxBatchItems * (kMaxEncodedEventBytes + 2048);

}  // namespace

absl::StatusOr<std::unique_ptr<TrackdServer>> TrackdServer::Start(
    const ServerConfig& config, FileSystem& fs, std::function<absl::Time()> clock) {
  auto server = std::unique_ptr<TrackdServer>(new TrackdServer());
  server->shutdown_grace_ = config.shutdown_grace;

  server->index_ = std::make_unique<DedupeIndex>(config.dedupe);
  if (config.sink == SinkKind::kKafka) {
    auto kafka = KafkaSink::Create(config.kafka);
    if (!kafka.ok()) return kafka.status();
    server->sink_ = std::move(*kafka);
  } else {
    auto log = EventLog::Open(fs, config.log);
    if (!log.ok()) return log.status();
    server->log_ = std::move(*log);
    auto ids = server->log_->ReadIdsSince(clock() - config.dedupe.window);
    if (!ids.ok()) return ids.status();
    for (StoredId& id : *ids) server->index_->Insert(std::move(id.message_id), id.stored_at);
    server->reloaded_ids_ = server->index_->size();
    if (config.sink == SinkKind::kFile) {
      server->sink_ = std::make_unique<FileSink>(*server->log_, clock);
    } else {
      HttpForwarderOptions http = config.http;
      if (http.cursor_path.empty()) http.cursor_path = config.log.dir + "/forward.cursor";
      if (http.dead_letter_path.empty()) {
        http.dead_letter_path = config.log.dir + "/dead-letter.ndjson";
      }
      http.ids_retention = config.dedupe.window;
      auto forwarder = HttpForwarder::Start(*server->log_, fs, std::move(http));
      if (!forwarder.ok()) return forwarder.status();
      server->forwarder_ = std::move(*forwarder);
      server->sink_ = std::make_unique<FileSink>(
          *server->log_, clock,
          [forwarder = server->forwarder_.get()] { return forwarder->BacklogBytes(); },
          config.spool_max_bytes);
    }
  }

  server->pipeline_ =
      std::make_unique<Pipeline>(*server->sink_, *server->index_, clock, config.pipeline);
  server->tracker_ = std::make_unique<Tracker>(*server->pipeline_, clock, config.timestamps);
  server->service_ = std::make_unique<TrackServiceImpl>(*server->tracker_);

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &server->port_);
  builder.SetMaxReceiveMessageSize(kMaxReceiveMessageBytes);
  builder.RegisterService(server->service_.get());
  server->server_ = builder.BuildAndStart();
  if (server->server_ == nullptr || server->port_ == 0) {
    server->pipeline_->Stop();
    return absl::UnavailableError(absl::StrCat("cannot listen on ", config.listen));
  }
  server->server_->GetHealthCheckService()->SetServingStatus(true);
  return server;
}

TrackdServer::~TrackdServer() { Shutdown(); }

void TrackdServer::Shutdown() {
  {
    absl::MutexLock lock(&shutdown_mu_);
    if (shut_down_) return;
    shut_down_ = true;
  }
  if (server_ != nullptr) {
    server_->GetHealthCheckService()->SetServingStatus(false);
    service_->StartDraining();
    service_->WaitUntilIdle(absl::Now() + shutdown_grace_);
    // Nothing of ours is in flight now (or the grace is spent): close the
    // connections at once and cancel whatever is left.
    server_->Shutdown(std::chrono::system_clock::now());
  }
  if (pipeline_ != nullptr) pipeline_->Stop();
  if (forwarder_ != nullptr) forwarder_->Stop();
}


}  // namespace trackd
