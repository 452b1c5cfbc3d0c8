#!/usr/bin/env python3
"""Measure `golint-guard server` as an editor sees it (a bench, not a timed test).

1. Time to first diagnostics: start the server with a large workspace folder, open one file,
   and time from `didOpen` to its first `publishDiagnostics` (the module pre-pass of the whole
   folder included), for $GOROOT/src/net/http and for etcd.
2. Peak memory (VmHWM) of the server after opening etcd.
3. Latency from `didChange` to the diagnostics of that version, with the facts warm, on a
   file of about 2,000 lines: each change edits the buffer (unsaved), so the server rebuilds
   its package's facts from the buffer and lints it.

Usage: benches/server.py [--bin target/release/golint-guard] [--etcd /work/corpora/etcd]
                         [--changes 60] [--debounce-ms N]
The default debounce is the server's own; the figures include it. Wall times depend on what else
the machine runs (the load average is printed); the server's CPU time per change is printed too.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import urllib.parse


class Server:
    def __init__(self, binary, root, debounce_ms=None):
        self.proc = subprocess.Popen(
            [binary, "server"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            cwd=root,
        )
        self.next_id = 0
        self.logs = []
        options = {} if debounce_ms is None else {"debounceMs": debounce_ms}
        self.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": uri(root),
                "workspaceFolders": [{"uri": uri(root), "name": os.path.basename(root)}],
                "capabilities": {},
                "initializationOptions": options,
            },
        )
        self.notify("initialized", {})

    def send(self, message):
        body = json.dumps(message).encode()
        self.proc.stdin.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        self.proc.stdin.flush()

    def read(self):
        length = None
        while True:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("the server closed its output")
            line = line.strip()
            if not line:
                break
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        message = json.loads(self.proc.stdout.read(length))
        if message.get("method") == "window/logMessage":
            self.logs.append(message["params"]["message"])
        if "method" in message and "id" in message:  # a request from the server
            self.send({"jsonrpc": "2.0", "id": message["id"], "result": None})
        return message

    def notify(self, method, params):
        self.send({"jsonrpc": "2.0", "method": method, "params": params})

    def request(self, method, params):
        self.next_id += 1
        ident = self.next_id
        self.send({"jsonrpc": "2.0", "id": ident, "method": method, "params": params})
        while True:
            message = self.read()
            if message.get("id") == ident and "method" not in message:
                return message.get("result")

    def diagnostics(self, file_uri, version):
        while True:
            message = self.read()
            params = message.get("params") or {}
            if (
                message.get("method") == "textDocument/publishDiagnostics"
                and params.get("uri") == file_uri
                and params.get("version") == version
            ):
                return params["diagnostics"]

    def peak_rss_kib(self):
        with open(f"/proc/{self.proc.pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
        return None

    def cpu_seconds(self):
        """User + system CPU time the server has used so far."""
        with open(f"/proc/{self.proc.pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def close(self):
        self.request("shutdown", None)
        self.notify("exit", None)
        self.proc.wait(timeout=30)


def uri(path):
    return "file://" + urllib.parse.quote(os.path.abspath(path))


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def first_diagnostics(binary, root, file, debounce_ms=None):
    started = time.perf_counter()
    server = Server(binary, root, debounce_ms)
    opened = time.perf_counter()
    server.notify(
        "textDocument/didOpen",
        {"textDocument": {"uri": uri(file), "languageId": "go", "version": 1, "text": read(file)}},
    )
    diagnostics = server.diagnostics(uri(file), 1)
    done = time.perf_counter()
    return server, (done - opened) * 1000, (done - started) * 1000, len(diagnostics)


def change_latency(server, file, changes):
    """didChange → diagnostics of that version, over `changes` edits of the buffer."""
    text = read(file)
    lines = text.split("\n")
    # Edit inside the file's last function body: a comment line that grows, as typing does.
    anchor = max(i for i, line in enumerate(lines) if line.startswith("func "))
    times = []
    cpu_before = server.cpu_seconds()
    for version in range(2, changes + 2):
        edited = lines[: anchor + 1] + ["\t// typing" + "x" * version] + lines[anchor + 1 :]
        started = time.perf_counter()
        server.notify(
            "textDocument/didChange",
            {"textDocument": {"uri": uri(file), "version": version}, "contentChanges": [{"text": "\n".join(edited)}]},
        )
        server.diagnostics(uri(file), version)
        times.append((time.perf_counter() - started) * 1000)
    # Wall time depends on what else the machine runs; the server's CPU time per change less so.
    cpu_ms = (server.cpu_seconds() - cpu_before) * 1000 / changes
    return times, cpu_ms


def summary(measured):
    times, cpu_ms = measured
    times = sorted(times)
    p90 = times[int(len(times) * 0.9) - 1]
    return f"median {statistics.median(times):.1f} ms, p90 {p90:.1f} ms, min {times[0]:.1f} ms, max {times[-1]:.1f} ms (n={len(times)}); server CPU {cpu_ms:.1f} ms per change"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bin", default="target/release/golint-guard")
    parser.add_argument("--etcd", default="/work/corpora/etcd")
    parser.add_argument("--goroot", default=None)
    parser.add_argument("--changes", type=int, default=60)
    parser.add_argument("--debounce-ms", type=int, default=None, help="the server's default when not given")
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    binary = os.path.abspath(args.bin)
    goroot = args.goroot or subprocess.run(["go", "env", "GOROOT"], capture_output=True, text=True).stdout.strip()

    http = os.path.join(goroot, "src", "net", "http")
    server, open_ms, total_ms, count = first_diagnostics(binary, http, os.path.join(http, "server.go"), args.debounce_ms)
    print(f"net/http: first diagnostics {open_ms:.0f} ms after didOpen ({total_ms:.0f} ms from spawn), {count} diagnostics")
    print("  server log: " + "; ".join(server.logs))
    file = os.path.join(http, "client_test.go")
    server.notify("textDocument/didOpen", {"textDocument": {"uri": uri(file), "languageId": "go", "version": 1, "text": read(file)}})
    server.diagnostics(uri(file), 1)
    lines = read(file).count("\n")
    print(f"net/http/client_test.go ({lines} lines, a 63,000-line package): didChange→diagnostics {summary(change_latency(server, file, args.changes))}")
    server.close()

    etcd_file = os.path.join(args.etcd, "server", "etcdserver", "server.go")
    server, open_ms, total_ms, count = first_diagnostics(binary, args.etcd, etcd_file, args.debounce_ms)
    print(f"etcd: first diagnostics {open_ms:.0f} ms after didOpen ({total_ms:.0f} ms from spawn), {count} diagnostics")
    print("  server log: " + "; ".join(server.logs))
    print(f"etcd: peak RSS after opening {server.peak_rss_kib() / 1024:.1f} MiB")
    lines = read(etcd_file).count("\n")
    print(f"etcd server/etcdserver/server.go ({lines} lines): didChange→diagnostics {summary(change_latency(server, etcd_file, args.changes))}")
    print(f"etcd: peak RSS after the changes {server.peak_rss_kib() / 1024:.1f} MiB")
    server.close()
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    sys.exit(main())
