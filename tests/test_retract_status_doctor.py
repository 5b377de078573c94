"""`pmcpost retract`, `status` and `doctor` against the emulators, after real publish runs."""

from __future__ import annotations

import json
from pathlib import Path

from emulator.http import Reply, Request
from world import NOW, ROADS, WATER, World, assert_exactly_once, audit_events, emulators, world

from pmcpost import doctor, retraction, status
from pmcpost.audit import read_state
from pmcpost.audit_verify import verify_chain
from pmcpost.output import status as status_view
from pmcpost.plan import build_plan

__all__ = ["emulators", "world"]  # fixtures, imported so pytest finds them

CAMP_ID = "health/2026-12-02-eye-camp"
ROADS_ID = "roads/2026-11-27-road-closure-karve-road"
SCHEDULED = "content/garden/2026-12-20-tree-census.yaml"
SCHEDULED_TEXT = """\
coordinator: prakash.salunkhe
approved_by: asha.kadam
kind: notice
title:
  mr: "वृक्षगणना सुरू"
  en: "Tree census begins"
text:
  mr: "शहरातील वृक्षगणना २० डिसेंबरपासून सुरू होईल."
  en: "The city's tree census begins on 20 December."
publish_at: "2026-12-20 10:00"
"""
EXPIRED = "content/disaster-management/2026-07-14-heavy-rain-alert.yaml"


def retract(world: World, announcement_id: str, **kwargs: object) -> int:
    options: dict[str, object] = {"platforms": None, "reason": "wrong date", "assume_yes": True, "wait": 0}
    options.update(kwargs)
    return retraction.run(world.config(), announcement_id, environ=world.env, **options)  # type: ignore[arg-type]


def test_retract_deletes_everywhere_records_it_and_is_never_reposted(world: World) -> None:
    assert world.run() == 0
    config = world.config()
    before = read_state(config.audit_dir)
    thread_ids = [r["id"] for r in before.get(ROADS_ID, "twitter").posted.values()]
    assert retract(world, ROADS_ID, reason="the closure was postponed") == 0

    assert not any(t.id in thread_ids for t in world.x.live_posts())
    assert [t.text for t in world.x.live_posts()] == [t.text for t in world.x.posts if t.id not in thread_ids]
    assert before.get(ROADS_ID, "facebook").posted[0]["id"] not in {p.id for p in world.graph.live_posts()}
    # Deleted last part first, so the thread never shows a reply without the post it answers.
    deletes = world.x.requests_to("/2/tweets/*", "DELETE")
    assert [r.path.rsplit("/", 1)[1] for r in deletes] == list(reversed(thread_ids))
    retracted = [e for e in audit_events(config) if e["event"] == "retracted"]
    # First the announcement-level stop (no platform), then one entry per deleted part.
    assert "platform" not in retracted[0] and retracted[0]["reason"] == "the closure was postponed"
    assert {(e["platform"], e["part"]) for e in retracted[1:]} == {
        ("twitter", 0),
        ("twitter", 1),
        ("facebook", 0),
        ("website", 0),
    }
    assert all(e["reason"] == "the closure was postponed" for e in retracted)
    page = (world.root / "public" / f"{ROADS_ID}.html").read_text(encoding="utf-8")
    assert "the closure was postponed" in page and "retracted" in page.lower()
    assert "notice-retracted" in page and "रोजी मागे घेण्यात आली." in page
    assert verify_chain(config.audit_dir).ok

    # A later publish leaves it alone; the other announcement stays as it was.
    posts = (len(world.x.posts), len(world.graph.posts))
    assert world.run() == 0
    assert (len(world.x.posts), len(world.graph.posts)) == posts
    plan, _ = build_plan(config, [], NOW)
    assert {i.status for i in plan.items if i.id == ROADS_ID} == {"retracted"}
    # Retracting again: nothing of it is live any more, so nothing is deleted or written.
    lines = len(audit_events(config))
    assert retract(world, ROADS_ID) == 0
    assert len(audit_events(config)) == lines


def test_retract_one_platform_only(world: World) -> None:
    assert world.run() == 0
    assert retract(world, CAMP_ID, platforms=["facebook"]) == 0
    state = read_state(world.config().audit_dir)
    assert state.get(CAMP_ID, "facebook").retracted
    assert not state.get(CAMP_ID, "twitter").retracted
    assert len(world.graph.live_posts()) == 1 and len(world.x.live_posts()) == 3


def test_status_json_shows_every_group(world: World) -> None:
    # The camp's X post is refused (400) while everything else goes out.
    original = world.x.handle

    def handle(request: Request) -> Reply:
        body = request.json() if request.method == "POST" and request.path == "/2/tweets" else None
        if body and "नेत्र" in body.get("text", ""):
            return Reply.json(400, {"title": "Invalid Request", "detail": "Text is not allowed", "status": 400})
        return original(request)

    world.x.handle = handle  # type: ignore[method-assign]
    assert world.run() == 1
    world.x.handle = original  # type: ignore[method-assign]
    # After the run: the roads file is edited, a due, a scheduled and an expired announcement are added.
    root = world.root
    roads = root / ROADS
    roads.write_text(roads.read_text(encoding="utf-8").replace("११ ते", "१० ते"), encoding="utf-8")
    for rel, text in ((SCHEDULED, SCHEDULED_TEXT),):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    repo = Path(__file__).resolve().parent.parent
    for rel in (WATER, EXPIRED, "content/water-supply/images/shutdown-map.png"):
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes((repo / rel).read_bytes())

    report = json.loads(status_view.as_json(status.collect(world.config(), NOW)))
    groups = {d["department"]: d for d in report}

    def ids(department: str, group: str) -> set[tuple[str, str]]:
        return {(e["id"], e["platform"]) for e in groups[department][group]}

    assert ids("roads", "changed") == {(ROADS_ID, p) for p in ("twitter", "facebook", "website")}
    assert ids("health", "failed") == {(CAMP_ID, "twitter")}
    [failed] = groups["health"]["failed"]
    assert "Text is not allowed" in failed["error"]
    assert ids("health", "posted") == {(CAMP_ID, "facebook"), (CAMP_ID, "website")}
    [camp_fb] = [e for e in groups["health"]["posted"] if e["platform"] == "facebook"]
    assert camp_fb["urls"][0].startswith("https://www.facebook.com/")
    water = "water-supply/2026-12-01-shutdown-parvati-zone"
    assert ids("water-supply", "due") == {(water, p) for p in ("twitter", "facebook", "website")}
    assert ids("garden", "scheduled") == {
        ("garden/2026-12-20-tree-census", p) for p in ("twitter", "facebook", "website")
    }
    assert ids("disaster-management", "expired") == {
        ("disaster-management/2026-07-14-heavy-rain-alert", p) for p in ("twitter", "facebook", "website")
    }


def test_doctor_reports_signed_in_accounts(world: World) -> None:
    assert world.run() == 0
    results = {c.area: c for c in doctor.checks(world.root, offline=False, environ=world.env)}
    assert results["twitter"].ok is True
    assert results["twitter"].message == f"signed in as @PMCPune via {world.x.url}"
    assert results["facebook"].ok is True
    assert results["facebook"].message == f"signed in as Pune Municipal Corporation via {world.graph.url}"
    assert results["audit"].ok is True
    assert results["config"].ok is True and results["content"].ok is True
    assert_exactly_once(world)


def test_doctor_with_a_bad_token_fails_plainly_without_the_value(world: World) -> None:
    bad = "EAAbadTokenValue-SECRET-7788"
    env = world.env | {"PMCPOST_FACEBOOK_PAGE_TOKEN": bad, "PMCPOST_TWITTER_CONSUMER_SECRET": "cs-wrong-SECRET-1122"}
    results = {c.area: c for c in doctor.checks(world.root, offline=False, environ=env)}
    assert results["facebook"].ok is False
    assert results["facebook"].message == (
        "the Facebook Page token has expired or is invalid; create a new one and set PMCPOST_FACEBOOK_PAGE_TOKEN"
    )
    assert results["twitter"].ok is False
    assert results["twitter"].message.startswith("X rejected the credentials in PMCPOST_TWITTER_CONSUMER_KEY")
    for check in results.values():
        assert bad not in check.message and "cs-wrong-SECRET-1122" not in check.message


def test_doctor_names_missing_variables_and_a_broken_audit_chain(world: World) -> None:
    assert world.run() == 0
    [month] = sorted((world.root / "audit").glob("*.jsonl"))
    lines = month.read_text(encoding="utf-8").splitlines(keepends=True)
    month.write_text("".join(lines[:2] + lines[3:]), encoding="utf-8")  # an entry deleted
    env = {k: v for k, v in world.env.items() if k != "PMCPOST_TWITTER_ACCESS_TOKEN"}
    results = {c.area: c for c in doctor.checks(world.root, offline=False, environ=env)}
    assert results["twitter"].ok is False
    assert results["twitter"].message == "not set: PMCPOST_TWITTER_ACCESS_TOKEN"
    assert results["audit"].ok is False
    assert "run pmcpost audit verify" in results["audit"].message
