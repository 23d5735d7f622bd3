"""A stand-in for many venues' PA systems on 127.0.0.1: answers every POST with 200 and appends
one line per call to a log: the time it arrived (epoch seconds), the path, the signal, whether
the HMAC signature matched the venue's secret (secrets are read from a file of "path<TAB>secret"
lines), and the body. Used by the silence drills and benchmarks.

Usage: signal_receiver.py PORT LOG SECRETS"""
import hashlib
import hmac
import json
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port, log_path, secrets_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
secrets = dict(line.rstrip("\n").split("\t", 1) for line in open(secrets_path) if "\t" in line)
log = open(log_path, "a", buffering=1)


class Receiver(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        arrived = time.time()
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        timestamp = self.headers.get("Ceremonies-Timestamp", "")
        expected = "sha256=" + hmac.new(secrets.get(self.path, "").encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
        signed = hmac.compare_digest(expected, self.headers.get("Ceremonies-Signature", ""))
        try:
            signal = json.loads(body).get("signal", "")
        except ValueError:
            signal = ""
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        log.write(f"{arrived:.6f}\t{self.path}\t{signal}\t{'signed' if signed else 'UNSIGNED'}\t{body.decode(errors='replace')}\n")

    def log_message(self, *args):
        pass


ThreadingHTTPServer.daemon_threads = True
ThreadingHTTPServer.request_queue_size = 4096
ThreadingHTTPServer(("127.0.0.1", port), Receiver).serve_forever()
