"""A real server in a child process, for tests: start, stop (SIGTERM or SIGKILL), restart on the same data."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class ServerProcess:
    """``eventlayer serve`` on 127.0.0.1. With ``faulty=True`` the storage is wrapped by tests/support/faulty.py,
    whose faults are switched through ``set_faults``."""

    def __init__(self, data_dir: Path, env: dict | None = None, faulty: bool = False, port: int | None = None):
        self.data_dir = Path(data_dir)
        self.port = port or free_port()
        self.env = {key: str(value) for key, value in (env or {}).items()}
        self.faulty = faulty
        self.process: subprocess.Popen | None = None
        self.log_path = self.data_dir.parent / f"server-{self.port}.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    def _keys(self) -> dict:
        return json.loads((self.data_dir / "keys.json").read_text())

    @property
    def write_key(self) -> str:
        return self.env.get("EVENTLAYER_WRITE_KEY") or self._keys()["write_key"]

    @property
    def read_key(self) -> str:
        return self.env.get("EVENTLAYER_READ_KEY") or self._keys()["read_key"]

    def start(self, timeout: float = 30) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        # Tests send from one address far faster than a real client, so the per-IP rate limit is off unless a
        # test sets it.
        env = {**os.environ, "EVENTLAYER_FLUSH_INTERVAL": "0.2", "EVENTLAYER_IP_RATE_LIMIT": "0", **self.env}
        env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
        module = ["-m", "tests.support.faulty"] if self.faulty else ["-m", "eventlayer"]
        command = [sys.executable, *module, "serve", "--port", str(self.port), "--data", str(self.data_dir), "--log-level", "info"]
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=REPO, env=env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited with {self.process.returncode}; log:\n{self.log()}")
            try:
                if httpx.get(self.url + "/healthz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer /healthz within {timeout} s; log:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 30) -> int | None:
        """Stop the server and return its exit code (None if it was not running)."""
        if self.process is None or self.process.poll() is not None:
            return self.process.returncode if self.process else None
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            raise RuntimeError(f"server did not stop within {timeout} s after signal {sig}")

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def restart(self) -> None:
        self.stop()
        self.start()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    def query(self, sql: str) -> list[dict]:
        """Run read-only SQL through the server's /api/sql and return the rows."""
        response = httpx.post(self.url + "/api/sql", content=sql.encode(), headers={"X-EventLayer-Key": self.read_key}, timeout=30)
        response.raise_for_status()
        return response.json()["rows"]

    def count(self, where: str = "1") -> tuple[int, int]:
        """Return (count(), uniqExact(event_id)) of stored events matching a SQL condition."""
        row = self.query(f"SELECT count() AS n, uniqExact(event_id) AS u FROM eventlayer.event_manager WHERE {where}")[0]
        return int(row["n"]), int(row["u"])

    def set_faults(self, **faults) -> None:
        """Switch the faulty storage's faults (only with faulty=True); see tests/support/faulty.py."""
        (self.data_dir / "faults.json").write_text(json.dumps(faults))
