"""Instagram and Threads: the container flow against the emulators, public image URLs checked by sha256,
exactly once after a lost answer (the container id in the ledger), Threads' byte count, expired tokens."""

from __future__ import annotations

from pathlib import Path

import pytest
from emulator.meta import InstagramEmulator, ThreadsEmulator, threads_length
from PIL import Image
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
    quiet_git,
    with_files,
)

from pmcpost.audit import read_state
from pmcpost.metatext import thread_parts, utf8_length
from pmcpost.platforms.registry import create_platform
from pmcpost.validate import load_all

MAP_JPEG = "content/water-supply/images/shutdown-map.jpg"


def enable_meta(world: World, *files: str) -> World:
    ig = world.emulators["instagram"]
    th = world.emulators["threads"]
    assert isinstance(ig, InstagramEmulator) and isinstance(th, ThreadsEmulator)

    def edit(text: str) -> str:
        text = text.replace(
            "default_platforms: [twitter, facebook, website]",
            "default_platforms: [twitter, facebook, instagram, threads, website]",
        )
        text = text.replace("    enabled: false                        # the professional", "    enabled: true # the")
        text = text.replace("    enabled: false                        # README", "    enabled: true # README")
        text = text.replace(
            "    image_url: https://raw.githubusercontent.com/pmc-pune/announcements/{commit}/{path}\n    token",
            f"    image_url: {ig.image_url_template()}\n    token",
            1,
        )
        return text.replace(
            "    image_url: https://raw.githubusercontent.com/pmc-pune/announcements/{commit}/{path}",
            f"    image_url: {th.image_url_template()}",
        )

    with_files(world, *files, config_edit=edit)
    if WATER in files:
        # Instagram takes JPEG only: the map as a conforming JPEG (the sample is a PNG).
        with Image.open(world.root / WATER_IMAGE) as png:
            png.convert("RGB").resize((640, 360)).save(world.root / MAP_JPEG, "JPEG", quality=85)
        (world.root / WATER_IMAGE).unlink()
        source = world.root / WATER
        source.write_text(source.read_text(encoding="utf-8").replace(WATER_IMAGE, MAP_JPEG), encoding="utf-8")
        quiet_git(world.root, "add", "-A")
        quiet_git(world.root, "commit", "-qm", "the map as JPEG")
    return world


def ig(world: World) -> InstagramEmulator:
    emulator = world.emulators["instagram"]
    assert isinstance(emulator, InstagramEmulator)
    return emulator


def th(world: World) -> ThreadsEmulator:
    emulator = world.emulators["threads"]
    assert isinstance(emulator, ThreadsEmulator)
    return emulator


def serve_image(world: World) -> None:
    data = (world.root / MAP_JPEG).read_bytes()
    ig(world).serve(MAP_JPEG, data)
    th(world).serve(MAP_JPEG, data)


def test_both_post_every_announcement_exactly_once_with_images_and_threads(world: World) -> None:
    enable_meta(world, ROADS, WATER, CAMP)
    serve_image(world)
    _, outcomes = world.publish()
    assert {(o.item.platform, o.status) for o in outcomes if o.item.platform in ("instagram", "threads")} == {
        ("instagram", "posted"),
        ("threads", "posted"),
    }
    assert_exactly_once(world)
    # Instagram: only the announcement with an image; its alt text and public address went with it.
    (post,) = ig(world).media
    assert post.images == (ig(world).url + "/public/" + MAP_JPEG,)
    assert post.alt_texts[0].startswith("पाणीपुरवठा बंद")
    # Links in a caption are not clickable: it says where to find the link, in both languages.
    assert "लिंक (इन्स्टाग्रामवर क्लिक होत नाही): ब्राउझरमध्ये www.pmc.gov.in/en/water-supply टाइप करा." in post.text
    assert "Link (not clickable on Instagram): type www.pmc.gov.in/en/water-supply in your browser." in post.text
    # Threads: every part within Meta's count and pmcpost's stricter one, replies chained.
    for seen in th(world).media:
        assert utf8_length(seen.text) <= 500 and threads_length(seen.text) <= 500
    state = read_state(world.config().audit_dir)
    steps = [e for e in audit_events(world.config()) if e["event"] == "step"]
    assert {e["platform"] for e in steps} == {"instagram", "threads"}
    assert all(isinstance(e["steps"]["container"], str) for e in steps)  # type: ignore[index]
    assert state.get("water-supply/2026-12-01-shutdown-parvati-zone", "instagram").complete


def test_an_image_not_served_yet_holds_the_post_for_the_next_run(world: World) -> None:
    enable_meta(world, WATER)
    _, outcomes = world.publish()
    held = {o.item.platform: o for o in outcomes if o.item.platform in ("instagram", "threads")}
    url = ig(world).url + "/public/" + MAP_JPEG
    assert held["instagram"].status == "held"
    assert held["instagram"].error == (
        f"the image shutdown-map.jpg is not served yet at {url} (HTTP 404); the post waits for the next run"
    )
    assert ig(world).containers == {}
    # The site serves an older image: still held, never posted with a wrong image.
    ig(world).serve(MAP_JPEG, b"\xff\xd8\xff an older map")
    _, outcomes = world.publish()
    assert [o.status for o in outcomes if o.item.platform == "instagram"] == ["held"]
    assert ig(world).media == []
    serve_image(world)
    _, outcomes = world.publish()
    assert [o.status for o in outcomes if o.item.platform == "instagram"] == ["posted"]
    assert_exactly_once(world)


def test_a_lost_publish_answer_is_resolved_by_the_container_status_not_by_posting_again(world: World) -> None:
    enable_meta(world, WATER)
    serve_image(world)
    ig(world).lose_response("/v25.0/*/media_publish", times=1)
    th(world).lose_response("/v1.0/*/threads_publish", times=1)
    _, outcomes = world.publish()
    statuses = {o.item.platform: o.status for o in outcomes}
    assert statuses["instagram"] == "reconciled"
    assert len(ig(world).media) == 1
    assert len(ig(world).requests_to("/v25.0/*/media_publish")) == 1
    assert_exactly_once(world)


def test_a_run_killed_after_the_container_publishes_that_same_container(world: World) -> None:
    enable_meta(world, WATER)
    serve_image(world)
    # Publishing fails with server errors all run long: the intent stays open with the container id recorded.
    ig(world).fail("/v25.0/*/media_publish", 500, times=20)
    _, outcomes = world.publish()
    assert [o.status for o in outcomes if o.item.platform == "instagram"] == ["failed"]
    assert ig(world).media == []
    containers = list(ig(world).containers)
    ig(world).faults.clear()
    _, outcomes = world.publish()
    assert [o.status for o in outcomes if o.item.platform == "instagram"] == ["posted"]
    assert list(ig(world).containers) == containers  # the same container, published
    assert_exactly_once(world)


def test_publishing_waits_for_the_container_with_backoff(world: World) -> None:
    enable_meta(world, WATER)
    serve_image(world)
    ig(world).processing = 3
    config = world.config()
    slept: list[float] = []
    from pmcpost.platforms.instagram import InstagramPlatform

    adapter = InstagramPlatform(config.platforms["instagram"], config, world.env, sleep=slept.append)
    from pmcpost.render import Renderer
    from pmcpost.validate import load_all

    (announcement,) = load_all(config).announcements
    message = Renderer(config).render(announcement, "instagram")
    recorded: list[dict[str, str]] = []
    adapter.resume({}, recorded.append, slept.append)
    remote = adapter.post(message, 0, None)
    assert slept == [1.0, 2.0, 4.0]
    assert recorded == [{"container": next(iter(ig(world).containers))}]
    assert remote.id == ig(world).media[0].id
    assert adapter.remaining_today() == 49
    adapter.close()


def test_an_expired_token_fails_the_platform_in_plain_words(world: World) -> None:
    enable_meta(world, WATER)
    serve_image(world)
    th(world).token_expired = True
    _, outcomes = world.publish()
    (failed,) = [o for o in outcomes if o.item.platform == "threads"]
    assert failed.status == "failed"
    assert failed.error == (
        "the Threads token has expired: nothing was posted there; refresh it (README: tokens that expire) and "
        "set PMCPOST_THREADS_ACCESS_TOKEN again"
    )
    assert_no_secrets(*(str(e) for e in audit_events(world.config())))


def test_threads_deletes_and_doctor_shows_the_token_expiry(world: World) -> None:
    enable_meta(world, CAMP)
    world.publish()
    config = world.config()
    adapter = create_platform("threads", config, world.env)
    info = adapter.check_credentials()
    assert info.details["token expires"] == "2027-01-29"
    (post,) = th(world).media
    adapter.delete(post.id, "test")
    adapter.delete(post.id, "again")  # already gone: not an error
    assert th(world).seen_posts() == []
    adapter.close()


def test_marathi_thread_parts_fit_by_bytes_where_meta_counts_fewer() -> None:
    marathi = "पुण्यातील पर्वती भागात उद्या पाणीपुरवठा बंद राहील. " * 12
    parts = thread_parts(marathi)
    assert len(parts) > 1
    assert all(utf8_length(p) <= 500 for p in parts)
    assert all(threads_length(p) < 500 for p in parts)
    assert parts[0].endswith(f" (1/{len(parts)})")
    assert " ".join(p.rsplit(" (", 1)[0] for p in parts) == " ".join(marathi.split())


def test_instagram_is_not_planned_without_an_image(world: World, tmp_path: Path) -> None:
    enable_meta(world, CAMP)
    _, outcomes = world.publish(now=NOW)
    assert "instagram" not in {o.item.platform for o in outcomes}
    assert ig(world).requests == []


def diagnostics_of(world: World) -> list[str]:
    return [str(d) for d in load_all(world.config()).diagnostics]


def test_validate_says_exactly_what_to_change_in_an_image_for_instagram(world: World) -> None:
    enable_meta(world, WATER)
    # A PNG, too wide for its height and too narrow: every problem in one run, at the media item.
    Image.new("RGB", (300, 100)).save(world.root / WATER_IMAGE, "PNG")
    source = world.root / WATER
    source.write_text(source.read_text(encoding="utf-8").replace(MAP_JPEG, WATER_IMAGE), encoding="utf-8")
    assert diagnostics_of(world) == [
        f"{WATER}:21:5: error: media[0] {WATER_IMAGE} is a PNG image; Instagram takes JPEG only: save it as a .jpg "
        "and point media to that file (Instagram)",
        f"{WATER}:21:5: error: media[0] {WATER_IMAGE} is 300 px wide; Instagram needs at least 320: scale it up "
        "to 320 px wide (Instagram)",
        f"{WATER}:21:5: error: media[0] {WATER_IMAGE} is 300×100 px, wider than Instagram's 1.91:1: crop it to "
        "at most 191 px wide at this height (Instagram)",
    ]
    source.write_text(source.read_text(encoding="utf-8").replace(WATER_IMAGE, MAP_JPEG), encoding="utf-8")
    Image.new("RGB", (1080, 1350)).save(world.root / MAP_JPEG, "JPEG")  # 4:5 exactly
    assert diagnostics_of(world) == []
    Image.new("RGB", (1080, 1351)).save(world.root / MAP_JPEG, "JPEG")
    assert diagnostics_of(world) == [
        f"{WATER}:21:5: error: media[0] {MAP_JPEG} is 1080×1351 px, taller than Instagram's 4:5: crop it to at "
        "most 1350 px high at this width (Instagram)"
    ]


def test_validate_warns_or_errs_for_an_announcement_without_an_image(world: World) -> None:
    enable_meta(world, CAMP)
    assert diagnostics_of(world) == [
        f"{CAMP}: warning: not planned for Instagram, which needs an image: add media to post it there"
    ]
    source = world.root / CAMP
    source.write_text(source.read_text(encoding="utf-8") + "platforms: [instagram, threads]\n", encoding="utf-8")
    assert diagnostics_of(world) == [
        f"{CAMP}:14:12: error: Instagram needs an image: add media, or leave instagram out of platforms"
    ]


def test_doctor_publish_and_the_report_say_when_tokens_expire(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    from helpers import clock_at

    from pmcpost.doctor import checks
    from pmcpost.output.report import render_markdown
    from pmcpost.report import period, report_from_repository

    enable_meta(world, CAMP)
    with clock_at("2027-01-20 10:00"):  # nine days before config.yaml's token_expires, 2027-01-29
        found = {c.area: c for c in checks(world.root, offline=True, environ=world.env)}
    assert found["threads token"].ok is None
    assert found["threads token"].message == (
        "the Threads token (PMCPOST_THREADS_ACCESS_TOKEN) expires on 2027-01-29 (in 9 days): refresh it before "
        "then (README: tokens that expire)"
    )
    with clock_at("2027-01-01 10:00"):
        found = {c.area: c for c in checks(world.root, offline=True, environ=world.env)}
    assert found["instagram token"].ok is True
    with clock_at("2027-02-01 10:00"):
        found = {c.area: c for c in checks(world.root, offline=True, environ=world.env)}
    assert found["instagram token"].ok is False
    assert found["instagram token"].message.startswith(
        "the Instagram token (PMCPOST_INSTAGRAM_ACCESS_TOKEN) expired on 2027-01-29: posting there fails"
    )
    assert all(t not in repr(found) for t in (ig(world).token, th(world).token))

    config = world.config()
    now = NOW.replace(year=2027, month=1, day=16)
    start, end, label = period(config.organisation.tz, now, month="2026-12")
    markdown = render_markdown(
        config, report_from_repository(config, since=start, until=end, now=now, label=label), now
    )
    assert markdown.endswith(
        "## Tokens about to expire\n\n"
        "- the Instagram token (PMCPOST_INSTAGRAM_ACCESS_TOKEN) expires on 2027-01-29 (in 13 days): refresh it "
        "before then (README: tokens that expire)\n"
        "- the Threads token (PMCPOST_THREADS_ACCESS_TOKEN) expires on 2027-01-29 (in 13 days): refresh it "
        "before then (README: tokens that expire)\n"
    )
    capsys.readouterr()
    with clock_at("2026-12-02 10:00"):
        world.run()
    assert "warning: the Threads token" not in capsys.readouterr().out  # 58 days left: no warning yet
    source = world.root / "config.yaml"
    source.write_text(source.read_text(encoding="utf-8").replace('"2027-01-29"', '"2026-12-10"'), encoding="utf-8")
    with clock_at("2026-12-02 10:00"):
        world.run()
    out = capsys.readouterr().out
    assert "warning: the Threads token (PMCPOST_THREADS_ACCESS_TOKEN) expires on 2026-12-10 (in 8 days)" in " ".join(
        out.split()
    )


def test_instagram_takes_30_hashtags_and_preview_shows_threads_bytes(world: World) -> None:
    from pmcpost.plan import build_plan
    from pmcpost.preview import preview_record
    from pmcpost.render import render_problems

    enable_meta(world, WATER)
    source = world.root / WATER
    text = source.read_text(encoding="utf-8")
    tags = ", ".join(f"Tag{n}" for n in range(31))
    source.write_text(text.replace("hashtags: [", f"hashtags: [{tags}, ", 1), encoding="utf-8")
    config = world.config()
    found = [str(d) for d in render_problems(config, load_all(config).announcements) if "instagram" in d.message]
    assert found == [f"{WATER}: error: instagram post 1 has 33 hashtags; Instagram takes at most 30"]
    source.write_text(text, encoding="utf-8")
    plan, _ = build_plan(world.config(), [], NOW)
    (item,) = [i for i in plan.to_post if i.platform == "threads"]
    record = preview_record(world.config(), item)
    assert {(p["unit"], p["limit"]) for p in record["parts"]} == {("bytes of UTF-8", 500)}
    assert all(p["length"] == utf8_length(p["text"]) for p in record["parts"])


def test_media_not_ready_9007_waits_and_publishes_the_same_container(world: World) -> None:
    enable_meta(world, WATER)
    serve_image(world)
    ig(world).not_ready_publishes = 2
    _, outcomes = world.publish()
    assert [o.status for o in outcomes if o.item.platform == "instagram"] == ["posted"]
    assert len(ig(world).containers) == 1
    assert len(ig(world).requests_to("/v25.0/*/media_publish")) == 3
    assert world.slept[:2] == [1.0, 2.0]
    # Threads took the image too, on the thread's first post, with its alt text.
    first = th(world).media[0]
    assert first.images == (th(world).url + "/public/" + MAP_JPEG,)
    assert all(not m.images for m in th(world).media[1:])
    assert_exactly_once(world)


def test_threads_publishing_limit_holds_the_rest_for_a_later_run(world: World) -> None:
    enable_meta(world, ROADS, CAMP)
    th(world).quota_total = 3  # the road closure's thread takes three
    _, outcomes = world.publish()
    statuses = [(o.item.id, o.status, o.error) for o in outcomes if o.item.platform == "threads"]
    assert statuses == [
        ("roads/2026-11-27-road-closure-karve-road", "posted", None),
        ("health/2026-12-02-eye-camp", "held", "threads's 24-hour posting limit is used up"),
    ]
    assert len(th(world).media) == 3


def test_the_image_address_can_name_the_commit(world: World) -> None:
    from pmcpost.gitutil import head_commit

    enable_meta(world, WATER)
    source = world.root / "config.yaml"
    text = source.read_text(encoding="utf-8")
    source.write_text(text.replace("/public/{path}", "/public/{commit}/{path}"), encoding="utf-8")
    quiet_git(world.root, "commit", "-qam", "commit-pinned image addresses")
    commit = head_commit(world.root)
    data = (world.root / MAP_JPEG).read_bytes()
    ig(world).serve(f"{commit}/{MAP_JPEG}", data)
    th(world).serve(f"{commit}/{MAP_JPEG}", data)
    _, outcomes = world.publish()
    assert {o.item.platform: o.status for o in outcomes}["instagram"] == "posted"
    assert ig(world).media[0].images == (f"{ig(world).url}/public/{commit}/{MAP_JPEG}",)
