"""`pmcpost publish` end to end, in-process: the real adapters (tweepy, facebook-sdk) against the X and Graph
emulators, the real audit log in a temporary git repository. Each scenario ends with the same checks: every
announcement on every platform posted exactly once (the emulators' posts and the ledger agree), and the hash
chain intact.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from emulator.graph import GraphEmulator
from emulator.http import Reply, Request
from emulator.xapi import Tweet, XApiEmulator
from world import (
    ALERT,
    CAMP,
    CAMP_TEXT,
    IST,
    NOW,
    REPO,
    ROADS,
    WATER,
    WATER_IMAGE,
    World,
    all_files_text,
    assert_exactly_once,
    assert_no_secrets,
    audit_events,
    expected_messages,
    make_content_repo,
    make_world,
    with_files,
)

from pmcpost.audit import AuditLog, read_state
from pmcpost.config import Config
from pmcpost.plan import build_plan
from pmcpost.platforms import Message, RemotePost
from pmcpost.publish import PublishContext, Publisher

# -- the happy path ---------------------------------------------------------------------------------------


def test_thread_with_media_photo_post_feed_post_with_link_and_website(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    with_files(world, ROADS, WATER, CAMP)
    assert world.run() == 0
    assert_exactly_once(world)
    config = world.config()
    state = read_state(config.audit_dir)

    # The water-supply thread: the map on its first (Marathi) part, with the Marathi alt text.
    water_id = "water-supply/2026-12-01-shutdown-parvati-zone"
    rec = state.get(water_id, "twitter")
    assert rec.parts >= 2
    first = next(t for t in world.x.posts if t.id == rec.posted[0]["id"])
    [upload] = world.x.media_of(first)
    assert upload.data == (REPO / WATER_IMAGE).read_bytes()
    assert upload.alt_text == ("पाणीपुरवठा बंद राहणाऱ्या पर्वती, सहकारनगर, बिबवेवाडी, धनकवडी आणि कात्रज भागांचा नकाशा")
    assert all(not t.media_ids for t in world.x.posts if t.id in {r["id"] for i, r in rec.posted.items() if i})
    # Marathi first, then English, as replies in order.
    texts = [next(t.text for t in world.x.posts if t.id == rec.posted[i]["id"]) for i in range(rec.parts)]
    languages = [part.language for part in expected_messages(config)[(water_id, "twitter")].parts]
    assert languages == sorted(languages, key=["mr", "en"].index) and languages[0] == "mr" and languages[-1] == "en"
    assert "पर्वती" in texts[0] and "Parvati" not in texts[0]

    # Facebook: the water-supply notice is a photo post with its caption; the camp a feed post with its link.
    photo = next(p for p in world.graph.posts if p.id == state.get(water_id, "facebook").posted[0]["id"])
    assert photo.photo == (REPO / WATER_IMAGE).read_bytes()
    assert "पर्वती" in photo.message and "https://www.pmc.gov.in/en/water-supply" in photo.message
    camp = next(
        p for p in world.graph.posts if p.id == state.get("health/2026-12-02-eye-camp", "facebook").posted[0]["id"]
    )
    assert camp.link == "https://www.pmc.gov.in/en/health"
    assert camp.photo is None

    # The website comes after X and Facebook for each announcement, so its page links to both posts.
    entries = [e for e in audit_events(config) if e["event"] == "posted" and e["announcement"] == water_id]
    assert [e["platform"] for e in entries][-1] == "website"
    page = (world.root / "public" / f"{water_id}.html").read_text(encoding="utf-8")
    assert state.get(water_id, "twitter").urls[0] in page
    assert state.get(water_id, "facebook").urls[0] in page

    # Every entry names who is answerable, the commit and who ran it.
    posted = [e for e in audit_events(config) if e["event"] == "posted"]
    assert all(e["coordinator"] and e["approver"] and e["commit"] and e["text_sha256"] for e in posted)
    # Each outcome says what its intent said (its fields are made with the intents), then where the post went
    # and, after a thread's first part, which post it answers.
    events = audit_events(config)
    intents = {(e["announcement"], e["platform"], e["part"]): e for e in events if e["event"] == "intent"}
    outcomes = {(e["announcement"], e["platform"], e["part"]): e for e in posted}
    assert len(outcomes) == len(posted) == len(intents) and any(e["part"] for e in posted)
    for key, e in outcomes.items():
        said = {k: v for k, v in intents[key].items() if k not in ("event", "time", "prev", "post_key")}
        assert {k: e.get(k) for k in said} == said
        answers = {"reply_to"} if e["part"] else set()
        assert set(e) == {*said, "event", "time", "prev", "remote", *answers}
        if e["part"]:
            before = outcomes[(key[0], key[1], int(str(e["part"])) - 1)]["remote"]
            assert isinstance(before, dict) and e["reply_to"] == before["id"]

    # A rerun posts nothing more.
    before = (len(world.x.posts), len(world.graph.posts))
    capsys.readouterr()
    assert world.run() == 0
    assert "Nothing is due to be posted." in capsys.readouterr().out
    assert (len(world.x.posts), len(world.graph.posts)) == before
    assert_exactly_once(world)


# -- rate limits --------------------------------------------------------------------------------------------


def test_rate_limit_with_a_near_reset_waits_then_posts(world: World) -> None:
    clock = 1_800_000_000.0
    world.x.rate_limit(reset_at=int(clock) + 30)
    _, outcomes = world.publish(wall_clock=lambda: clock)
    assert all(o.status == "posted" for o in outcomes), outcomes
    assert world.slept == [31.0]  # the reset, plus a second for clocks that differ
    assert len(world.x.requests_to("/2/tweets", "POST")) == len(world.x.posts) + 1
    assert_exactly_once(world)


@pytest.mark.parametrize("reset", ["far", "none"])
def test_rate_limit_with_a_far_or_no_reset_stops_the_platform_for_this_run(
    world: World, reset: str, capsys: pytest.CaptureFixture[str]
) -> None:
    reset_at = int(time.time()) + 3600 if reset == "far" else None
    world.x.rate_limit(reset_at=reset_at, times=1)
    assert world.run() == 1
    out = capsys.readouterr().out
    assert "held" in out and "twitter rate limit reached" in out
    assert world.slept == []
    # X got one refused request and nothing more; Facebook and the website got everything.
    assert world.x.posts == []
    assert len(world.x.requests_to("/2/tweets", "POST")) == 1
    assert_exactly_once(world, platforms=("facebook", "website"))
    config = world.config()
    failed = [e for e in audit_events(config) if e["event"] == "failed"]
    assert len(failed) == 1 and "rate limit" in str(failed[0]["error"])
    # X backs off for 15 minutes: a run at the same time leaves it alone; the first run after posts what was held.
    assert world.run() == 0
    assert world.x.posts == []
    assert world.run(now=NOW + timedelta(minutes=15)) == 0
    assert_exactly_once(world)


# -- faults on create: 5xx, timeouts, lost responses ---------------------------------------------------------


@pytest.mark.parametrize("platform", ["twitter", "facebook"])
def test_server_error_on_create_is_looked_up_then_retried(world: World, platform: str) -> None:
    if platform == "twitter":
        world.x.fail("/2/tweets", 503, method="POST", times=2)
    else:
        world.graph.fail("*/feed", 500, method="POST", times=2)
    _, outcomes = world.publish()
    assert all(o.status == "posted" for o in outcomes), outcomes
    assert len(world.slept) == 2  # a backoff after each failure
    # Each failure was followed by a look at the recent posts before the retry.
    lookups = world.x.requests_to("/2/users/*/tweets") if platform == "twitter" else world.graph.requests_to("*/posts")
    assert len(lookups) == 2
    assert_exactly_once(world)


def test_server_errors_on_every_attempt_give_up_and_the_next_run_posts(world: World) -> None:
    world.x.fail("/2/tweets", 502, method="POST", times=4)
    _, outcomes = world.publish()
    by_platform = {(o.item.id, o.item.platform): o for o in outcomes}
    failed = [o for o in outcomes if o.status == "failed"]
    assert [o.item.platform for o in failed] == ["twitter"]
    assert "gave up after 4 attempts" in str(failed[0].error)
    assert len(by_platform) == len(outcomes)
    _, outcomes = world.publish()
    assert all(o.ok for o in outcomes)
    assert_exactly_once(world)


class SwallowingX(XApiEmulator):
    """An X emulator that can keep a request unanswered until the client gives up, without handling it
    (the request never reached the application), or answer it only after the client has gone."""

    def __init__(self) -> None:
        super().__init__()
        self.swallow = 0
        self.released = threading.Event()

    def _serve(self, request):  # type: ignore[no-untyped-def]
        if request.method == "POST" and request.path == "/2/tweets" and self.swallow > 0:
            self.swallow -= 1
            with self.lock:
                self.requests.append(request)
            self._stopping.wait(1.0)
            return None
        return super()._serve(request)


def short_timeouts(config: Config, seconds: float) -> Config:
    platforms = {name: dataclasses.replace(p, timeout=seconds) for name, p in config.platforms.items()}
    return dataclasses.replace(config, platforms=platforms)


def test_timeout_on_create_is_looked_up_and_retried_only_when_absent(tmp_path: Path) -> None:
    x, graph = SwallowingX(), GraphEmulator()
    with x, graph:
        world = make_world(make_content_repo(tmp_path / "repo"), twitter=x, facebook=graph)
        x.swallow = 1
        _, outcomes = world.publish(config=short_timeouts(world.config(), 0.3))
        assert all(o.status == "posted" for o in outcomes), outcomes
        assert len(x.requests_to("/2/users/*/tweets")) == 1  # looked up once, found nothing, posted again
        assert_exactly_once(world)


def test_timeout_when_the_post_is_created_late_never_double_posts(world: World) -> None:
    # X handles the request after the client gave up: the retry and the late create race; X refuses the
    # second as a duplicate, and the publisher finds the first by looking.
    world.x.delay("/2/tweets", 0.6, method="POST")
    _, outcomes = world.publish(config=short_timeouts(world.config(), 0.3))
    assert all(o.ok for o in outcomes), outcomes
    deadline = time.monotonic() + 5
    while any(r.status is None for r in world.x.requests_to("/2/tweets", "POST")) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert_exactly_once(world)


@pytest.mark.parametrize("platform", ["twitter", "facebook"])
def test_lost_response_is_reconciled_not_reposted(world: World, platform: str) -> None:
    if platform == "twitter":
        world.x.lose_response("/2/tweets", method="POST")
    else:
        world.graph.lose_response("*/feed", method="POST")
    _, outcomes = world.publish()
    reconciled = [o for o in outcomes if o.status == "reconciled"]
    assert [o.item.platform for o in reconciled] == [platform]
    assert world.slept == []
    assert_exactly_once(world)
    events = [e["event"] for e in audit_events(world.config()) if e["platform"] == platform]
    assert "reconciled" in events


def test_an_intent_left_open_by_a_crash_is_reconciled_on_the_next_run(world: World) -> None:
    """A run that died between the post and recording it: the next run finds the post and records it."""
    config = world.config()
    plan, _ = build_plan(config, [], NOW)
    item = next(i for i in plan.to_post if i.platform == "twitter" and i.message and len(i.message.parts) == 2)
    assert item.message is not None
    crashed = Publisher(PublishContext(config=config, log=AuditLog(config.audit_dir), environ=world.env, actor={}))
    crashed.entry("intent", item, item.message, 0)
    with world.x.lock:  # the post went out; the run was killed before it could say so
        world.x.posts.append(Tweet("1867999999999999999", item.message.parts[0].text, datetime.now(timezone.utc)))
    _, outcomes = world.publish()
    outcome = next(o for o in outcomes if o.item.id == item.id and o.item.platform == "twitter")
    assert outcome.status == "reconciled"
    assert outcome.remotes[0].id == "1867999999999999999"
    assert_exactly_once(world)


def test_half_posted_thread_resumes_at_the_missing_part(world: World) -> None:
    config = world.config()
    plan, _ = build_plan(config, [], NOW)
    thread = next(i for i in plan.to_post if i.platform == "twitter" and i.message and len(i.message.parts) == 2)
    # The thread sorts first on X; its second part is refused (400, not retried), so only part 1 goes out.
    creates = {"n": 0}
    original = world.x.handle

    def handle(request: Request) -> Reply:
        if request.method == "POST" and request.path == "/2/tweets":
            creates["n"] += 1
            if creates["n"] == 2:
                return Reply.json(400, {"title": "Invalid Request", "detail": "Try again", "status": 400})
        return original(request)

    world.x.handle = handle  # type: ignore[method-assign]
    _, outcomes = world.publish()
    world.x.handle = original  # type: ignore[method-assign]
    failed = [o for o in outcomes if o.status == "failed"]
    assert [(o.item.id, o.item.platform) for o in failed] == [(thread.id, "twitter")]
    state = read_state(config.audit_dir)
    assert sorted(state.get(thread.id, "twitter").posted) == [0]

    plan, _ = build_plan(config, [], NOW)
    assert [(i.id, i.platform, i.status) for i in plan.to_post] == [(thread.id, "twitter", "resume")]
    _, outcomes = world.publish()
    [resumed] = outcomes
    assert resumed.status == "posted"
    assert len(world.x.requests_to("/2/tweets", "POST")) == 4  # part 1, refused part 2, the camp, part 2
    assert_exactly_once(world)  # the second part replies to the first


def test_file_edited_after_posting_is_reported_changed_not_reposted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    assert world.run() == 0
    path = world.root / CAMP
    path.write_text(CAMP_TEXT.replace("शनिवारी", "रविवारी").replace("Saturday", "Sunday"), encoding="utf-8")
    before = (len(world.x.posts), len(world.graph.posts))
    capsys.readouterr()
    assert world.run() == 0
    err = capsys.readouterr().err
    assert "changed: health/2026-12-02-eye-camp on twitter: the file was edited after it was posted" in err
    assert (len(world.x.posts), len(world.graph.posts)) == before
    plan, _ = build_plan(world.config(), [], NOW)
    assert {i.status for i in plan.items if i.id == "health/2026-12-02-eye-camp"} == {"changed"}


# -- credentials -------------------------------------------------------------------------------------------


def test_bad_credentials_plain_message_no_retry_other_platforms_posted(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    env = world.env | {"PMCPOST_TWITTER_ACCESS_TOKEN_SECRET": "wrong-SECRET-value-3344"}
    assert world.run(env=env) == 1
    captured = capsys.readouterr()
    assert "X rejected the credentials in PMCPOST_TWITTER_CONSUMER_KEY" in captured.out
    assert "wrong-SECRET-value-3344" not in captured.out + captured.err
    assert len(world.x.requests_to("/2/tweets", "POST")) == 1  # no retry, and X left alone afterwards
    assert world.slept == []
    assert_exactly_once(world, platforms=("facebook", "website"))
    assert "wrong-SECRET-value-3344" not in all_files_text(world.root / "audit")
    assert world.run(now=NOW + timedelta(minutes=15)) == 0  # the first run after X's back-off, fixed keys
    assert_exactly_once(world)


def test_missing_credentials_are_skipped_on_a_workstation_and_fail_in_ci(
    world: World, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {k: v for k, v in world.env.items() if k != "PMCPOST_FACEBOOK_PAGE_TOKEN"}
    assert world.run(env=env, skip_unconfigured=True) == 0
    out = capsys.readouterr().out
    assert "Dry run for facebook" not in out  # the previews only on request (--show-posts)
    tail = out.splitlines()[-8:]
    assert tail == [
        "Done.",
        "  Went out: 2 announcements on twitter, 2 announcements on website.",
        "  Skipped: 2 announcements on facebook: no credentials: set PMCPOST_FACEBOOK_PAGE_TOKEN to post to facebook.",
        "Next:",
        "  pmcpost preview --platform facebook   what they would get",
        "  pmcpost doctor   which credentials to set, and what to do with audit/ and the website files",
        "  git add audit/ public/ website-records/ && git commit   keep the record of what went out",
        "  pmcpost status   what is scheduled, due, posted or missed",
    ]
    assert world.graph.requests == []
    assert_exactly_once(world, platforms=("twitter", "website"))
    assert world.run(env=env, skip_unconfigured=True, show_posts=True) == 0  # nothing new due: no previews

    # In CI (--fail-unconfigured), the same stops the run once, naming the variable, before any intent.
    ledger = sorted((world.root / "audit").glob("*.jsonl"))
    before = [p.read_bytes() for p in ledger]
    from pmcpost.errors import CredentialsError

    with pytest.raises(CredentialsError) as caught:
        world.run(env=env, skip_unconfigured=False)
    assert str(caught.value) == (
        "nothing was posted and nothing was written to the audit log: facebook needs PMCPOST_FACEBOOK_PAGE_TOKEN, "
        "which is not set. Add the secret to the publish job's env (or set platforms.<name>.enabled: false for "
        "facebook in config.yaml)"
    )
    assert [p.read_bytes() for p in sorted((world.root / "audit").glob("*.jsonl"))] == before
    assert world.graph.requests == []
    assert world.run() == 0
    assert_exactly_once(world)


# -- confirmation, dry run ----------------------------------------------------------------------------------


def test_dry_run_posts_nothing_and_writes_no_audit_file(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    assert world.run(dry_run=True) == 0
    out = capsys.readouterr().out
    assert "nothing is posted" in out
    assert world.x.requests == [] and world.graph.requests == []
    assert not (world.root / "audit").exists()
    assert not (world.root / "public").exists()


def test_without_a_terminal_and_without_yes_nothing_is_posted(world: World) -> None:
    from pmcpost.errors import UsageError

    with pytest.raises(UsageError, match="not on a terminal, so nothing is posted without --yes"):
        world.run(assume_yes=False)
    assert world.x.requests == [] and world.graph.requests == []
    assert not (world.root / "audit").exists()


# -- secrets ------------------------------------------------------------------------------------------------


def test_no_secret_in_output_audit_log_or_website(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    with_files(world, ROADS, WATER, CAMP)
    world.graph.fail_graph(2, path="*/photos", method="POST")  # an error path, whose message is shown
    world.x.fail("/2/tweets", 503, method="POST")
    assert world.run() in (0, 1)
    assert world.run() == 0
    captured = capsys.readouterr()
    assert_no_secrets(
        captured.out, captured.err, all_files_text(world.root / "audit"), all_files_text(world.root / "public")
    )
    assert_exactly_once(world)


# -- quota and freeze ---------------------------------------------------------------------------------------


def test_daily_quota_sends_alerts_first_and_holds_the_rest(world: World) -> None:
    with_files(world, ROADS, CAMP, ALERT, config_edit=lambda t: t.replace("daily_quota: 17", "daily_quota: 2"))
    alert_id, roads_id = "disaster-management/2026-12-02-flood-alert", "roads/2026-11-27-road-closure-karve-road"
    plan, outcomes = world.publish(ledger_at_now=True)
    # The alert sorts first; the roads thread (2 posts) no longer fits; the camp's single post does.
    assert next((i.id, i.status) for i in plan.items if i.platform == "twitter") == (alert_id, "due")
    held = plan.with_status("held")
    assert [(i.id, i.platform) for i in held] == [(roads_id, "twitter")]
    assert "the daily quota of 2 posts on twitter is used (1 in the last 24 hours)" in held[0].reason
    assert len(world.x.posts) == 2
    assert all(o.ok for o in outcomes)
    # An hour later the quota is still spent; a day later the thread goes out.
    plan, outcomes = world.publish(now=datetime(2026, 12, 2, 11, 0, tzinfo=IST), ledger_at_now=True)
    assert outcomes == [] and [i.id for i in plan.with_status("held")] == [roads_id]
    plan, outcomes = world.publish(now=datetime(2026, 12, 3, 11, 0, tzinfo=IST), ledger_at_now=True)
    assert [(o.item.id, o.item.platform, o.status) for o in outcomes] == [(roads_id, "twitter", "posted")]
    assert_exactly_once(world)


def test_freeze_posts_only_what_is_exempt_and_records_it(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    with_files(world, ROADS, CAMP, ALERT)
    (world.root / "FREEZE").write_text("election code of conduct\n", encoding="utf-8")
    assert world.run() == 0
    err = capsys.readouterr().err
    assert "A freeze is on" in err
    config = world.config()
    state = read_state(config.audit_dir)
    posted = {key for key, rec in state.records.items() if rec.posted}
    alert_id = "disaster-management/2026-12-02-flood-alert"
    assert posted == {(alert_id, "twitter"), (alert_id, "facebook"), (alert_id, "website")}
    freezes = [e for e in audit_events(config) if e["event"] == "freeze"]
    assert len(freezes) == 1 and "post(s) not made" in str(freezes[0]["reason"])
    # Lifted: everything else goes out, once.
    (world.root / "FREEZE").unlink()
    assert world.run() == 0
    assert_exactly_once(world)


def test_a_freeze_with_nothing_exempt_posts_nothing_and_still_records_the_run(world: World) -> None:
    with_files(world, ROADS, CAMP)
    (world.root / "FREEZE").write_text("model code of conduct\n", encoding="utf-8")
    assert world.run() == 0
    assert world.x.posts == [] and world.graph.posts == []
    config = world.config()
    freezes = [e for e in audit_events(config) if e["event"] == "freeze"]
    assert [f["reason"] for f in freezes] == ["freeze on: 6 post(s) not made"]
    ids = ("roads/2026-11-27-road-closure-karve-road", "health/2026-12-02-eye-camp")
    assert freezes[0]["held"] == sorted(f"{a}/{p}" for a in ids for p in ("twitter", "facebook", "website"))
    # The next run would say the same: it writes nothing (a freeze of days adds no line every 15 minutes).
    log = sorted((world.root / "audit").glob("*.jsonl"))
    before = [p.read_bytes() for p in log]
    assert world.run() == 0
    assert [p.read_bytes() for p in sorted((world.root / "audit").glob("*.jsonl"))] == before
    # What the freeze holds back changed (a post was withdrawn): that is recorded.
    (world.root / CAMP).unlink()
    assert world.run() == 0
    freezes = [e for e in audit_events(config) if e["event"] == "freeze"]
    assert [f["reason"] for f in freezes] == ["freeze on: 6 post(s) not made", "freeze on: 3 post(s) not made"]


def test_a_lost_response_that_cannot_be_checked_is_looked_up_next_run_not_reposted(world: World) -> None:
    """Facebook: the post went out but its answer was lost, and the Page's posts could not be read to check:
    the run gives up on that post without reposting, and the next run finds it instead of posting again."""
    with_files(world, CAMP)
    world.graph.lose_response("*/feed", method="POST")
    world.graph.fail("*/posts", 500, times=50, method="GET")
    _, outcomes = world.publish()
    failed = [o for o in outcomes if o.item.platform == "facebook" and o.status == "failed"]
    assert len(failed) == 1 and "not posting, to avoid a double post" in str(failed[0].error)
    lost = failed[0].item.message.parts[0].text if failed[0].item.message else ""
    assert [p.message for p in world.graph.posts].count(lost) == 1  # it went out once; not tried again
    entry = next(e for e in audit_events(world.config()) if e["event"] == "failed")
    assert entry["unresolved"] is True
    world.graph.faults.clear()
    creates_before = len(world.graph.requests_to("*/feed", "POST"))
    _, outcomes = world.publish()
    assert [o.status for o in outcomes if o.item.platform == "facebook"] == ["reconciled"]
    assert len(world.graph.requests_to("*/feed", "POST")) == creates_before  # no repeat was even sent
    assert_exactly_once(world)


def test_x_without_timeline_access_proves_a_lost_post_by_its_refusal_of_a_repeat(world: World) -> None:
    """X's free tier cannot read the timeline. After a lost answer, sending the post again is safe: X refuses
    an exact repeat, and that refusal shows the post went out. It is recorded with its id unknown."""
    with_files(world, CAMP)
    world.x.lose_response("/2/tweets", method="POST")
    world.x.fail("/2/users/*/tweets", 403, times=50)
    _, outcomes = world.publish()
    [outcome] = [o for o in outcomes if o.item.platform == "twitter"]
    assert outcome.status == "reconciled"
    text = outcome.item.message.parts[0].text if outcome.item.message else ""
    assert [t.text for t in world.x.posts].count(text) == 1
    [entry] = [e for e in audit_events(world.config()) if e["event"] == "reconciled" and e["platform"] == "twitter"]
    assert entry["remote"] == {"id": "", "url": ""}
    assert str(entry["reason"]).startswith("twitter refused a repeat, so this post went out earlier")
    world.x.faults.clear()
    _, outcomes = world.publish()
    assert [o for o in outcomes if o.item.platform == "twitter"] == []  # recorded as posted: nothing more to do
    assert len(world.x.posts) == 1


def test_x_thread_whose_first_post_id_is_unknown_stops_and_says_what_to_do(world: World) -> None:
    with_files(world, ROADS)
    world.x.lose_response("/2/tweets", method="POST")
    world.x.fail("/2/users/*/tweets", 403, times=50)
    _, outcomes = world.publish()
    [outcome] = [o for o in outcomes if o.item.platform == "twitter"]
    assert outcome.status == "failed"
    assert outcome.error == (
        "part 1 went out but its id is unknown, so part 2 cannot reply to it; post the rest of the thread by "
        "hand, or retract the announcement"
    )
    assert len(world.x.posts) == 1  # the first part, once; the reply was never sent without its parent
    assert not read_state(world.config().audit_dir).get(outcome.item.id, "twitter").pending


def test_a_website_template_that_fails_publishes_nothing_there_and_says_where(world: World) -> None:
    with_files(world, CAMP)
    page = world.root / "templates" / "website" / "index.html"
    page.parent.mkdir(parents=True)
    page.write_text(
        (REPO / "pmcpost/templates/website/index.html")
        .read_text(encoding="utf-8")
        .replace("{% block main %}", "{% block main %}{{ 1 / 0 }}"),
        encoding="utf-8",
    )
    _, outcomes = world.publish()
    by_platform = {o.item.platform: o for o in outcomes}
    assert by_platform["website"].status == "failed"
    assert by_platform["website"].error == "website/index.html:3: division by zero"
    assert by_platform["twitter"].ok and by_platform["facebook"].ok
    assert not any(p.is_file() for p in (world.root / "public").rglob("*"))  # no record, no half-built site
    page.unlink()
    _, outcomes = world.publish()
    assert [(o.item.platform, o.status) for o in outcomes] == [("website", "posted")]
    assert_exactly_once(world)


class BuggyPlatform:
    """A platform plugin with a bug: it raises something no adapter should."""

    name = "facebook"

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        raise KeyError("token=EAAPmcTestPageToken0Zx9Qw7Rt5Yu3Io1Pa8Sd6Fg4Hj2Kl")

    def close(self) -> None:
        pass


def test_a_bug_in_one_adapter_never_stops_the_others_or_leaks_its_message(world: World) -> None:
    from pmcpost.platforms.registry import create_platform

    with_files(world, CAMP, ROADS)
    config = world.config()
    plan, _ = build_plan(config, [], NOW)

    def factory(platform: str) -> Any:
        return BuggyPlatform() if platform == "facebook" else create_platform(platform, config, world.env)

    ctx = PublishContext(
        config=config, log=AuditLog(config.audit_dir), environ=world.env, actor={}, factory=factory, sleep=world.sleep
    )
    outcomes = Publisher(ctx).run(plan)
    facebook = [o for o in outcomes if o.item.platform == "facebook"]
    assert [o.status for o in facebook] == ["failed", "failed"]
    assert facebook[0].error == (
        "unexpected KeyError in the facebook adapter; facebook is left alone for the rest of this run"
    )
    assert all(o.ok for o in outcomes if o.item.platform != "facebook")
    assert "EAAPmc" not in all_files_text(config.audit_dir)
    state = read_state(config.audit_dir)
    assert state.get(facebook[0].item.id, "facebook").pending  # unknown outcome: the intent stays open


class _WatchingX(XApiEmulator):
    """The X emulator, noting at each request whether the process's garbage collector was on."""

    def __init__(self) -> None:
        super().__init__()
        self.collecting: list[bool] = []

    def handle(self, request: Request) -> Reply:
        self.collecting.append(gc.isenabled())
        return super().handle(request)


def test_a_run_posts_with_the_collector_off_and_leaves_it_as_it_found_it(tmp_path: Path) -> None:
    with _WatchingX() as x, GraphEmulator() as graph:
        world = with_files(make_world(make_content_repo(tmp_path / "repo"), twitter=x, facebook=graph), CAMP)
        assert gc.isenabled()
        assert world.run() == 0
        assert x.collecting and not any(x.collecting)  # off while posting
        assert gc.isenabled()  # and back on after
        gc.disable()
        try:
            assert world.run() == 0  # nothing left to post
            assert not gc.isenabled()  # a caller that had it off keeps it off
        finally:
            gc.enable()
        assert_exactly_once(world)
