"""Shared fixtures: a real ``eventlayer serve`` process on 127.0.0.1 with its own data directory."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# Hypothesis profiles: "ci" (the default) keeps property tests short; HYPOTHESIS_PROFILE=long runs many more
# examples, e.g. `HYPOTHESIS_PROFILE=long pytest tests/test_fuzz.py`. Deadlines are off because two cores are
# shared with real servers; tests that must not hang bound their own waits.
settings.register_profile("ci", max_examples=200, deadline=None)
settings.register_profile("long", max_examples=20_000, deadline=None)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

from tests.support.server_process import ServerProcess


@pytest.fixture
def server(tmp_path):
    """A running server on the embedded chDB store; stopped (SIGTERM) at the end of the test."""
    process = ServerProcess(tmp_path / "data")
    process.start()
    yield process
    process.stop()


@pytest.fixture
def server_factory(tmp_path):
    """Start servers with extra environment variables, e.g. ``server_factory(EVENTLAYER_SPOOL_MAX_BYTES="1000")``."""
    started: list[ServerProcess] = []

    def make(data_dir=None, faulty=False, **env) -> ServerProcess:
        process = ServerProcess(data_dir or tmp_path / f"data{len(started)}", env=env, faulty=faulty)
        process.start()
        started.append(process)
        return process

    yield make
    for process in started:
        process.stop()
