"""The SIGKILL-at-every-request test of tests/test_publish_cli.py for Mastodon and Bluesky: `pmcpost publish`
as a real process, killed before or after each request either emulator receives, then run again, posts every
announcement exactly once (X and Facebook are disabled here, so every kill point is one of theirs)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator.bluesky import BlueskyEmulator
from emulator.mastodon import MastodonEmulator
from fediverse import enabling
from sigkill import Tripwire, kill_then_rerun, publish, shifted_clock, tripped
from world import CAMP, ROADS, SECRETS, World, all_files_text, assert_exactly_once, make_content_repo, make_world

# ROADS (one status; a 2-post thread on Bluesky) and CAMP (one post on each): Mastodon reads the instance's
# limits once and posts twice; Bluesky opens a session once and creates three records.
FULL_RUN_REQUESTS = 7


def only_fediverse(text: str) -> str:
    text = enabling("mastodon", "bluesky")(text)  # type: ignore[operator]
    for name in ("twitter", "facebook"):
        text = re.sub(rf"(\n  {name}:\n    enabled: )true", r"\1false", text, count=1)
    return text.replace("default_platforms: [twitter, facebook, ", "default_platforms: [")


@pytest.fixture
def world(tmp_path: Path, tripwire: Tripwire) -> Iterator[World]:
    clock = shifted_clock()
    mastodon = tripped(MastodonEmulator, tripwire, clock)
    bluesky = tripped(BlueskyEmulator, tripwire, clock)
    assert isinstance(mastodon, MastodonEmulator) and isinstance(bluesky, BlueskyEmulator)
    with mastodon, bluesky:
        root = make_content_repo(tmp_path / "repo", (ROADS, CAMP), config_edit=only_fediverse)
        made = make_world(root, mastodon=mastodon, bluesky=bluesky)
        yield made


@pytest.fixture
def tripwire() -> Tripwire:
    return Tripwire()


def test_a_full_run_makes_the_requests_the_kill_points_assume(world: World, tripwire: Tripwire) -> None:
    done = publish(world, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert tripwire.count == FULL_RUN_REQUESTS
    assert_exactly_once(world, platforms=("mastodon", "bluesky"))


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("at", range(1, FULL_RUN_REQUESTS + 1))
def test_sigkill_at_every_request_then_a_rerun_posts_everything_exactly_once(
    world: World, tripwire: Tripwire, at: int, when: str
) -> None:
    done = kill_then_rerun(world, tripwire, at, when, platforms=("mastodon", "bluesky"))
    bluesky = world.emulators["bluesky"]
    assert isinstance(bluesky, BlueskyEmulator)
    tokens = [*bluesky.access, *bluesky.refresh]
    written = all_files_text(world.root / "audit") + all_files_text(world.root / "public")
    for text in (done.stdout + done.stderr, written):
        assert not any(secret in text for secret in (*SECRETS, *tokens))
