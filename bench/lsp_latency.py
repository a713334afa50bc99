#!/usr/bin/env python3
"""Time `stslint lsp` from didChange to publishDiagnostics on a workspace.

    python3 bench/lsp_latency.py WORKSPACE_DIR [BINARY]

Opens the first manifest of the workspace, then sends 20 full-text changes
one at a time and reports the median and worst round trip.
"""
import json
import os
import pathlib
import statistics
import subprocess
import sys
import time

root = pathlib.Path(sys.argv[1]).resolve()
binary = sys.argv[2] if len(sys.argv) > 2 else "target/release/stslint"
doc = next(p for p in sorted(root.rglob("*.yaml")))
uri = doc.as_uri()
text = doc.read_text()

proc = subprocess.Popen([binary, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def send(msg):
    body = json.dumps(msg).encode()
    proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
    proc.stdin.flush()


def recv():
    length = 0
    while True:
        line = proc.stdout.readline().strip()
        if not line:
            break
        if line.startswith(b"Content-Length:"):
            length = int(line.split(b":")[1])
    return json.loads(proc.stdout.read(length))


def wait(pred):
    while True:
        m = recv()
        if pred(m):
            return m


def diagnostics():
    return wait(lambda m: m.get("method") == "textDocument/publishDiagnostics")


send({"jsonrpc": "2.0", "id": 1, "method": "initialize",
      "params": {"processId": None, "rootUri": root.as_uri(), "capabilities": {}}})
wait(lambda m: m.get("id") == 1)
send({"jsonrpc": "2.0", "method": "initialized", "params": {}})
t = time.perf_counter()
send({"jsonrpc": "2.0", "method": "textDocument/didOpen",
      "params": {"textDocument": {"uri": uri, "languageId": "yaml", "version": 1, "text": text}}})
first = diagnostics()
open_ms = (time.perf_counter() - t) * 1000
times = []
for v in range(2, 22):
    t = time.perf_counter()
    send({"jsonrpc": "2.0", "method": "textDocument/didChange",
          "params": {"textDocument": {"uri": uri, "version": v},
                     "contentChanges": [{"text": text + f"\n# edit {v}\n"}]}})
    diagnostics()
    times.append((time.perf_counter() - t) * 1000)
send({"jsonrpc": "2.0", "id": 2, "method": "shutdown"})
wait(lambda m: m.get("id") == 2)
send({"jsonrpc": "2.0", "method": "exit"})
proc.wait()
files = sum(1 for _ in root.rglob("*.yaml"))
size = sum(p.stat().st_size for p in root.rglob("*.yaml")) / 1e6
print(f"workspace: {files} files, {size:.1f} MB; diagnostics on open: {len(first['params']['diagnostics'])}")
print(f"didOpen -> diagnostics (first scan included): {open_ms:.0f} ms")
print(f"didChange -> diagnostics: median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms")
