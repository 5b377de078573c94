"""Instagram and Threads in `pmcpost publish` as a real process, SIGKILLed at every request of a run (before
the emulator handles it, and after but before the answer) and rerun: every post exactly once."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator.meta import InstagramEmulator, ThreadsEmulator
from PIL import Image
from sigkill import Tripwire, kill_then_rerun, publish, shifted_clock, tripped
from world import (
    CAMP,
    WATER,
    WATER_IMAGE,
    World,
    assert_exactly_once,
    make_content_repo,
    make_world,
    quiet_git,
)

MAP_JPEG = "content/water-supply/images/shutdown-map.jpg"
# WATER on Instagram (a photo post) and CAMP on Threads (one text post): the requests of a full run.
FULL_RUN_REQUESTS = 12


def _config(text: str) -> str:
    text = text.replace("default_platforms: [twitter, facebook, website]", "default_platforms: [instagram, threads]")
    text = text.replace("  twitter:\n    enabled: true", "  twitter:\n    enabled: false")
    text = text.replace("  facebook:\n    enabled: true", "  facebook:\n    enabled: false")
    text = text.replace("    enabled: false                        # the professional", "    enabled: true # the")
    return text.replace("    enabled: false                        # README", "    enabled: true # README")


@pytest.fixture
def tripwire() -> Tripwire:
    return Tripwire()


@pytest.fixture
def world(tmp_path: Path, tripwire: Tripwire) -> Iterator[World]:
    clock = shifted_clock()
    ig = tripped(InstagramEmulator, tripwire, clock)
    th = tripped(ThreadsEmulator, tripwire, clock)
    assert isinstance(ig, InstagramEmulator) and isinstance(th, ThreadsEmulator)
    with ig, th:
        template = ig.image_url_template()

        def edit(text: str) -> str:
            return _config(text).replace(
                "image_url: https://raw.githubusercontent.com/pmc-pune/announcements/{commit}/{path}",
                f"image_url: {template}",
            )

        root = make_content_repo(tmp_path / "repo", (WATER, CAMP), config_edit=edit)
        with Image.open(root / WATER_IMAGE) as png:
            png.convert("RGB").resize((640, 360)).save(root / MAP_JPEG, "JPEG", quality=85)
        (root / WATER_IMAGE).unlink()
        for rel, extra in ((WATER, "platforms: [instagram]\n"), (CAMP, "platforms: [threads]\n")):
            text = (root / rel).read_text(encoding="utf-8").replace(WATER_IMAGE, MAP_JPEG)
            (root / rel).write_text(text + extra, encoding="utf-8")
        quiet_git(root, "add", "-A")
        quiet_git(root, "commit", "-qm", "Instagram and Threads")
        ig.serve(MAP_JPEG, (root / MAP_JPEG).read_bytes())
        yield make_world(root, instagram=ig, threads=th)


def test_a_full_run_makes_the_requests_the_kill_points_assume(world: World, tripwire: Tripwire) -> None:
    done = publish(world, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    assert tripwire.count == FULL_RUN_REQUESTS
    assert_exactly_once(world)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("at", range(1, FULL_RUN_REQUESTS + 1))
def test_sigkill_at_every_request_then_a_rerun_posts_everything_exactly_once(
    world: World, tripwire: Tripwire, at: int, when: str
) -> None:
    kill_then_rerun(world, tripwire, at, when)
