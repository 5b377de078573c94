"""`pmcpost schema` (kept in step with the checks and the copy in the repository) and `pmcpost new`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner
from helpers import REAL_CONFIG, make_repo, repo_config

from pmcpost.cli import cli
from pmcpost.content import KEYS, REQUIRED_KEYS, load_file
from pmcpost.moments import SCHEMA_PATTERN
from pmcpost.scaffold import create_announcement
from pmcpost.schema import announcement_schema

REPO = REAL_CONFIG.parent


def test_schema_keys_match_the_checks() -> None:
    schema = announcement_schema()
    assert set(schema["properties"]) == set(KEYS)
    assert schema["required"] == list(REQUIRED_KEYS)
    assert schema["additionalProperties"] is False


def test_schema_command_prints_the_copy_kept_in_the_repository() -> None:
    result = CliRunner().invoke(cli, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.output) == json.loads((REPO / "announcement.schema.json").read_text(encoding="utf-8"))
    assert result.output == (REPO / "announcement.schema.json").read_text(encoding="utf-8")


def test_every_sample_file_satisfies_the_schema_and_points_to_it() -> None:
    schema = json.loads((REPO / "announcement.schema.json").read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    samples = sorted((REPO / "content").glob("*/*.yaml"))
    assert len(samples) >= 6
    for path in samples:
        text = path.read_text(encoding="utf-8")
        assert text.startswith("# yaml-language-server: $schema=../../announcement.schema.json\n"), path
        errors = [e.message for e in validator.iter_errors(yaml.safe_load(text))]
        assert errors == [], (path, errors)


def test_schema_rejects_what_validate_rejects() -> None:
    validator = jsonschema.Draft202012Validator(announcement_schema())
    bad = {"coordinator": "anil.jadhav", "kind": "alrt", "text": {"en": "x"}, "publish_at": "soon", "publsh_at": 1}
    messages = sorted(e.message for e in validator.iter_errors(bad))
    assert messages == [
        "'alrt' is not one of ['alert', 'notice', 'scheme', 'project', 'event']",
        "'mr' is a required property",
        f"'soon' does not match {SCHEMA_PATTERN!r}",
        "Additional properties are not allowed ('publsh_at' was unexpected)",
    ]


def test_new_writes_a_valid_announcement(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    result = CliRunner().invoke(
        cli,
        [
            "--root",
            str(root),
            "new",
            "roads",
            "--coordinator",
            "neha.kale",
            "--slug",
            "pothole-drive",
            "--date",
            "2026-12-20",
            "--kind",
            "project",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "created content/roads/2026-12-20-pothole-drive.yaml"
    config = repo_config(root, {})
    announcement, diagnostics = load_file(config, root / "content/roads/2026-12-20-pothole-drive.yaml")
    assert diagnostics == []
    assert announcement is not None
    assert (announcement.coordinator, announcement.approved_by, announcement.kind) == (
        "neha.kale",
        "vikas.more",
        "project",
    )
    assert announcement.publish_at.date() == date(2026, 12, 20)
    text = (root / "content/roads/2026-12-20-pothole-drive.yaml").read_text(encoding="utf-8")
    for key in KEYS:  # every key is shown, set or commented out, so coordinators can discover them
        assert f"{key}:" in text or key in ("department", "freeze_exempt"), key


def test_new_refuses_unknown_department_wrong_coordinator_and_existing_file(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    runner = CliRunner()
    result = runner.invoke(cli, ["--root", str(root), "new", "waterworks"])
    assert result.exit_code == 2
    assert "unknown department 'waterworks'; registered: " in result.output
    result = runner.invoke(cli, ["--root", str(root), "new", "roads", "--coordinator", "anil.jadhav"])
    assert result.exit_code == 2
    assert "'anil.jadhav' is not a coordinator of roads (its coordinators: vikas.more, neha.kale)" in result.output
    config = repo_config(root, {})
    create_announcement(config, "roads", coordinator=None, slug="x", day="2026-12-20", kind="notice")
    result = runner.invoke(cli, ["--root", str(root), "new", "roads", "--slug", "x", "--date", "2026-12-20"])
    assert result.exit_code == 2
    assert "content/roads/2026-12-20-x.yaml already exists; choose another --slug" in result.output


def test_schema_overrides_match_the_checks() -> None:
    from pmcpost.content import OVERRIDE_KEYS

    overrides = announcement_schema()["properties"]["overrides"]["properties"]
    assert set(overrides) == {"twitter", "facebook", "website"}
    for platform in overrides.values():
        assert set(platform["properties"]) == set(OVERRIDE_KEYS)
