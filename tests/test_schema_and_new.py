"""`pmcpost schema` (kept in step with the checks and the copy in the repository) and `pmcpost new`."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import yaml
from click.testing import CliRunner
from helpers import REAL_CONFIG, make_repo, repo_config, tiny_png

from pmcpost.cli import cli
from pmcpost.content import KEYS, REQUIRED_KEYS, load_file
from pmcpost.moments import SCHEMA_PATTERN
from pmcpost.platforms.registry import available_platforms
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


NEW_FILE = "content/roads/2026-12-20-pothole-drive.yaml"


def _new(root: Path) -> str:
    args = ["--root", str(root), "new", "roads", "--coordinator", "neha.kale", "--slug", "pothole-drive"]
    result = CliRunner().invoke(cli, [*args, "--date", "2026-12-20", "--kind", "project"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        f"created {NEW_FILE}",
        f"Replace every <<...>> placeholder with your own words, then run: pmcpost validate {NEW_FILE}",
        "Then open a pull request and ask for approval as the file says.",
    ]
    return (root / NEW_FILE).read_text(encoding="utf-8")


def test_new_writes_a_file_validate_refuses_until_every_placeholder_is_replaced(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    text = _new(root)
    result = CliRunner().invoke(cli, ["--root", str(root), "validate"])
    assert result.exit_code == 1
    f = NEW_FILE
    assert result.stdout.splitlines() == [
        f"{f}:7:1: error: missing required key 'approved_by': policy requires a second person's approval (the "
        "department's other coordinator or a cell member); ask them to review your pull request, and the one who "
        "approves adds approved_by: <their id>",
        f"{f}:21:7: error: title.mr still holds the placeholder '<<शीर्षक लिहा>>' from pmcpost new; replace it: "
        "write a short heading, or delete the title",
        f"{f}:22:7: error: title.en still holds the placeholder '<<Write a short heading>>' from pmcpost new; "
        "replace it: write a short heading, or delete the title",
        f"{f}:27:7: error: text.mr still holds the placeholder '<<येथे मराठी मजकूर लिहा>>' from pmcpost new; "
        "replace it: write the message",
        f"{f}:29:7: error: text.en still holds the placeholder '<<Write the English text here>>' from pmcpost "
        "new; replace it: write the message",
    ]
    # The file says who may approve and how; it names nobody as approver.
    assert "\napproved_by:" not in text
    assert (
        "# Approval is a second person's decision, so nobody is named here yet. Open a pull request with this file "
        "and\n# ask the department's other coordinator (vikas.more) or a social media cell member (smita.kulkarni,\n"
        "# rahul.deshpande) to review it. The one who approves it adds a line with their own id, such as\n"
        "#   approved_by: vikas.more\n"
    ) in text

    # Images, uncommented with their placeholders still in, are refused too, naming the alt text.
    with_image = text.replace(
        "# media:\n#   - path: content/roads/images/example.jpg\n#     alt:\n#       mr:",
        "media:\n  - path: content/roads/images/example.png\n    alt:\n      mr:",
    ).replace('#       en: "<<Describe', '      en: "<<Describe')
    (root / "content/roads/images").mkdir(parents=True)
    (root / "content/roads/images/example.png").write_bytes(tiny_png())
    (root / NEW_FILE).write_text(with_image, encoding="utf-8")
    _, diagnostics = load_file(repo_config(root, {}), root / NEW_FILE)
    assert [d.message for d in diagnostics if d.message.startswith("media")] == [
        "media[0].alt.mr still holds the placeholder '<<चित्रात काय दिसते ते लिहा>>' from pmcpost new; replace it: "
        "describe what the image shows",
        "media[0].alt.en still holds the placeholder '<<Describe what the picture shows>>' from pmcpost new; "
        "replace it: describe what the image shows",
    ]

    filled = (
        text.replace("<<शीर्षक लिहा>>", "खड्डे बुजवण्याची मोहीम")
        .replace("<<Write a short heading>>", "Pothole drive")
        .replace("<<येथे मराठी मजकूर लिहा>>", "या आठवड्यात शहरातील खड्डे बुजवले जातील.")
        .replace("<<Write the English text here>>", "Potholes across the city are filled this week.")
        .replace("kind: project", "approved_by: vikas.more\nkind: project")
    )
    (root / NEW_FILE).write_text(filled, encoding="utf-8")
    announcement, diagnostics = load_file(repo_config(root, {}), root / NEW_FILE)
    assert diagnostics == []
    assert announcement is not None
    assert (announcement.coordinator, announcement.approved_by, announcement.kind) == (
        "neha.kale",
        "vikas.more",
        "project",
    )
    assert announcement.publish_at.date() == date(2026, 12, 20)
    for key in KEYS:  # every key is shown, set or commented out, so coordinators can discover them
        assert f"{key}:" in text or key == "department", key


def test_the_schema_flags_placeholders_as_validate_does() -> None:
    validator = jsonschema.Draft202012Validator(announcement_schema())
    doc = {
        "coordinator": "neha.kale",
        "kind": "notice",
        "text": {"mr": "<<येथे मराठी मजकूर लिहा>>", "en": "Potholes are filled."},
        "publish_at": "2026-12-20 9.30",
    }
    assert [list(e.absolute_path) for e in validator.iter_errors(doc)] == [["text", "mr"]]


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
    assert set(overrides) == set(available_platforms())
    for platform in overrides.values():
        assert set(platform["properties"]) == set(OVERRIDE_KEYS)
