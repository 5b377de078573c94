"""`pmcpost validate` end to end: click's runner and the installed entry point, exit codes and formats."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, real_config_text

from pmcpost.cli import cli

P = GOOD_PATH
BAD = GOOD_ANNOUNCEMENT + "publsh_at: x\n"
BAD_LINE = f"{P}:14:1: error: unknown key 'publsh_at' in the announcement (did you mean 'publish_at'?)"


def entry_point() -> str:
    found = shutil.which("pmcpost") or str(Path(sys.executable).parent / "pmcpost")
    assert Path(found).exists(), "pmcpost is not installed in this environment"
    return found


def clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PMCPOST_")}
    env["NO_COLOR"] = "1"
    return env


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [entry_point(), *args], cwd=cwd, env=clean_env(), capture_output=True, text=True, timeout=120, check=False
    )


def invoke(args: list[str], monkeypatch: pytest.MonkeyPatch, cwd: Path) -> tuple[int, str, str]:
    monkeypatch.chdir(cwd)
    for key in [k for k in os.environ if k.startswith("PMCPOST_")]:
        monkeypatch.delenv(key)
    result = CliRunner().invoke(cli, args, catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


# -- click's runner --------------------------------------------------------------------------------


def test_clean_repository_exits_0(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    code, out, err = invoke(["validate"], monkeypatch, root)
    assert (code, out, err) == (0, "", "1 file and config.yaml: ok\n")


def test_problems_exit_1_with_exact_lines(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: BAD, "content/roads/2026-12-01-x.yaml": ""})
    code, out, err = invoke(["validate"], monkeypatch, root)
    assert code == 1
    assert out.splitlines() == [
        "content/roads/2026-12-01-x.yaml:1:1: error: the announcement file is empty",
        BAD_LINE,
    ]
    assert (
        err
        == "2 errors, 0 warnings in 2 files and config.yaml; a file with errors is not published until they are fixed\n"
    )


def test_only_the_given_paths(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT, "content/roads/2026-12-01-x.yaml": ""})
    code, out, _ = invoke(["validate", "--now", "2026-11-30 12:00", P], monkeypatch, root)
    assert (code, out) == (0, "")


def test_missing_path_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path)
    code, _, err = invoke(["validate", "content/nope.yaml"], monkeypatch, root)
    assert code == 2
    assert "content/nope.yaml: no such file or folder" in err


def test_bad_format_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path)
    code, _, err = invoke(["validate", "--format", "xml"], monkeypatch, root)
    assert code == 2
    assert "'xml' is not one of 'text', 'json', 'github'" in err


def test_no_config_is_a_usage_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out, err = invoke(["validate"], monkeypatch, tmp_path)
    assert code == 2
    assert out == ""
    assert err.startswith(f"pmcpost: error: no config.yaml in {tmp_path.resolve().name} or any folder above it")


def test_root_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path / "repo", {P: BAD})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    code, out, _ = invoke(["--root", str(root), "validate"], monkeypatch, elsewhere)
    assert (code, out.splitlines()) == (1, [BAD_LINE])


def test_walks_up_from_a_subfolder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: BAD})
    code, out, _ = invoke(["validate"], monkeypatch, root / "content" / "water-supply")
    assert (code, out.splitlines()) == (1, [BAD_LINE])


def test_json_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: BAD})
    code, out, err = invoke(["validate", "--format", "json"], monkeypatch, root)
    assert code == 1
    assert err == ""
    assert json.loads(out) == [
        {
            "path": P,
            "line": 14,
            "column": 1,
            "severity": "error",
            "message": "unknown key 'publsh_at' in the announcement (did you mean 'publish_at'?)",
        }
    ]


def test_json_format_clean(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    code, out, _ = invoke(["validate", "--format", "json"], monkeypatch, root)
    assert (code, json.loads(out)) == (0, [])


def test_github_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = make_repo(tmp_path, {P: BAD, "content/water/2026-12-01-x.yaml": GOOD_ANNOUNCEMENT})
    code, out, _ = invoke(["validate", "--format", "github"], monkeypatch, root)
    assert code == 1
    assert out.splitlines() == [
        f"::error file={P},line=14,col=1::unknown key 'publsh_at' in the announcement (did you mean 'publish_at'?)",
        "::error file=content/water/2026-12-01-x.yaml::folder 'water' is not a department registered in "
        "config.yaml (did you mean 'water-supply'?)",
    ]


def test_config_problems_use_the_same_format(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    text = real_config_text().replace("timezone: Asia/Kolkata", "timezone: Asia/Pune")
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT}, config_text=text)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "timezone:" in t)
    code, out, _ = invoke(["validate"], monkeypatch, root)
    assert code == 1
    assert out.splitlines() == [
        f"config.yaml:{line}:13: error: unknown timezone 'Asia/Pune' (for Pune use 'Asia/Kolkata')"
    ]


# -- the installed entry point -----------------------------------------------------------------------


def test_entry_point_exit_codes(tmp_path: Path) -> None:
    good = make_repo(tmp_path / "good", {P: GOOD_ANNOUNCEMENT})
    bad = make_repo(tmp_path / "bad", {P: BAD})
    ok = run(["validate"], good)
    assert (ok.returncode, ok.stdout, ok.stderr) == (0, "", "1 file and config.yaml: ok\n")
    problems = run(["validate"], bad)
    assert (problems.returncode, problems.stdout.splitlines()) == (1, [BAD_LINE])
    usage = run(["validate", "--format", "yaml"], good)
    assert usage.returncode == 2
    nowhere = run(["validate"], tmp_path)
    assert nowhere.returncode == 2
    assert nowhere.stderr.startswith("pmcpost: error: no config.yaml in ")


def test_entry_point_root_walk_up_and_formats(tmp_path: Path) -> None:
    root = make_repo(tmp_path / "repo", {P: BAD})
    by_root = run(["--root", str(root), "validate", "--format", "json"], tmp_path)
    assert by_root.returncode == 1
    assert [d["line"] for d in json.loads(by_root.stdout)] == [14]
    walked = run(["validate", "--format", "github"], root / "content" / "water-supply")
    assert walked.returncode == 1
    assert walked.stdout.splitlines() == [
        f"::error file={P},line=14,col=1::unknown key 'publsh_at' in the announcement (did you mean 'publish_at'?)"
    ]


BAD_INPUTS: dict[str, str | bytes] = {
    "content/water-supply/2026-12-01-binary.yaml": bytes(range(256)),
    "content/water-supply/2026-12-01-nul.yaml": b"kind: \x00\n",
    "content/water-supply/2026-12-01-deep.yaml": "a: " + "[" * 5000,
    "content/water-supply/2026-12-01-bomb.yaml": "a: &a [x]\nb: [*a, *a]\n",
    "content/water-supply/2026-12-01-tag.yaml": "!!python/object/apply:os.system ['true']\n",
    "content/water-supply/2026-12-01-times.yaml": GOOD_ANNOUNCEMENT.replace(
        'publish_at: "2026-12-01 18:00"', 'publish_at: "0001-01-01T00:00+14:00"'
    ),
    "content/water-supply/2026-12-01-media.yaml": GOOD_ANNOUNCEMENT
    + 'media:\n  - path: "\\0"\n  - 7\n  - {path: ..}\n',
    "content/water-supply/2026-12-01-types.yaml": "coordinator: [1]\nkind: {}\ntext: 3\npublish_at: []\nmedia: x\n",
    "content/water-supply/not-an-announcement.txt.yaml": "- 1\n",
    "content/2026-12-01-loose.yaml": GOOD_ANNOUNCEMENT,
}


def test_no_traceback_for_bad_input(tmp_path: Path) -> None:
    root = make_repo(tmp_path, BAD_INPUTS)
    result = run(["validate"], root)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    assert "internal error" not in result.stderr
    # Indented lines show the source line of a slip under its problem.
    reported = {line.split(":", 1)[0] for line in result.stdout.splitlines() if not line.startswith(" ")}
    assert reported == set(BAD_INPUTS)


def test_no_traceback_for_a_bad_config(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT}, config_text="organisation: [\x00\n")
    result = run(["validate"], root)
    assert result.returncode == 1
    assert result.stdout == "config.yaml:1:16: error: the file holds a NUL character; it is not a text file\n"
    assert "Traceback" not in result.stderr


# -- staying light ---------------------------------------------------------------------------------


@pytest.mark.parametrize("args", [["--help"], ["validate"]])
def test_no_network_clients_imported(tmp_path: Path, args: list[str]) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "pmcpost", *args],
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    imported = {
        line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")
    }
    assert "pmcpost.cli" in imported
    if args == ["validate"]:
        assert "pmcpost.content" in imported
    heavy = sorted(m for m in imported if m.split(".")[0] in {"tweepy", "facebook", "requests"})
    assert heavy == []


@pytest.mark.parametrize("content", [GOOD_ANNOUNCEMENT, BAD])
def test_the_command_leaves_the_collector_as_it_found_it(tmp_path: Path, content: str) -> None:
    """validate runs with the cyclic collector off; a program invoking the command (here, click's runner) gets
    it back on afterwards, whether the files passed or not."""
    import gc

    root = make_repo(tmp_path, {P: content})
    assert gc.isenabled()
    result = CliRunner().invoke(cli, ["--root", str(root), "validate"])
    assert result.exit_code == (0 if content is GOOD_ANNOUNCEMENT else 1), result.output
    assert gc.isenabled()
    gc.disable()
    try:
        CliRunner().invoke(cli, ["--root", str(root), "validate"])
        assert not gc.isenabled()  # nor turned on when it was off
    finally:
        gc.enable()
