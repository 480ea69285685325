#include "server/config.h"

#include <cstdint>

#include "absl/flags/flag.h"
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

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
ABSL_FLAG(std::string, admin_listen, "127.0.0.1:9090",
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

constexpr const char* kFlagNames[] = {
    "listen",          "data_dir",          "segment_bytes",         "max_queued_events",
    "max_queued_bytes", "dedupe_window",    "dedupe_max_ids",        "earliest_timestamp",
    "max_future",      "shutdown_grace",    "port_file",             "sink",
    "http_url",        "http_batch",        "http_auth_header_file", "http_connect_timeout",
    "http_timeout",    "http_max_backoff",  "spool_max_bytes",       "http_dead_letter_file",
    "kafka_brokers",   "kafka_topic",       "kafka_delivery_timeout", "tls_cert_file",
    "tls_key_file",    "tls_client_ca_file", "tls_reload_interval",  "plaintext",
    "auth_tokens_file", "admin_listen",     "max_message_bytes",     "max_batch_items",
    "max_concurrent_streams", "rate_limit_per_client", "rate_limit_burst", "keepalive_time",
    "keepalive_timeout", "max_connection_age", "max_connection_age_grace",
    "max_connection_idle", "log_summary_interval", "data_group_readable",
};

// True for 127.0.0.0/8, ::1 and localhost listen addresses.
bool IsLoopback(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return absl::StartsWith(host, "127.") || host == "localhost" || host == "[::1]" ||
         host == "::1";
}

constexpr char kKafkaPropertyFlag[] = "--kafka_property";

}  // namespace

std::vector<std::string> ArgsWithEnvironment(
    int argc, char** argv, const std::function<const char*(const char*)>& getenv) {
  std::vector<std::string> args;
  args.emplace_back(argc > 0 ? argv[0] : "trackd");
  for (const char* name : kFlagNames) {
    const std::string variable = absl::AsciiStrToUpper(absl::StrCat("TRACKD_", name));
    if (const char* value = getenv(variable.c_str()); value != nullptr) {
      args.push_back(absl::StrCat("--", name, "=", value));
    }
  }
  if (const char* properties = getenv("TRACKD_KAFKA_PROPERTIES"); properties != nullptr) {
    for (absl::string_view line : absl::StrSplit(properties, '\n', absl::SkipWhitespace())) {
      args.push_back(absl::StrCat(kKafkaPropertyFlag, "=", absl::StripAsciiWhitespace(line)));
    }
  }
  for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
  return args;
}

std::vector<std::string> TakeRepeatedKafkaProperties(std::vector<std::string>& args) {
  std::vector<std::string> values;
  std::vector<std::string> rest;
  const std::string prefix = absl::StrCat(kKafkaPropertyFlag, "=");
  for (size_t i = 0; i < args.size(); ++i) {
    if (absl::StartsWith(args[i], prefix)) {
      values.push_back(args[i].substr(prefix.size()));
    } else if (args[i] == kKafkaPropertyFlag && i + 1 < args.size()) {
      values.push_back(args[++i]);
    } else {
      rest.push_back(std::move(args[i]));
    }
  }
  args = std::move(rest);
  return values;
}

absl::StatusOr<ServerConfig> ServerConfigFromFlags(
    const std::vector<std::string>& kafka_properties,
    const std::function<const char*(const char*)>& getenv) {
  ServerConfig config;
  config.listen = absl::GetFlag(FLAGS_listen);
  config.log.dir = absl::GetFlag(FLAGS_data_dir);
  config.log.segment_bytes = absl::GetFlag(FLAGS_segment_bytes);
  config.pipeline.max_queued_events = absl::GetFlag(FLAGS_max_queued_events);
  config.pipeline.max_queued_bytes = absl::GetFlag(FLAGS_max_queued_bytes);
  config.dedupe.window = absl::GetFlag(FLAGS_dedupe_window);
  config.dedupe.max_ids = absl::GetFlag(FLAGS_dedupe_max_ids);
  config.timestamps.earliest = absl::GetFlag(FLAGS_earliest_timestamp);
  config.timestamps.max_future = absl::GetFlag(FLAGS_max_future);
  config.shutdown_grace = absl::GetFlag(FLAGS_shutdown_grace);

  if (config.listen.empty()) return absl::InvalidArgumentError("--listen must not be empty");
  if (config.log.dir.empty()) return absl::InvalidArgumentError("--data_dir must not be empty");
  if (config.log.segment_bytes < 4096) {
    return absl::InvalidArgumentError("--segment_bytes must be at least 4096");
  }
  if (config.pipeline.max_queued_events < 500) {
    return absl::InvalidArgumentError(
        "--max_queued_events must be at least 500, the size of a full batch");
  }
  if (config.pipeline.max_queued_bytes < (16 << 20)) {
    return absl::InvalidArgumentError(
        "--max_queued_bytes must be at least 16777216, room for a full batch of maximal events");
  }
  if (config.dedupe.window <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--dedupe_window must be positive");
  }
  if (config.dedupe.max_ids == 0) {
    return absl::InvalidArgumentError("--dedupe_max_ids must be positive");
  }
  if (config.timestamps.max_future < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--max_future must not be negative");
  }
  if (config.shutdown_grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("--shutdown_grace must not be negative");
  }

  config.tls.cert_file = absl::GetFlag(FLAGS_tls_cert_file);
  config.tls.key_file = absl::GetFlag(FLAGS_tls_key_file);
  config.tls.client_ca_file = absl::GetFlag(FLAGS_tls_client_ca_file);
  config.tls.reload_interval = absl::GetFlag(FLAGS_tls_reload_interval);
  if (config.tls.cert_file.empty() != config.tls.key_file.empty()) {
    return absl::InvalidArgumentError("--tls_cert_file and --tls_key_file go together");
  }
  if (!config.tls.client_ca_file.empty() && !config.tls.enabled()) {
    return absl::InvalidArgumentError("--tls_client_ca_file needs --tls_cert_file and --tls_key_file");
  }
  if (config.tls.reload_interval < absl::Seconds(1)) {
    return absl::InvalidArgumentError("--tls_reload_interval must be at least 1s");
  }
  if (!config.tls.enabled() && !absl::GetFlag(FLAGS_plaintext) && !IsLoopback(config.listen)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "refusing plaintext gRPC on ", config.listen,
        ": give --tls_cert_file and --tls_key_file, or choose --plaintext explicitly"));
  }
  config.auth_tokens_file = absl::GetFlag(FLAGS_auth_tokens_file);
  config.admin_listen = absl::GetFlag(FLAGS_admin_listen);
  LimitsConfig& limits = config.limits;
  limits.max_message_bytes = absl::GetFlag(FLAGS_max_message_bytes);
  limits.max_batch_items = absl::GetFlag(FLAGS_max_batch_items);
  limits.max_concurrent_streams = absl::GetFlag(FLAGS_max_concurrent_streams);
  limits.rate_limit_per_client = absl::GetFlag(FLAGS_rate_limit_per_client);
  limits.rate_limit_burst = absl::GetFlag(FLAGS_rate_limit_burst);
  limits.keepalive_time = absl::GetFlag(FLAGS_keepalive_time);
  limits.keepalive_timeout = absl::GetFlag(FLAGS_keepalive_timeout);
  limits.max_connection_age = absl::GetFlag(FLAGS_max_connection_age);
  limits.max_connection_age_grace = absl::GetFlag(FLAGS_max_connection_age_grace);
  limits.max_connection_idle = absl::GetFlag(FLAGS_max_connection_idle);
  if (limits.max_message_bytes < (64 << 10)) {
    return absl::InvalidArgumentError("--max_message_bytes must be at least 65536");
  }
  if (limits.max_batch_items < 1 || limits.max_batch_items > kMaxBatchItems) {
    return absl::InvalidArgumentError("--max_batch_items must be 1 to 500");
  }
  if (limits.max_concurrent_streams < 1) {
    return absl::InvalidArgumentError("--max_concurrent_streams must be positive");
  }
  if (limits.rate_limit_per_client < 0 || limits.rate_limit_burst < 0) {
    return absl::InvalidArgumentError("--rate_limit_per_client and --rate_limit_burst must not be negative");
  }
  for (absl::Duration d : {limits.keepalive_time, limits.keepalive_timeout,
                           limits.max_connection_age, limits.max_connection_age_grace,
                           limits.max_connection_idle}) {
    if (d < absl::Seconds(1)) {
      return absl::InvalidArgumentError(
          "--keepalive_* and --max_connection_* durations must be at least 1s");
    }
  }

  const std::string sink = absl::GetFlag(FLAGS_sink);
  if (sink == "file") {
    config.sink = SinkKind::kFile;
  } else if (sink == "http") {
    config.sink = SinkKind::kHttp;
    config.http.http.url = absl::GetFlag(FLAGS_http_url);
    if (!absl::StartsWith(config.http.http.url, "http://") &&
        !absl::StartsWith(config.http.http.url, "https://")) {
      return absl::InvalidArgumentError("--sink=http needs --http_url=http(s)://...");
    }
    config.http.batch = absl::GetFlag(FLAGS_http_batch);
    if (config.http.batch < 1 || config.http.batch > 500) {
      return absl::InvalidArgumentError("--http_batch must be 1 to 500");
    }
    config.http.http.connect_timeout = absl::GetFlag(FLAGS_http_connect_timeout);
    config.http.http.total_timeout = absl::GetFlag(FLAGS_http_timeout);
    config.http.max_backoff = absl::GetFlag(FLAGS_http_max_backoff);
    if (config.http.http.connect_timeout <= absl::ZeroDuration() ||
        config.http.http.total_timeout <= absl::ZeroDuration() ||
        config.http.max_backoff <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError("the --http_* durations must be positive");
    }
    config.spool_max_bytes = absl::GetFlag(FLAGS_spool_max_bytes);
    if (config.spool_max_bytes < config.log.segment_bytes) {
      return absl::InvalidArgumentError("--spool_max_bytes must be at least --segment_bytes");
    }
    config.http.dead_letter_path = absl::GetFlag(FLAGS_http_dead_letter_file);
    std::string auth;
    if (const std::string path = absl::GetFlag(FLAGS_http_auth_header_file); !path.empty()) {
      std::ifstream in(path);
      if (!in) return absl::InvalidArgumentError(absl::StrCat("cannot read ", path));
      std::getline(in, auth);
    } else if (const char* value = getenv("TRACKD_HTTP_AUTH_HEADER"); value != nullptr) {
      auth = value;
    }
    auth = std::string(absl::StripAsciiWhitespace(auth));
    if (!auth.empty() && (auth.find(':') == std::string::npos ||
                          auth.find_first_of("\r\n") != std::string::npos)) {
      return absl::InvalidArgumentError(
          "the HTTP auth header must be one line 'Name: value' (its value is not shown)");
    }
    config.http.auth_header = auth;
  } else if (sink == "kafka") {
    config.sink = SinkKind::kKafka;
    config.kafka.brokers = absl::GetFlag(FLAGS_kafka_brokers);
    config.kafka.topic = absl::GetFlag(FLAGS_kafka_topic);
    config.kafka.delivery_timeout = absl::GetFlag(FLAGS_kafka_delivery_timeout);
    if (config.kafka.brokers.empty() || config.kafka.topic.empty()) {
      return absl::InvalidArgumentError("--sink=kafka needs --kafka_brokers and --kafka_topic");
    }
    if (config.kafka.delivery_timeout < absl::Seconds(1)) {
      return absl::InvalidArgumentError("--kafka_delivery_timeout must be at least 1s");
    }
    for (const std::string& property : kafka_properties) {
      const size_t equals = property.find('=');
      if (equals == std::string::npos || equals == 0) {
        return absl::InvalidArgumentError(absl::StrCat(
            "--kafka_property must be key=value, got one without '=' for key \"",
            property.substr(0, property.find('=')), "\""));
      }
      config.kafka.properties.emplace_back(property.substr(0, equals),
                                           property.substr(equals + 1));
    }
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("--sink must be file, http or kafka, got '", sink, "'"));
  }
  return config;
}

std::string PortFileFromFlags() { return absl::GetFlag(FLAGS_port_file); }

FileModes DataModesFromFlags() {
  return absl::GetFlag(FLAGS_data_group_readable) ? FileModes::GroupReadable() : FileModes();
}

absl::Duration LogSummaryIntervalFromFlags() { return absl::GetFlag(FLAGS_log_summary_interval); }

}  // namespace trackd
