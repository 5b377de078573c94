"""Channels posted by hand (WhatsApp Channel, YouTube): publish hands the post over, status shows it awaiting
(overdue after a while), `pmcpost record` settles it with who posted it; the same command settles a lost
Telegram answer."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from emulator.telegram import TelegramEmulator
from helpers import clock_at
from world import CAMP, IST, NOW, WATER, World, audit_events, emulated_world, with_telegram

from pmcpost.audit import read_state
from pmcpost.cli import cli
from pmcpost.render import Renderer
from pmcpost.validate import load_all

CAMP_ID = "health/2026-12-02-eye-camp"
WATER_ID = "water-supply/2026-12-01-shutdown-parvati-zone"


def with_whatsapp(text: str) -> str:
    at = text.index("  whatsapp:\n")
    text = text[:at] + text[at:].replace("    enabled: false\n", "    enabled: true\n", 1)
    return text.replace(
        "default_platforms: [twitter, facebook, website]", "default_platforms: [twitter, facebook, whatsapp, website]"
    )


@pytest.fixture
def hand_world(tmp_path: Path) -> Iterator[World]:
    with emulated_world(tmp_path / "repo", (CAMP, WATER), config_edit=with_whatsapp) as made:
        yield made


def cli_run(world: World, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        cli, ["--root", str(world.root), *args], env={**world.env, **(env or {})}, catch_exceptions=False
    )
    return result.exit_code, result.output


def status_of(world: World, announcement: str, platform: str, now: str) -> dict[str, object]:
    code, output = cli_run(world, "status", "--format", "json", "--now", now)
    assert code == 0
    for dept in json.loads(output):
        for group, items in dept.items():
            if isinstance(items, list):
                for e in items:
                    if e["id"] == announcement and e["platform"] == platform:
                        return {"group": group, **e}
    raise AssertionError("not in status")


def test_publish_hands_over_the_exact_text_and_images_and_status_awaits_then_overdue(hand_world: World) -> None:
    summary_env = {"GITHUB_STEP_SUMMARY": str(hand_world.root.parent / "summary.md")}
    with clock_at("2026-12-02 10:00"):
        assert hand_world.run(env={**hand_world.env, **summary_env}) == 0
    folder = hand_world.root / "handover" / "whatsapp" / WATER_ID
    config = hand_world.config()
    [water] = [a for a in load_all(config).announcements if a.id == WATER_ID]
    expected = Renderer(config).render(water, "whatsapp").parts[0].text
    assert (folder / "post.txt").read_text("utf-8") == expected + "\n"
    assert (folder / "image-1.png").read_bytes() == (
        hand_world.root / WATER.replace("2026-12-01-shutdown-parvati-zone.yaml", "images/shutdown-map.png")
    ).read_bytes()
    summary = (hand_world.root.parent / "summary.md").read_text("utf-8")
    assert "## pmcpost publish: to post by hand" in summary
    assert (
        f"| `{WATER_ID}` | whatsapp | handed over | post it by hand from handover/whatsapp/{WATER_ID}/, then:"
        in summary
    )
    entries = [e for e in audit_events(config) if e["platform"] == "whatsapp"]
    assert [e["event"] for e in entries] == ["intent", "intent"]
    with clock_at("2026-12-02 10:05"):
        assert hand_world.run() == 0  # handed over once: the next run writes nothing more
    assert len([e for e in audit_events(config) if e["platform"] == "whatsapp"]) == 2

    soon = status_of(hand_world, CAMP_ID, "whatsapp", "2026-12-02 11:00")
    assert (soon["group"], soon["status"]) == ("awaiting", "awaiting")
    late = status_of(hand_world, CAMP_ID, "whatsapp", "2026-12-02 20:00")
    assert (late["group"], late["status"]) == ("awaiting", "overdue")
    _, text = cli_run(hand_world, "status", "--now", "2026-12-02 20:00")
    assert f"OVERDUE, awaiting hand posting: {CAMP_ID} on whatsapp: handed over at" in text


def test_record_names_who_posted_by_hand_and_report_counts_it(hand_world: World) -> None:
    with clock_at("2026-12-02 10:00"):
        assert hand_world.run() == 0
    url = "https://whatsapp.com/channel/0029VaPMC/123"
    code, output = cli_run(
        hand_world, "record", CAMP_ID, "--platform", "whatsapp", "--url", url, "--by", "smita.kulkarni"
    )
    assert (code, output) == (0, f"recorded: {CAMP_ID} on whatsapp: posted, by Smita Kulkarni\n")
    config = hand_world.config()
    [entry] = [e for e in audit_events(config) if e["event"] == "reconciled" and e["platform"] == "whatsapp"]
    assert entry["by_hand"] is True and entry["recorded_by"] == {"id": "smita.kulkarni", "name": "Smita Kulkarni"}
    assert entry["remote"] == {"id": "", "url": url} and entry["coordinator"] == {
        "id": "dr.sachin.patil",
        "name": "Dr Sachin Patil",
    }
    assert read_state(config.audit_dir).get(CAMP_ID, "whatsapp").urls == [url]
    assert not (hand_world.root / "handover" / "whatsapp" / CAMP_ID).exists()  # done: off the to-do list
    assert status_of(hand_world, CAMP_ID, "whatsapp", "2026-12-02 20:00")["group"] == "posted"
    code, output = cli_run(hand_world, "report", "--month", "2026-12", "--format", "json", "--now", "2026-12-02 20:00")
    assert code == 0
    data = json.loads(output)
    assert data["total"]["hand_posts"] == 1 and len(data["total"]["hand_wait_minutes"]) == 1
    [waiting] = data["awaiting_hand_posting"]
    assert (waiting["announcement"], waiting["overdue"]) == (WATER_ID, True)
    # Whose post is still waiting, per department and per coordinator.
    assert data["departments"]["water-supply"]["awaiting_hand_posting"] == 1
    assert data["departments"]["health"]["awaiting_hand_posting"] == 0
    assert data["total"]["awaiting_hand_posting"] == 1
    assert data["coordinators"]["anil.jadhav"]["awaiting_hand_posting"] == 1
    assert data["coordinators"]["dr.sachin.patil"]["awaiting_hand_posting"] == 0
    code, text = cli_run(hand_world, "report", "--month", "2026-12", "--now", "2026-12-02 20:00")
    assert "posted by hand: 1; waited" in text
    assert f"OVERDUE, awaiting hand posting: {WATER_ID} on whatsapp since" in text
    code, markdown = cli_run(
        hand_world, "report", "--month", "2026-12", "--format", "markdown", "--now", "2026-12-02 20:00"
    )
    assert "| Coordinator | Department | Posts | Late | Missed | Retracted | Awaiting by hand |" in markdown
    assert "| Anil Jadhav (anil.jadhav) | water-supply | 3 | 3 | 0 | 0 | 1 |" in markdown


def test_record_not_posted_hands_it_over_again_and_refuses_what_is_not_open(hand_world: World) -> None:
    with clock_at("2026-12-02 10:00"):
        assert hand_world.run() == 0
    code, output = cli_run(
        hand_world,
        "record",
        CAMP_ID,
        "--platform",
        "whatsapp",
        "--not-posted",
        "--reason",
        "phone lost",
        "--by",
        "rahul.deshpande",
    )
    assert code == 0 and "not posted" in output
    with clock_at("2026-12-02 10:00"):
        assert hand_world.run() == 0
    intents = [e for e in audit_events(hand_world.config()) if e["event"] == "intent" and e["announcement"] == CAMP_ID]
    assert len([e for e in intents if e["platform"] == "whatsapp"]) == 2
    code, output = cli_run(
        hand_world, "record", CAMP_ID, "--platform", "twitter", "--url", "https://x.com/a/1", "--by", "smita.kulkarni"
    )
    assert code == 2
    assert "has nothing awaiting a record" in output
    code, output = cli_run(hand_world, "record", CAMP_ID, "--platform", "whatsapp", "--url", "https://w/1")
    assert code == 2 and "say who posted it with --by PERSON_ID" in output


def test_record_settles_a_lost_telegram_answer_so_nothing_is_sent_again(tmp_path: Path) -> None:
    with emulated_world(tmp_path / "repo", (CAMP,), config_edit=with_telegram) as world:
        channel = world.emulators["telegram"]
        assert isinstance(channel, TelegramEmulator)
        channel.lose_response("/bot*/sendMessage", method="POST")
        assert world.run(platforms=["telegram"]) == 1
        [post] = channel.seen_posts()  # it went out; pmcpost cannot know
        url = f"https://t.me/pmcpune/{post.id.split(':')[1]}"
        code, output = cli_run(
            world, "record", CAMP_ID, "--platform", "telegram", "--url", url, "--by", "smita.kulkarni"
        )
        assert code == 0, output
        assert world.run(platforms=["telegram"], now=NOW + timedelta(hours=1)) == 0
        assert len(channel.requests_to("/bot*/sendMessage", "POST")) == 1
        posted = read_state(world.config().audit_dir).get(CAMP_ID, "telegram").posted
        assert posted == {0: {"id": f"@pmcpune:{post.id.split(':')[1]}", "url": url}}  # retract can delete it


def test_the_overdue_time_is_checked_in_config(hand_world: World) -> None:
    config = hand_world.root / "config.yaml"
    config.write_text(config.read_text("utf-8").replace("overdue_after: 2h", "overdue_after: soon", 1), "utf-8")
    code, output = cli_run(hand_world, "validate")
    assert code == 1 and "platforms.whatsapp.overdue_after must look like '2h'" in output
    assert datetime(2026, 12, 2, tzinfo=IST)  # (the status times above are Pune's)


def test_preview_shows_the_hand_post_and_says_it_is_posted_by_hand(hand_world: World) -> None:
    code, output = cli_run(
        hand_world, "preview", "--platform", "whatsapp", "--now", "2026-12-02 10:00", "--format", "json"
    )
    assert code == 0
    records = {r["id"]: r for r in json.loads(output)}
    camp = records[CAMP_ID]
    config = hand_world.config()
    [announcement] = [a for a in load_all(config).announcements if a.id == CAMP_ID]
    assert camp["parts"][0]["text"] == Renderer(config).render(announcement, "whatsapp").parts[0].text
    assert camp["warnings"] == [
        "the WhatsApp Channel has no posting API: publish hands this text over to be posted by hand, "
        "and pmcpost record records it"
    ]


def test_retracting_a_hand_post_says_to_delete_it_by_hand(hand_world: World) -> None:
    with clock_at("2026-12-02 10:00"):
        assert hand_world.run() == 0
    url = "https://whatsapp.com/channel/0029VaPMC/124"
    by = ("--by", "smita.kulkarni")
    assert cli_run(hand_world, "record", CAMP_ID, "--platform", "whatsapp", "--url", url, *by)[0] == 0
    code, output = cli_run(hand_world, "retract", CAMP_ID, "--platform", "whatsapp", "--reason", "wrong day", "--yes")
    assert code == 1
    assert "failed: whatsapp post 1 has no known id; delete it by hand" in output
