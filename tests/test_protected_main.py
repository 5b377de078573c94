"""Publishing on a protected main, end to end: the remote's hook lets only the publishing identity push (on
GitHub, the GitHub App the ruleset lists as its bypass actor; here, the committer the publish job configures,
which is the App's bot user). That identity pushes its intents before the first post and its outcomes after;
any other identity gets a clear failure, and nothing is posted.

Real git (a local bare repository with a pre-receive hook), the installed ``pmcpost`` as a process, the X and
Graph emulators, as in test_ci_guarantee.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from test_ci_guarantee import ALL, Remote, changed_files, git, make_remote, parts, publish
from world import CAMP, ROADS, assert_exactly_once

APP = "pmcpost-publisher[bot]"
APP_EMAIL = "4242+pmcpost-publisher[bot]@users.noreply.github.com"

# Refuses every new commit on main not committed by the App's bot user, as a ruleset with one bypass actor does.
HOOK = f"""#!/bin/sh
zero=0000000000000000000000000000000000000000
while read old new ref; do
  [ "$ref" = refs/heads/main ] || continue
  if [ "$old" = "$zero" ]; then range="$new"; else range="$old..$new"; fi
  for email in $(git log --format=%ce "$range"); do
    if [ "$email" != "{APP_EMAIL}" ]; then
      echo "main is protected: only {APP} may push, not $email" >&2
      exit 1
    fi
  done
done
exit 0
"""


@pytest.fixture
def protected(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Remote]:
    for remote in make_remote(tmp_path, (ROADS, CAMP)):
        # from here on each runner commits as its own git config says, as a CI job does
        for role in ("AUTHOR", "COMMITTER"):
            monkeypatch.delenv(f"GIT_{role}_NAME")
            monkeypatch.delenv(f"GIT_{role}_EMAIL")
        hook = remote.origin / "hooks" / "pre-receive"
        hook.write_text(HOOK, encoding="utf-8")
        hook.chmod(0o755)
        yield remote


def runner_as(remote: Remote, name: str, user: str, email: str) -> Any:
    world = remote.clone(name)
    git(world.root, "config", "user.name", user)
    git(world.root, "config", "user.email", email)
    return world


def test_the_publishing_identity_pushes_intents_before_the_first_post_and_outcomes_after(protected: Remote) -> None:
    seen: dict[str, Any] = {}
    protected.first_create.action = lambda: seen.update(commits=protected.commits(), audit=protected.audit())
    runner = runner_as(protected, "runner-app", APP, APP_EMAIL)

    done = publish(runner)

    assert done.returncode == 0, done.stdout + done.stderr
    assert protected.first_create.done and protected.first_create.error is None
    (intents_sha, intents_subject), (outcomes_sha, outcomes_subject) = protected.commits()
    assert "intents" in intents_subject and "outcomes" in outcomes_subject
    # the intents were on the protected main when the first post was made, and nothing else was
    assert seen["commits"] == [(intents_sha, intents_subject)]
    assert {e["event"] for e in seen["audit"]} == {"intent"}
    assert {n.split("/")[0] for n in changed_files(protected, outcomes_sha)} == {"audit", "public", "website-records"}
    outcomes = protected.audit(outcomes_sha)
    assert parts(outcomes, "posted", ALL) == parts(outcomes, "intent", ALL)
    committers = git(protected.origin, "log", "--format=%ce", f"{protected.seed_head}..main").splitlines()
    assert committers == [APP_EMAIL, APP_EMAIL]
    assert_exactly_once(runner)


def test_any_other_identity_is_refused_clearly_and_nothing_is_posted(protected: Remote) -> None:
    runner = runner_as(
        protected, "runner-default", "github-actions[bot]", "41898282+github-actions[bot]@users.noreply.github.com"
    )

    done = publish(runner)

    assert done.returncode == 1
    assert done.stderr.splitlines()[-1] == (
        "pmcpost: error: nothing was posted, because the audit log's intents could not be pushed first: origin "
        "refused the push to main: remote: main is protected: only pmcpost-publisher[bot] may push, not "
        "41898282+github-actions[bot]@users.noreply.github.com / ! [remote rejected] HEAD -> main (pre-receive "
        'hook declined). The commit is still here. A protected branch must let this identity push: see "Publishing '
        'on a protected main" in docs/ci.md'
    )
    assert protected.world.x.requests == [] and protected.world.graph.requests == []
    assert protected.commits() == []


def test_in_ci_the_approval_proof_travels_with_the_intents_to_the_protected_main(
    protected: Remote, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole publish job: App identity, approval proven by GitHub (the REST emulator), intents with the
    proof on main before the first post."""
    from emulator.github import TOKEN, GitHubEmulator
    from test_forge import APPROVER, COORDINATOR, with_proof

    # the cell turns the proof on (through a commit the App pushes here, as the hook allows nobody else)
    setup = runner_as(protected, "cell", APP, APP_EMAIL)
    config = setup.root / "config.yaml"
    config.write_text(with_proof(config.read_text(encoding="utf-8")), encoding="utf-8")
    git(setup.root, "commit", "-qam", "config: approval proven by GitHub")
    git(setup.root, "push", "-q", "origin", "main")
    sha = git(setup.root, "log", "-1", "--format=%H", "--", ROADS)
    camp_sha = git(setup.root, "log", "-1", "--format=%H", "--", CAMP)
    seen: dict[str, Any] = {}
    protected.first_create.action = lambda: seen.update(audit=protected.audit())
    with GitHubEmulator() as gh:
        for commit in {sha, camp_sha}:
            pull = gh.add_pull(commit, (commit,), author=COORDINATOR)
            gh.review(pull, APPROVER, "APPROVED")
        runner = runner_as(protected, "runner-app", APP, APP_EMAIL)
        monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
        monkeypatch.setenv("PMCPOST_GITHUB_API_URL", gh.url)

        done = publish(runner)

    assert done.returncode == 0, done.stdout + done.stderr
    roads = [e for e in seen["audit"] if e["event"] == "intent" and e["announcement"].startswith("roads/")]
    assert roads and all(e["approval_proof"] == {"pull_request": 1, "reviewer": APPROVER, "commit": sha} for e in roads)
    # the camp's approver (manisha.joshi) has no GitHub handle in config.yaml: nothing can prove it, so it waits
    held = [e for e in protected.audit() if e["event"] == "held" and "part" not in e]
    assert {e["announcement"] for e in held} == {"health/2026-12-02-eye-camp"}
    assert TOKEN not in done.stdout + done.stderr
