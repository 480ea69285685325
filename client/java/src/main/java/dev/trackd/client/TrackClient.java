package dev.trackd.client;

import com.google.gson.Gson;
import com.google.protobuf.Any;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest;
import dev.trackd.v1.TrackBatchRequest;
import dev.trackd.v1.TrackBatchResponse;
import dev.trackd.v1.TrackRequest;
import dev.trackd.v1.TrackResponse;
import dev.trackd.v1.TrackServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Metadata;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * The Java client of trackd: a thin layer over the generated trackd.v1.TrackService stub.
 *
 * <pre>{@code
 * try (TrackClient client = TrackClient.newBuilder("127.0.0.1:50051").build()) {
 *   client.track(request);
 * } catch (StatusRuntimeException e) {
 *   for (Violation v : TrackClient.violationsOf(e)) { ... v.field() ... }
 * }
 * }</pre>
 *
 * <p>Every call has a deadline (10 s unless set), which covers all of its attempts. The channel
 * carries the retry policy of proto/trackd/v1/service_config.json (UNAVAILABLE and
 * RESOURCE_EXHAUSTED are retried with exponential backoff). Retrying is safe only because the
 * client fills in a message_id before the first attempt, so every attempt carries the same
 * one and the server stores the event at most once.
 *
 * <p>Thread-safe: one client may be shared by every thread of a process. Close it to release
 * its channel.
 */
public final class TrackClient implements AutoCloseable {
  /** The class-path name of the shared retry policy, packaged from proto/. */
  static final String SERVICE_CONFIG_RESOURCE = "/trackd/v1/service_config.json";

  private final ManagedChannel channel;
  private final TrackServiceGrpc.TrackServiceBlockingStub stub;
  private final Duration deadline;
  private final Clock clock;

  private TrackClient(ManagedChannel channel, Builder options) {
    this.channel = channel;
    this.deadline = options.deadline;
    this.clock = options.clock;
    TrackServiceGrpc.TrackServiceBlockingStub stub = TrackServiceGrpc.newBlockingStub(channel);
    if (options.bearerToken != null && !options.bearerToken.isEmpty()) {
      Metadata headers = new Metadata();
      headers.put(
          Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
          "Bearer " + options.bearerToken);
      stub = stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
    }
    this.stub = stub;
  }

  /**
   * Returns a builder for a client of the gRPC target {@code target}, e.g. {@code
   * "127.0.0.1:50051"} or {@code "dns:///trackd-headless:50051"}.
   */
  public static Builder newBuilder(String target) {
    return new Builder(target);
  }

  /**
   * Sends one event, after filling its message_id and timestamp when they are unset (see
   * {@link #fillDefaults}).
   *
   * @return the server's answer; its message_id is the one sent
   * @throws io.grpc.StatusRuntimeException with the server's status: INVALID_ARGUMENT carries
   *     the field violations (see {@link #violationsOf}); UNAVAILABLE or RESOURCE_EXHAUSTED
   *     remain once the retries ran out; DEADLINE_EXCEEDED when the deadline passed (the event
   *     may be stored; sending the same request again is safe)
   */
  public TrackResponse track(TrackRequest request) {
    return callStub().track(fillDefaults(request));
  }

  /**
   * Sends up to 500 events in one call, after filling each item's message_id and timestamp
   * when unset. Each item is judged on its own: see TrackBatchResponse.results.
   *
   * @throws io.grpc.StatusRuntimeException as {@link #track}; INVALID_ARGUMENT here means an
   *     empty or oversized batch
   */
  public TrackBatchResponse trackBatch(TrackBatchRequest request) {
    TrackBatchRequest.Builder filled = request.toBuilder().clearRequests();
    for (TrackRequest item : request.getRequestsList()) {
      filled.addRequests(fillDefaults(item));
    }
    return callStub().trackBatch(filled.build());
  }

  /**
   * Returns {@code request} with an empty message_id replaced by a new UUIDv7 and an unset
   * timestamp set to now, both from the client's clock. Fields already set are kept.
   */
  public TrackRequest fillDefaults(TrackRequest request) {
    if (!request.getMessageId().isEmpty() && request.hasTimestamp()) {
      return request;
    }
    Instant now = clock.instant();
    TrackRequest.Builder filled = request.toBuilder();
    if (request.getMessageId().isEmpty()) {
      filled.setMessageId(MessageIds.newMessageId(now));
    }
    if (!request.hasTimestamp()) {
      filled.setTimestamp(timestampOf(now));
    }
    return filled.build();
  }

  /**
   * Returns the field violations in the google.rpc.BadRequest details of a gRPC error, in the
   * server's order; an empty list when {@code error} carries none (another status code, or
   * no gRPC status at all). Details that cannot be parsed are skipped.
   */
  public static List<Violation> violationsOf(Throwable error) {
    com.google.rpc.Status status = StatusProto.fromThrowable(error);
    if (status == null) {
      return List.of();
    }
    List<Violation> violations = new ArrayList<>();
    for (Any detail : status.getDetailsList()) {
      if (!detail.is(BadRequest.class)) {
        continue;
      }
      try {
        for (BadRequest.FieldViolation v :
            detail.unpack(BadRequest.class).getFieldViolationsList()) {
          violations.add(new Violation(v.getField(), v.getDescription()));
        }
      } catch (InvalidProtocolBufferException e) {
        // A detail that says it is a BadRequest but does not parse names no field: skip it,
        // as gRPC's own status helpers skip details they cannot read.
      }
    }
    return Collections.unmodifiableList(violations);
  }

  /** Returns {@code instant} as a protobuf Timestamp, to the nanosecond. */
  public static Timestamp timestampOf(Instant instant) {
    return Timestamp.newBuilder()
        .setSeconds(instant.getEpochSecond())
        .setNanos(instant.getNano())
        .build();
  }

  /**
   * Returns the shared retry service config (proto/trackd/v1/service_config.json, packaged in
   * this jar) as the map {@link ManagedChannelBuilder#defaultServiceConfig} takes: JSON
   * numbers as Double, objects as maps, arrays as lists.
   *
   * @throws IllegalStateException when the resource is missing from the class path (a broken
   *     jar)
   */
  public static Map<String, ?> defaultServiceConfig() {
    try (InputStream in = TrackClient.class.getResourceAsStream(SERVICE_CONFIG_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(SERVICE_CONFIG_RESOURCE + " is not on the class path");
      }
      try (Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
        @SuppressWarnings("unchecked")
        Map<String, ?> config = new Gson().fromJson(reader, Map.class);
        return config;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Shuts the channel down, waiting up to 5 seconds for calls in flight, then cancels what is
   * left.
   */
  @Override
  public void close() throws InterruptedException {
    channel.shutdown();
    if (!channel.awaitTermination(5, TimeUnit.SECONDS)) {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // A deadline is per call, so each call takes a stub made now.
  private TrackServiceGrpc.TrackServiceBlockingStub callStub() {
    return stub.withDeadlineAfter(deadline.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** Options of a {@link TrackClient}; each setter returns this builder. Not thread-safe. */
  public static final class Builder {
    private final String target;
    private boolean plaintext = true;
    private Duration deadline = Duration.ofSeconds(10);
    private Map<String, ?> serviceConfig = defaultServiceConfig();
    private String bearerToken;
    private String loadBalancingPolicy;
    private Clock clock = Clock.systemUTC();

    private Builder(String target) {
      this.target = Objects.requireNonNull(target, "target");
    }

    /** TLS with the JVM's trusted roots instead of plaintext (the default, for local use). */
    public Builder useTransportSecurity() {
      plaintext = false;
      return this;
    }

    /** The deadline of each call, covering all of its retries; 10 seconds by default. */
    public Builder deadline(Duration deadline) {
      if (deadline.isNegative() || deadline.isZero()) {
        throw new IllegalArgumentException("deadline must be positive: " + deadline);
      }
      this.deadline = deadline;
      return this;
    }

    /** The channel's service config; {@code null} for none. The shared retry policy by default. */
    public Builder serviceConfig(Map<String, ?> serviceConfig) {
      this.serviceConfig = serviceConfig;
      return this;
    }

    /** Sent as "authorization: Bearer TOKEN" on every call (for --auth_tokens_file servers). */
    public Builder bearerToken(String token) {
      this.bearerToken = token;
      return this;
    }

    /** A load-balancing policy such as "round_robin" for a headless Service. */
    public Builder loadBalancingPolicy(String policy) {
      this.loadBalancingPolicy = policy;
      return this;
    }

    /** The clock of the message_ids and timestamps the client fills in; tests pass a fixed one. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Returns a client with its own channel, connected lazily on the first call. */
    public TrackClient build() {
      ManagedChannelBuilder<?> channel = ManagedChannelBuilder.forTarget(target);
      if (plaintext) {
        channel.usePlaintext();
      } else {
        channel.useTransportSecurity();
      }
      return build(channel);
    }

    /** Returns a client on a channel from {@code channel}, given the options of this builder. */
    TrackClient build(ManagedChannelBuilder<?> channel) {
      if (serviceConfig != null) {
        channel.defaultServiceConfig(serviceConfig).enableRetry();
      }
      if (loadBalancingPolicy != null && !loadBalancingPolicy.isEmpty()) {
        channel.defaultLoadBalancingPolicy(loadBalancingPolicy);
      }
      return new TrackClient(channel.build(), this);
    }
  }
}
