"""`pmcpost retract` stops an announcement everywhere, before or after it went out, and knows part by part what
is still live, against the emulators."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from emulator.http import Reply, Request
from world import CAMP, CAMP_TEXT, NOW, ROADS, World, audit_events, emulators, with_files, world

from pmcpost import retraction, status
from pmcpost.audit import read_state
from pmcpost.audit_verify import verify_chain
from pmcpost.cli import cli
from pmcpost.errors import UsageError
from pmcpost.output import status as status_view
from pmcpost.plan import build_plan

__all__ = ["emulators", "world"]  # fixtures, imported so pytest finds them

CAMP_ID = "health/2026-12-02-eye-camp"
ROADS_ID = "roads/2026-11-27-road-closure-karve-road"
PLATFORMS = ("twitter", "facebook", "website")
NOW_ARG = "2026-12-02 10:00"


def retract(world: World, announcement_id: str, **kwargs: object) -> int:
    options: dict[str, object] = {"platforms": None, "reason": "wrong date", "assume_yes": True, "wait": 0}
    options.update(kwargs)
    return retraction.run(world.config(), announcement_id, environ=world.env, **options)  # type: ignore[arg-type]


def camp_statuses(world: World) -> dict[str, tuple[str, str]]:
    plan, _ = build_plan(world.config(), [], NOW)
    return {i.platform: (i.status, i.reason) for i in plan.items if i.id == CAMP_ID}


def refuse_camp_on_x(world: World) -> None:
    original = world.x.handle

    def handle(request: Request) -> Reply:
        body = request.json() if request.method == "POST" and request.path == "/2/tweets" else None
        if body and "नेत्र" in body.get("text", ""):
            return Reply.json(400, {"title": "Invalid Request", "detail": "Text is not allowed", "status": 400})
        return original(request)

    world.x.handle = handle  # type: ignore[method-assign]


def test_retract_after_some_platforms_stops_the_others(world: World) -> None:
    refuse_camp_on_x(world)
    assert world.run() == 1  # the camp went out on Facebook and the website, not on X
    world.x.handle = type(world.x).handle.__get__(world.x)  # type: ignore[method-assign]
    facebook_id = read_state(world.config().audit_dir).get(CAMP_ID, "facebook").posted[0]["id"]

    assert retract(world, CAMP_ID, reason="the camp is cancelled") == 0
    assert facebook_id not in {p.id for p in world.graph.live_posts()}
    assert camp_statuses(world) == {p: ("retracted", "the camp is cancelled") for p in PLATFORMS}
    tweets = len(world.x.posts)
    assert world.run() == 0
    assert len(world.x.posts) == tweets  # X never gets it, although its earlier attempt had failed
    assert not any("नेत्र" in t.text for t in world.x.posts)

    [stop] = [e for e in audit_events(world.config()) if e["event"] == "retracted" and "platform" not in e]
    # Who retracted it and why (the test's user: no CI variables are set).
    assert (stop["announcement"], stop["reason"]) == (CAMP_ID, "the camp is cancelled")
    assert isinstance(stop["actor"], dict) and list(stop["actor"]) == ["user"] and stop["actor"]["user"]
    assert verify_chain(world.config().audit_dir).ok


def test_retract_before_the_first_publish(world: World) -> None:
    world = with_files(world, ROADS, CAMP)
    (world.root / CAMP).write_text(CAMP_TEXT, encoding="utf-8")
    assert retract(world, CAMP_ID, reason="wrong date in the file") == 0
    assert [(e["event"], e["announcement"], e["reason"]) for e in audit_events(world.config())] == [
        ("retracted", CAMP_ID, "wrong date in the file")
    ]
    assert world.run() == 0
    assert not any("नेत्र" in t.text for t in world.x.posts)
    assert not any("नेत्र" in (p.message or "") for p in world.graph.posts)
    assert not (world.root / "public" / f"{CAMP_ID}.html").exists()
    assert len(world.x.live_posts()) == 2  # the roads thread went out as usual

    report = json.loads(status_view.as_json(status.collect(world.config(), NOW)))
    [health] = [d for d in report if d["department"] == "health"]
    assert {(e["platform"], e["reason"]) for e in health["retracted"]} == {
        (p, "wrong date in the file") for p in PLATFORMS
    }
    preview = CliRunner().invoke(cli, ["--root", str(world.root), "preview", CAMP_ID, "--now", NOW_ARG])
    assert preview.exit_code == 0, preview.output
    for platform in PLATFORMS:
        assert f"=== {CAMP_ID} → {platform}: retracted (wrong date in the file)" in preview.stdout
    # Retracting it again changes nothing and says so.
    lines = len(audit_events(world.config()))
    assert retract(world, CAMP_ID) == 0
    assert len(audit_events(world.config())) == lines


def test_a_half_done_retraction_is_known_per_part_and_finished_by_a_second_one(world: World) -> None:
    world = with_files(world, ROADS)
    assert world.run() == 0
    config = world.config()
    thread = read_state(config.audit_dir).get(ROADS_ID, "twitter").posted
    first, second = thread[0], thread[1]
    # The reply is deleted first and goes; deleting the first post fails.
    world.x.fail(f"/2/tweets/{first['id']}", 403, method="DELETE")

    assert retract(world, ROADS_ID, reason="the closure was postponed") == 1
    state = read_state(config.audit_dir)
    rec = state.get(ROADS_ID, "twitter")
    assert (rec.part_state(0), rec.part_state(1)) == ("posted", "retracted")
    assert rec.live == {0: first} and rec.retracted
    assert {t.id for t in world.x.live_posts()} == {first["id"]}
    assert state.get(ROADS_ID, "facebook").live == {}

    report = json.loads(status_view.as_json(status.collect(config, NOW)))
    [roads] = [d for d in report if d["department"] == "roads"]
    [x_entry] = [e for e in roads["retracted"] if e["platform"] == "twitter"]
    assert x_entry["parts"] == ["posted", "retracted"]
    assert x_entry["still_live"] == [first["url"]]
    assert x_entry["error"].startswith("retraction failed: ")
    text = CliRunner().invoke(cli, ["--root", str(world.root), "status", "--now", NOW_ARG])
    assert (
        f"retracted: {ROADS_ID} on twitter: the closure was postponed; still live: {first['url']} "
        f"(run pmcpost retract {ROADS_ID} again to delete)"
    ) in text.stdout.replace("\n", " ")

    deletes = len(world.x.requests_to("/2/tweets/*", "DELETE"))
    assert retract(world, ROADS_ID, reason="the closure was postponed") == 0
    assert [r.path for r in world.x.requests_to("/2/tweets/*", "DELETE")[deletes:]] == [f"/2/tweets/{first['id']}"]
    assert world.x.live_posts() == []
    done = read_state(config.audit_dir).get(ROADS_ID, "twitter")
    assert (done.live, done.part_state(0), done.part_state(1)) == ({}, "retracted", "retracted")
    assert second["id"] not in {t.id for t in world.x.live_posts()}
    # The stop was written once, before the first deletion.
    stops = [e for e in audit_events(config) if e["event"] == "retracted" and "platform" not in e]
    assert len(stops) == 1


def test_retract_one_platform_before_it_was_posted_there(world: World) -> None:
    refuse_camp_on_x(world)
    assert world.run() == 1
    assert retract(world, CAMP_ID, platforms=["twitter"], reason="not for X") == 0
    assert camp_statuses(world) == {
        "twitter": ("retracted", "not for X"),
        "facebook": ("posted", ""),
        "website": ("posted", ""),
    }
    assert [(e.get("platform"), e.get("part")) for e in audit_events(world.config()) if e["event"] == "retracted"] == [
        ("twitter", None)
    ]


def test_retract_an_unknown_id_is_a_usage_error(world: World) -> None:
    with pytest.raises(UsageError) as caught:
        retract(world, "health/2026-12-02-eye-kamp")
    assert str(caught.value) == (
        "'health/2026-12-02-eye-kamp' is neither an announcement in content nor in the audit log"
    )
    assert audit_events(world.config()) == []


def test_retract_names_a_post_whose_outcome_was_never_recorded(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    """Facebook answered nothing and its posts could not be read: the post may be out. Once retracted, no run
    looks it up any more, so retract says to check by hand (and exits 1)."""
    world = with_files(world, CAMP)
    (world.root / CAMP).write_text(CAMP_TEXT, encoding="utf-8")
    world.graph.lose_response("*/feed", method="POST")
    world.graph.fail("*/posts", 500, times=50, method="GET")
    world.run()
    world.graph.faults.clear()
    assert read_state(world.config().audit_dir).get(CAMP_ID, "facebook").part_state(0) == "unresolved"
    capsys.readouterr()

    assert retract(world, CAMP_ID, reason="cancelled") == 1
    out = capsys.readouterr().out
    assert (
        f"check by hand: post 1 of {CAMP_ID} on facebook may have gone out (its outcome was never recorded); "
        "delete it there if it did"
    ) in out.replace("\n", " ")
    assert camp_statuses(world)["facebook"] == ("retracted", "cancelled")
