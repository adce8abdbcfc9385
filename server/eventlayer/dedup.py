"""Recent event ids, so that a resent event is stored once.

An id is *pending* from the moment its event is handed to the writer until the write is durable, then *stored*.
A repeat of a pending id must wait for the first copy's write before it may be acknowledged: acknowledging it
at once would promise durability that does not exist yet. The stored set is bounded; the oldest ids fall out
first, and on start it is filled from the newest ids in storage, so resends across a restart are caught too.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict


class RecentIds:
    def __init__(self, max_ids: int):
        self.max_ids = max_ids
        self._stored: OrderedDict[str, None] = OrderedDict()
        self._pending: dict[str, asyncio.Future] = {}

    def __len__(self) -> int:
        return len(self._stored)

    def load(self, ids_newest_first: list[str]) -> None:
        for event_id in reversed(ids_newest_first):
            self._remember(event_id)

    def lookup(self, event_id: str) -> asyncio.Future | bool:
        """Return the pending write's future, True when stored, False when unseen."""
        pending = self._pending.get(event_id)
        if pending is not None:
            return pending
        return event_id in self._stored

    def add_pending(self, event_ids: list[str], write: asyncio.Future) -> None:
        for event_id in event_ids:
            self._pending[event_id] = write
        write.add_done_callback(lambda done: self._settle(event_ids, done))

    def _settle(self, event_ids: list[str], write: asyncio.Future) -> None:
        durable = not write.cancelled() and write.exception() is None
        for event_id in event_ids:
            self._pending.pop(event_id, None)
            if durable:
                self._remember(event_id)

    def _remember(self, event_id: str) -> None:
        self._stored[event_id] = None
        self._stored.move_to_end(event_id)
        if len(self._stored) > self.max_ids:
            self._stored.popitem(last=False)
