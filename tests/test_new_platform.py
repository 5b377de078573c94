"""A fourth platform written only from docs/adding-a-platform.md works end to end without a line changed in
pmcpost: its description and adapter (tests/noticeboard_platform.py), its template (in the content
repository), its emulator (tests/emulator/noticeboard.py), registered for the test instead of by an entry point.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from emulator.noticeboard import NoticeBoardEmulator
from noticeboard_platform import SPEC
from world import (
    CAMP,
    NOW,
    ROADS,
    World,
    assert_exactly_once,
    audit_events,
    emulated_world,
    quiet_git,
    register_emulator,
)

from pmcpost import doctor, retraction
from pmcpost.audit import read_state
from pmcpost.cli import cli
from pmcpost.platforms.registry import registered
from pmcpost.platforms.spec import MediaRules, Threading
from pmcpost.render import Renderer
from pmcpost.validate import load_all

CAMP_ID = "health/2026-12-02-eye-camp"
TEMPLATE = """\
{% for lang in languages %}
{{ title[lang] ~ ": " if lang in title }}{{ text[lang] }}
{% endfor %}
{{ link if link }}
"""


def with_noticeboard(text: str) -> str:
    """config.yaml with the notice board enabled and posted to by default."""
    text = text.replace("  website:\n", "  noticeboard:\n    enabled: true\n    board: city\n  website:\n", 1)
    return text.replace(
        "default_platforms: [twitter, facebook, website]",
        "default_platforms: [twitter, facebook, noticeboard, website]",
    )


@pytest.fixture
def board_world(tmp_path: Path) -> Iterator[World]:
    with (
        registered(SPEC),
        register_emulator("noticeboard", NoticeBoardEmulator),
        emulated_world(tmp_path / "repo", (ROADS, CAMP), config_edit=with_noticeboard) as made,
    ):
        (made.root / "templates").mkdir()
        (made.root / "templates" / "noticeboard.j2").write_text(TEMPLATE, encoding="utf-8")
        quiet_git(made.root, "add", "-A")
        quiet_git(made.root, "commit", "-qm", "the notice board's template")
        yield made


def cli_run(world: World, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(world.root), *args], env=world.env, catch_exceptions=False)
    return result.exit_code, result.output


def test_validate_measures_with_the_new_platforms_rule_and_checks_its_options(board_world: World) -> None:
    assert cli_run(board_world, "validate") == (0, "2 files and config.yaml: ok\n")
    camp = board_world.root / CAMP
    camp.write_text(camp.read_text(encoding="utf-8").replace("on Saturday.", "on Saturday. " + "x" * 500), "utf-8")
    code, output = cli_run(board_world, "validate", str(camp))
    assert code == 1
    assert output.splitlines()[1:] == [
        f"{CAMP}: error: noticeboard post 1 is 685 long; the limit is 500",
        f"{CAMP}: warning: noticeboard: 685 characters; noticeboard allows 500",
    ]
    config = board_world.root / "config.yaml"
    config.write_text(config.read_text(encoding="utf-8").replace("board: city", "board: county"), "utf-8")
    line = next(n for n, text in enumerate(config.read_text("utf-8").splitlines(), 1) if "board: county" in text)
    code, output = cli_run(board_world, "validate")
    assert code == 1
    assert f"config.yaml:{line}:12: error: platforms.noticeboard.board must be one of city, ward" in output


def test_preview_shows_the_post_as_the_new_platform_measures_it(board_world: World) -> None:
    code, output = cli_run(
        board_world, "preview", "--platform", "noticeboard", "--now", "2026-12-02 10:00", "--format", "json"
    )
    assert code == 0
    records = {r["id"]: r for r in json.loads(output)}
    camp = records[CAMP_ID]
    [part] = camp["parts"]
    assert part["text"].startswith("मोफत नेत्र तपासणी शिबिर: कसबा पेठ दवाखान्यात")
    assert (part["length"], part["limit"]) == (len(part["text"]), 500)
    assert "estimated_cost_usd" not in camp  # the notice board is free


def test_publish_exactly_once_through_a_lost_response_then_retract(board_world: World) -> None:
    board = board_world.emulators["noticeboard"]
    assert isinstance(board, NoticeBoardEmulator)
    board.lose_response("/v1/notices", method="POST")  # posted, but the answer never arrives
    assert board_world.run() == 0
    assert_exactly_once(board_world)  # every platform, the notice board included, once each
    config = board_world.config()
    events = [(e["event"], e["announcement"]) for e in audit_events(config) if e["platform"] == "noticeboard"]
    assert ("reconciled", events[0][1]) in events  # found by find_existing, not posted again
    assert len(board.seen_posts()) == 2
    # The website comes last and links to the notice, by the platform's display name.
    page = (board_world.root / "public" / f"{CAMP_ID}.html").read_text(encoding="utf-8")
    notice_url = read_state(config.audit_dir).get(CAMP_ID, "noticeboard").urls[0]
    assert notice_url in page and "View on the notice board" in page
    # doctor checks its credentials like any other platform's.
    checks = {c.area: c for c in doctor.checks(board_world.root, offline=False, environ=board_world.env)}
    assert checks["noticeboard"].ok and checks["noticeboard"].message.startswith("signed in as PMC notices via http")

    code = retraction.run(
        config, CAMP_ID, platforms=None, reason="wrong date", assume_yes=True, wait=0, environ=board_world.env
    )
    assert code == 0
    assert len(board.seen_posts()) == 1 and not any("नेत्र" in p.text for p in board.seen_posts())
    assert read_state(config.audit_dir).get(CAMP_ID, "noticeboard").retracted
    assert board_world.run() == 0
    assert len(board.seen_posts()) == 1  # nothing posted again


def test_a_platform_that_cannot_look_up_never_posts_again_after_a_lost_response(tmp_path: Path) -> None:
    blind = dataclasses.replace(SPEC, can_look_up=False)  # as the Telegram Bot API: no reading of history
    with (
        registered(blind),
        register_emulator("noticeboard", NoticeBoardEmulator),
        emulated_world(tmp_path / "repo", (CAMP,), config_edit=with_noticeboard) as world,
    ):
        board = world.emulators["noticeboard"]
        assert isinstance(board, NoticeBoardEmulator)
        board.lose_response("/v1/notices", method="POST")
        assert world.run() == 1
        assert world.run() == 0  # inside the platform's back-off: nothing is tried, nothing written
        assert world.run(now=NOW + timedelta(minutes=15)) == 1  # the first run after it checks again
        assert len(board.seen_posts()) == 1  # posted once, by the first run, and never again
        failed = [e for e in audit_events(world.config()) if e["event"] == "failed" and e["platform"] == "noticeboard"]
        assert [e["error"] for e in failed] == 2 * [
            "could not check whether part 1 was already posted (noticeboard cannot look up posts already made); "
            "not posting, to avoid a double post; look at the notice board, then run pmcpost record "
            f"{CAMP_ID} --platform noticeboard --url URL (it is there) or --not-posted --reason TEXT (it is not)"
        ]
        assert all(e["unresolved"] for e in failed)
        assert len(board.requests_to("/v1/notices", "POST")) == 1


def test_an_image_the_platform_does_not_take_is_refused_by_validate(board_world: World) -> None:
    only_png = dataclasses.replace(SPEC, media=MediaRules(formats=("image/png",), alt_text=False))
    gif = b"GIF89a" + b"\x01\x00\x01\x00\x00\x00\x00;"
    (board_world.root / "content/health/images").mkdir(parents=True)
    (board_world.root / "content/health/images/camp.gif").write_bytes(gif)
    camp = board_world.root / CAMP
    media = '\nmedia:\n  - path: content/health/images/camp.gif\n    alt: {mr: "शिबिर", en: "The camp"}\n'
    camp.write_text(camp.read_text(encoding="utf-8") + media, "utf-8")
    assert cli_run(board_world, "validate", str(camp))[0] == 0  # the notice board as first described takes GIFs
    with registered(only_png):
        code, output = cli_run(board_world, "validate", str(camp))
    assert code == 1
    line = len(camp.read_text("utf-8").splitlines()) - 1
    assert output.splitlines()[1:] == [
        f"{CAMP}:{line}:11: error: media[0].path 'content/health/images/camp.gif' is a image/gif image, which the "
        "notice board does not take"
    ]


def test_a_threading_platform_splits_with_its_own_splitter_and_measure(board_world: World) -> None:
    threaded = dataclasses.replace(
        SPEC, text_limit=60, threads=Threading(split="noticeboard_platform:split_notices", warn_above_parts=3)
    )
    with registered(threaded):
        config = board_world.config()
        camp = next(a for a in load_all(config).announcements if a.id == CAMP_ID)
        message = Renderer(config).render(camp, "noticeboard")
    texts = [p.text for p in message.parts]
    assert len(texts) > 3 and all(len(t) <= 60 for t in texts)
    assert all(re.search(r" \[\d/\d\]$", t) for t in texts)  # numbered by the board's own splitter
    assert message.parts[0].language == "mr" and message.parts[-1].language == "en"
    assert message.warnings == (
        f"the thread on the notice board has {len(texts)} posts; consider a shorter text for the notice board",
    )
