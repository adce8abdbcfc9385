"""Run ``eventlayer`` with its real storage wrapped in a fault injector, for outage tests.

Faults are read from ``<data>/faults.json`` whenever that file changes:
- ``fail_inserts`` (bool): every insert raises StorageError without reaching ClickHouse.
- ``commit_then_fail`` (int): the first attempts of the next N batches are committed and then reported as
  failed, like an insert whose reply was lost to a timeout; the writer's retry of the same batch goes through.
- ``insert_delay`` (float, seconds): sleep before each insert.
Counts of what happened are written to ``<data>/faults-status.json`` after each insert.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from eventlayer.storage import StorageError, open_storage


class FaultyStorage:
    def __init__(self, inner, control_dir: Path):
        self.inner = inner
        self.control = control_dir / "faults.json"
        self.status_path = control_dir / "faults-status.json"
        self._mtime = None
        self.faults: dict = {}
        self.status = {"inserts": 0, "failed": 0, "committed_then_failed": 0}
        self._tokens_seen: set[str] = set()

    def __getattr__(self, name):
        return getattr(self.inner, name)

    def _refresh(self) -> None:
        try:
            mtime = self.control.stat().st_mtime_ns
        except FileNotFoundError:
            return
        if mtime != self._mtime:
            self._mtime = mtime
            self.faults = json.loads(self.control.read_text() or "{}")

    def insert(self, rows, token):
        self._refresh()
        self.status["inserts"] += 1
        try:
            if self.faults.get("insert_delay"):
                time.sleep(float(self.faults["insert_delay"]))
            if self.faults.get("fail_inserts"):
                self.status["failed"] += 1
                raise StorageError("injected fault: insert failed")
            self.inner.insert(rows, token)
            first_attempt = token not in self._tokens_seen
            self._tokens_seen.add(token)
            if first_attempt and self.faults.get("commit_then_fail", 0) > 0:
                self.faults["commit_then_fail"] -= 1
                self.status["committed_then_failed"] += 1
                raise StorageError("injected fault: insert committed, then reported as timed out")
        finally:
            self.status_path.write_text(json.dumps(self.status))


def main() -> None:
    from eventlayer import server as server_module

    original_run = server_module.run

    def run_with_faults(settings, log_level="info"):
        def open_faulty(url):
            return FaultyStorage(open_storage(url), Path(settings.data_dir))

        return original_run(settings, log_level, storage_factory=open_faulty)

    server_module.run = run_with_faults
    from eventlayer.cli import main as cli_main

    cli_main()


if __name__ == "__main__":
    main()
