// Types of trackd-client (index.js). The message types under ./types are generated from
// proto/trackd/v1/track.proto by proto-loader-gen-types when the package is built.
import * as grpc from '@grpc/grpc-js';
import type { Timestamp } from './types/google/protobuf/Timestamp';
import type { TrackRequest } from './types/trackd/v1/TrackRequest';
import type { TrackResponse__Output } from './types/trackd/v1/TrackResponse';
import type { TrackBatchRequest } from './types/trackd/v1/TrackBatchRequest';
import type { TrackBatchResponse__Output } from './types/trackd/v1/TrackBatchResponse';

export type { TrackRequest, TrackResponse__Output as TrackResponse };
export type { TrackBatchResponse__Output as TrackBatchResponse };
export type { TrackBatchResult__Output as TrackBatchResult } from './types/trackd/v1/TrackBatchResult';
export type { AccountAddedUser } from './types/trackd/v1/AccountAddedUser';
export type { Timestamp };

/** One broken rule of the contract: a field path and what is wrong with it. */
export interface FieldViolation {
  field: string;
  description: string;
}

/** A TrackRequest whose timestamp may also be a Date; message_id and timestamp are optional. */
export type TrackEvent = Omit<TrackRequest, 'timestamp'> & { timestamp?: Timestamp | Date | null };

export interface TrackBatchEvents extends Omit<TrackBatchRequest, 'requests'> {
  requests: TrackEvent[];
}

export interface TrackClientOptions {
  /** Plaintext when absent (local use and tests only). */
  credentials?: grpc.ChannelCredentials;
  /** The deadline of each call, covering all its retries. Default 10000. */
  deadlineMs?: number;
  /** The channel's service config as JSON text: the shared retry policy by default, '' for none. */
  serviceConfig?: string;
  /** Sent as "authorization: Bearer <token>" on every call when set. */
  bearerToken?: string;
  /** Milliseconds since the epoch (Date.now by default), for deadlines, message_ids and timestamps. */
  now?: () => number;
  /** Further grpc-js channel options. */
  channelOptions?: grpc.ChannelOptions;
}

/** A client of one trackd target. Calls reject with grpc.ServiceError. */
export class TrackClient {
  /** Throws TypeError for an empty target. */
  constructor(target: string, options?: TrackClientOptions);
  /** The options of one call: its deadline. */
  callOptions(): grpc.CallOptions;
  /** Sends one event after fillDefaults. */
  track(request: TrackEvent): Promise<TrackResponse__Output>;
  /** Sends up to 500 events, each after fillDefaults. */
  trackBatch(request: TrackBatchEvents): Promise<TrackBatchResponse__Output>;
  /** Closes the channel. */
  close(): void;
}

/** The google.rpc.BadRequest violations in a failed call's trailers; [] when none. */
export function violationsOf(error: unknown): FieldViolation[];

/** A copy of request with message_id (UUIDv7) and timestamp (nowMs) filled in when unset. */
export function fillDefaults(
  request: TrackEvent, nowMs: number, randomBytes?: (n: number) => Buffer): TrackRequest;

/** The grpc-js channel options of a TrackClient made with options: the service config included. */
export function channelOptionsOf(options?: TrackClientOptions): grpc.ChannelOptions;

/** A new version 7 UUID for the time nowMs. */
export function newMessageId(nowMs: number, randomBytes?: (n: number) => Buffer): string;

/** The google.protobuf.Timestamp of a time in milliseconds since the epoch. */
export function timestampOfMs(ms: number): { seconds: number; nanos: number };

/** The shared retry policy (proto/trackd/v1/service_config.json) as JSON text. */
export const SERVICE_CONFIG: string;

/** The directory of the .proto files this package carries. */
export const PROTO_DIR: string;

/** The @grpc/grpc-js this package uses: credentials, Metadata, status codes. */
export { grpc };

/** gRPC status codes, e.g. status.INVALID_ARGUMENT. */
export const status: typeof grpc.status;
