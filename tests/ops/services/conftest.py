"""A real ``dosi agency-sim`` process on a free port, and entities around an incident."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.live import free_port

SECRET = "s3cret-shared-with-the-agencies"


@dataclass
class AgencySim:
    url: str
    process: subprocess.Popen[bytes]

    def received(self) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = httpx.get(f"{self.url}/received", timeout=5).json()
        return found


def start_agency(log: Path, secret: str = SECRET, *extra: str) -> AgencySim:
    """``dosi agency-sim`` as a subprocess; waits until it answers /health."""
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "dosi.cli",
                "agency-sim",
                "--port",
                str(port),
                "--secret",
                secret,
                *extra,
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=dict(os.environ),
        )
    sim = AgencySim(f"http://127.0.0.1:{port}", process)
    deadline = time.monotonic() + 30
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"agency-sim exited early:\n{log.read_text()}")
        try:
            if httpx.get(f"{sim.url}/health", timeout=1.0).status_code == 200:
                return sim
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"agency-sim did not start:\n{log.read_text()}")
        time.sleep(0.1)


def stop_agency(sim: AgencySim) -> None:
    sim.process.terminate()
    try:
        sim.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        sim.process.kill()
        sim.process.wait()


@pytest.fixture(scope="module")
def agency(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgencySim]:
    sim = start_agency(tmp_path_factory.mktemp("agency") / "agency.log")
    try:
        yield sim
    finally:
        stop_agency(sim)
