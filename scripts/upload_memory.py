#!/usr/bin/env python3
"""How much a serving freewire grows while it takes large uploads and serves them back.

Starts `freewire serve` on a fresh SQLite data folder (one imported sample feed, one
contributor), signs in over HTTP, then posts FILES files of SIZE_MIB MiB, CONCURRENCY at a time,
each streamed from disk by this client, while sampling the server's resident memory every
20 ms from /proc. Then downloads them all back the same way, and asks one for a byte range.
Prints one Markdown table row per phase; exits non-zero if any request fails.

Usage: upload_memory.py FREEWIRE_BINARY [FILES] [SIZE_MIB] [CONCURRENCY]
Only the standard library: it runs wherever Python 3 does.
"""

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

CHUNK = 256 * 1024
PASSWORD = "upload memory benchmark"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Samples a process's resident memory until stopped; keeps the peak."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid, self.peak, self.running = pid, 0, True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_kib(self.pid))
            time.sleep(0.02)

    def stop(self):
        self.running = False
        self.join()
        return self.peak


class Client:
    def __init__(self, port):
        self.port, self.cookies = port, {}

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        h = dict(headers or {})
        if self.cookies:
            h["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        conn.request(method, path, body=body, headers=h)
        res = conn.getresponse()
        data = res.read()
        for name, value in res.getheaders():
            if name.lower() == "set-cookie":
                k, _, rest = value.partition("=")
                self.cookies[k.strip()] = rest.split(";")[0]
        conn.close()
        return res.status, dict((k.lower(), v) for k, v in res.getheaders()), data

    def upload(self, path, csrf, file_path, name):
        boundary = "----freewire" + secrets.token_hex(12)
        pre = (
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nA large file.\r\n"
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"{name}\"\r\n"
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        post = f"\r\n--{boundary}--\r\n".encode()
        size = os.path.getsize(file_path)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        conn.putrequest("POST", path)
        conn.putheader("Content-Type", f"multipart/form-data; boundary={boundary}")
        conn.putheader("Content-Length", str(len(pre) + size + len(post)))
        conn.putheader("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
        conn.endheaders()
        conn.send(pre)
        with open(file_path, "rb") as f:
            while chunk := f.read(CHUNK):
                conn.send(chunk)
        conn.send(post)
        res = conn.getresponse()
        res.read()
        conn.close()
        return res.status

    def download(self, path, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=300)
        h = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        h.update(headers or {})
        conn.request("GET", path, headers=h)
        res = conn.getresponse()
        total = 0
        while chunk := res.read(CHUNK):
            total += len(chunk)
        conn.close()
        return res.status, total, dict((k.lower(), v) for k, v in res.getheaders())


def run_threads(jobs, concurrency):
    """Runs callables `concurrency` at a time; returns their results in order."""
    results = [None] * len(jobs)
    lock = threading.Lock()
    queue = list(enumerate(jobs))

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                i, job = queue.pop(0)
            results[i] = job()

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def main():
    binary = os.path.abspath(sys.argv[1])
    files = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    size_mib = int(sys.argv[3]) if len(sys.argv) > 3 else 24
    concurrency = int(sys.argv[4]) if len(sys.argv) > 4 else 4
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    work = tempfile.mkdtemp(prefix="freewire-upload-memory-")
    data = os.path.join(work, "data")
    env = dict(os.environ, FREEWIRE_POLL__ENABLED="false", FREEWIRE_LOG="warn")
    run = lambda *args, **kw: subprocess.run([binary, "--data-dir", data, *args], env=env, check=True,
                                             stdout=subprocess.DEVNULL, **kw)
    server = None
    try:
        run("import", os.path.join(repo, "crates/freewire/demo/harbour-gazette.xml"), "--source", "Harbour Gazette")
        run("user", "add", "bench", "--role", "contributor", input=PASSWORD.encode())
        port = free_port()
        server = subprocess.Popen([binary, "--data-dir", data, "serve", "--listen", f"127.0.0.1:{port}"],
                                  env=env, stdout=subprocess.DEVNULL)
        client = Client(port)
        for _ in range(200):
            try:
                client.request("GET", "/")
                break
            except OSError:
                time.sleep(0.05)
        _, _, page = client.request("GET", "/login")
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        form = urllib.parse.urlencode({"csrf": csrf, "next": "/", "username": "bench", "password": PASSWORD})
        status, _, _ = client.request("POST", "/login", form, {"Content-Type": "application/x-www-form-urlencoded"})
        assert status == 303, f"sign-in answered {status}"
        _, _, home = client.request("GET", "/")
        article = re.search(rb'href="(/\d{4}/\d{2}/\d{2}/[^"/]+/)"', home).group(1).decode()
        _, _, page = client.request("GET", article)
        csrf = re.search(rb'name="csrf" value="([^"]+)"', page).group(1).decode()
        action = re.search(rb'action="(/articles/\d+/updates)"', page).group(1).decode()

        paths = []
        for i in range(files):
            p = os.path.join(work, f"file-{i}.pdf")
            with open(p, "wb") as f:
                f.write(b"%PDF-1.7\n")
                remaining = size_mib * 1024 * 1024 - 9
                while remaining > 0:
                    n = min(remaining, 4 * 1024 * 1024)
                    f.write(os.urandom(n))
                    remaining -= n
            paths.append(p)
        # Warm up: one small upload, so the figure is growth under load, not first use.
        small = os.path.join(work, "small.pdf")
        with open(small, "wb") as f:
            f.write(b"%PDF-1.7\n" + os.urandom(64 * 1024))
        assert client.upload(action, csrf, small, "small.pdf") == 303
        time.sleep(0.5)

        rows = []
        base = rss_kib(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()
        started = time.monotonic()
        statuses = run_threads([lambda p=p, i=i: client.upload(action, csrf, p, f"large-{i}.pdf")
                                for i, p in enumerate(paths)], concurrency)
        took = time.monotonic() - started
        peak = sampler.stop()
        assert all(s == 303 for s in statuses), f"uploads answered {statuses}"
        rows.append(("upload", base, peak, took))

        _, _, page = client.request("GET", article)
        # File names in links are percent-encoded: large-0.pdf is large%2D0%2Epdf.
        links = sorted(set(re.findall(rb'href="(/files/\d+/large[^"]*)"', page)))
        assert len(links) == files, f"{len(links)} of {files} files listed"
        base = rss_kib(server.pid)
        sampler = Sampler(server.pid)
        sampler.start()
        started = time.monotonic()
        got = run_threads([lambda l=l: client.download(l.decode()) for l in links], concurrency)
        took = time.monotonic() - started
        peak = sampler.stop()
        assert all(s == 200 and n == size_mib * 1024 * 1024 for s, n, _ in got), "downloads came back whole"
        rows.append(("download", base, peak, took))

        status, n, headers = client.download(links[0].decode(), {"Range": "bytes=0-99"})
        assert status == 206 and n == 100, f"a range answered {status} with {n} bytes"
        assert headers.get("content-range") == f"bytes 0-99/{size_mib * 1024 * 1024}", headers

        print(f"| phase ({files} files of {size_mib} MiB, {concurrency} at a time) | RSS before | peak RSS | growth | wall time |")
        print("|---|---|---|---|---|")
        for phase, before, top, took in rows:
            print(f"| {phase} | {before / 1024:.1f} MiB | {top / 1024:.1f} MiB | {(top - before) / 1024:.1f} MiB | {took:.2f} s |")
        print(f"(a range request for bytes 0-99 answered 206 with {headers.get('content-range')})")
    finally:
        if server:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
