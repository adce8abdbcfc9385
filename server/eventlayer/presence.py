"""Presence, with no I/O: how many SDK connections are open on each page, per project.

A connection counts when its ``hello`` carried the page's ``url``. Pages are grouped by scheme, host and path:
the query string and fragment are dropped, because they often hold tracking parameters or tokens and would
split one page into many rows.
"""

from __future__ import annotations

from collections import Counter
from urllib.parse import urlsplit, urlunsplit

# Pages listed in one presence frame, the busiest first; the frame's ``total`` still counts every connection.
MAX_PAGES = 50
MAX_PAGE_CHARS = 2048


def page_of(url: str) -> str:
    """Return the page a URL belongs to: the URL without its query string and fragment."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url[:MAX_PAGE_CHARS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))[:MAX_PAGE_CHARS]


class PresenceBook:
    """Open SDK connections by project and page. ``version`` of a project changes whenever its counts do."""

    def __init__(self) -> None:
        self._pages: dict[str, Counter] = {}
        self._connection_page: dict[str, tuple[str, str]] = {}
        self._versions: dict[str, int] = {}

    def opened(self, project: str, connection_id: str, url: str) -> None:
        if not url or connection_id in self._connection_page:
            return
        page = page_of(url)
        self._connection_page[connection_id] = (project, page)
        self._pages.setdefault(project, Counter())[page] += 1
        self._versions[project] = self._versions.get(project, 0) + 1

    def closed(self, connection_id: str) -> None:
        entry = self._connection_page.pop(connection_id, None)
        if entry is None:
            return
        project, page = entry
        pages = self._pages[project]
        pages[page] -= 1
        if pages[page] <= 0:
            del pages[page]
        self._versions[project] = self._versions.get(project, 0) + 1

    def version(self, project: str) -> int:
        return self._versions.get(project, 0)

    def frame(self, project: str) -> dict:
        """Return the ``presence`` frame for a project: its busiest pages and the total of its connections."""
        pages = self._pages.get(project, Counter())
        busiest = sorted(pages.items(), key=lambda item: (-item[1], item[0]))[:MAX_PAGES]
        return {
            "t": "presence",
            "pages": [{"url": page, "connections": count} for page, count in busiest],
            "total": sum(pages.values()),
        }
