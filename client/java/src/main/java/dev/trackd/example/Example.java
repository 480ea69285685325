// Example trackd client in Java. It applies the shared retry service config
// (proto/trackd/v1/service_config.json) to its channel, sends the seed
// account_added_user event, then a bad event, and prints the server's
// google.rpc.BadRequest field violations. Exit status 0 only when the good event
// is OK and the bad one is INVALID_ARGUMENT naming exactly user_id and
// account_added_user.user_email.
//
//   java -jar target/trackd-example.jar --target 127.0.0.1:50051 \
//       --service_config ../../proto/trackd/v1/service_config.json
package dev.trackd.example;

import com.google.gson.Gson;
import com.google.protobuf.Timestamp;
import com.google.rpc.BadRequest;
import dev.trackd.v1.AccountAddedUser;
import dev.trackd.v1.TrackRequest;
import dev.trackd.v1.TrackResponse;
import dev.trackd.v1.TrackServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

public final class Example {
  public static void main(String[] args) throws Exception {
    String target = "127.0.0.1:50051";
    String configPath = "proto/trackd/v1/service_config.json";
    for (int i = 0; i < args.length; i++) {  // --flag VALUE or --flag=VALUE
      String[] kv = args[i].split("=", 2);
      String value = kv.length == 2 ? kv[1] : (i + 1 < args.length ? args[++i] : "");
      switch (kv[0]) {
        case "--target" -> target = value;
        case "--service_config" -> configPath = value;
        default -> throw new IllegalArgumentException("unknown flag " + kv[0]);
      }
    }
    System.exit(run(target, configPath) ? 0 : 1);
  }

  static boolean run(String target, String configPath) throws Exception {
    // Gson reads JSON numbers as Double, as defaultServiceConfig expects.
    @SuppressWarnings("unchecked")
    Map<String, ?> serviceConfig = new Gson().fromJson(
        Files.readString(Path.of(configPath), StandardCharsets.UTF_8), Map.class);
    ManagedChannel channel = ManagedChannelBuilder.forTarget(target)
        .usePlaintext()
        .defaultServiceConfig(serviceConfig)
        .enableRetry()
        .build();
    System.out.printf("service config %s applied: retry maxAttempts=%d%n",
        configPath, maxAttempts(serviceConfig));
    try {
      return sendEvents(TrackServiceGrpc.newBlockingStub(channel));
    } finally {
      channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    }
  }

  // retryPolicy.maxAttempts of the first methodConfig.
  static int maxAttempts(Map<String, ?> serviceConfig) {
    Map<?, ?> methodConfig = (Map<?, ?>) ((List<?>) serviceConfig.get("methodConfig")).get(0);
    return ((Number) ((Map<?, ?>) methodConfig.get("retryPolicy")).get("maxAttempts")).intValue();
  }

  static boolean sendEvents(TrackServiceGrpc.TrackServiceBlockingStub stub) {
    Instant when = Instant.parse("2023-11-02T00:30:08.276Z");
    Timestamp timestamp = Timestamp.newBuilder()
        .setSeconds(when.getEpochSecond()).setNanos(when.getNano()).build();
    // The seed sample event.
    TrackRequest good = TrackRequest.newBuilder()
        .setMessageId(UUID.randomUUID().toString())
        .setUserId("766b3aef-5904-46fe-af05-a293fee8h345")
        .setGroupId("47464e5b-4727-11ee-aeb6-fefbf8354ds3")
        .setTimestamp(timestamp)
        .setAccountAddedUser(AccountAddedUser.newBuilder()
            .setUserRole("Developer")
            .setUserName("Mark Wood")
            .setUserEmail("mark.wood@example.com"))
        .build();
    TrackResponse response;
    try {
      response = stub.withDeadlineAfter(10, TimeUnit.SECONDS).track(good);
    } catch (StatusRuntimeException e) {
      System.out.println("good event failed: " + e.getStatus());
      return false;
    }
    System.out.printf("good event: OK message_id=%s duplicate=%b%n",
        response.getMessageId(), response.getDuplicate());
    if (!response.getMessageId().equals(good.getMessageId())) {
      System.out.println("answer names another message_id than the one sent");
      return false;
    }

    // A bad event: no user_id, and an e-mail address that is none.
    TrackRequest bad = TrackRequest.newBuilder()
        .setMessageId(UUID.randomUUID().toString())
        .setGroupId(good.getGroupId())
        .setTimestamp(timestamp)
        .setAccountAddedUser(AccountAddedUser.newBuilder()
            .setUserRole("Developer")
            .setUserEmail("not an email"))
        .build();
    try {
      stub.withDeadlineAfter(10, TimeUnit.SECONDS).track(bad);
      System.out.println("bad event: OK, want INVALID_ARGUMENT");
      return false;
    } catch (StatusRuntimeException e) {
      com.google.rpc.Status status = io.grpc.protobuf.StatusProto.fromThrowable(e);
      System.out.printf("bad event: %s: %s%n", e.getStatus().getCode(), e.getStatus().getDescription());
      if (e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT || status == null) {
        return false;
      }
      List<String> fields = new ArrayList<>();
      for (com.google.protobuf.Any detail : status.getDetailsList()) {
        if (!detail.is(BadRequest.class)) {
          continue;
        }
        try {
          for (BadRequest.FieldViolation v : detail.unpack(BadRequest.class).getFieldViolationsList()) {
            System.out.println(v.getField() + ": " + v.getDescription());
            fields.add(v.getField());
          }
        } catch (com.google.protobuf.InvalidProtocolBufferException ex) {
          System.out.println("unreadable BadRequest detail: " + ex.getMessage());
          return false;
        }
      }
      fields.sort(null);
      if (!fields.equals(List.of("account_added_user.user_email", "user_id"))) {
        System.out.println("violations for " + fields + ", want [account_added_user.user_email, user_id]");
        return false;
      }
      return true;
    }
  }
}
