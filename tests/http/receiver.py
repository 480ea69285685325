#!/usr/bin/env python3
"""A Track API stand-in for trackd's HTTP forwarding tests (standard library only).

Listens on 127.0.0.1 (a free port, written to --port_file) and answers
POST /track according to its mode, which the test sets with
POST /control?mode=MODE[&retry_after=S][&times=N]:

  ok         200 and record the request (default)
  500        503 Service Unavailable
  429        429 with Retry-After: S
  400        400 with a JSON error body (a permanent refusal)
  hang       wait past the client's timeout (at most 10 s), then drop the connection
  close      drop the connection without answering

With times=N the mode applies to the next N requests, then it returns to ok.
Every attempt is appended to --log as one JSON line: {"t": unix seconds,
"mode": ..., "key": Idempotency-Key, "auth": Authorization, "type":
Content-Type, "body": ..., "duplicate": bool}. Accepted requests are
deduplicated by Idempotency-Key, as the real API does: a repeat is answered 200
and marked duplicate.
"""
import argparse
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

state_lock = threading.Lock()
state = {"mode": "ok", "retry_after": "1", "times": None, "accepted_keys": set()}


def next_mode():
    with state_lock:
        mode = state["mode"]
        if state["times"] is not None:
            state["times"] -= 1
            if state["times"] <= 0:
                state["mode"], state["times"] = "ok", None
        return mode, state["retry_after"]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # Quiet: the test reads the --log file.
        pass

    def _answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        url = urllib.parse.urlparse(self.path)
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        if url.path == "/control":
            query = urllib.parse.parse_qs(url.query)
            with state_lock:
                state["mode"] = query["mode"][0]
                state["retry_after"] = query.get("retry_after", ["1"])[0]
                state["times"] = int(query["times"][0]) if "times" in query else None
            self._answer(200, b"ok")
            return
        mode, retry_after = next_mode()
        key = self.headers.get("Idempotency-Key", "")
        record = {"t": time.time(), "mode": mode, "key": key,
                  "auth": self.headers.get("Authorization", ""),
                  "type": self.headers.get("Content-Type", ""), "body": body,
                  "duplicate": False}
        if mode == "ok":
            with state_lock:
                record["duplicate"] = key in state["accepted_keys"]
                state["accepted_keys"].add(key)
        with open(self.server.log_path, "a", encoding="utf-8") as log:
            log.write(json.dumps(record) + "\n")
        if mode == "ok":
            self._answer(200, b'{"status":"ok"}')
        elif mode == "500":
            self._answer(503, b'{"error":"try again"}')
        elif mode == "429":
            self._answer(429, b'{"error":"slow down"}', [("Retry-After", retry_after)])
        elif mode == "400":
            self._answer(400, b'{"error":"invalid event"}')
        elif mode == "hang":
            time.sleep(10)
            self.close_connection = True
        else:  # close
            self.close_connection = True


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port_file", required=True)
    parser.add_argument("--log", required=True)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.log_path = args.log
    temporary = args.port_file + ".tmp"
    with open(temporary, "w") as f:
        f.write(str(server.server_address[1]))
    os.rename(temporary, args.port_file)
    server.serve_forever()


if __name__ == "__main__":
    main()
