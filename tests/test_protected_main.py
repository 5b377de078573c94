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
from test_publish import CAMP, ROADS, assert_exactly_once

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
    assert {n.split("/")[0] for n in changed_files(protected, outcomes_sha)} == {"audit", "public"}
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
