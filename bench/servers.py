"""Start and stop the servers a benchmark measures, each in its own process on 127.0.0.1."""

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

REPO = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Process:
    """A server child process whose ``health_path`` returns 200 once it is ready."""

    def __init__(self, command: list[str], port: int, log_path: Path, env: dict | None = None, health_path: str = "/healthz"):
        self.command = command
        self.port = port
        self.log_path = log_path
        self.env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""), **(env or {})}
        self.health_path = health_path
        self.popen: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/ws"

    @property
    def pid(self) -> int:
        return self.popen.pid

    def start(self, timeout: float = 60) -> "Process":
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.popen = subprocess.Popen(self.command, stdout=open(self.log_path, "ab"), stderr=subprocess.STDOUT, cwd=REPO, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise RuntimeError(f"{self.command[:4]} exited with {self.popen.returncode}; see {self.log_path}")
            try:
                if httpx.get(self.url + self.health_path, timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"{self.command[:4]} did not become ready within {timeout} s; see {self.log_path}")

    def stop(self) -> None:
        if self.popen and self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait()

    def rss_bytes(self, include_children: bool = False) -> int:
        """Resident memory of the process, and of its direct children when asked (the storage process)."""
        pids = [self.pid]
        if include_children:
            children = Path(f"/proc/{self.pid}/task/{self.pid}/children")
            pids += [int(pid) for pid in children.read_text().split()] if children.exists() else []
        total = 0
        for pid in pids:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        return total


def eventlayer(data_dir: Path, log_dir: Path, **env) -> Process:
    """``eventlayer serve`` with default settings on a fresh data directory; the keys are fixed for the run."""
    port = free_port()
    # Every load comes from 127.0.0.1, so the per-IP and per-key guards would measure themselves; they are
    # lifted here and measured by the reliability tests instead.
    guards = {
        "EVENTLAYER_IP_RATE_LIMIT": "1e9", "EVENTLAYER_IP_RATE_BURST": "1e9",
        "EVENTLAYER_KEY_RATE_LIMIT": "1e9", "EVENTLAYER_KEY_RATE_BURST": "1e9",
        "EVENTLAYER_MAX_CONNECTIONS_PER_IP": "100000",
    }
    env = {"EVENTLAYER_WRITE_KEY": "wk_bench", "EVENTLAYER_READ_KEY": "rk_bench", **guards, **{k: str(v) for k, v in env.items()}}
    command = [sys.executable, "-m", "eventlayer", "serve", "--port", str(port), "--data", str(data_dir), "--log-level", "warning"]
    return Process(command, port, log_dir / f"eventlayer-{port}.log", env)


def bench_server(module: str, data_dir: Path, log_dir: Path) -> Process:
    """Build one of the comparison servers in bench/ (bare endpoint, original design)."""
    port = free_port()
    command = [sys.executable, "-m", module, "--port", str(port), "--data", str(data_dir)]
    return Process(command, port, log_dir / f"{module.rsplit('.', 1)[-1]}-{port}.log")


def sql(process: Process, query: str, key: str = "rk_bench") -> list[dict]:
    response = httpx.post(process.url + "/api/sql", content=query.encode(), headers={"X-EventLayer-Key": key}, timeout=120)
    response.raise_for_status()
    return response.json()["rows"]


def run_json(command: list[str], timeout: float = 900) -> dict:
    """Run a load generator and return the JSON object it prints on its last line."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=REPO, env=env)
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(command[:4])} failed with {result.returncode}:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])
