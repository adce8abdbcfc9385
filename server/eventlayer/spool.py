"""The on-disk spool: batches that storage could not take, kept in order until it can.

Each batch is one msgpack file named by an increasing sequence number. A batch is written to a temporary file,
fsynced, renamed into place and the directory fsynced, so a batch is either wholly in the spool or absent after
a crash. Once ``append`` returns, the batch is durable and its events may be acknowledged.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import msgpack

logger = logging.getLogger(__name__)

SUFFIX = ".batch"


class SpoolFull(Exception):
    """The spool has no room for the batch within its byte limit."""


@dataclass
class SpooledBatch:
    path: Path
    token: str
    rows: list[dict]


class Spool:
    def __init__(self, directory: Path, max_bytes: int):
        self.directory = Path(directory)
        self.max_bytes = max_bytes
        self.directory.mkdir(parents=True, exist_ok=True)
        # The writer appends from one worker thread while the replayer reads and removes from another.
        self._lock = threading.Lock()
        for leftover in self.directory.glob("*.tmp"):
            leftover.unlink()  # a write interrupted before its rename was never acknowledged
        self._files = sorted(self.directory.glob(f"*{SUFFIX}"))
        self._sizes = {path: path.stat().st_size for path in self._files}
        self._next = int(self._files[-1].stem) + 1 if self._files else 1
        if self._files:
            logger.info("Spool holds %d batches (%d bytes) from an earlier run", len(self._files), self.bytes_used)

    @property
    def depth(self) -> int:
        return len(self._files)

    @property
    def bytes_used(self) -> int:
        with self._lock:
            return sum(self._sizes.values())

    def append(self, token: str, rows: list[dict]) -> None:
        """Write a batch durably, or raise SpoolFull without writing anything."""
        payload = msgpack.packb({"token": token, "rows": rows}, use_bin_type=True)
        if self.bytes_used + len(payload) > self.max_bytes:
            raise SpoolFull(f"spool has {self.bytes_used} of {self.max_bytes} bytes used; batch needs {len(payload)}")
        with self._lock:
            path = self.directory / f"{self._next:016d}{SUFFIX}"
            self._next += 1
        temporary = path.with_suffix(".tmp")
        with open(temporary, "wb") as handle:
            handle.write(payload)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        self._fsync_directory()
        with self._lock:
            self._files.append(path)
            self._sizes[path] = len(payload)

    def oldest(self) -> SpooledBatch | None:
        with self._lock:
            if not self._files:
                return None
            path = self._files[0]
        data = msgpack.unpackb(path.read_bytes(), raw=False, strict_map_key=False)
        return SpooledBatch(path, data["token"], data["rows"])

    def remove(self, batch: SpooledBatch) -> None:
        """Delete a batch after storage has it; only the oldest may be removed, to keep the order."""
        with self._lock:
            if not self._files or self._files[0] != batch.path:
                raise ValueError(f"{batch.path.name} is not the oldest spooled batch")
        batch.path.unlink()
        self._fsync_directory()
        with self._lock:
            self._files.pop(0)
            self._sizes.pop(batch.path, None)

    def _fsync_directory(self) -> None:
        descriptor = os.open(self.directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
