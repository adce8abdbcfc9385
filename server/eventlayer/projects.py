"""Projects and their keys: a public write key (ingest only) and a secret read key (ingest, live, queries)."""

from __future__ import annotations

import json
import logging
import os
import secrets
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from eventlayer.config import Settings

logger = logging.getLogger(__name__)

DEFAULT_PROJECT = "default"
KEYS_FILE_NAME = "keys.json"


class Role(Enum):
    WRITE = "write"
    READ = "read"


@dataclass(frozen=True)
class Project:
    name: str
    write_key: str
    read_key: str
    # Origins the write key is accepted from; empty accepts any Origin.
    origins: tuple[str, ...] = field(default_factory=tuple)

    def allows_origin(self, origin: str | None) -> bool:
        return not self.origins or origin is None or origin in self.origins


@dataclass(frozen=True)
class Credential:
    project: Project
    role: Role

    @property
    def can_read(self) -> bool:
        return self.role is Role.READ


class ProjectRegistry:
    def __init__(self, projects: list[Project]):
        self.projects = {project.name: project for project in projects}
        self._by_key: dict[str, Credential] = {}
        for project in projects:
            self._by_key[project.write_key] = Credential(project, Role.WRITE)
            self._by_key[project.read_key] = Credential(project, Role.READ)

    @property
    def default(self) -> Project:
        return self.projects[DEFAULT_PROJECT]

    def authenticate(self, key: object) -> Credential | None:
        if not isinstance(key, str) or not key:
            return None
        return self._by_key.get(key)


def _generate_key(prefix: str) -> str:
    return f"{prefix}_{secrets.token_urlsafe(18)}"


def load_default_keys(settings: Settings) -> tuple[str, str]:
    """Return the default project's (write key, read key).

    Keys from the environment win. Otherwise they are read from <data>/keys.json, which is created with new
    random keys on first start (mode 0600, because the read key is a secret).
    """
    path = Path(settings.data_dir) / KEYS_FILE_NAME
    stored: dict = {}
    if path.exists():
        stored = json.loads(path.read_text(encoding="utf-8"))
    write_key = settings.write_key or stored.get("write_key")
    read_key = settings.read_key or stored.get("read_key")
    if not stored.get("write_key") or not stored.get("read_key"):
        stored = {
            "write_key": stored.get("write_key") or write_key or _generate_key("wk"),
            "read_key": stored.get("read_key") or read_key or _generate_key("rk"),
        }
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(stored, handle, indent=2)
        logger.info("Created %s with the default project's keys", path)
    return write_key or stored["write_key"], read_key or stored["read_key"]


def build_registry(settings: Settings) -> ProjectRegistry:
    write_key, read_key = load_default_keys(settings)
    projects = [Project(DEFAULT_PROJECT, write_key, read_key, tuple(settings.origins))]
    for entry in settings.projects:
        missing = [name for name in ("name", "write_key", "read_key") if not entry.get(name)]
        if missing:
            raise SystemExit(f"A [[projects]] entry in eventlayer.toml is missing {', '.join(missing)}")
        projects.append(Project(entry["name"], entry["write_key"], entry["read_key"], tuple(entry.get("origins", []))))
    return ProjectRegistry(projects)
