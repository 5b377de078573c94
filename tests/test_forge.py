"""Approval proven by the forge (policy.approval_proof: github-review) and dormancy issues, against the GitHub
REST emulator: an approving review of the final commit of the pull request that last changed the file, by the
approver's registered handle, or the post is held (and says why in status and the job summary)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
from emulator.github import TOKEN, GitHubEmulator
from helpers import make_repo, real_config_text
from world import NOW, ROADS, World, audit_events, emulators, with_files, world

from pmcpost import forge, status
from pmcpost.config import read_config
from pmcpost.errors import PmcpostError
from pmcpost.output import status as status_view
from pmcpost.report import Dormancy
from pmcpost.safetext import md_text

__all__ = ["emulators", "world"]  # the fixtures of test_publish

ROADS_ID = "roads/2026-11-27-road-closure-karve-road"
APPROVER = "neha-kale-pmc"  # neha.kale, approved_by of ROADS
COORDINATOR = "vikas-more-pmc"  # vikas.more, its coordinator


def with_proof(text: str) -> str:
    return text.replace(
        "  approval_required: true\n", "  approval_required: true\n  approval_proof: github-review\n"
    ) + ("\ngithub:\n  repository: pmc-pune/announcements\n")


@pytest.fixture
def gh() -> Iterator[GitHubEmulator]:
    with GitHubEmulator() as emulator:
        yield emulator


@pytest.fixture
def proven(world: World, gh: GitHubEmulator) -> World:
    """ROADS, with approval proof required; the GitHub emulator holds no pull request yet."""
    with_files(world, ROADS, config_edit=with_proof)
    world.env = world.env | {"GITHUB_TOKEN": TOKEN, "PMCPOST_GITHUB_API_URL": gh.url}
    return world


def file_commit(world: World) -> str:
    done = subprocess.run(
        ["git", "-C", str(world.root), "log", "-1", "--format=%H", "--", ROADS], capture_output=True, text=True
    )
    return done.stdout.strip()


def entries(world: World, event: str) -> list[dict[str, Any]]:
    return [e for e in audit_events(world.config()) if e["event"] == event]


def held_reasons(world: World) -> set[str]:
    report = json.loads(status_view.as_json(status.collect(world.config(), NOW)))
    (roads,) = [d for d in report if d["department"] == "roads"]
    return {e["reason"] for e in roads["held"]}


def test_an_approving_review_of_the_final_commit_lets_it_out_and_is_recorded(proven: World, gh: GitHubEmulator) -> None:
    sha = file_commit(proven)
    pull = gh.add_pull("a" * 40, ("a" * 40, sha), author=COORDINATOR)
    gh.review(pull, "someone-else", "COMMENTED")
    gh.review(pull, APPROVER, "APPROVED")

    assert proven.run() == 0
    posted = entries(proven, "posted")
    assert len(posted) == 4  # 2 parts on X, Facebook, the website
    proof = {"pull_request": pull.number, "reviewer": APPROVER, "commit": "a" * 40}
    assert all(e["approval_proof"] == proof for e in posted)
    assert all(e["approval_proof"] == proof for e in entries(proven, "intent"))
    assert [r.path for r in gh.requests] == [
        f"/repos/pmc-pune/announcements/commits/{sha}/pulls",
        f"/repos/pmc-pune/announcements/pulls/{pull.number}/reviews",
    ]
    assert all(r.headers["authorization"] == f"Bearer {TOKEN}" for r in gh.requests)


def test_a_direct_push_has_no_proof_and_is_held_once_with_the_reason_in_status_and_summary(
    proven: World, gh: GitHubEmulator, tmp_path: Path
) -> None:
    sha = file_commit(proven)
    summary = tmp_path / "summary.md"
    env = proven.env | {"GITHUB_STEP_SUMMARY": str(summary)}

    assert proven.run(env=env) == 0
    assert proven.x.requests == [] and proven.graph.requests == []
    reason = (
        f"approval not proven: no merged pull request contains commit {sha[:12]}, which last changed the file "
        "(a direct push to main has no proof)"
    )
    held = entries(proven, "held")
    assert [(e["platform"], e["reason"]) for e in held] == [(p, reason) for p in ("twitter", "facebook", "website")]
    assert entries(proven, "intent") == []
    assert held_reasons(proven) == {reason}
    text = summary.read_text(encoding="utf-8")
    assert f"| `{ROADS_ID}` | twitter | held | {md_text(reason)} |" in text

    # The next runs hold it again, silently: no new line in the log.
    assert proven.run(env=env) == 0
    assert len(entries(proven, "held")) == 3

    # Once a pull request with the approval is merged, it goes out.
    pull = gh.add_pull(sha, (sha,), author=COORDINATOR)
    gh.review(pull, APPROVER, "APPROVED")
    assert proven.run(env=env) == 0
    assert len(entries(proven, "posted")) == 4
    assert held_reasons(proven) == set()


@pytest.mark.parametrize(
    ("reviews", "why"),
    [
        ([(COORDINATOR, "APPROVED", None)], "pull request #1 has no approving review by @neha-kale-pmc"),
        ([(APPROVER, "COMMENTED", None)], "pull request #1 has no approving review by @neha-kale-pmc"),
        (
            [(APPROVER, "APPROVED", None), (APPROVER, "CHANGES_REQUESTED", None)],
            "pull request #1 has a changes_requested review by @neha-kale-pmc",
        ),
        ([(APPROVER, "APPROVED", None), (APPROVER, "DISMISSED", None)], "pull request #1 has a dismissed review"),
        (
            [(APPROVER, "APPROVED", "b" * 40)],
            "@neha-kale-pmc approved commit bbbbbbbbbbbb of pull request #1, not its final commit aaaaaaaaaaaa",
        ),
    ],
)
def test_without_the_approvers_approval_of_the_final_commit_it_is_held(
    proven: World, gh: GitHubEmulator, reviews: list[tuple[str, str, str | None]], why: str
) -> None:
    pull = gh.add_pull("a" * 40, ("a" * 40, file_commit(proven)), author="someone")
    for login, state, commit in reviews:
        gh.review(pull, login, state, commit)
    assert proven.run() == 0
    assert proven.x.requests == [] and proven.graph.requests == []
    (reason,) = {e["reason"] for e in entries(proven, "held")}
    assert reason.startswith("approval not proven: " + why), reason


def test_the_approval_is_found_on_a_later_page_of_reviews(proven: World, gh: GitHubEmulator) -> None:
    pull = gh.add_pull("a" * 40, (file_commit(proven),), author=COORDINATOR)
    for n in range(130):
        gh.review(pull, f"reader-{n}", "COMMENTED")
    gh.review(pull, APPROVER, "APPROVED")
    assert proven.run() == 0
    assert len(entries(proven, "posted")) == 4
    pages = [r.param("page") for r in gh.requests if r.path.endswith("/reviews")]
    assert pages == [None, "2"]  # the second page through the Link header


@pytest.mark.parametrize(
    ("status_code", "headers", "said"),
    [
        (401, {}, "HTTP 401: the token was refused (Unauthorized)"),
        (
            403,
            {"x-ratelimit-remaining": "0", "x-ratelimit-reset": "1796187600"},
            "HTTP 403: rate limit reached until 05:00 UTC (API rate limit exceeded for installation ID 4242.)",
        ),
        (404, {}, "HTTP 404: not found (Not Found); check github.repository and the token's access"),
        (502, {}, "HTTP 502 (Bad Gateway)"),
    ],
)
def test_when_github_cannot_be_asked_nothing_is_posted_and_the_run_fails_clearly(
    proven: World, gh: GitHubEmulator, status_code: int, headers: dict[str, str], said: str
) -> None:
    gh.fail("*", status_code, headers=headers)
    sha = file_commit(proven)
    with pytest.raises(PmcpostError) as caught:
        proven.run()
    message = f"GitHub answered GET /repos/pmc-pune/announcements/commits/{sha}/pulls with {said}"
    assert str(caught.value) == (f"the approval of the due posts could not be proven, so they were held: {message}")
    assert proven.x.requests == [] and proven.graph.requests == []
    assert not (proven.root / "audit").exists()  # no line per failing run: the failed job is the message


def test_a_missing_token_holds_the_post_and_names_the_variable(proven: World) -> None:
    env = {k: v for k, v in proven.env.items() if k != "GITHUB_TOKEN"}
    with pytest.raises(PmcpostError, match=r"held: GITHUB_TOKEN is not set: the job's token is needed"):
        proven.run(env=env)
    assert proven.x.requests == [] and proven.graph.requests == []


def test_a_wrong_proof_setting_is_reported_where_it_is(tmp_path: Path) -> None:
    text = real_config_text().replace(
        "  approval_required: true\n", "  approval_required: true\n  approval_proof: github-reviews\n"
    )
    text += "github:\n  repository: not a repository\n  token_env: ghp_abc\n"
    root = make_repo(tmp_path, config_text=text)
    _, diagnostics = read_config(root, {})
    lines = text.splitlines()
    n = next(i for i, line in enumerate(lines, 1) if "approval_proof" in line)
    r = next(i for i, line in enumerate(lines, 1) if "repository: not" in line)
    assert [str(d) for d in diagnostics] == [
        f"config.yaml:{n}:19: error: policy.approval_proof must be one of none, github-review, found 'github-reviews'",
        f"config.yaml:{r}:15: error: github.repository must be owner/name, found 'not a repository'",
        f"config.yaml:{r + 1}:14: error: github.token_env must name an environment variable (such as GITHUB_TOKEN)",
    ]


# -- dormancy issues ------------------------------------------------------------------------------------


def test_dormancy_issues_are_opened_updated_and_closed(proven: World, gh: GitHubEmulator) -> None:
    config = proven.config()
    client = forge.GitHub(gh.url, "pmc-pune/announcements", TOKEN)
    last = datetime(2026, 11, 1, 9, 0, tzinfo=timezone.utc)
    dormant = [Dormancy("roads", last, 31, 14), Dormancy("garden", None, None, 14)]

    done = forge.file_dormancy_issues(config, dormant, client)

    assert [(d.department, d.action) for d in done] == [("roads", "opened"), ("garden", "opened")]
    roads, garden = gh.issues[done[0].number], gh.issues[done[1].number]
    assert roads.title == "Road Department has not posted for 31 days"
    assert roads.labels == ["pmcpost-dormant"]
    assert roads.body == (
        "<!-- pmcpost-dormant:roads -->\n"
        "**Road Department** (`roads`) last posted on 2026-11-01 (31 days ago), and nothing is scheduled; the "
        "threshold is 14 days (`policy.dormancy_days`).\n\n"
        "Coordinators: @vikas-more-pmc (Vikas More), @neha-kale-pmc (Neha Kale)\n"
        "Social media cell: @smita-kulkarni-pmc (Smita Kulkarni), @rahul-deshpande-pmc (Rahul Deshpande)\n\n"
        "Is there news to share? `pmcpost new` starts an announcement. This issue is closed by the monthly "
        "dormancy job once the department posts again.\n"
    )
    assert "Prakash Salunkhe (no GitHub handle in config.yaml), @asha-kadam-pmc (Asha Kadam)" in garden.body

    # A month later: roads is still dormant (its issue is updated, not doubled); garden posted again.
    later = [Dormancy("roads", last, 61, 14)]
    done = forge.file_dormancy_issues(config, later, client)
    assert [(d.department, d.action) for d in done] == [("roads", "updated"), ("garden", "closed")]
    assert len(gh.issues) == 2
    assert roads.title == "Road Department has not posted for 61 days" and roads.state == "open"
    assert garden.state == "closed" and garden.state_reason == "completed"
    assert garden.comments == ["Garden Department has posted again (or has something scheduled); closing."]


def test_report_file_issues_from_the_command_line_stays_green(proven: World, gh: GitHubEmulator) -> None:
    from click.testing import CliRunner

    from pmcpost.cli import cli

    env = proven.env | {"GITHUB_REPOSITORY": "pmc-pune/announcements"}
    args = ["--root", str(proven.root), "report", "--dormant", "--format", "markdown", "--file-issues"]
    args += ["--now", "2026-12-02 10:00"]
    first = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert first.exit_code == 0, first.output  # every department is dormant: filed, and green
    departments = len(proven.config().departments)
    assert len(gh.issues) == departments
    assert "opened issue #" in first.output and TOKEN not in first.output

    # The roads department posts (its approval proven): its issue is closed, the others stay open.
    sha = file_commit(proven)
    pull = gh.add_pull(sha, (sha,), author=COORDINATOR)
    gh.review(pull, APPROVER, "APPROVED")
    assert proven.run() == 0
    second = CliRunner().invoke(cli, args, env=env, catch_exceptions=False)
    assert second.exit_code == 0, second.output
    closed = [i for i in gh.issues.values() if i.state == "closed"]
    assert [i.title for i in closed] == ["Road Department has no post on record"]
    assert f"closed issue #{closed[0].number} for roads" in second.output
    assert len(gh.issues) == departments  # updated, not filed again
