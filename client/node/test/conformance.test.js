// The conformance corpus (tests/contract/cases/, format in its README) against a live trackd:
//   TRACKD_TARGET=127.0.0.1:PORT TRACKD_CORPUS=PATH/TO/cases node --test test/conformance.test.js
// Sends every case as a dry run (validate_only) and compares the verdict with the case's
// "expect". Skipped without TRACKD_TARGET, so `npm test` needs no server;
// tests/contract/conformance_node.sh runs it.
'use strict';
const test = require('node:test');
const assert = require('node:assert');
const fs = require('fs');
const path = require('path');
const grpc = require('@grpc/grpc-js');
const { TrackClient, violationsOf } = require('..');

const TARGET = process.env.TRACKD_TARGET || '';
const CORPUS = process.env.TRACKD_CORPUS || path.join(__dirname, '../../../tests/contract/cases');

// proto-loader takes messages as objects, not protobuf JSON: a Timestamp is
// {seconds, nanos} and a Struct is {fields: {key: Value}}, whose kinds protobufjs's
// own google.protobuf types name in camelCase (keepCase does not reach them).
function timestampOf(text) {
  const m = /^(.*?)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  return { seconds: String(Date.parse(m[1] + m[3]) / 1000), nanos: Number((m[2] || '').padEnd(9, '0')) };
}
function valueOf(json) {
  if (json === null) return { nullValue: 'NULL_VALUE' };
  if (Array.isArray(json)) return { listValue: { values: json.map(valueOf) } };
  switch (typeof json) {
    case 'number': return { numberValue: json };
    case 'string': return { stringValue: json };
    case 'boolean': return { boolValue: json };
    default: return { structValue: structOf(json) };
  }
}
function structOf(json) {
  return { fields: Object.fromEntries(Object.entries(json).map(([k, v]) => [k, valueOf(v)])) };
}
function requestOf(json) {
  const request = { ...json, validate_only: true };
  if ('timestamp' in json) request.timestamp = timestampOf(json.timestamp);
  if ('context' in json) request.context = structOf(json.context);
  if ('properties' in json) request.properties = structOf(json.properties);
  return request;
}

function refused(error) {
  return { code: grpc.status[error.code], violations: violationsOf(error).map((v) => v.field) };
}

async function verdictOf(client, c) {
  if (c.request) {
    try {
      const r = await client.unary('Track', requestOf(c.request));
      return { code: 'OK', message_id: r.message_id, documented_json: r.documented_json,
               ...(r.duplicate ? { duplicate: true } : {}) };
    } catch (error) {
      return refused(error);
    }
  }
  const batch = { requests: c.batch.requests.map(requestOf), validate_only: true };
  try {
    const response = await client.unary('TrackBatch', batch);
    return { code: 'OK', results: response.results.map((r) => {
      const result = { outcome: r.outcome.replace(/^OUTCOME_/, ''), message_id: r.message_id };
      if (result.outcome === 'ACCEPTED' || r.documented_json) result.documented_json = r.documented_json;
      if (result.outcome === 'REJECTED' || r.violations.length) {
        result.violations = r.violations.map((v) => v.field);
      }
      return result;
    }) };
  } catch (error) {
    return refused(error);
  }
}

// A message_id the case leaves out was assigned by the server: it must only be non-empty.
function forgetAssignedId(expect, seen) {
  if (!expect || !seen || 'message_id' in expect || !seen.message_id) return;
  if (seen.code === 'OK' || seen.outcome) delete seen.message_id;
}

test('every case of the corpus has its verdict as a dry run', { skip: !TARGET && 'set TRACKD_TARGET' }, async () => {
  const cases = fs.readdirSync(CORPUS).filter((f) => f.endsWith('.json')).sort()
      .flatMap((f) => JSON.parse(fs.readFileSync(path.join(CORPUS, f), 'utf8')));
  assert.ok(cases.length >= 60, `the corpus in ${CORPUS} holds ${cases.length} cases`);
  const client = new TrackClient(TARGET, { deadlineMs: 30000 });
  const failures = [];
  try {
    for (const c of cases) {
      const seen = await verdictOf(client, c);
      if (seen.results) {
        seen.results.forEach((r, i) => forgetAssignedId((c.expect.results || [])[i], r));
      } else {
        forgetAssignedId(c.expect, seen);
      }
      try {
        assert.deepStrictEqual(seen, c.expect);
      } catch {
        failures.push(`${c.name}\n  expected: ${JSON.stringify(c.expect)}\n  observed: ${JSON.stringify(seen)}`);
      }
    }
  } finally {
    client.close();
  }
  if (failures.length) assert.fail(`${failures.length} cases differ:\n${failures.join('\n')}`);
});
