#include "server/flags.h"

#include <cstdint>

#include "absl/flags/flag.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "Address for gRPC, HOST:PORT. Port 0 picks a free port (see --port_file). "
          "Use 0.0.0.0:50051 in a container.");
ABSL_FLAG(std::string, data_dir, "./data", "Directory of the embedded event log.");
ABSL_FLAG(bool, data_group_readable, false,
          "Create data files 0640 and directories 0750 instead of 0600 and 0700 (they hold "
          "personal data); for a backup agent or log shipper that reads as the group.");
ABSL_FLAG(uint64_t, segment_bytes, 64 << 20,
          "A log segment is closed and a new one started at this size.");
ABSL_FLAG(uint64_t, max_queued_events, 20000,
          "Events that may wait for the writer; beyond it calls get RESOURCE_EXHAUSTED.");
ABSL_FLAG(uint64_t, max_queued_bytes, 64 << 20,
          "JSON bytes that may wait for the writer; beyond it calls get RESOURCE_EXHAUSTED.");
ABSL_FLAG(absl::Duration, dedupe_window, absl::Hours(24),
          "How long a message_id is remembered for deduplication; at most "
          "--dedupe_max_ids are, so at high rates the oldest go sooner.");
ABSL_FLAG(uint64_t, dedupe_max_ids, 2000000,
          "The most message_ids remembered, 27.2 bytes each (2000000: 51.8 MiB); the "
          "window really held is this divided by the event rate, when that is shorter.");
ABSL_FLAG(absl::Time, earliest_timestamp, absl::FromUnixSeconds(946684800),
          "Events with a timestamp before this RFC 3339 instant are rejected.");
ABSL_FLAG(absl::Duration, max_future, absl::Hours(24),
          "Events with a timestamp further than this after the server's clock are rejected.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM/SIGINT, how long in-flight calls may take before they are cancelled.");
ABSL_FLAG(std::string, port_file, "",
          "If set, the bound port is written to this file once the server is serving.");
ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM server certificate chain; with --tls_key_file turns on TLS. Reloaded on change.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(std::string, tls_client_ca_file, "",
          "PEM CA bundle; when set, clients must present a certificate it signed (mTLS).");
ABSL_FLAG(absl::Duration, tls_reload_interval, absl::Seconds(10),
          "How often the TLS files are checked for changes.");
ABSL_FLAG(bool, plaintext, false,
          "Allow plaintext gRPC on a non-loopback --listen address (loopback always may).");
ABSL_FLAG(std::string, auth_tokens_file, "",
          "File of hashed bearer tokens, 'sha256:<hex> <client-name>' per line; when set, "
          "every Track call needs 'authorization: Bearer <token>'. Reloaded on change.");
ABSL_FLAG(std::string, admin_listen, "127.0.0.1:8151",
          "HTTP address for /metrics, /healthz and /readyz; empty turns it off.");
ABSL_FLAG(int32_t, max_message_bytes, 4 << 20,
          "Largest request accepted; larger ones get RESOURCE_EXHAUSTED.");
ABSL_FLAG(int32_t, max_batch_items, 500, "Most events in one TrackBatch call (at most 500).");
ABSL_FLAG(int32_t, max_concurrent_streams, 100, "Concurrent calls per client connection.");
ABSL_FLAG(double, rate_limit_per_client, 0,
          "Events per second each client (token name, or peer address without auth) may "
          "send; 0 turns the limit off.");
ABSL_FLAG(double, rate_limit_burst, 0,
          "Events a client may send at once above its rate (default: one second's worth).");
ABSL_FLAG(absl::Duration, keepalive_time, absl::Seconds(60),
          "Ping idle client connections this often.");
ABSL_FLAG(absl::Duration, keepalive_timeout, absl::Seconds(20),
          "Close a connection whose ping is not answered within this.");
ABSL_FLAG(absl::Duration, max_connection_age, absl::Minutes(5),
          "Close connections after this age so clients re-resolve and rebalance.");
ABSL_FLAG(absl::Duration, max_connection_age_grace, absl::Seconds(30),
          "Time calls under way get to finish when a connection reaches its age.");
ABSL_FLAG(absl::Duration, max_connection_idle, absl::Minutes(15),
          "Close connections without calls for this long.");
ABSL_FLAG(absl::Duration, log_summary_interval, absl::Seconds(60),
          "How often a summary line (counts, queue, backlog) is logged; 0 turns it off.");
ABSL_FLAG(std::string, sink, "file",
          "Where events go: 'file' (the embedded log), 'http' (the embedded log as a spool, "
          "forwarded to --http_url) or 'kafka' (--kafka_brokers, --kafka_topic).");
ABSL_FLAG(std::string, personal_data, "keep",
          "What the sink writes or forwards for the fields the contract annotates personal: "
          "keep, hash (HMAC-SHA-256 hex under "
          "--personal_data_key_file) or drop (the key is left out).");
ABSL_FLAG(std::string, personal_data_key_file, "",
          "--personal_data=hash: a file of at least 32 bytes, not readable by everyone; its "
          "bytes are the HMAC key.");
ABSL_FLAG(std::string, http_url, "", "--sink=http: the Track API endpoint events are POSTed to.");
ABSL_FLAG(int, http_batch, 1,
          "--sink=http: events per request; 1 posts the JSON object, more post a JSON array.");
ABSL_FLAG(std::string, http_auth_header_file, "",
          "--sink=http: a file holding one header line sent with every request, such as "
          "'Authorization: Bearer …'. TRACKD_HTTP_AUTH_HEADER may hold it instead. Never logged.");
ABSL_FLAG(absl::Duration, http_connect_timeout, absl::Seconds(5), "--sink=http: connect timeout.");
ABSL_FLAG(absl::Duration, http_timeout, absl::Seconds(30),
          "--sink=http: total timeout of one request.");
ABSL_FLAG(absl::Duration, http_max_backoff, absl::Seconds(30),
          "--sink=http: the longest wait between retries (Retry-After may ask for more, "
          "up to 5 minutes).");
ABSL_FLAG(uint64_t, spool_max_bytes, uint64_t{1} << 30,
          "--sink=http: undelivered bytes the spool may hold; beyond it Track answers "
          "RESOURCE_EXHAUSTED.");
ABSL_FLAG(std::string, http_dead_letter_file, "",
          "--sink=http: NDJSON file for events the upstream refused for good "
          "(default: <data_dir>/dead-letter.ndjson).");
ABSL_FLAG(std::string, kafka_brokers, "", "--sink=kafka: bootstrap servers, host:port,...");
ABSL_FLAG(std::string, kafka_topic, "trackd-events", "--sink=kafka: the topic.");
ABSL_FLAG(absl::Duration, kafka_delivery_timeout, absl::Seconds(30),
          "--sink=kafka: how long delivery may take before Track answers UNAVAILABLE.");
ABSL_FLAG(std::vector<std::string>, kafka_property, {},
          "--sink=kafka: a librdkafka property key=value (SASL, TLS, tuning); repeat the flag "
          "for several. TRACKD_KAFKA_PROPERTIES may hold them, one per line.");

namespace trackd {
namespace {

// --listen, TLS, client authentication and the admin port.
void TransportFromFlags(ServerConfig& config) {
  config.listen = absl::GetFlag(FLAGS_listen);
  config.allow_plaintext = absl::GetFlag(FLAGS_plaintext);
  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  config.tls.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  config.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens_file);
  config.admin_listen = absl::GetFlag(FLAGS_admin_listen);
}

// The log, the queue, deduplication, timestamps and shutdown.
void StoreFromFlags(ServerConfig& config) {
  config.log.dir = absl::GetFlag(FLAGS_data_dir);
  config.log.segment_bytes = absl::GetFlag(FLAGS_segment_bytes);
  config.pipeline.max_queued_events = absl::GetFlag(FLAGS_max_queued_events);
  config.pipeline.max_queued_bytes = absl::GetFlag(FLAGS_max_queued_bytes);
  config.dedupe.window = absl::GetFlag(FLAGS_dedupe_window);
  config.dedupe.max_ids = absl::GetFlag(FLAGS_dedupe_max_ids);
  config.timestamps.earliest = absl::GetFlag(FLAGS_earliest_timestamp);
  config.timestamps.max_future = absl::GetFlag(FLAGS_max_future);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);
}

LimitsConfig LimitsFromFlags() {
  return {.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes),
          .max_batch_items = absl::GetFlag(FLAGS_max_batch_items),
          .max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams),
          .rate_limit_per_client = absl::GetFlag(FLAGS_rate_limit_per_client),
          .rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst),
          .keepalive_time = absl::GetFlag(FLAGS_keepalive_time),
          .keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout),
          .max_connection_age = absl::GetFlag(FLAGS_max_connection_age),
          .max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace),
          .max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle)};
}

absl::Status HttpSinkFromFlags(FileSystem& fs, const GetEnv& getenv, ServerConfig& config) {
  HttpForwarderOptions& http = config.http;
  http.http.url = absl::GetFlag(FLAGS_http_url);
  http.http.connect_timeout = absl::GetFlag(FLAGS_http_connect_timeout);
  http.http.total_timeout = absl::GetFlag(FLAGS_http_timeout);
  http.batch = absl::GetFlag(FLAGS_http_batch);
  http.max_backoff = absl::GetFlag(FLAGS_http_max_backoff);
  http.dead_letter_path = absl::GetFlag(FLAGS_http_dead_letter_file);
  config.spool_max_bytes = absl::GetFlag(FLAGS_spool_max_bytes);
  absl::StatusOr<std::string> auth =
      ReadHttpAuthHeader(fs, absl::GetFlag(FLAGS_http_auth_header_file), getenv);
  if (!auth.ok()) return auth.status();
  http.auth_header = *std::move(auth);
  return absl::OkStatus();
}

absl::Status KafkaSinkFromFlags(const std::vector<std::string>& properties, ServerConfig& config) {
  config.kafka.brokers = absl::GetFlag(FLAGS_kafka_brokers);
  config.kafka.topic = absl::GetFlag(FLAGS_kafka_topic);
  config.kafka.delivery_timeout = absl::GetFlag(FLAGS_kafka_delivery_timeout);
  auto parsed = ParseKafkaProperties(properties);
  if (!parsed.ok()) return parsed.status();
  config.kafka.properties = *std::move(parsed);
  return absl::OkStatus();
}

// --sink and the flags of the chosen sink; the other sinks' flags are ignored.
absl::Status SinkFromFlags(FileSystem& fs, const std::vector<std::string>& kafka_properties,
                           const GetEnv& getenv, ServerConfig& config) {
  const std::string sink = absl::GetFlag(FLAGS_sink);
  if (sink == "file") {
    config.sink = SinkKind::kFile;
    return absl::OkStatus();
  }
  if (sink == "http") {
    config.sink = SinkKind::kHttp;
    return HttpSinkFromFlags(fs, getenv, config);
  }
  if (sink == "kafka") {
    config.sink = SinkKind::kKafka;
    return KafkaSinkFromFlags(kafka_properties, config);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("--sink must be file, http or kafka, got '", sink, "'"));
}

}  // namespace

absl::StatusOr<ServerConfig> ServerConfigFromFlags(FileSystem& fs,
                                                   const std::vector<std::string>& kafka_properties,
                                                   const GetEnv& getenv) {
  ServerConfig config;
  TransportFromFlags(config);
  StoreFromFlags(config);
  config.limits = LimitsFromFlags();
  if (auto status = SinkFromFlags(fs, kafka_properties, getenv, config); !status.ok()) {
    return status;
  }
  auto policy = ParsePersonalDataPolicy(absl::GetFlag(FLAGS_personal_data));
  if (!policy.ok()) return policy.status();
  config.personal_data = {.policy = *policy,
                          .key_file = absl::GetFlag(FLAGS_personal_data_key_file)};
  if (auto status = config.ValidateWithSizingFloors(); !status.ok()) return status;
  return config;
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> ParseKafkaProperties(
    const std::vector<std::string>& properties) {
  std::vector<std::pair<std::string, std::string>> parsed;
  for (const std::string& property : properties) {
    const size_t equals = property.find('=');
    if (equals == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--kafka_property must be key=value, got one without '=' for key \"", property, "\""));
    }
    if (equals == 0) {
      return absl::InvalidArgumentError("--kafka_property must be key=value, got an empty key");
    }
    parsed.emplace_back(property.substr(0, equals), property.substr(equals + 1));
  }
  return parsed;
}

std::string PortFileFromFlags() { return absl::GetFlag(FLAGS_port_file); }

FileModes DataModesFromFlags() {
  return absl::GetFlag(FLAGS_data_group_readable) ? FileModes::GroupReadable() : FileModes();
}

absl::Duration LogSummaryIntervalFromFlags() { return absl::GetFlag(FLAGS_log_summary_interval); }

}  // namespace trackd
