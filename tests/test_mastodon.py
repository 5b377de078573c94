"""Mastodon against a local instance speaking Mastodon's REST API: length as Mastodon counts it with the
instance's own limit (cached), images with descriptions, threads as replies, Idempotency-Key and the look-up
after a lost answer, rate limits, retract and doctor."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from emulator.mastodon import MastodonEmulator
from fediverse import enabling
from world import CAMP, ROADS, WATER, World, assert_exactly_once, assert_no_secrets, audit_events, emulated_world

from pmcpost.audit import read_state
from pmcpost.platforms.state import state_folder

CAMP_ID = "health/2026-12-02-eye-camp"
ROADS_ID = "roads/2026-11-27-road-closure-karve-road"


@pytest.fixture
def mworld(tmp_path: Path) -> Iterator[World]:
    with emulated_world(tmp_path / "repo", (ROADS, CAMP, WATER), config_edit=enabling("mastodon")) as made:  # type: ignore[arg-type]
        yield made


def instance(world: World) -> MastodonEmulator:
    emulator = world.emulators["mastodon"]
    assert isinstance(emulator, MastodonEmulator)
    return emulator


def test_publish_posts_each_announcement_once_with_threads_and_alt_text(mworld: World) -> None:
    assert mworld.run() == 0
    assert_exactly_once(mworld)
    m = instance(mworld)
    creates = m.requests_to("/api/v1/statuses", "POST")
    assert creates and all(r.headers.get("idempotency-key") for r in creates)
    assert len({r.headers["idempotency-key"] for r in creates}) == len(creates)
    with_media = [s for s in m.statuses if s.media_ids]
    assert len(with_media) == 1
    [attachment] = [m.attachments[i] for i in with_media[0].media_ids]
    assert attachment.description and attachment.mime == "image/png"


def test_a_lost_answer_is_found_among_the_accounts_statuses_not_posted_again(mworld: World) -> None:
    m = instance(mworld)
    m.lose_response("/api/v1/statuses", method="POST")  # made, but the answer never arrives
    assert mworld.run() == 0
    assert_exactly_once(mworld)
    events = [e for e in audit_events(mworld.config()) if e["platform"] == "mastodon"]
    assert [e["event"] for e in events].count("reconciled") == 1
    assert len(m.requests_to("/api/v1/accounts/*/statuses", "GET")) == 1
    # Each intent names the Idempotency-Key its create carries.
    keys = {r.headers["idempotency-key"] for r in m.requests_to("/api/v1/statuses", "POST")}
    assert keys == {e["post_key"] for e in events if e["event"] == "intent"}


def test_a_retry_within_the_hour_reuses_the_idempotency_key_and_gets_the_same_status(mworld: World) -> None:
    from pmcpost.platforms.registry import create_platform
    from pmcpost.render import Renderer
    from pmcpost.validate import load_all

    config = mworld.config()
    camp = next(a for a in load_all(config).announcements if a.id == CAMP_ID)
    message = Renderer(config).render(camp, "mastodon")
    adapter = create_platform("mastodon", config, mworld.env)
    try:
        first = adapter.post(message, 0, None)
        again = adapter.post(message, 0, None)  # as a retry after a lost answer would
    finally:
        adapter.close()
    assert first == again
    assert len(instance(mworld).seen_posts()) == 1
    keys = [r.headers["idempotency-key"] for r in instance(mworld).requests_to("/api/v1/statuses", "POST")]
    assert len(keys) == 2 and keys[0] == keys[1]


def test_the_instance_limit_is_read_once_cached_and_used_by_validate_and_preview(mworld: World) -> None:
    from click.testing import CliRunner

    from pmcpost import doctor
    from pmcpost.cli import cli

    m = instance(mworld)
    m.instance.max_characters = 5000
    camp = mworld.root / CAMP
    camp.write_text(camp.read_text("utf-8").replace("on Saturday.", "on Saturday. " + "x" * 600), "utf-8")

    def run(*args: str) -> tuple[int, str]:
        result = CliRunner().invoke(cli, ["--root", str(mworld.root), *args], env=mworld.env, catch_exceptions=False)
        return result.exit_code, result.output

    preview = ("preview", "--platform", "mastodon", "--now", "2026-12-02 10:00", str(camp))
    _, output = run(*preview)
    # Nothing read yet, and preview never uses the network: Mastodon's default, said as such.
    assert "limit: 500 characters, Mastodon's default; the instance's own is read at the first post" in output
    assert "--- English post 2/3: 500/500" in output  # a thread, each post within 500
    assert run("validate", str(camp)) == (0, "1 file and config.yaml: ok\n")
    assert not m.requests_to("/api/v2/instance")

    checks = {c.area: c for c in doctor.checks(mworld.root, offline=False, environ=mworld.env)}
    assert checks["mastodon"].ok
    assert len(m.requests_to("/api/v2/instance")) == 1
    _code, output = run(*preview)
    assert re.search(r"limit: 5,000 characters, read from the instance on \d{4}-\d\d-\d\d \d\d:\d\d UTC", output)
    assert output.count("\n--- ") == 1 and "English post" not in output  # one post now
    assert mworld.run() == 0
    assert next(s for s in m.statuses if "x" * 600 in s.text).reply_to is None  # one status, not a thread
    assert len(m.requests_to("/api/v2/instance")) == 1  # cached for a day
    cache = state_folder(mworld.root) / "mastodon-instance.json"
    assert (
        cache.is_file()
        and "mastodon-instance.json"
        not in subprocess.run(
            ["git", "status", "--porcelain", "--ignored"], cwd=mworld.root, capture_output=True, text=True
        ).stdout
    )


def test_rate_limits_wait_or_hold_and_other_platforms_go_on(mworld: World) -> None:
    from datetime import datetime, timedelta, timezone

    m = instance(mworld)
    m.rate_limit(reset_at=datetime.now(timezone.utc) + timedelta(hours=2), times=10)
    assert mworld.run() == 1
    config = mworld.config()
    state = read_state(config.audit_dir)
    assert state.get(CAMP_ID, "twitter").complete and state.get(CAMP_ID, "facebook").complete
    assert not m.seen_posts()
    failed = [e for e in audit_events(config) if e["platform"] == "mastodon" and e["event"] == "failed"]
    assert failed and str(failed[0]["error"]).startswith("mastodon rate limit reached until")
    assert len(m.requests_to("/api/v1/statuses", "POST")) == 1  # the rest waits for a later run


def test_secrets_never_appear_even_when_the_instance_echoes_them(
    mworld: World, capsys: pytest.CaptureFixture[str]
) -> None:
    from emulator.http import Reply, Request

    m = instance(mworld)
    original = m.handle

    def echoing(request: Request) -> Reply:
        if request.path == "/api/v1/statuses":
            return Reply.json(422, {"error": f"Validation failed: {request.headers.get('authorization')}"})
        return original(request)

    m.handle = echoing  # type: ignore[method-assign]
    assert mworld.run() == 1
    out = capsys.readouterr()
    failed = [e for e in audit_events(mworld.config()) if e["platform"] == "mastodon" and e["event"] == "failed"]
    assert failed and "[hidden]" in str(failed[0]["error"])
    assert_no_secrets(out.out, out.err, *(str(e) for e in audit_events(mworld.config())))


def test_retract_deletes_every_status_and_doctor_checks_the_token(mworld: World) -> None:
    from pmcpost import doctor, retraction

    assert mworld.run() == 0
    m = instance(mworld)
    ids = [r["id"] for r in read_state(mworld.config().audit_dir).get(ROADS_ID, "mastodon").posted.values()]
    code = retraction.run(
        mworld.config(), ROADS_ID, platforms=None, reason="postponed", assume_yes=True, wait=0, environ=mworld.env
    )
    assert code == 0
    assert not {s.id for s in m.statuses if not s.deleted} & set(ids)
    checks = {c.area: c for c in doctor.checks(mworld.root, offline=False, environ=mworld.env)}
    assert checks["mastodon"].ok and checks["mastodon"].message.startswith("signed in as @PMCPune")
    bad = dict(mworld.env, PMCPOST_MASTODON_ACCESS_TOKEN="wrong-token")
    checks = {c.area: c for c in doctor.checks(mworld.root, offline=False, environ=bad)}
    assert not checks["mastodon"].ok
    assert "write:statuses write:media read:statuses" in checks["mastodon"].message
