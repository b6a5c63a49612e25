"""Latency of ``routeplan serve`` with 20 concurrent readers, idle and while a plan runs (p50/p95).

Starts a real server on 127.0.0.1 (a free port) with a throw-away data folder, uploads the sample, then for each
phase lets ``--readers`` threads request a page (the scenario list, with a session cookie) and an API route
(``GET /api/scenarios``, bearer token) for ``--seconds``: first with no job (the baseline), then while a plan of the
sample runs in the job pool. Prints a table and writes ``benchmarks/results/serve_latency.json``.

    python benchmarks/serve_latency.py [--readers 20] [--seconds 15]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from pathlib import Path

import requests

# private module: the benchmark starts the web app's own state, users and tokens (no public API for a server)
from routeplan.serve.app import open_state

# private module: as above
from routeplan.serve.auth import add_user, new_token

# private module: as above
from routeplan.serve.settings import ServeConfig

ROOT = Path(__file__).resolve().parents[1]
PASSWORD = "benchmark-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _sample_zip() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((ROOT / "data" / "sample").iterdir()):
            zf.writestr(f"sample/{p.name}", p.read_bytes())
    return buf.getvalue()


def _login(url: str) -> requests.Session:
    s = requests.Session()
    page = s.get(url + "/login", timeout=30).text
    token = page.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    s.post(url + "/login", data={"name": "bench", "password": PASSWORD, "csrf": token}, timeout=30)
    return s


def _phase(url: str, token: str, readers: int, seconds: float) -> dict[str, dict[str, float]]:
    times: dict[str, list[float]] = {"page /": [], "GET /api/scenarios": []}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def reader(i: int) -> None:
        s = _login(url)
        api = requests.Session()
        api.headers["Authorization"] = f"Bearer {token}"
        while time.monotonic() < end:
            for name, call in (("page /", lambda: s.get(url + "/", timeout=60)),
                               ("GET /api/scenarios", lambda: api.get(url + "/api/scenarios", timeout=60))):
                t0 = time.perf_counter()
                r = call()
                dt = time.perf_counter() - t0
                assert r.status_code == 200, r.status_code
                with lock:
                    times[name].append(dt)

    threads = [threading.Thread(target=reader, args=(i,)) for i in range(readers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return {k: {"n": len(v), "p50_ms": round(1000 * statistics.median(v), 1),
                "p95_ms": round(1000 * statistics.quantiles(v, n=20)[18], 1)} for k, v in times.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--readers", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=15.0)
    args = ap.parse_args()
    data = Path(tempfile.mkdtemp(prefix="routeplan-serve-bench-"))
    st = open_state(ServeConfig(data=data))
    add_user(st.factory, "bench", "planner", PASSWORD)
    token = new_token(st.factory, "bench")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([sys.executable, "-m", "routeplan", "serve", "--data", str(data), "--port", str(port)],
                            cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if requests.get(url + "/api/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        auth = {"Authorization": f"Bearer {token}"}
        sid = requests.post(url + "/api/scenarios", headers=auth, files={"file": ("s.zip", _sample_zip())},
                            timeout=60).json()["id"]
        idle = _phase(url, token, args.readers, args.seconds)
        job = requests.post(f"{url}/api/scenarios/{sid}/plans", headers=auth, timeout=60,
                            json={"seed": 1, "time_limit": 600, "iterations": 1_000_000}).json()["id"]
        while requests.get(f"{url}/api/jobs/{job}", headers=auth, timeout=60).json()["state"] != "running":
            time.sleep(0.2)
        busy = _phase(url, token, args.readers, args.seconds)
        still = requests.get(f"{url}/api/jobs/{job}", headers=auth, timeout=60).json()
        assert still["state"] == "running", still  # the plan ran through the whole measured phase
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
    result = {"meta": {"date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), "machine": platform.processor()
                       or platform.machine(), "cpus": os.cpu_count(), "python": platform.python_version(),
                       "load_at_start": os.getloadavg()[0], "readers": args.readers, "seconds": args.seconds},
              "idle": idle, "while_planning": busy}
    out = ROOT / "benchmarks" / "results" / "serve_latency.json"
    out.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    print("| route | idle p50 / p95 (ms) | while a plan runs p50 / p95 (ms) | p95 ratio |")
    print("|---|---|---|---|")
    for k in idle:
        a, b = idle[k], busy[k]
        print(f"| {k} | {a['p50_ms']} / {a['p95_ms']} (n={a['n']}) | {b['p50_ms']} / {b['p95_ms']} (n={b['n']}) | "
              f"{b['p95_ms'] / a['p95_ms']:.2f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
