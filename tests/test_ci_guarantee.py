"""The CI guarantee of docs/ci.md, end to end: a runner is thrown away after each job, so `pmcpost publish
--git-push` pushes its intents before the first post, and a job killed after posting and before its final push
leads the next job, on a fresh clone, to reconcile instead of posting again.

Real git (a local bare repository as ``origin``, fresh clones as runners), the installed ``pmcpost`` as a
process, both emulators. git reads no user or system configuration (conftest) and each clone gets a local
identity, as a CI job sets one.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from emulator.graph import GraphEmulator
from emulator.http import Emulator, Reply, Request
from emulator.xapi import XApiEmulator
from sigkill import Tripwire, pmcpost_at, process_env, shifted_clock
from world import (
    CAMP,
    ROADS,
    World,
    assert_exactly_once,
    assert_no_secrets,
    make_content_repo,
    make_world,
)

from pmcpost.audit import iter_entries
from pmcpost.audit_verify import verify_chain

# ROADS alone (a 2-part thread on X, one feed post): the API requests of a full run, each a kill point.
ROADS_REQUESTS = 3
ALL = ("twitter", "facebook", "website")


def git(where: Path, *args: str) -> str:
    done = subprocess.run(["git", "-C", str(where), *args], check=True, capture_output=True, text=True)
    return done.stdout.strip()


def is_create(request: Request) -> bool:
    """A request that makes a post: a tweet, a Page feed post or a photo post."""
    return request.method == "POST" and (request.path == "/2/tweets" or request.path.endswith(("/feed", "/photos")))


class FirstCreate:
    """Runs ``action`` once, on the first create request either emulator receives, before it is handled."""

    def __init__(self) -> None:
        self.action: Callable[[], None] | None = None
        self.done = False
        self.error: BaseException | None = None  # an action that failed on the emulator's thread
        self._lock = threading.Lock()

    def see(self, request: Request) -> None:
        with self._lock:
            if self.done or self.action is None or not is_create(request):
                return
            self.done = True
            try:
                self.action()
            except Exception as exc:
                self.error = exc


def _watched(base: type[Emulator], tripwire: Tripwire, first: FirstCreate, clock: Callable[[], datetime]) -> Emulator:
    class Watched(base):  # type: ignore[valid-type, misc]
        def _serve(self, request: Request) -> Reply | None:
            first.see(request)
            return tripwire.serve(request, super()._serve)

    return Watched(clock=clock)


@dataclasses.dataclass
class Remote:
    """The bare ``origin``, the emulators (shared by every runner) and where runners are cloned."""

    origin: Path
    base: Path
    world: World  # its root is the seed repository; runners get their own root
    tripwire: Tripwire
    first_create: FirstCreate
    seed_head: str

    def clone(self, name: str) -> World:
        """A fresh runner: a new clone of the remote, with a local identity."""
        root = self.base / name
        git(self.base, "clone", "-q", str(self.origin), str(root))
        git(root, "config", "user.name", "pmcpost bot")
        git(root, "config", "user.email", "pmcpost-bot@users.noreply.invalid")
        return dataclasses.replace(self.world, root=root)

    def commits(self) -> list[tuple[str, str]]:
        """(sha, subject) of the commits on the remote's main since the seed, oldest first."""
        out = git(self.origin, "log", "--reverse", "--format=%H %s", f"{self.seed_head}..main")
        return [(line[:40], line[41:]) for line in out.splitlines()]

    def audit(self, rev: str = "main") -> list[dict[str, Any]]:
        """Every audit entry in the remote at ``rev``, in chain order."""
        names = git(self.origin, "ls-tree", "-r", "--name-only", rev, "--", "audit/").splitlines()
        entries = []
        for name in sorted(names):
            for line in git(self.origin, "show", f"{rev}:{name}").splitlines():
                entries.append(json.loads(line))
        return entries

    def creates(self) -> int:
        return sum(is_create(r) for r in [*self.world.x.requests, *self.world.graph.requests])


def make_remote(base: Path, files: tuple[str, ...]) -> Iterator[Remote]:
    tripwire, first = Tripwire(), FirstCreate()
    clock = shifted_clock()  # publish --now only looks: the runs and the emulators share a clock set to NOW
    x = _watched(XApiEmulator, tripwire, first, clock)
    graph = _watched(GraphEmulator, tripwire, first, clock)
    assert isinstance(x, XApiEmulator) and isinstance(graph, GraphEmulator)
    seed = make_content_repo(base / "seed", files)
    origin = base / "origin.git"
    git(base, "init", "-q", "--bare", "-b", "main", str(origin))
    git(seed, "push", "-q", str(origin), "main")
    with x, graph:
        world = make_world(seed, twitter=x, facebook=graph)
        yield Remote(origin, base, world, tripwire, first, git(origin, "rev-parse", "main"))


@pytest.fixture
def remote(tmp_path: Path) -> Iterator[Remote]:
    """ROADS and CAMP: five posts on X and Facebook, two website pages."""
    yield from make_remote(tmp_path, (ROADS, CAMP))


@pytest.fixture
def small_remote(tmp_path: Path) -> Iterator[Remote]:
    """ROADS alone, for the runs killed at every request."""
    yield from make_remote(tmp_path, (ROADS,))


def start(world: World) -> subprocess.Popen[str]:
    """`pmcpost publish --yes --git-push`, as the publish workflow runs it."""
    return subprocess.Popen(
        [*pmcpost_at(world.x.clock()), "publish", "--yes", "--git-push"],
        cwd=world.root,
        env=process_env(world),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def publish(world: World) -> subprocess.CompletedProcess[str]:
    process = start(world)
    out, err = process.communicate(timeout=60)
    assert_no_secrets(out, err)
    return subprocess.CompletedProcess(process.args, process.returncode, out, err)


def killed(remote: Remote, world: World, at: int, when: str) -> None:
    """Run publish in ``world`` and SIGKILL it at API request ``at``, ``before`` or ``after`` it is handled;
    then throw the runner away."""
    remote.tripwire.count, remote.tripwire.at, remote.tripwire.when = 0, at, when
    process = start(world)
    remote.tripwire.pid = process.pid
    process.communicate(timeout=60)
    assert remote.tripwire.fired.is_set()
    assert process.returncode == -signal.SIGKILL
    remote.tripwire.at, remote.tripwire.pid = None, None
    remote.tripwire.fired.clear()
    shutil.rmtree(world.root)


def parts(entries: list[dict[str, Any]], event: str, platforms: tuple[str, ...] = ("twitter", "facebook")) -> set[Any]:
    """(announcement, platform, part) of the entries of one kind."""
    return {
        (e["announcement"], e["platform"], e["part"])
        for e in entries
        if e["event"] == event and e["platform"] in platforms
    }


def changed_files(remote: Remote, sha: str) -> list[str]:
    return git(remote.origin, "show", "--name-only", "--format=", sha).splitlines()


def audit_entries(root: Path) -> list[dict[str, Any]]:
    return [e for _, _, e in iter_entries(root / "audit")]


def assert_remote_verified(remote: Remote, name: str) -> World:
    """A fresh clone of the remote holds an intact chain and everything posted exactly once."""
    fresh = remote.clone(name)
    result = verify_chain(fresh.root / "audit", root=fresh.root)
    assert result.ok, [str(p) for p in result.problems]
    assert_exactly_once(fresh)
    return fresh


# -- 1. the happy path ----------------------------------------------------------------------------------


def test_intents_reach_the_remote_before_the_first_post_then_the_outcomes(remote: Remote) -> None:
    seen: dict[str, Any] = {}

    def look_at_the_remote() -> None:
        seen["commits"] = remote.commits()
        seen["audit"] = remote.audit()

    remote.first_create.action = look_at_the_remote
    runner = remote.clone("runner-a")

    done = publish(runner)

    assert remote.first_create.done and remote.first_create.error is None
    assert done.returncode == 0, done.stdout + done.stderr
    assert_exactly_once(runner)
    (intents_sha, intents_subject), (outcomes_sha, outcomes_subject) = remote.commits()
    assert "[skip ci]" in intents_subject and "intents" in intents_subject
    assert "[skip ci]" in outcomes_subject and "outcomes" in outcomes_subject
    # The first commit holds only intents: one for every part the run posts (5 on X and Facebook, 2 pages).
    intents = remote.audit(intents_sha)
    assert [e["event"] for e in intents] == ["intent"] * 7
    assert {name.split("/")[0] for name in changed_files(remote, intents_sha)} == {"audit"}
    # ... and it was on the remote when the first post was made.
    assert seen["commits"] == [(intents_sha, intents_subject)]
    assert seen["audit"] == intents
    # The second adds the outcomes and the website (its pages and the records they are built from), nothing else.
    assert {name.split("/")[0] for name in changed_files(remote, outcomes_sha)} == {
        "audit",
        "public",
        "website-records",
    }
    outcomes = remote.audit(outcomes_sha)[len(intents) :]
    assert parts(outcomes, "posted", ALL) == parts(intents, "intent", ALL)
    assert len(remote.world.x.posts) == 3 and len(remote.world.graph.posts) == 2
    assert git(remote.origin, "rev-parse", "main") == git(runner.root, "rev-parse", "HEAD")
    fresh = assert_remote_verified(remote, "runner-c")
    # The next job has nothing left to do, and pushes nothing.
    again = publish(fresh)
    assert again.returncode == 0 and "Nothing is due to be posted." in again.stdout
    assert len(remote.commits()) == 2
    assert remote.creates() == 5


# -- 2. the scenario ----------------------------------------------------------------------------


def test_a_job_killed_after_posting_and_before_its_final_push_is_not_posted_again(remote: Remote) -> None:
    # Killed when the emulator has made the last post (Facebook's, of the camp), before the answer.
    killed(remote, remote.clone("runner-a"), 5, "after")
    posted_by_a = remote.creates()
    assert posted_by_a == 5 and len(remote.world.x.posts) == 3 and len(remote.world.graph.posts) == 2
    # Only the intents reached the remote.
    [(_, subject)] = remote.commits()
    assert "intents" in subject
    assert {e["event"] for e in remote.audit()} == {"intent"}

    runner_b = remote.clone("runner-b")
    done = publish(runner_b)

    assert done.returncode == 0, done.stdout + done.stderr
    # Not one create request more: B did not even try (a platform's refusal of a duplicate text is not what
    # saves us here).
    assert remote.creates() == posted_by_a
    b_entries = remote.audit()
    assert parts(b_entries, "reconciled") == parts(b_entries, "intent")  # every post A made, found again
    assert len(parts(b_entries, "reconciled")) == 5
    assert parts(b_entries, "posted") == set()
    assert "2 posted, 4 reconciled" in done.stdout  # the two website pages, lost with runner A, are written again
    assert git(remote.origin, "rev-parse", "main") == git(runner_b.root, "rev-parse", "HEAD")
    assert all("[skip ci]" in subject for _, subject in remote.commits())
    assert_remote_verified(remote, "runner-c")


# -- 3. killed at every request -------------------------------------------------------------------------


@pytest.mark.parametrize("when", ["before", "after"])
@pytest.mark.parametrize("at", range(1, ROADS_REQUESTS + 1))
def test_killed_at_every_request_then_a_fresh_clone_posts_everything_exactly_once(
    small_remote: Remote, at: int, when: str
) -> None:
    remote = small_remote
    killed(remote, remote.clone("runner-a"), at, when)
    made_by_a = at if when == "after" else at - 1
    assert len(remote.world.x.posts) + len(remote.world.graph.posts) == made_by_a

    runner_b = remote.clone("runner-b")
    done = publish(runner_b)

    assert done.returncode == 0, done.stdout + done.stderr
    # One create request per post over both runs: B did not even try again what A had made (X and Facebook
    # refuse a duplicate text, which would hide a repost attempt from the emulators' post lists).
    assert remote.creates() == ROADS_REQUESTS
    assert len(parts(remote.audit(), "reconciled")) == made_by_a
    assert git(remote.origin, "rev-parse", "main") == git(runner_b.root, "rev-parse", "HEAD")
    assert_exactly_once(runner_b)


# -- 4. the intents cannot be pushed -------------------------------------------------------------------


def test_when_the_intents_cannot_be_pushed_nothing_is_posted(remote: Remote) -> None:
    hook = remote.origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    runner = remote.clone("runner-a")

    done = publish(runner)

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "pmcpost: error: nothing was posted, because the audit log's intents could not be pushed first: origin "
        "refused the push to main: remote: main is protected / ! [remote rejected] HEAD -> main (pre-receive hook "
        'declined). The commit is still here. A protected branch must let this identity push: see "Publishing '
        'on a protected main" in docs/ci.md'
    )
    assert remote.world.x.requests == [] and remote.world.graph.requests == []
    assert remote.commits() == []
    # On a machine that is kept (a coordinator's), the intents got a "held" outcome: once the push works
    # again, the next run plans afresh and posts, with no look-up on the platforms.
    local = [e for e in audit_entries(runner.root) if e.get("part") is not None]
    assert parts(local, "intent", ALL) == parts(local, "held", ALL) and len(parts(local, "intent", ALL)) == 7
    hook.unlink()
    again = publish(runner)
    assert again.returncode == 0, again.stdout + again.stderr
    assert all(is_create(r) for r in [*remote.world.x.requests, *remote.world.graph.requests])
    assert_exactly_once(runner)
    assert git(remote.origin, "rev-parse", "main") == git(runner.root, "rev-parse", "HEAD")


# -- 5. someone pushes between the intents and the outcomes --------------------------------------------


def test_a_commit_landing_between_intents_and_outcomes_is_rebased_on(remote: Remote) -> None:
    other = remote.clone("maintainer")

    def merge_a_pull_request() -> None:
        git(other.root, "pull", "-q", "--rebase", "origin", "main")  # the runner's intents are there by now
        (other.root / "NOTES.md").write_text("Karve Road works: see the roads department.\n", encoding="utf-8")
        git(other.root, "add", "NOTES.md")
        git(other.root, "commit", "-qm", "notes")
        git(other.root, "push", "-q", "origin", "main")

    remote.first_create.action = merge_a_pull_request
    runner = remote.clone("runner-a")

    done = publish(runner)

    assert remote.first_create.done and remote.first_create.error is None
    assert done.returncode == 0, done.stdout + done.stderr
    subjects = [subject for _, subject in remote.commits()]
    assert len(subjects) == 3
    assert "intents" in subjects[0] and subjects[1] == "notes" and "outcomes" in subjects[2]
    assert git(remote.origin, "rev-parse", "main") == git(runner.root, "rev-parse", "HEAD")
    fresh = assert_remote_verified(remote, "runner-c")
    assert (fresh.root / "NOTES.md").is_file()
