"""`make demo` (bin/demo) on the embedded default: SQLite, no Redis, and still a real background worker.

The command runs as a user would start it, on a temporary SQLite file and a temporary filesystem broker: an upload
and a new analysis filter are answered at once (queued), the worker finishes them while the client polls, static
files come hashed, gzipped and cached, and Ctrl-C stops the server *and* the worker.
"""

import gzip
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from tests.conftest import REPO_ROOT
from tests.surveys.helpers import SYNTHETIC_MAPPING, synthetic_csv

DEMO_PASSWORD = "momentum-demo"  # noqa: S105 - the demo users' documented password


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Client:
    def __init__(self, base: str):
        self.base = base
        self.headers: dict[str, str] = {}

    def raw(self, method: str, path: str, body: bytes | None = None, headers=None):
        """(status, headers, body bytes)."""
        request = urllib.request.Request(  # noqa: S310 - a loopback URL built by the test
            self.base + path, data=body, method=method, headers={**self.headers, **(headers or {})}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()

    def call(self, method: str, path: str, body: bytes | None = None, headers=None) -> tuple[int, dict]:
        status, _, content = self.raw(method, path, body, headers)
        return status, json.loads(content or b"{}")

    def json(self, method: str, path: str, payload: dict) -> tuple[int, dict]:
        return self.call(method, path, json.dumps(payload).encode(), {"Content-Type": "application/json"})

    def upload(self, fields: dict[str, str], file_bytes: bytes) -> tuple[int, dict]:
        boundary = uuid.uuid4().hex
        parts = [
            f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
            for k, v in fields.items()
        ]
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="wave.csv"\r\n'
            "Content-Type: text/csv\r\n\r\n".encode()
            + file_bytes
            + b"\r\n"
        )
        parts.append(f"--{boundary}--\r\n".encode())
        return self.call(
            "POST", "/api/uploads/", b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        )

    def poll(self, path: str, timeout: float = 120) -> tuple[dict, set[str]]:
        seen: set[str] = set()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            _, body = self.call("GET", path)
            seen.add(body.get("status"))
            if body.get("status") in ("done", "failed"):
                return body, seen
            time.sleep(0.2)
        pytest.fail(f"{path} did not finish within {timeout} s (seen {seen})")


def _group_pids(pgid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "-g", str(pgid)], capture_output=True, text=True, check=False)
    return [int(p) for p in out.stdout.split()]


@pytest.fixture
def demo(tmp_path):
    """bin/demo in its own process group, on a temporary SQLite file and broker folder; yields (client, process)."""
    port = _free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_TASK_ALWAYS_EAGER"}
    }
    env.update(
        PY=sys.executable,
        DATABASE_URL=f"sqlite:///{tmp_path / 'demo.sqlite3'}",
        CELERY_BROKER_DIR=str(tmp_path / "celery"),
        UPLOAD_ROOT=str(tmp_path / "uploads"),
        STATIC_ROOT=str(tmp_path / "static"),
        DEMO_ADDR=f"127.0.0.1:{port}",
        DEMO_LOAD_ARGS="--respondents 400",
        DEMO_WORKER_LOG=str(tmp_path / "worker.log"),
        MOMENTUM_BOOTSTRAP="20",
        REDIS_URL="redis://127.0.0.1:1/0",  # bin/demo must drop it: the demo never needs Redis
    )
    log = open(tmp_path / "demo.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(  # noqa: S603
        ["bash", "bin/demo"], cwd=REPO_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    client = Client(f"http://127.0.0.1:{port}")
    deadline = time.monotonic() + 180
    while True:
        if process.poll() is not None:
            pytest.fail(f"bin/demo exited with {process.returncode}: {(tmp_path / 'demo.log').read_text()}")
        try:
            if client.call("GET", "/healthz")[0] == 200:
                break
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"bin/demo did not serve within 180 s: {(tmp_path / 'demo.log').read_text()}")
        time.sleep(0.5)
    yield client, process, tmp_path
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(10)
    log.close()


def test_make_demo_runs_uploads_and_analyses_on_a_background_worker_and_stops_it_on_ctrl_c(demo):
    client, process, tmp_path = demo
    _, token = client.call(
        "POST", "/api/auth/token/", urllib.parse.urlencode({"username": "analyst", "password": DEMO_PASSWORD}).encode()
    )
    client.headers["Authorization"] = f"Token {token['token']}"
    _, journeys = client.call("GET", "/api/journeys/")
    broadband = journeys["results"][0]

    # A filter view nobody computed yet: answered at once with a run to poll, computed by the worker.
    started = time.monotonic()
    status, body = client.call("GET", f"/api/journeys/{broadband['id']}/analysis/?method=correlation")
    assert status == 202, body
    assert time.monotonic() - started < 2.0
    run, _ = client.poll(body["run"]["url"].replace(client.base, ""))
    assert run["status"] == "done", run.get("message")

    # An upload: 202 while still queued (an eager run would answer "done"), then imported by the worker.
    status, journey = client.json("POST", "/api/journeys/", {"name": "Shop", "organisation": broadband["organisation"]})
    assert status == 201, journey
    csv_bytes = synthetic_csv(tmp_path / "wave.csv", 3000).read_bytes()
    status, upload = client.upload(
        {"journey": str(journey["id"]), "survey": "Spring", "mapping": json.dumps(SYNTHETIC_MAPPING)}, csv_bytes
    )
    assert status == 202, upload
    assert upload["status"] in ("queued", "running")
    finished, seen = client.poll(f"/api/uploads/{upload['id']}/")
    assert finished["status"] == "done", finished
    assert seen & {"queued", "running"}
    assert "succeeded" in (tmp_path / "worker.log").read_text()

    # Static files: hashed names, gzipped, cached for a year; plotly.js is the basic bundle (not the 4.8 MB one).
    _, _, login_page = client.raw("GET", "/login/")
    manifest = json.loads((tmp_path / "static" / "staticfiles.json").read_text())["paths"]
    assert f"/static/{manifest['css/app.css']}" in login_page.decode()
    status, headers, body = client.raw(
        "GET", f"/static/{manifest['vendor/plotly/plotly.min.js']}", headers={"Accept-Encoding": "gzip"}
    )
    assert status == 200
    assert headers["Content-Encoding"] == "gzip"
    assert "immutable" in headers["Cache-Control"]
    assert int(headers["Cache-Control"].split("max-age=")[1].split(",")[0]) >= 365 * 24 * 3600
    assert len(body) < 500_000  # 0.4 MB on the wire (1.2 MB unpacked) instead of 4.8 MB
    assert gzip.decompress(body).startswith(b"/**\n* plotly.js (basic - minified)")

    # Ctrl-C (SIGINT to the terminal's process group) stops runserver and the worker with its pool and beat.
    assert len(_group_pids(process.pid)) >= 4  # bash, runserver, the worker and its children
    os.killpg(process.pid, signal.SIGINT)
    process.wait(60)
    deadline = time.monotonic() + 10
    while _group_pids(process.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert _group_pids(process.pid) == []
    assert "demo worker stopped" in (tmp_path / "demo.log").read_text()
