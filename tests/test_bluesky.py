"""Bluesky against a local PDS speaking XRPC: 300 graphemes, facets with UTF-8 byte offsets, images with alt
text and the blob limit, threads with root and parent strong refs, the record key chosen before the create
and looked up with getRecord after a lost answer, a session kept between runs, retract and doctor."""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from emulator.bluesky import DID, HANDLE, BlueskyEmulator
from fediverse import enabling
from world import (
    CAMP,
    NOW,
    ROADS,
    WATER,
    WATER_IMAGE,
    World,
    assert_exactly_once,
    assert_no_secrets,
    audit_events,
    emulated_world,
)

from pmcpost.audit import read_state
from pmcpost.platforms.state import state_folder

CAMP_ID = "health/2026-12-02-eye-camp"
ROADS_ID = "roads/2026-11-27-road-closure-karve-road"


@pytest.fixture
def bworld(tmp_path: Path) -> Iterator[World]:
    with emulated_world(tmp_path / "repo", (ROADS, CAMP, WATER), config_edit=enabling("bluesky")) as made:  # type: ignore[arg-type]
        yield made


def pds(world: World) -> BlueskyEmulator:
    emulator = world.emulators["bluesky"]
    assert isinstance(emulator, BlueskyEmulator)
    return emulator


def test_publish_posts_each_announcement_once_with_threads_and_alt_text(bworld: World) -> None:
    assert bworld.run() == 0
    assert_exactly_once(bworld)


def test_posts_carry_facets_images_with_alt_text_and_thread_refs(bworld: World) -> None:
    assert bworld.run() == 0
    p = pds(bworld)
    records = [r for r in p.records.values() if not r.deleted]
    camp = next(r for r in records if "नेत्र" in r.value["text"])
    text: str = camp.value["text"]
    data = text.encode("utf-8")
    spans = {
        f["features"][0]["$type"]: data[f["index"]["byteStart"] : f["index"]["byteEnd"]] for f in camp.value["facets"]
    }
    assert spans == {
        "app.bsky.richtext.facet#link": b"https://www.pmc.gov.in/en/health",
        "app.bsky.richtext.facet#tag": b"#PMCHealth",
    }
    assert text.index("https://") < data.index(b"https://")  # Marathi before the link: bytes, not code points
    [with_images] = [r for r in records if "embed" in r.value]
    [image] = with_images.value["embed"]["images"]
    assert image["alt"].startswith("पाणीपुरवठा बंद") and image["image"]["mimeType"] == "image/png"
    threads = [r for r in records if "reply" in r.value]
    assert threads
    for r in threads:
        root, parent = r.value["reply"]["root"], r.value["reply"]["parent"]
        assert p.records[root["uri"].rsplit("/", 1)[1]].cid == root["cid"]
        assert p.records[parent["uri"].rsplit("/", 1)[1]].cid == parent["cid"]
        assert "reply" not in p.records[root["uri"].rsplit("/", 1)[1]].value  # the root is the thread's first post


def test_a_lost_answer_is_settled_by_get_record_on_the_key_chosen_before(bworld: World) -> None:
    p = pds(bworld)
    p.lose_response("/xrpc/com.atproto.repo.createRecord", method="POST")
    assert bworld.run() == 0
    assert_exactly_once(bworld)
    events = [e for e in audit_events(bworld.config()) if e["platform"] == "bluesky"]
    assert [e["event"] for e in events].count("reconciled") == 1
    [lookup] = p.requests_to("/xrpc/com.atproto.repo.getRecord")
    first_create = p.requests_to("/xrpc/com.atproto.repo.createRecord")[0]
    assert lookup.param("rkey") == first_create.json()["rkey"]
    # The key was written into the intent before the create, for the cell to settle a lost answer by hand.
    intents = [e for e in events if e["event"] == "intent"]
    assert first_create.json()["rkey"] in [e["post_key"] for e in intents]
    urls = read_state(bworld.config().audit_dir).get(CAMP_ID, "bluesky").urls
    assert urls == [
        f"https://bsky.app/profile/{DID}/post/{p.requests_to('/xrpc/com.atproto.repo.createRecord')[-1].json()['rkey']}"
    ]
    assert all(isinstance(e["post_key"], str) and len(e["post_key"]) == 13 for e in intents)


def test_the_session_is_kept_between_runs_and_refreshed_not_recreated(bworld: World) -> None:
    p = pds(bworld)
    assert bworld.run() == 0
    assert p.sessions_created() == 1
    from pmcpost import doctor

    checks = {c.area: c for c in doctor.checks(bworld.root, offline=False, environ=bworld.env)}
    assert checks["bluesky"].ok and checks["bluesky"].message.startswith(f"signed in as @{HANDLE}")
    assert p.sessions_created() == 1  # the kept session served doctor
    p.expire_access_tokens()
    checks = {c.area: c for c in doctor.checks(bworld.root, offline=False, environ=bworld.env)}
    assert checks["bluesky"].ok
    assert p.sessions_created() == 1
    assert len(p.requests_to("/xrpc/com.atproto.server.refreshSession")) == 1
    session = state_folder(bworld.root) / "bluesky-session.json"
    assert oct(session.stat().st_mode & 0o777) == "0o600"
    status = subprocess.run(
        ["git", "status", "--porcelain", "--ignored"], cwd=bworld.root, capture_output=True, text=True
    )
    assert "bluesky-session" not in status.stdout


def test_two_runs_make_one_create_session(bworld: World) -> None:
    p = pds(bworld)
    assert bworld.run(now=NOW - timedelta(hours=2)) == 0  # before the camp's time: the roads and water posts
    made = len(p.seen_posts())
    assert made and p.sessions_created() == 1
    assert bworld.run() == 0  # the camp, in a new process as far as pmcpost is concerned: the session is kept
    assert len(p.seen_posts()) > made
    assert p.sessions_created() == 1
    assert_exactly_once(bworld)


def test_an_image_over_the_blob_limit_is_refused_by_validate(bworld: World) -> None:
    from click.testing import CliRunner

    from pmcpost.cli import cli

    image = bworld.root / WATER_IMAGE
    data = image.read_bytes()
    image.write_bytes(data + b"\0" * (1_000_001 - len(data)))  # trailing bytes after IEND: still a PNG
    result = CliRunner().invoke(cli, ["--root", str(bworld.root), "validate", str(bworld.root / WATER)], env=bworld.env)
    line = next(n for n, t in enumerate((bworld.root / WATER).read_text("utf-8").splitlines(), 1) if "path:" in t)
    assert result.exit_code == 1
    assert (
        f"{WATER}:{line}:" in result.output
        and f"media[0].path '{WATER_IMAGE}' is 0.96 MB; the most allowed is 0.95 MB." in result.output
    )


def test_rate_limit_and_secrets_and_other_platforms_go_on(bworld: World, capsys: pytest.CaptureFixture[str]) -> None:
    p = pds(bworld)
    p.rate_limit("com.atproto.repo.createRecord", reset=int(time.time()) + 7200, times=10)
    assert bworld.run() == 1
    state = read_state(bworld.config().audit_dir)
    assert state.get(CAMP_ID, "twitter").complete and state.get(CAMP_ID, "facebook").complete
    assert not p.seen_posts()
    failed = [e for e in audit_events(bworld.config()) if e["platform"] == "bluesky" and e["event"] == "failed"]
    assert str(failed[0]["error"]).startswith("bluesky rate limit reached until")
    out = capsys.readouterr()
    assert_no_secrets(out.out, out.err, *(str(e) for e in audit_events(bworld.config())))
    tokens = [*p.access, *p.refresh]
    assert tokens and not any(t in out.out + out.err for t in tokens)


def test_retract_deletes_every_record(bworld: World) -> None:
    from pmcpost import retraction

    assert bworld.run() == 0
    p = pds(bworld)
    uris = [r["id"] for r in read_state(bworld.config().audit_dir).get(ROADS_ID, "bluesky").posted.values()]
    code = retraction.run(
        bworld.config(), ROADS_ID, platforms=None, reason="postponed", assume_yes=True, wait=0, environ=bworld.env
    )
    assert code == 0
    assert not {post.id for post in p.seen_posts()} & set(uris)
