#!/usr/bin/env python3
"""What a first-time visitor of a page downloads, as the server sends it.

Usage: page_weight.py SERVER_BINARY [PATH]   (PATH defaults to /register)

Starts the bundled server on a free port with a throwaway data directory (the
development SMS provider, SQLite), asks for PATH with `Accept-Encoding: br` as a
browser does, then for every file the page names (/assets/... in its HTML) and
the wasm module its script loads, and prints each file's size on the wire
(brotli where the server sends it compressed) and the total. Nothing is cached
between requests, as on a first visit. The full build a public page names for
prefetching once it runs (<meta name="gatehouse-full-build">) is printed apart,
outside the total.
"""
import os, re, socket, subprocess, sys, tempfile, time, urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    req = urllib.request.Request(url, headers={"Accept-Encoding": "br", "Accept-Language": "zh-CN"})
    with urllib.request.urlopen(req, timeout=10) as res:
        return res.read(), res.headers.get("Content-Encoding", "identity")


def main():
    binary = os.path.abspath(sys.argv[1])
    path = sys.argv[2] if len(sys.argv) > 2 else "/register"
    port = free_port()
    data = tempfile.mkdtemp(prefix="gatehouse-weight-")
    env = dict(os.environ, IP="127.0.0.1", PORT=str(port), GATEHOUSE_DATA_DIR=data,
               GATEHOUSE_SMS_OUTBOX=os.path.join(data, "outbox.jsonl"))
    server = subprocess.Popen([binary, "serve"], cwd=os.path.dirname(binary), env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                fetch(base + "/healthz")
                break
            except OSError:
                time.sleep(0.1)
        html, enc = fetch(base + path)
        rows = [(path, len(html), enc)]
        text = fetch_plain(base + path)
        meta = r'<meta name="gatehouse-full-build" content="([^"]*)">'
        later = [a.replace("/./", "/") for m in re.findall(meta, text) for a in m.split()]
        text = re.sub(meta, "", text)
        # Dioxus names its script and wasm "/./assets/..." (its base path "/").
        asset_re = r'["\'](/(?:\./)?assets/[^"\'?#]+)["\']'
        assets = sorted({a.replace("/./", "/") for a in re.findall(asset_re, text)})
        for asset in assets:
            body, enc = fetch(base + asset)
            rows.append((asset, len(body), enc))
            if asset.endswith(".js"):
                js = fetch_plain(base + asset)
                named = {a.replace("/./", "/") for a in re.findall(asset_re, js)}
                for wasm in sorted(a for a in named - set(assets) if a.endswith(".wasm")):
                    body, enc = fetch(base + wasm)
                    rows.append((wasm, len(body), enc))
        total = sum(size for _, size, _ in rows)
        for name, size, enc in rows:
            print(f"{path} visitor downloads {name}: {size:,} bytes ({enc})")
        print(f"{path} visitor downloads in all: {total:,} bytes over {len(rows)} files")
        for asset in later:
            body, enc = fetch(base + asset)
            print(f"{path} then prefetches, once it runs, {asset}: {len(body):,} bytes ({enc})")
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch_plain(url):
    with urllib.request.urlopen(url, timeout=10) as res:
        return res.read().decode("utf-8", "replace")


if __name__ == "__main__":
    main()
