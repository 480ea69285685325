package dev.trackd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;
import dev.trackd.v1.AccountAddedUser;
import dev.trackd.v1.TrackBatchRequest;
import dev.trackd.v1.TrackBatchResponse;
import dev.trackd.v1.TrackRequest;
import dev.trackd.v1.TrackResponse;
import dev.trackd.v1.TrackServiceGrpc;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Deadline;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrackClientTest {
  private static final Instant NOW = Instant.parse("2026-11-30T12:00:00.123456789Z");
  private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);
  private static final Metadata.Key<String> AUTHORIZATION =
      Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final Context.Key<String> AUTHORIZATION_CONTEXT_KEY = Context.key("authorization");
  private static final String UUID_V7 =
      "[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}";

  /** A fake trackd: records what arrives, answers with the next scripted error or OK. */
  private static final class RecordingService extends TrackServiceGrpc.TrackServiceImplBase {
    final List<TrackRequest> received = new ArrayList<>();
    final List<TrackBatchRequest> receivedBatches = new ArrayList<>();
    final List<Deadline> deadlines = new ArrayList<>();
    final List<StatusRuntimeException> errors = new ArrayList<>();
    final List<String> authorizations = new ArrayList<>();

    @Override
    public synchronized void track(TrackRequest request, StreamObserver<TrackResponse> out) {
      received.add(request);
      deadlines.add(Context.current().getDeadline());
      authorizations.add(AUTHORIZATION_CONTEXT_KEY.get());
      if (!errors.isEmpty()) {
        out.onError(errors.remove(0));
        return;
      }
      out.onNext(TrackResponse.newBuilder().setMessageId(request.getMessageId()).build());
      out.onCompleted();
    }

    @Override
    public synchronized void trackBatch(
        TrackBatchRequest request, StreamObserver<TrackBatchResponse> out) {
      receivedBatches.add(request);
      out.onNext(TrackBatchResponse.getDefaultInstance());
      out.onCompleted();
    }
  }

  private final RecordingService service = new RecordingService();
  private Server server;
  private TrackClient client;

  private TrackClient start(TrackClient.Builder options) throws Exception {
    String name = InProcessServerBuilder.generateName();
    // Hands the authorization header to the service through the call's Context.
    ServerInterceptor headers = new ServerInterceptor() {
      @Override
      public <Q, R> ServerCall.Listener<Q> interceptCall(
          ServerCall<Q, R> call, Metadata metadata, ServerCallHandler<Q, R> next) {
        Context context = Context.current().withValue(
            AUTHORIZATION_CONTEXT_KEY, metadata.get(AUTHORIZATION));
        return Contexts.interceptCall(context, call, metadata, next);
      }
    };
    server = InProcessServerBuilder.forName(name).directExecutor()
        .addService(ServerInterceptors.intercept(service, headers)).build();
    server.start();
    client = options.clock(CLOCK).build(InProcessChannelBuilder.forName(name).directExecutor());
    return client;
  }

  @AfterEach
  void stop() throws Exception {
    if (client != null) {
      client.close();
    }
    if (server != null) {
      server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  private static TrackRequest seed() {
    return TrackRequest.newBuilder()
        .setUserId("766b3aef-5904-46fe-af05-a293fee8h345")
        .setGroupId("47464e5b-4727-11ee-aeb6-fefbf8354ds3")
        .setAccountAddedUser(AccountAddedUser.newBuilder().setUserRole("Developer"))
        .build();
  }

  @Test
  void trackFillsAnEmptyMessageIdAndTimestampFromTheClock() throws Exception {
    start(TrackClient.newBuilder("unused")).track(seed());
    TrackRequest sent = service.received.get(0);
    assertTrue(sent.getMessageId().matches(UUID_V7), sent.getMessageId());
    assertEquals(NOW.toEpochMilli(), java.util.UUID.fromString(sent.getMessageId())
        .getMostSignificantBits() >>> 16);
    assertEquals(TrackClient.timestampOf(NOW), sent.getTimestamp());
  }

  @Test
  void trackKeepsTheMessageIdAndTimestampTheCallerSet() throws Exception {
    com.google.protobuf.Timestamp then =
        TrackClient.timestampOf(Instant.parse("2023-11-02T00:30:08.276Z"));
    TrackClient c = start(TrackClient.newBuilder("unused"));
    TrackResponse response = c.track(seed().toBuilder().setMessageId("my-id").build());
    c.track(seed().toBuilder().setTimestamp(then).build());
    assertEquals("my-id", response.getMessageId());
    assertEquals("my-id", service.received.get(0).getMessageId());
    assertEquals(TrackClient.timestampOf(NOW), service.received.get(0).getTimestamp());
    assertEquals(then, service.received.get(1).getTimestamp());
    assertTrue(service.received.get(1).getMessageId().matches(UUID_V7));
  }

  @Test
  void trackBatchFillsEveryItem() throws Exception {
    TrackBatchRequest batch = TrackBatchRequest.newBuilder()
        .addRequests(seed())
        .addRequests(seed().toBuilder().setMessageId("kept"))
        .build();
    start(TrackClient.newBuilder("unused")).trackBatch(batch);
    List<TrackRequest> sent = service.receivedBatches.get(0).getRequestsList();
    assertTrue(sent.get(0).getMessageId().matches(UUID_V7), sent.get(0).getMessageId());
    assertEquals("kept", sent.get(1).getMessageId());
    assertEquals(TrackClient.timestampOf(NOW), sent.get(0).getTimestamp());
    assertEquals(TrackClient.timestampOf(NOW), sent.get(1).getTimestamp());
  }

  @Test
  void everyCallCarriesTheClientDeadline() throws Exception {
    // 3 s, below the service config's 10 s timeout, so only the client's deadline explains it.
    start(TrackClient.newBuilder("unused").deadline(Duration.ofSeconds(3))).track(seed());
    Deadline deadline = service.deadlines.get(0);
    assertNotNull(deadline);
    assertTrue(deadline.timeRemaining(TimeUnit.MILLISECONDS) <= 3000, deadline.toString());
  }

  @Test
  void aBearerTokenIsSentOnEveryCall() throws Exception {
    TrackClient c = start(TrackClient.newBuilder("unused").bearerToken("s3cret"));
    c.track(seed());
    c.track(seed());
    assertEquals(List.of("Bearer s3cret", "Bearer s3cret"), service.authorizations);
  }

  @Test
  void noAuthorizationHeaderWithoutABearerToken() throws Exception {
    start(TrackClient.newBuilder("unused")).track(seed());
    assertEquals(java.util.Collections.singletonList(null), service.authorizations);
  }

  @Test
  void unavailableIsRetriedWithTheSameMessageId() throws Exception {
    service.errors.add(Status.UNAVAILABLE.withDescription("store failed").asRuntimeException());
    TrackResponse response = start(TrackClient.newBuilder("unused")).track(seed());
    assertEquals(2, service.received.size());
    assertEquals(service.received.get(0).getMessageId(), service.received.get(1).getMessageId());
    assertEquals(service.received.get(0).getMessageId(), response.getMessageId());
  }

  @Test
  void invalidArgumentIsNotRetriedAndItsViolationsAreData() throws Exception {
    BadRequest badRequest = BadRequest.newBuilder()
        .addFieldViolations(BadRequest.FieldViolation.newBuilder()
            .setField("user_id").setDescription("is required"))
        .addFieldViolations(BadRequest.FieldViolation.newBuilder()
            .setField("account_added_user.user_email").setDescription("must be an e-mail address"))
        .build();
    service.errors.add(StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Code.INVALID_ARGUMENT_VALUE)
        .setMessage("2 field violations")
        .addDetails(Any.pack(badRequest))
        .build()));
    TrackClient c = start(TrackClient.newBuilder("unused"));
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> c.track(seed()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals(1, service.received.size());
    assertEquals(
        List.of(new Violation("user_id", "is required"),
            new Violation("account_added_user.user_email", "must be an e-mail address")),
        TrackClient.violationsOf(e));
  }

  @Test
  void violationsOfIsEmptyWithoutABadRequestDetail() {
    assertEquals(List.of(), TrackClient.violationsOf(Status.UNAVAILABLE.asRuntimeException()));
    assertEquals(List.of(), TrackClient.violationsOf(new IllegalStateException("not gRPC")));
    assertEquals(List.of(), TrackClient.violationsOf(StatusProto.toStatusRuntimeException(
        com.google.rpc.Status.newBuilder()
            .setCode(Code.INVALID_ARGUMENT_VALUE)
            .addDetails(Any.pack(com.google.rpc.RetryInfo.getDefaultInstance()))
            .build())));
  }

  @Test
  void defaultServiceConfigIsTheSharedFileFromProto() throws Exception {
    // Surefire runs in client/java; the contract's copy is the one every client reads.
    String shared = Files.readString(
        Path.of("../../proto/trackd/v1/service_config.json"), StandardCharsets.UTF_8);
    assertEquals(new Gson().fromJson(shared, Map.class), TrackClient.defaultServiceConfig());
    Map<?, ?> methodConfig =
        (Map<?, ?>) ((List<?>) TrackClient.defaultServiceConfig().get("methodConfig")).get(0);
    assertEquals(List.of(Map.of("service", "trackd.v1.TrackService")), methodConfig.get("name"));
  }

  @Test
  void deadlineMustBePositive() {
    assertThrows(IllegalArgumentException.class,
        () -> TrackClient.newBuilder("unused").deadline(Duration.ZERO));
  }
}
