"""pmcpost.gitutil and `validate --changed-since` on real, temporary git repositories (never the user's git
config: every git here runs with GIT_CONFIG_GLOBAL=/dev/null and its identity in the environment)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, tiny_png, write_file

from pmcpost import gitutil
from pmcpost.cli import cli
from pmcpost.config import load_config
from pmcpost.errors import GitError, UsageError


def identity(name: str) -> dict[str, str]:
    email = f"{name.lower().replace(' ', '.')}@punecorporation.org"
    return {
        "GIT_AUTHOR_NAME": name,
        "GIT_AUTHOR_EMAIL": email,
        "GIT_COMMITTER_NAME": name,
        "GIT_COMMITTER_EMAIL": email,
    }


@pytest.fixture(autouse=True)
def isolated_git(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """git sees neither the user's nor the system's configuration; pmcpost's own git calls inherit this."""
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", "/dev/null")
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    for key, value in identity("PMC Bot").items():
        monkeypatch.setenv(key, value)


def git(root: Path, *args: str, who: str | None = None) -> str:
    env = dict(os.environ)
    if who:
        env.update(identity(who))
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True, env=env, check=True)
    return proc.stdout.strip()


def init_repo(root: Path) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    git(root, "init", "-q", "-b", "main")
    return root


def commit_all(root: Path, message: str, who: str | None = None) -> str:
    git(root, "add", "--all")
    git(root, "commit", "-q", "-m", message, who=who)
    return git(root, "rev-parse", "HEAD")


write = write_file


MEDIA_PATH = "content/water-supply/images/map.png"
WITH_MEDIA = GOOD_ANNOUNCEMENT + f"media:\n  - path: {MEDIA_PATH}\n    alt: {{mr: नकाशा, en: Map}}\n"
OTHER_PATH = "content/roads/2026-12-01-road-closure.yaml"
OTHER = GOOD_ANNOUNCEMENT.replace("anil.jadhav", "vikas.more").replace("priya.shinde", "neha.kale")


@pytest.fixture
def content_repo(tmp_path: Path) -> Path:
    """A committed content repository on main with two announcements (one with an image), a template and
    an audit file; the work continues on the branch `change`."""
    root = tmp_path / "repo"
    root.mkdir()
    make_repo(
        root,
        {
            GOOD_PATH: WITH_MEDIA,
            MEDIA_PATH: tiny_png(),
            OTHER_PATH: OTHER,
            "templates/twitter.j2": "{{ text }}\n",
            "audit/2026-11.jsonl": "",
            "README.md": "PMC announcements\n",
        },
    )
    init_repo(root)
    commit_all(root, "start")
    git(root, "switch", "-q", "-c", "change")
    return root


# changed_files


def test_changed_files_lists_committed_uncommitted_untracked_and_deleted(content_repo: Path) -> None:
    root = content_repo
    write(root, OTHER_PATH, OTHER + "# edited on the branch\n")
    commit_all(root, "edit roads")
    write(root, "README.md", "edited, not committed\n")
    write(root, "content/health/2026-12-05-camp.yaml", GOOD_ANNOUNCEMENT)
    (root / MEDIA_PATH).unlink()

    changed = gitutil.changed_files(root, "main")

    assert changed == sorted(
        root.resolve() / rel for rel in (OTHER_PATH, "README.md", "content/health/2026-12-05-camp.yaml", MEDIA_PATH)
    )


def test_changed_files_ignores_what_main_did_after_the_branch_left(content_repo: Path) -> None:
    root = content_repo
    write(root, OTHER_PATH, OTHER + "# on the branch\n")
    commit_all(root, "branch edit")
    git(root, "switch", "-q", "main")
    write(root, "README.md", "changed on main\n")
    commit_all(root, "main edit")
    git(root, "switch", "-q", "change")

    assert gitutil.changed_files(root, "main") == [root.resolve() / OTHER_PATH]


def test_changed_files_with_nothing_changed_is_empty(content_repo: Path) -> None:
    assert gitutil.changed_files(content_repo, "main") == []


def test_changed_files_rejects_an_unknown_ref_in_plain_words(content_repo: Path) -> None:
    with pytest.raises(UsageError) as info:
        gitutil.changed_files(content_repo, "origin/no-such-branch")
    assert str(info.value) == (
        "git does not know 'origin/no-such-branch' here; give a branch, tag or commit (in CI, fetch the whole "
        "history, e.g. fetch-depth: 0, so that the base branch is there)"
    )


def test_changed_files_outside_a_repository_says_so(tmp_path: Path) -> None:
    folder = tmp_path / "plain"
    folder.mkdir()
    with pytest.raises(UsageError) as info:
        gitutil.changed_files(folder, "main")
    assert str(info.value) == f"{folder} is not in a git repository; --changed-since and --git-push need one"


# files_affected_by_change


def test_a_changed_announcement_is_the_only_one_to_check(content_repo: Path) -> None:
    root = content_repo
    write(root, OTHER_PATH, OTHER + "# edited\n")
    write(root, "README.md", "unrelated\n")
    write(root, "audit/2026-11.jsonl", "{}\n")
    config = load_config(root, environ={})

    assert gitutil.files_affected_by_change(config, "main") == [root.resolve() / OTHER_PATH]


def test_a_new_yml_beside_a_yaml_of_the_same_name_checks_both(content_repo: Path) -> None:
    root = content_repo
    twin = write(root, OTHER_PATH.replace(".yaml", ".yml"), OTHER)
    config = load_config(root, environ={})

    assert gitutil.files_affected_by_change(config, "main") == sorted([root.resolve() / OTHER_PATH, twin.resolve()])


@pytest.mark.parametrize("rel", ["config.yaml", "templates/twitter.j2", "templates/new.j2"])
def test_config_or_template_changes_mean_everything(content_repo: Path, rel: str) -> None:
    root = content_repo
    target = root / rel
    write(root, rel, (target.read_text(encoding="utf-8") if target.exists() else "") + "\n# changed\n")
    commit_all(root, f"change {rel}")
    config = load_config(root, environ={})

    assert gitutil.files_affected_by_change(config, "main") is None


@pytest.mark.parametrize("deleted", [False, True])
def test_a_changed_or_deleted_image_rechecks_the_announcements_using_it(content_repo: Path, deleted: bool) -> None:
    root = content_repo
    if deleted:
        (root / MEDIA_PATH).unlink()
    else:
        write(root, MEDIA_PATH, tiny_png(2, 2))
    config = load_config(root, environ={})

    assert gitutil.files_affected_by_change(config, "main") == [root.resolve() / GOOD_PATH]


def test_a_deleted_announcement_leaves_nothing_to_check(content_repo: Path) -> None:
    root = content_repo
    (root / OTHER_PATH).unlink()
    config = load_config(root, environ={})

    assert gitutil.files_affected_by_change(config, "main") == []


# last_commits


def test_last_commits_names_the_last_author_of_each_file_in_one_pass(content_repo: Path) -> None:
    root = content_repo
    write(root, GOOD_PATH, WITH_MEDIA + "# Anil's edit\n")
    first = commit_all(root, "water", who="Anil Jadhav")
    write(root, OTHER_PATH, OTHER + "# Vikas's edit\n")
    second = commit_all(root, "roads", who="Vikas More")
    write(root, GOOD_PATH, WITH_MEDIA + "# Priya's edit\n")
    third = commit_all(root, "water again", who="Priya Shinde")
    never = write(root, "content/health/2026-12-05-camp.yaml", GOOD_ANNOUNCEMENT)
    relative_other = Path(OTHER_PATH)  # relative to the current folder, which is not the repository

    found = gitutil.last_commits(root, [root / GOOD_PATH, root / OTHER_PATH, never, root / MEDIA_PATH])

    start = git(root, "rev-parse", "main")
    assert found == {
        root / GOOD_PATH: (third, "Priya Shinde", "priya.shinde@punecorporation.org"),
        root / OTHER_PATH: (second, "Vikas More", "vikas.more@punecorporation.org"),
        root / MEDIA_PATH: (start, "PMC Bot", "pmc.bot@punecorporation.org"),
    }
    assert first != third
    assert gitutil.last_commit_of(root, root / OTHER_PATH) == (second, "Vikas More", "vikas.more@punecorporation.org")
    assert gitutil.last_commit_of(root, never) is None
    assert gitutil.last_commits(root, [relative_other]) == {}


def test_last_commits_for_many_files_and_files_in_several_folders(tmp_path: Path) -> None:
    root = init_repo(tmp_path / "many")
    count = 300
    for i in range(count):
        write(root, f"content/roads/2026-12-01-n{i}.yaml", f"n: {i}\n")
    start = commit_all(root, "many", who="Vikas More")
    write(root, "content/roads/2026-12-01-n7.yaml", "n: seven\n")
    write(root, "outside.txt", "not asked for\n")
    later = commit_all(root, "one more", who="Neha Kale")
    write(root, "images/map.png", tiny_png())
    write(root, "content/health/2026-12-05-camp.yaml", "camp: yes\n")
    health = commit_all(root, "health", who="Manisha Joshi")
    write(root, "content/roads/2026-12-01-n8.yaml", "n: eight\n")
    uncommitted = root / "content/roads/2026-12-01-n8.yaml"
    paths = [root / f"content/roads/2026-12-01-n{i}.yaml" for i in range(count)]

    found = gitutil.last_commits(root, [*paths, root / "images/map.png", root / "content/health/2026-12-05-camp.yaml"])

    manisha = (health, "Manisha Joshi", "manisha.joshi@punecorporation.org")
    assert found.pop(root / "images/map.png") == manisha
    assert found.pop(root / "content/health/2026-12-05-camp.yaml") == manisha
    assert found[uncommitted][0] == start  # the working copy's edit is not a commit
    assert len(found) == count
    assert found[paths[7]] == (later, "Neha Kale", "neha.kale@punecorporation.org")
    assert {found[p] for p in paths if p != paths[7]} == {(start, "Vikas More", "vikas.more@punecorporation.org")}


def test_last_commits_from_a_folder_inside_the_work_tree_and_above_it(tmp_path: Path) -> None:
    """config.yaml in a sub-folder: files under it and a file above it are both named by their last commit."""
    top = init_repo(tmp_path / "top")
    write(top, "site/content/roads/2026-12-01-a.yaml", "a: 1\n")
    write(top, "shared/logo.png", "png\n")
    first = commit_all(top, "first", who="Vikas More")
    write(top, "site/content/roads/2026-12-01-a.yaml", "a: 2\n")
    second = commit_all(top, "second", who="Neha Kale")
    root = top / "site"

    assert gitutil.last_commits(root, [root / "content/roads/2026-12-01-a.yaml"]) == {
        root / "content/roads/2026-12-01-a.yaml": (second, "Neha Kale", "neha.kale@punecorporation.org")
    }
    assert gitutil.last_commits(root, [root / "content/roads/2026-12-01-a.yaml", top / "shared/logo.png"]) == {
        root / "content/roads/2026-12-01-a.yaml": (second, "Neha Kale", "neha.kale@punecorporation.org"),
        top / "shared/logo.png": (first, "Vikas More", "vikas.more@punecorporation.org"),
    }


def test_last_commits_in_a_repository_without_commits_or_outside_one(tmp_path: Path) -> None:
    empty = init_repo(tmp_path / "empty")
    write(empty, "content/a.yaml", "a: 1\n")
    assert gitutil.last_commits(empty, [empty / "content/a.yaml"]) == {}
    outside = tmp_path / "plain"
    outside.mkdir()
    with pytest.raises(UsageError) as raised:
        gitutil.last_commits(outside, [outside / "a.yaml"])
    assert str(raised.value) == f"{outside} is not in a git repository; --changed-since and --git-push need one"


def test_early_commits_answer_as_last_commits_does(tmp_path: Path) -> None:
    """Started before the files are known (publish plans meanwhile): the same answer, for files under the
    folder, files elsewhere, a repository without commits and a plain folder."""
    top = init_repo(tmp_path / "top")
    write(top, "site/content/roads/2026-12-01-a.yaml", "a: 1\n")
    write(top, "site/content/health/2026-12-02-b.yaml", "b: 1\n")
    write(top, "site/config.yaml", "c: 1\n")
    first = commit_all(top, "first", who="Vikas More")
    write(top, "site/content/roads/2026-12-01-a.yaml", "a: 2\n")
    second = commit_all(top, "second", who="Neha Kale")
    root = top / "site"
    a, b = root / "content/roads/2026-12-01-a.yaml", root / "content/health/2026-12-02-b.yaml"
    vikas, neha = (
        (first, "Vikas More", "vikas.more@punecorporation.org"),
        (second, "Neha Kale", "neha.kale@punecorporation.org"),
    )

    with gitutil.EarlyCommits(root, root / "content") as early:
        assert early.of([a, b]) == {a: neha, b: vikas}
    with gitutil.EarlyCommits(root, root / "content") as early:
        assert early.of([a, root / "config.yaml"]) == {a: neha, root / "config.yaml": vikas}
    with gitutil.EarlyCommits(root, root / "content") as early:  # strings are answered by the same strings
        assert early.of([str(a), str(root / "config.yaml")]) == {str(a): neha, str(root / "config.yaml"): vikas}
    with gitutil.EarlyCommits(root, root / "content") as early:
        pass  # never asked: leaving stops its git
    empty = init_repo(tmp_path / "empty")
    write(empty, "content/a.yaml", "a: 1\n")
    with gitutil.EarlyCommits(empty, empty / "content") as early:
        assert early.of([empty / "content/a.yaml"]) == {}
    plain = tmp_path / "plain"
    (plain / "content").mkdir(parents=True)
    with gitutil.EarlyCommits(plain, plain / "content") as early, pytest.raises(UsageError):
        early.of([plain / "content/a.yaml"])


# is_repo, status_clean, head_commit


def test_repository_state(tmp_path: Path) -> None:
    root = tmp_path / "r"
    root.mkdir()
    assert not gitutil.is_repo(root)
    init_repo(root)
    assert gitutil.is_repo(root)
    assert gitutil.head_commit(root) is None
    write(root, "a.txt", "a\n")
    assert not gitutil.status_clean(root)
    sha = commit_all(root, "a")
    assert gitutil.head_commit(root) == sha
    assert gitutil.status_clean(root)
    write(root, "audit/x.jsonl", "{}\n")
    assert not gitutil.status_clean(root)
    assert gitutil.status_clean(root, [root / "content"])
    assert not gitutil.status_clean(root, [root / "audit"])


# commit_and_push


@pytest.fixture
def remote_and_clones(tmp_path: Path) -> tuple[Path, Path, Path]:
    """A bare 'origin' with one commit on main and two clones of it (two CI runners, say)."""
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(origin))
    seed = init_repo(tmp_path / "seed")
    write(seed, "audit/2026-11.jsonl", '{"event":"start"}\n')
    write(seed, "content/roads/a.yaml", "a: 1\n")
    commit_all(seed, "seed")
    git(seed, "push", "-q", str(origin), "main")
    first, second = tmp_path / "runner-1", tmp_path / "runner-2"
    git(tmp_path, "clone", "-q", str(origin), str(first))
    git(tmp_path, "clone", "-q", str(origin), str(second))
    return origin, first, second


def test_commit_and_push_rebases_and_retries_when_someone_pushed_in_between(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    origin, runner, other = remote_and_clones
    # someone merges a content change after our runner cloned
    write(other, "content/roads/b.yaml", "b: 2\n")
    theirs = commit_all(other, "new announcement", who="Vikas More")
    git(other, "push", "-q", "origin", "main")
    write(runner, "audit/2026-11.jsonl", '{"event":"start"}\n{"event":"intent"}\n')
    pauses: list[float] = []

    sha = gitutil.commit_and_push(
        runner, [runner / "audit"], "audit: intents [skip ci]", attempts=3, sleep=pauses.append
    )

    assert sha is not None
    assert pauses == [1.0]
    assert git(origin, "rev-parse", "main") == sha
    assert git(origin, "rev-parse", "main~1") == theirs
    assert git(origin, "log", "-1", "--format=%s", "main") == "audit: intents [skip ci]"
    assert git(origin, "show", "main:audit/2026-11.jsonl") == '{"event":"start"}\n{"event":"intent"}'
    assert gitutil.status_clean(runner)


def test_commit_and_push_commits_only_the_given_paths(remote_and_clones: tuple[Path, Path, Path]) -> None:
    origin, runner, _ = remote_and_clones
    write(runner, "audit/2026-11.jsonl", '{"event":"start"}\n{"event":"posted"}\n')
    write(runner, "content/roads/a.yaml", "a: edited by hand\n")

    sha = gitutil.commit_and_push(runner, [runner / "audit"], "audit [skip ci]", sleep=lambda s: None)

    assert sha == git(origin, "rev-parse", "main")
    assert git(origin, "show", "--name-only", "--format=", "main") == "audit/2026-11.jsonl"
    assert not gitutil.status_clean(runner)  # the hand edit stays uncommitted


def test_commit_and_push_with_nothing_to_commit_returns_none(remote_and_clones: tuple[Path, Path, Path]) -> None:
    origin, runner, _ = remote_and_clones
    before = git(origin, "rev-parse", "main")
    assert gitutil.commit_and_push(runner, [runner / "audit"], "audit [skip ci]", sleep=lambda s: None) is None
    assert gitutil.commit_and_push(runner, [], "audit [skip ci]", sleep=lambda s: None) is None
    assert git(origin, "rev-parse", "main") == before


def test_commit_and_push_stops_at_once_with_a_plain_message_when_the_remote_refuses(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    origin, runner, _ = remote_and_clones
    hook = origin / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'main is protected' >&2\nexit 1\n", encoding="utf-8")
    hook.chmod(0o755)
    before = git(origin, "rev-parse", "main")
    write(runner, "audit/2026-11.jsonl", '{"event":"start"}\n{"event":"intent"}\n')
    pauses: list[float] = []

    with pytest.raises(GitError) as info:
        gitutil.commit_and_push(runner, [runner / "audit"], "audit [skip ci]", attempts=3, sleep=pauses.append)

    message = str(info.value)
    assert message.startswith("origin refused the push to main: ")
    assert "main is protected" in message
    assert "pre-receive hook declined" in message
    assert message.endswith(
        '. The commit is still here. A protected branch must let this identity push: see "Publishing on a '
        'protected main" in docs/ci.md'
    )
    assert pauses == []  # a refusal is not retried: it would only say no again
    assert git(origin, "rev-parse", "main") == before
    assert git(runner, "log", "-1", "--format=%s") == "audit [skip ci]"


def test_commit_and_push_stops_on_a_conflict_and_leaves_no_rebase_behind(
    remote_and_clones: tuple[Path, Path, Path],
) -> None:
    _, runner, other = remote_and_clones
    write(other, "audit/2026-11.jsonl", '{"event":"start"}\n{"event":"theirs"}\n')
    commit_all(other, "their audit")
    git(other, "push", "-q", "origin", "main")
    write(runner, "audit/2026-11.jsonl", '{"event":"start"}\n{"event":"ours"}\n')

    with pytest.raises(GitError) as info:
        gitutil.commit_and_push(runner, [runner / "audit"], "audit [skip ci]", sleep=lambda s: None)

    assert str(info.value).startswith("could not put our commit on top of origin/main: ")
    assert not (runner / ".git" / "rebase-merge").exists()
    assert not (runner / ".git" / "rebase-apply").exists()
    assert gitutil.status_clean(runner)
    assert git(runner, "log", "-1", "--format=%s") == "audit [skip ci]"


def test_commit_and_push_on_a_detached_head_asks_for_the_branch(remote_and_clones: tuple[Path, Path, Path]) -> None:
    _, runner, _ = remote_and_clones
    git(runner, "switch", "-q", "--detach")
    write(runner, "audit/2026-11.jsonl", "changed\n")
    with pytest.raises(GitError) as info:
        gitutil.commit_and_push(runner, [runner / "audit"], "audit [skip ci]", sleep=lambda s: None)
    assert str(info.value) == "HEAD is not on a branch (a detached checkout); check out the branch to push to"


# actor


def test_actor_in_github_actions() -> None:
    environ = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_WORKFLOW": "publish",
        "GITHUB_JOB": "publish",
        "GITHUB_RUN_ID": "123456",
        "GITHUB_ACTOR": "priya-shinde-pmc",
        "GITHUB_SERVER_URL": "https://github.com",
        "GITHUB_REPOSITORY": "pmc/announcements",
        "USER": "runner",
    }
    assert gitutil.actor(environ) == {
        "ci": "github-actions",
        "job": "publish/publish",
        "run_id": "123456",
        "actor": "priya-shinde-pmc",
        "url": "https://github.com/pmc/announcements/actions/runs/123456",
    }


def test_actor_in_gitlab_ci() -> None:
    environ = {
        "GITLAB_CI": "true",
        "CI_JOB_NAME": "publish",
        "CI_PIPELINE_ID": "789",
        "GITLAB_USER_LOGIN": "anil.jadhav",
        "CI_JOB_URL": "https://gitlab.example.org/pmc/announcements/-/jobs/42",
    }
    assert gitutil.actor(environ) == {
        "ci": "gitlab",
        "job": "publish",
        "run_id": "789",
        "actor": "anil.jadhav",
        "url": "https://gitlab.example.org/pmc/announcements/-/jobs/42",
    }


def test_actor_on_a_coordinators_machine() -> None:
    assert gitutil.actor({"USER": "smita"}) == {"user": "smita"}
    assert gitutil.actor({})["user"]  # falls back to the account name


# the command line: validate --changed-since and config.yaml as a path (pre-commit)


def run_cli(root: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["--root", str(root), *args])
    return result.exit_code, result.stdout, result.stderr


def test_validate_changed_since_checks_only_the_changed_announcement(content_repo: Path) -> None:
    root = content_repo
    broken = OTHER.replace("kind: notice", "kind: gossip")
    write(root, OTHER_PATH, broken)
    commit_all(root, "broken roads")
    # a broken file that did not change on this branch is left to its own pull request
    git(root, "switch", "-q", "main")
    write(root, "content/health/2026-12-05-camp.yaml", GOOD_ANNOUNCEMENT.replace("kind: notice", "kind: rumour"))
    commit_all(root, "broken on main")
    git(root, "switch", "-q", "change")
    git(root, "merge", "-q", "--no-edit", "main")

    code, out, _ = run_cli(root, "validate", "--changed-since", "main", "--format", "json")

    assert code == 1
    assert OTHER_PATH in out
    assert "content/health/" not in out


def test_validate_changed_since_with_nothing_changed_says_so(content_repo: Path) -> None:
    code, _, err = run_cli(content_repo, "validate", "--changed-since", "main")
    assert code == 0
    assert err.splitlines()[0] == "pmcpost: no announcement changed since main; checked config.yaml only"


def test_validate_changed_since_an_unknown_ref_is_a_usage_error(content_repo: Path) -> None:
    code, _, err = run_cli(content_repo, "validate", "--changed-since", "origin/nope")
    assert code == 2
    assert "git does not know 'origin/nope' here" in err


def test_validate_with_config_yaml_among_the_files_checks_everything(
    content_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = content_repo
    monkeypatch.chdir(root)
    code, _, err = run_cli(root, "validate", "config.yaml", OTHER_PATH)
    assert code == 0, err
    assert err.splitlines()[-1].startswith("2 files and config.yaml: ok")
    code, _, err = run_cli(root, "validate", "--now", "2026-11-30 12:00", OTHER_PATH)
    assert code == 0, err
    assert err.splitlines()[-1].startswith("1 file and config.yaml: ok")


def test_validate_refuses_paths_together_with_changed_since(content_repo: Path) -> None:
    code, _, err = run_cli(content_repo, "validate", "--changed-since", "main", str(content_repo / OTHER_PATH))
    assert code == 2
    assert "give either PATH|ID arguments or --changed-since, not both" in err
