"""Telegram: the real adapter (requests on the wire) against the local Bot API emulator, and the whole of
pmcpost (validate, preview, publish, retract, doctor) with the channel enabled."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from emulator.telegram import BOT_TOKEN, CHAT_ID, TelegramEmulator
from helpers import tiny_png
from world import (
    CAMP,
    NOW,
    ROADS,
    WATER,
    World,
    all_files_text,
    assert_exactly_once,
    audit_events,
    emulated_world,
    with_telegram,
)

from pmcpost import doctor, retraction
from pmcpost.audit import read_state
from pmcpost.cli import cli
from pmcpost.errors import CredentialsError, OutcomeUnknown, PlatformError, RateLimited
from pmcpost.platforms import Media, Message, Part
from pmcpost.platforms.registry import create_platform
from pmcpost.platforms.telegram_spec import utf16_length
from pmcpost.validate import load_all

CAMP_ID = "health/2026-12-02-eye-camp"


@pytest.fixture
def tg_world(tmp_path: Path) -> Iterator[World]:
    with emulated_world(tmp_path / "repo", (ROADS, CAMP, WATER), config_edit=with_telegram) as made:
        yield made


def tg(world: World) -> TelegramEmulator:
    emulator = world.emulators["telegram"]
    assert isinstance(emulator, TelegramEmulator)
    return emulator


def cli_run(world: World, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["--root", str(world.root), *args], env=world.env, catch_exceptions=False)
    return result.exit_code, result.output


def test_utf16_length_counts_as_telegram_does() -> None:
    assert utf16_length("पुणे") == 4  # Devanagari: one unit per code point
    assert utf16_length("👍") == 2  # outside the BMP: a surrogate pair
    assert utf16_length("₹ 100") == 5


def test_publish_posts_text_and_photo_exactly_once_with_links(tg_world: World) -> None:
    assert tg_world.run() == 0
    assert_exactly_once(tg_world)
    channel = tg(tg_world)
    assert len(channel.seen_posts()) == 3
    assert channel.photos_seen == [(tg_world.root / "content/water-supply/images/shutdown-map.png").read_bytes()]
    sent = channel.requests_to("/bot*/sendPhoto", "POST")
    assert len(sent) == 1 and sent[0].content_type == "multipart/form-data"
    assert channel.requests_to("/bot*/sendMessage", "POST")[0].content_type == "application/json"
    state = read_state(tg_world.config().audit_dir)
    [url] = state.get(CAMP_ID, "telegram").urls
    assert url.startswith("https://t.me/pmcpune/")
    assert tg_world.run() == 0 and len(channel.seen_posts()) == 3  # nothing twice


def test_an_album_goes_out_as_one_media_group_with_the_caption_on_its_first_photo(
    tg_world: World, tmp_path: Path
) -> None:
    config = tg_world.config(tg_world.env)
    images = []
    for n in range(3):
        path = tmp_path / f"photo{n}.png"
        path.write_bytes(tiny_png())
        images.append(Media(path, "", "image/png"))
    [camp] = [a for a in load_all(config).announcements if a.id == CAMP_ID]
    message = Message("telegram", camp, (Part("कॅप्शन / caption", "mr+en", tuple(images)),))
    adapter = create_platform("telegram", config, tg_world.env)
    try:
        remote = adapter.post(message, 0, None)
    finally:
        adapter.close()
    channel = tg(tg_world)
    [post] = channel.seen_posts()
    assert post.text == "कॅप्शन / caption" and remote.id == post.id
    assert len(remote.id.split(":")[1].split(",")) == 3
    assert len(channel.photos_seen) == 3


def test_a_lost_answer_is_never_sent_again_and_is_left_for_the_cell_to_record(tg_world: World) -> None:
    channel = tg(tg_world)
    channel.lose_response("/bot*/sendMessage", method="POST")  # sent, but the answer never arrives
    assert tg_world.run(platforms=["telegram"]) == 1
    assert tg_world.run(platforms=["telegram"], now=NOW + timedelta(minutes=20)) == 1
    sends = [r.json()["text"] for r in channel.requests_to("/bot*/sendMessage", "POST")]
    assert len(sends) == 2 and sum("Karve" in text for text in sends) == 1  # the lost one is never sent again
    failed = [e for e in audit_events(tg_world.config()) if e["event"] == "failed" and e["platform"] == "telegram"]
    assert failed and all(e.get("unresolved") for e in failed)
    assert "telegram cannot look up posts already made" in str(failed[-1]["error"])


def test_rate_limit_waits_for_retry_after_then_posts(tg_world: World) -> None:
    channel = tg(tg_world)
    channel.fail("/bot*/sendMessage", 429, method="POST")
    _, outcomes = tg_world.publish()
    assert all(o.ok for o in outcomes)
    assert tg_world.slept == [pytest.approx(4.0, abs=0.5)]  # retry_after 3 s, and one more
    assert_exactly_once(tg_world, platforms=["telegram"])


def test_the_bot_token_never_appears_in_output_logs_or_the_audit_log(
    tg_world: World, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    channel = tg(tg_world)
    channel.echo_path = True  # its errors repeat the request path, token and all
    config_file = tg_world.root / "config.yaml"
    config_file.write_text(config_file.read_text("utf-8").replace('"@pmcpune"', '"@pmcwrong"'), "utf-8")
    with caplog.at_level(logging.DEBUG):
        assert tg_world.run(platforms=["telegram"]) == 1
        code, output = cli_run(tg_world, "doctor")
    printed = capsys.readouterr()
    assert code == 1 and "does not know the channel @pmcwrong" in output
    texts = [printed.out, printed.err, output, caplog.text, all_files_text(tg_world.root / "audit")]
    assert any("/bot[hidden]/" in t for t in texts)  # the echoed path was there, scrubbed
    token_id = BOT_TOKEN.split(":")[1]
    for text in texts:
        assert BOT_TOKEN not in text and token_id not in text
    assert any(f"/bot{BOT_TOKEN}/" in r.path for r in channel.requests)  # it did travel in the path


def test_a_wrong_token_is_a_credentials_error_naming_the_variable(tg_world: World) -> None:
    env = {**tg_world.env, "PMCPOST_TELEGRAM_BOT_TOKEN": "7000000000:AAwrongwrongwrong"}
    adapter = create_platform("telegram", tg_world.config(env), env)
    with pytest.raises(CredentialsError) as caught:
        adapter.check_credentials()
    assert str(caught.value) == (
        "Telegram refused the bot token in PMCPOST_TELEGRAM_BOT_TOKEN (Unauthorized); copy it again from @BotFather"
    )


def test_server_errors_on_a_send_leave_the_outcome_unknown(tg_world: World) -> None:
    config = tg_world.config()
    [camp] = [a for a in load_all(config).announcements if a.id == CAMP_ID]
    message = Message("telegram", camp, (Part("text", "en"),))
    adapter = create_platform("telegram", config, tg_world.env)
    tg(tg_world).fail("/bot*/sendMessage", 502)
    with pytest.raises(OutcomeUnknown):
        adapter.post(message, 0, None)
    tg(tg_world).fail("/bot*/sendMessage", 429)
    with pytest.raises(RateLimited) as limited:
        adapter.post(message, 0, None)
    assert limited.value.reset_at is not None and limited.value.reset_at - time.time() == pytest.approx(3, abs=2)
    adapter.close()


def test_the_adapter_sends_up_to_the_limit_in_utf16_units_and_refuses_one_more(tg_world: World) -> None:
    """Its own last check before a send: 4,096 units fit (ASCII, or 2,048 emoji), 4,097 do not, even when the
    text has fewer than 4,097 characters; a refused text is never sent."""
    config = tg_world.config()
    [camp] = [a for a in load_all(config).announcements if a.id == CAMP_ID]
    adapter = create_platform("telegram", config, tg_world.env)
    for text in ("a" * 4096, "👍" * 2048, "पुणे " * 819):
        adapter.post(Message("telegram", camp, (Part(text, "en"),)), 0, None)
    sent = len(tg(tg_world).seen_posts())
    for text in ("a" * 4097, "👍" * 2048 + "a", "👍" * 2049):
        with pytest.raises(PlatformError, match=r"UTF-16 units long; Telegram allows 4,096"):
            adapter.post(Message("telegram", camp, (Part(text, "en"),)), 0, None)
    assert len(tg(tg_world).seen_posts()) == sent == 3
    adapter.close()


def test_a_garbled_refusal_is_recorded_and_shown_not_a_crash(
    tg_world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Telegram's JSON may escape a lone surrogate ("\\ud800"), which no UTF-8 holds, beside control characters:
    the run goes on, the log records the refusal with U+FFFD in the surrogate's place and still verifies, and
    the output shows both escaped."""
    channel = tg(tg_world)
    channel.garble = " \ud800\x1b[2J"
    channel.fail("/bot*/sendMessage", 400, method="POST", times=10)
    assert tg_world.run() == 1
    out = capsys.readouterr().out
    assert "Error \\ud800\\x1b[2J (error 400)" in out and "\x1b" not in out
    config = tg_world.config()
    failed = [e for e in audit_events(config) if e["event"] == "failed" and e["platform"] == "telegram"]
    assert failed and all(str(e["error"]).endswith("Error \ufffd\x1b[2J (error 400)") for e in failed)
    code, said = cli_run(tg_world, "audit", "verify")
    assert code == 0, said


def test_validate_counts_utf16_units_against_the_caption_limit(tg_world: World) -> None:
    water = tg_world.root / WATER
    text = water.read_text("utf-8").replace("Please store enough water in advance.", "👍" * 200)
    water.write_text(text, "utf-8")
    code, output = cli_run(tg_world, "validate", str(water))
    assert code == 1
    errors = [line for line in output.splitlines() if "telegram" in line]
    assert len(errors) == 1
    assert errors[0].startswith(f"{WATER}: error: telegram post 1 is 1,")
    assert errors[0].endswith("long; the limit is 1,024")


def test_preview_measures_in_utf16_units_and_says_there_is_no_alt_text(tg_world: World) -> None:
    code, output = cli_run(
        tg_world, "preview", "--platform", "telegram", "--now", "2026-12-02 10:00", "--format", "json"
    )
    assert code == 0
    records = {r["id"]: r for r in json.loads(output)}
    [part] = records["water-supply/2026-12-01-shutdown-parvati-zone"]["parts"]
    assert (part["length"], part["limit"]) == (utf16_length(part["text"]), 1024)
    code, text = cli_run(tg_world, "preview", "--platform", "telegram", "--now", "2026-12-02 10:00")
    assert "Telegram takes no alt text" in text


def test_retract_deletes_and_says_plainly_when_the_post_is_past_48_hours(tg_world: World) -> None:
    assert tg_world.run(platforms=["telegram"]) == 0
    channel = tg(tg_world)
    config = tg_world.config()
    code = retraction.run(
        config, CAMP_ID, platforms=["telegram"], reason="wrong date", assume_yes=True, wait=0, environ=tg_world.env
    )
    assert code == 0
    assert not any("नेत्र" in p.text for p in channel.seen_posts())
    channel.clock = lambda: time.time() + 49 * 3600
    roads = "roads/2026-11-27-road-closure-karve-road"
    adapter = create_platform("telegram", config, tg_world.env)
    remote_id = read_state(config.audit_dir).get(roads, "telegram").posted[0]["id"]
    with pytest.raises(PlatformError) as refused:
        adapter.delete(remote_id, "old")
    assert "only within 48 hours of posting it" in str(refused.value)
    assert "delete it by hand in the channel" in str(refused.value)
    adapter.delete(f"{CHAT_ID}:999", "gone already")  # not found: already deleted, no error


def test_doctor_checks_the_token_and_the_channel(tg_world: World) -> None:
    checks = {c.area: c for c in doctor.checks(tg_world.root, offline=False, environ=tg_world.env)}
    assert checks["telegram"].ok, checks["telegram"].message
    assert "@pmc_notices_bot" in checks["telegram"].message
    tg_calls = [r.path.rsplit("/", 1)[1] for r in tg(tg_world).requests]
    assert tg_calls == ["getMe", "getChat"]


def test_in_ci_a_missing_bot_token_fails_the_run_before_any_intent(tg_world: World) -> None:
    env = {k: v for k, v in tg_world.env.items() if k != "PMCPOST_TELEGRAM_BOT_TOKEN"} | {"CI": "true"}
    with pytest.raises(CredentialsError) as caught:
        tg_world.run(env=env)
    assert "telegram needs PMCPOST_TELEGRAM_BOT_TOKEN" in str(caught.value)
    assert not (tg_world.root / "audit").exists()
    assert tg(tg_world).requests == []
