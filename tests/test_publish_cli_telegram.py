"""`pmcpost publish` to Telegram as a real process, killed with SIGKILL at every request: the Bot API cannot
look a post up, so the rerun never sends the interrupted message again; it stays unresolved until the cell
records what the channel shows, and then everything is in the channel exactly once."""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import pytest
from emulator.http import Reply, Request
from emulator.telegram import TelegramEmulator
from sigkill import Tripwire, pmcpost_at, process_env, shifted_clock
from world import SECRETS, World, assert_exactly_once, make_content_repo, make_world, with_telegram

from pmcpost.audit import read_state

FULL_RUN_REQUESTS = 2  # ROADS and CAMP: one sendMessage each
IDS = ("roads/2026-11-27-road-closure-karve-road", "health/2026-12-02-eye-camp")


class _Tripped(TelegramEmulator):
    tripwire: Tripwire

    def _serve(self, request: Request) -> Reply | None:
        return self.tripwire.serve(request, super()._serve)


@pytest.fixture
def tg_world(tmp_path: Path) -> Iterator[tuple[World, Tripwire, Callable[[], datetime]]]:
    tripwire = Tripwire()
    clock = shifted_clock()
    channel = _Tripped(clock=lambda: clock().timestamp())
    channel.tripwire = tripwire
    with channel:
        root = make_content_repo(tmp_path / "repo", config_edit=with_telegram)
        yield make_world(root, telegram=channel), tripwire, clock


def run(world: World, moment: datetime, *args: str) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        [*pmcpost_at(moment), *args],
        cwd=world.root,
        env=process_env(world),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
    )
    for text in (done.stdout, done.stderr):
        for secret in SECRETS:
            assert secret not in text
    return done


def channel_of(world: World) -> TelegramEmulator:
    emulator = world.emulators["telegram"]
    assert isinstance(emulator, TelegramEmulator)
    return emulator


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("at", range(1, FULL_RUN_REQUESTS + 1))
def test_sigkill_at_every_telegram_request_never_sends_twice(
    tg_world: tuple[World, Tripwire, Callable[[], datetime]], at: int, when: str
) -> None:
    world, tripwire, clock = tg_world
    tripwire.at, tripwire.when = at, when
    process = subprocess.Popen(
        [*pmcpost_at(clock()), "publish", "--yes", "--platform", "telegram"],
        cwd=world.root,
        env=process_env(world),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    tripwire.pid = process.pid
    process.communicate(timeout=60)
    assert tripwire.fired.is_set() and process.returncode == -signal.SIGKILL
    tripwire.at = None
    channel = channel_of(world)
    sent_before = len(channel.requests_to("/bot*/sendMessage", "POST"))

    rerun = run(world, clock(), "publish", "--yes", "--platform", "telegram")
    assert rerun.returncode == 1  # the interrupted one cannot be looked up: left for the cell
    assert "telegram cannot look up posts already made" in rerun.stdout
    killed = IDS[at - 1]
    # Nothing of the interrupted announcement was sent again.
    texts = [r.json()["text"] for r in channel.requests_to("/bot*/sendMessage", "POST")[sent_before:]]
    marker = "Karve" if "roads" in killed else "Kasba"
    assert not any(marker in t for t in texts)

    # Every post the killed run announced is open (its intents were written before the first send): the cell
    # looks at the channel and records what it shows.
    state = read_state(world.root / "audit")
    for announcement in IDS:
        if state.get(announcement, "telegram").complete:
            continue
        word = "Karve" if "roads" in announcement else "Kasba"
        there = [p for p in channel.seen_posts() if word in p.text]
        if there:
            url = f"https://t.me/c/1987654321/{there[0].id.split(':')[1]}"  # as "Copy link" gives it
            settle: tuple[str, ...] = ("--url", url)
        else:
            settle = ("--not-posted", "--reason", "not in the channel")
        done = run(world, clock(), "record", announcement, "--platform", "telegram", *settle, "--by", "smita.kulkarni")
        assert done.returncode == 0, done.stderr
    later = shifted_clock("2026-12-02 11:00")()  # past the platform's back-off
    final = run(world, later, "publish", "--yes", "--platform", "telegram")
    assert final.returncode == 0, final.stdout + final.stderr
    assert_exactly_once(world, platforms=["telegram"])
