#!/usr/bin/env node
// Example Node client for trackd: @grpc/grpc-js with @grpc/proto-loader loading
// proto/trackd/v1/track.proto at run time (packages set up by scripts/gen_clients_node.sh).
//
// Applies the shared retry service config (proto/trackd/v1/service_config.json), sends the seed
// account_added_user event, then a bad event, and prints the google.rpc.BadRequest field
// violations (decoded from the grpc-status-details-bin trailer) as `field: description`.
// Exits 0 only if the seed event was OK and the bad one was INVALID_ARGUMENT naming exactly
// user_id and account_added_user.user_email.
//
//   NODE_PATH=build/clients/node/node_modules node client/node/example.js --target 127.0.0.1:50051
'use strict';

const crypto = require('crypto');
const fs = require('fs');
const path = require('path');
const { parseArgs } = require('util');
const grpc = require('@grpc/grpc-js');
const protoLoader = require('@grpc/proto-loader');
const protobuf = require('protobufjs');

const ROOT = path.resolve(__dirname, '..', '..');
const PROTO = path.join(ROOT, 'proto');
const SERVICE_CONFIG = path.join(PROTO, 'trackd', 'v1', 'service_config.json');
const EXPECTED_FIELDS = ['account_added_user.user_email', 'user_id'];

const trackd = grpc.loadPackageDefinition(protoLoader.loadSync('trackd/v1/track.proto', {
  includeDirs: [PROTO], keepCase: true, longs: String, enums: String, defaults: true, oneofs: true,
})).trackd.v1;

// google.rpc.Status and BadRequest, from the wire-compatible copies beside the contract.
const rpcRoot = new protobuf.Root();
rpcRoot.resolvePath = (origin, target) => path.join(PROTO, 'third_party', target);
rpcRoot.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto'], { keepCase: true });
const RpcStatus = rpcRoot.lookupType('google.rpc.Status');
const BadRequest = rpcRoot.lookupType('google.rpc.BadRequest');

// The BadRequest field violations in the error's grpc-status-details-bin trailer, as pairs.
function fieldViolations(error) {
  const violations = [];
  for (const bin of error.metadata ? error.metadata.get('grpc-status-details-bin') : []) {
    for (const detail of RpcStatus.decode(bin).details) {
      if (detail.type_url.endsWith('/google.rpc.BadRequest')) {
        for (const v of BadRequest.decode(detail.value).field_violations) {
          violations.push([v.field, v.description]);
        }
      }
    }
  }
  return violations;
}

function seedEvent(messageId, userId) {
  const ms = Date.parse('2023-11-02T00:30:08.276Z');
  return {
    message_id: messageId,
    user_id: userId,
    group_id: '47464e5b-4727-11ee-aeb6-fefbf8354ds3',
    timestamp: { seconds: String(Math.floor(ms / 1000)), nanos: (ms % 1000) * 1e6 },
    account_added_user: {
      user_role: 'Developer', user_name: 'Mark Wood', user_email: 'mark.wood@example.com',
    },
  };
}

// Track as a promise: resolves to [error, response].
function track(client, request) {
  const deadline = new Date(Date.now() + 10000);
  return new Promise((resolve) => {
    client.Track(request, { deadline }, (error, response) => resolve([error, response]));
  });
}

async function main() {
  const { values } = parseArgs({ options: { target: { type: 'string' } } });
  if (!values.target) {
    console.error('usage: example.js --target HOST:PORT');
    return 2;
  }

  const config = fs.readFileSync(SERVICE_CONFIG, 'utf8');
  const maxAttempts = JSON.parse(config).methodConfig[0].retryPolicy.maxAttempts;
  const client = new trackd.TrackService(values.target, grpc.credentials.createInsecure(), {
    'grpc.service_config': config,
  });
  console.log(`service config applied: ${path.relative(ROOT, SERVICE_CONFIG)} ` +
              `(retry maxAttempts=${maxAttempts})`);

  let ok = true;
  const [goodError, response] =
      await track(client, seedEvent(crypto.randomUUID(), '766b3aef-5904-46fe-af05-a293fee8h345'));
  if (goodError) {
    console.log(`seed event: ${grpc.status[goodError.code]} ${goodError.details}`);
    ok = false;
  } else {
    console.log(`seed event: OK message_id=${response.message_id} duplicate=${response.duplicate}`);
  }

  const bad = seedEvent(crypto.randomUUID(), '');
  bad.account_added_user.user_email = 'not an email';
  const [badError] = await track(client, bad);
  if (!badError) {
    console.log('bad event: OK (expected INVALID_ARGUMENT)');
    ok = false;
  } else {
    console.log(`bad event: ${grpc.status[badError.code]} ${badError.details}`);
    const violations = fieldViolations(badError);
    for (const [field, description] of violations) console.log(`${field}: ${description}`);
    const fields = violations.map(([field]) => field).sort();
    ok = ok && badError.code === grpc.status.INVALID_ARGUMENT &&
         JSON.stringify(fields) === JSON.stringify(EXPECTED_FIELDS);
  }

  client.close();
  console.log(`example: ${ok ? 'PASS' : 'FAIL'}`);
  return ok ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.error(error);
  process.exitCode = 1;
});
