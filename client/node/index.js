// trackd-client: the Node client of trackd's contract trackd.v1.
//
// A thin layer over @grpc/grpc-js and the contract this package carries
// (proto/trackd/v1/track.proto, loaded at run time by @grpc/proto-loader):
//
//   const { TrackClient, violationsOf } = require('trackd-client');
//   const client = new TrackClient('127.0.0.1:50051');
//   await client.track({ user_id: 'u1', group_id: 'acct1',
//                        account_added_user: { user_role: 'Developer' } });
//
// Every call has a deadline. The channel carries the shared retry policy
// (proto/trackd/v1/service_config.json: UNAVAILABLE and RESOURCE_EXHAUSTED are
// retried with exponential backoff), which is safe because the client fills in
// message_id before the first attempt and the server deduplicates by it. A
// rejected event's field violations are read as data with violationsOf(error).
// Messages use the proto's field names (message_id, user_id, ...), as trackd's
// violations do.
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const PROTO_DIR = path.join(__dirname, 'proto');
const DEFAULT_DEADLINE_MS = 10000;

// The shared retry policy, as JSON text (grpc-js takes it as a channel option).
const SERVICE_CONFIG = fs.readFileSync(
    path.join(PROTO_DIR, 'trackd', 'v1', 'service_config.json'), 'utf8');

// keepCase: field names as in the proto and in trackd's violations, not camelCase.
const trackdV1 = grpc.loadPackageDefinition(protoLoader.loadSync('trackd/v1/track.proto', {
  includeDirs: [PROTO_DIR], keepCase: true, longs: String, enums: String, defaults: true,
  oneofs: true,
})).trackd.v1;

// google.rpc.Status and BadRequest, to decode the grpc-status-details-bin trailer.
const rpcRoot = new protobuf.Root();
rpcRoot.resolvePath = (origin, target) => path.join(PROTO_DIR, target);
rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'],
                 { keepCase: true });
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');
const BadRequest = rpcRoot.lookupType('google.rpc.BadRequest');

// Returns a new version 7 UUID (RFC 9562) in its 36-character text form, like
// the C++ client's NewMessageId: the millisecond time nowMs, then 74 random
// bits. Time-ordered ids keep the server's index inserts local. randomBytes(n)
// returns n random bytes; tests pass a fixed one.
function newMessageId(nowMs, randomBytes = crypto.randomBytes) {
  const bytes = Buffer.alloc(16);
  bytes.writeUIntBE(nowMs, 0, 6);
  randomBytes(10).copy(bytes, 6);
  bytes[6] = 0x70 | (bytes[6] & 0x0f);  // Version 7.
  bytes[8] = 0x80 | (bytes[8] & 0x3f);  // Variant 10.
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-` +
         `${hex.slice(16, 20)}-${hex.slice(20)}`;
}

// Returns the google.protobuf.Timestamp of a time in milliseconds since the epoch.
function timestampOfMs(ms) {
  const seconds = Math.floor(ms / 1000);
  return { seconds, nanos: (ms - seconds * 1000) * 1e6 };
}

// Returns a copy of request with an empty message_id replaced by a new UUIDv7
// and an unset timestamp by the time nowMs; a Date timestamp becomes a
// google.protobuf.Timestamp. The caller's object is left alone, so sending it
// again gets a new message_id, as a new event should.
function fillDefaults(request, nowMs, randomBytes = crypto.randomBytes) {
  const filled = { ...request };
  if (!filled.message_id) filled.message_id = newMessageId(nowMs, randomBytes);
  if (filled.timestamp === undefined || filled.timestamp === null) {
    filled.timestamp = timestampOfMs(nowMs);
  } else if (filled.timestamp instanceof Date) {
    filled.timestamp = timestampOfMs(filled.timestamp.getTime());
  }
  return filled;
}

// Returns the field violations of a failed call as [{field, description}]:
// the google.rpc.BadRequest details in the error's grpc-status-details-bin
// trailer, in the server's order. Returns [] when there are none (another
// status code, or not a gRPC error at all).
function violationsOf(error) {
  const violations = [];
  const metadata = error && error.metadata;
  if (!metadata || typeof metadata.get !== 'function') return violations;
  for (const bin of metadata.get('grpc-status-details-bin')) {
    for (const detail of RpcStatus.decode(bin).details) {
      const typeName = detail.type_url.slice(detail.type_url.lastIndexOf('/') + 1);
      if (typeName !== 'google.rpc.BadRequest') continue;
      for (const v of BadRequest.decode(detail.value).field_violations) {
        violations.push({ field: v.field, description: v.description });
      }
    }
  }
  return violations;
}

// Returns the grpc-js channel options of a TrackClient made with options: its
// channelOptions, plus options.serviceConfig (the shared retry policy when
// absent; '' for none) as grpc.service_config.
function channelOptionsOf(options = {}) {
  const channelOptions = { ...options.channelOptions };
  const serviceConfig = options.serviceConfig ?? SERVICE_CONFIG;
  if (serviceConfig) channelOptions['grpc.service_config'] = serviceConfig;
  return channelOptions;
}

// A client of one trackd (or one load-balanced target). Calls return promises;
// a failed call rejects with grpc-js's ServiceError (code, details, metadata).
// One client may be shared by all of a process's concurrent calls.
class TrackClient {
  // target: a gRPC target such as "127.0.0.1:50051" or "dns:///trackd-headless:50051".
  // options (all optional):
  //   credentials   grpc.credentials.*; plaintext when absent (local use and tests only).
  //   deadlineMs    the deadline of each call, covering all its retries (10000).
  //   serviceConfig the channel's service config as JSON text; the shared retry
  //                 policy by default, '' for none.
  //   bearerToken   sent as "authorization: Bearer <token>" on every call when set.
  //   now           returns the time in milliseconds since the epoch (Date.now);
  //                 used for deadlines and the message_ids and timestamps filled in.
  //   channelOptions further grpc-js channel options.
  // Throws TypeError for an empty target.
  constructor(target, options = {}) {
    if (typeof target !== 'string' || target === '') {
      throw new TypeError('trackd-client: target must be a host:port such as "127.0.0.1:50051"');
    }
    this.deadlineMs = options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    this.now = options.now ?? Date.now;
    this.metadata = new grpc.Metadata();
    if (options.bearerToken) this.metadata.set('authorization', `Bearer ${options.bearerToken}`);
    this.stub = new trackdV1.TrackService(
        target, options.credentials ?? grpc.credentials.createInsecure(), channelOptionsOf(options));
  }

  // The options of one call: its deadline, deadlineMs from now.
  callOptions() {
    return { deadline: new Date(this.now() + this.deadlineMs) };
  }

  // Sends one event (a trackd.v1.TrackRequest) after fillDefaults. Resolves to
  // the TrackResponse ({message_id, duplicate}). Rejects with INVALID_ARGUMENT
  // (read violationsOf(error)), with UNAVAILABLE or RESOURCE_EXHAUSTED once the
  // retries ran out, or with DEADLINE_EXCEEDED (the event may be stored; sending
  // the same message_id again is safe).
  track(request) {
    return this.unary('Track', fillDefaults(request, this.now()));
  }

  // Sends up to 500 events ({requests: [...]}), each after fillDefaults.
  // Resolves to the TrackBatchResponse: one result per item, in order, a
  // rejected item's violations already as [{field, description}].
  trackBatch(request) {
    const nowMs = this.now();
    const requests = (request.requests ?? []).map((item) => fillDefaults(item, nowMs));
    return this.unary('TrackBatch', { ...request, requests });
  }

  // Closes the channel; calls after this fail.
  close() {
    this.stub.close();
  }

  unary(method, request) {
    return new Promise((resolve, reject) => {
      this.stub[method](request, this.metadata.clone(), this.callOptions(), (error, response) => {
        if (error) reject(error); else resolve(response);
      });
    });
  }
}

module.exports = {
  TrackClient,
  violationsOf,
  fillDefaults,
  newMessageId,
  channelOptionsOf,
  timestampOfMs,
  SERVICE_CONFIG,
  PROTO_DIR,
  grpc,
  status: grpc.status,
};
