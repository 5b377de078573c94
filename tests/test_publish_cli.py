"""`pmcpost publish` as a real process against the emulators: killed with SIGKILL at every request of a run
and rerun; two runs at once; no terminal; CI versus a workstation."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator.graph import GraphEmulator
from emulator.xapi import XApiEmulator
from sigkill import (
    Tripwire,
    kill_then_rerun,
    process_env,
    publish,
    shifted_clock,
    start,
    tripped,
)
from world import SECRETS, World, all_files_text, assert_exactly_once, make_content_repo, make_world

# ROADS (a 2-part thread on X, one feed post) and CAMP (one post on X, one feed post): the API requests of a
# full run, each a kill point.
FULL_RUN_REQUESTS = 5


@pytest.fixture
def tripwire() -> Tripwire:
    return Tripwire()


@pytest.fixture
def world(tmp_path: Path, tripwire: Tripwire) -> Iterator[World]:
    clock = shifted_clock()
    x = tripped(XApiEmulator, tripwire, clock)
    graph = tripped(GraphEmulator, tripwire, clock)
    assert isinstance(x, XApiEmulator) and isinstance(graph, GraphEmulator)
    with x, graph:
        yield make_world(make_content_repo(tmp_path / "repo"), twitter=x, facebook=graph)


def test_a_full_run_makes_the_requests_the_kill_points_assume(world: World, tripwire: Tripwire) -> None:
    done = publish(world, "--yes")
    assert done.returncode == 0, done.stderr
    assert tripwire.count == FULL_RUN_REQUESTS
    assert_exactly_once(world)


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("at", range(1, FULL_RUN_REQUESTS + 1))
def test_sigkill_at_every_request_then_a_rerun_posts_everything_exactly_once(
    world: World, tripwire: Tripwire, at: int, when: str
) -> None:
    done = kill_then_rerun(world, tripwire, at, when)
    if when == "after":  # the post the killed run made is found and recorded, not made again
        assert "reconciled" in done.stdout


def test_two_publishes_at_once(world: World, tripwire: Tripwire) -> None:
    world.x.delay("/2/tweets", 1.5, method="POST")  # keeps the first run inside the lock for a while
    first = start(world, "--yes")
    assert tripwire.first_request.wait(30)
    second = publish(world, "--yes")
    assert second.returncode == 1
    assert "another pmcpost publish is running in this repository" in second.stderr
    assert "--wait" in second.stderr
    waiting = publish(world, "--yes", "--wait", "60")
    out, err = first.communicate(timeout=60)
    assert first.returncode == 0, out + err
    assert waiting.returncode == 0, waiting.stdout + waiting.stderr
    assert "Nothing is due to be posted." in waiting.stdout
    assert_exactly_once(world)


def test_not_on_a_terminal_without_yes(world: World) -> None:
    done = publish(world)
    assert done.returncode == 2
    assert "not on a terminal, so nothing is posted without --yes" in done.stderr
    assert tripwire_quiet(world)
    assert not (world.root / "audit").exists()


def test_dry_run_posts_nothing(world: World) -> None:
    done = publish(world, "--dry-run")
    assert done.returncode == 0, done.stderr
    assert "nothing is posted" in done.stdout
    assert tripwire_quiet(world)
    assert not (world.root / "audit").exists()


def tripwire_quiet(world: World) -> bool:
    return world.x.requests == [] and world.graph.requests == []


def test_missing_credentials_skipped_on_a_workstation_failed_in_ci(world: World) -> None:
    env = process_env(world)
    del env["PMCPOST_FACEBOOK_PAGE_TOKEN"]
    in_ci = publish(world, "--yes", env=env | {"CI": "true"})
    assert in_ci.returncode == 1
    # once, clearly, before any intent: no post anywhere and no audit entry
    assert in_ci.stderr.splitlines()[-1] == (
        "pmcpost: error: nothing was posted and nothing was written to the audit log: facebook needs "
        "PMCPOST_FACEBOOK_PAGE_TOKEN, which is not set. Add the secret to the publish job's env (or set "
        "platforms.<name>.enabled: false for facebook in config.yaml)"
    )
    assert tripwire_quiet(world)
    assert not (world.root / "audit").exists()
    workstation = publish(world, "--yes", "--show-posts", env=env)
    assert workstation.returncode == 0, workstation.stdout + workstation.stderr
    assert "no credentials: set PMCPOST_FACEBOOK_PAGE_TOKEN to post to facebook" in workstation.stdout
    # asked for: what facebook would have got, before the closing lines (which then suggest no preview)
    assert workstation.stdout.index("Dry run for facebook") < workstation.stdout.index("\nDone.\n")
    assert workstation.stdout.endswith(
        "Next:\n"
        "  pmcpost doctor   which credentials to set, and what to do with audit/ and the website files\n"
        "  git add audit/ public/ website-records/ && git commit   keep the record of what went out\n"
        "  pmcpost status   what is scheduled, due, posted or missed\n"
    )
    assert world.graph.requests == []
    assert_exactly_once(world, platforms=("twitter", "website"))


def test_no_secret_in_output_audit_or_website(world: World) -> None:
    world.x.fail("/2/tweets", 503, method="POST")
    done = publish(world, "--yes")
    assert done.returncode == 0, done.stdout + done.stderr
    for secret in SECRETS:
        assert secret not in all_files_text(world.root / "audit")
        assert secret not in all_files_text(world.root / "public")
    assert_exactly_once(world)


def test_a_log_names_each_post_once_and_ends_with_what_did_not_go_out(world: World) -> None:
    """Piped (a CI log), each outcome has its line as it happens; the table after lists only what did not go
    out, not every post a second time."""
    world.graph.fail("*/feed", 400, method="POST", times=10)  # Facebook refuses both announcements
    run = publish(world, "--yes", env=process_env(world))
    assert run.returncode == 1, run.stdout + run.stderr
    lines = run.stdout.splitlines()
    posted = [line for line in lines if line.startswith("posted: ")]
    assert sorted(line.split()[3] for line in posted) == ["twitter", "twitter", "website", "website"]
    for line in posted:  # a link is printed once, on its own outcome's line
        assert run.stdout.count(line.split()[-1]) == 1
    table = lines[lines.index("Not posted:") + 1 :]
    rows = table[: next(i for i, line in enumerate(table) if not line.startswith("  "))]
    assert len(rows) == 2 and all(" facebook  failed " in row for row in rows)
    assert "Summary" not in run.stdout
