"""`pmcpost publish` as a real process whose clock is set, and the SIGKILL-at-every-request check that every
platform's tests run: kill the run before or after request N of the emulators, run again, and every
announcement is posted exactly once (a third run has nothing left to do)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from datetime import datetime, timezone
from pathlib import Path

from emulator.http import Emulator, Reply, Request
from world import IST, SECRETS, World, assert_exactly_once

NOW_ARG = "2026-12-02 10:00"


def shifted_clock(moment: str = NOW_ARG) -> Callable[[], datetime]:
    """A clock that reads ``moment`` (India time) now and runs on from there, for the emulators and (through
    pmcpost_at) the pmcpost processes: `publish --now` only looks, so a run that posts needs its clock set."""
    offset = datetime.fromisoformat(moment).replace(tzinfo=IST) - datetime.now(timezone.utc)
    return lambda: datetime.now(timezone.utc) + offset


def pmcpost_at(moment: datetime) -> list[str]:
    """pmcpost as a process whose clock reads ``moment``."""
    return [sys.executable, str(Path(__file__).with_name("at_time.py")), moment.isoformat()]


class Tripwire:
    """Counts the API requests the emulators receive and SIGKILLs ``pid`` at request ``at`` (1-based), either
    before the emulator handles it or after it handled it but before the reply is sent."""

    def __init__(self) -> None:
        self.count = 0
        self.at: int | None = None
        self.when = "before"
        self.pid: int | None = None
        self.fired = threading.Event()
        self.first_request = threading.Event()
        self._lock = threading.Lock()

    def serve(self, request: Request, serve: Callable[[Request], Reply | None]) -> Reply | None:
        with self._lock:
            self.count += 1
            number = self.count
        self.first_request.set()
        hit = number == self.at and self.pid is not None
        if hit and self.when == "before":
            self._kill()
            return None  # the connection drops without an answer
        reply = serve(request)
        if hit:
            self._kill()
            return None
        return reply

    def _kill(self) -> None:
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)
        self.fired.set()


def tripped(base: type[Emulator], tripwire: Tripwire, clock: Callable[[], datetime]) -> Emulator:
    """An emulator of ``base`` whose every request passes ``tripwire`` first."""

    class Tripped(base):  # type: ignore[valid-type, misc]
        def _serve(self, request: Request) -> Reply | None:
            return tripwire.serve(request, super()._serve)

    return Tripped(clock=clock)


def process_env(world: World, **extra: str) -> dict[str, str]:
    env = dict(os.environ) | world.env | extra
    env.pop("CI", None)
    return env | extra


def start(world: World, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """`pmcpost publish ARGS` started at the tests' shifted time."""
    return subprocess.Popen(
        [*pmcpost_at(shifted_clock()()), "publish", *args],
        cwd=world.root,
        env=env or process_env(world),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def publish(world: World, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`pmcpost publish ARGS` run to its end; no secret may appear in what it prints."""
    process = start(world, *args, env=env)
    out, err = process.communicate(timeout=60)
    for text in (out, err):
        for secret in SECRETS:
            assert secret not in text
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def kill_then_rerun(
    world: World, tripwire: Tripwire, at: int, when: str, platforms: Sequence[str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Kill `publish --yes` at request ``at`` (``when``: before or after the emulator handles it), run it again
    and check that every announcement is on ``platforms`` exactly once and a third run posts nothing. Returns
    the rerun."""
    tripwire.at, tripwire.when = at, when
    process = start(world, "--yes")
    tripwire.pid = process.pid
    process.communicate(timeout=60)
    assert tripwire.fired.is_set()
    assert process.returncode == -signal.SIGKILL
    tripwire.at = None
    done = publish(world, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert_exactly_once(world, platforms=platforms)
    again = publish(world, "--yes")
    assert again.returncode == 0 and "Nothing is due to be posted." in again.stdout
    assert_exactly_once(world, platforms=platforms)
    return done
