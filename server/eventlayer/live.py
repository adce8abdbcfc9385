"""The live hub: pushes each validated event, with what the server did with it, to matching subscribers.

Placeholder hub with the interface the ingest path calls; subscriptions come with the live feed work.
"""

from __future__ import annotations


class LiveHub:
    def publish(self, project: str, events: list[dict]) -> None:
        """Hand events to subscribers at once. Each event is a stored-form row plus ``status``
        (accepted / duplicate / rejected) and ``reason`` when rejected. Must not block or raise."""
