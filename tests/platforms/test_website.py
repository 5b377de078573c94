"""The website adapter on the sample content: records, feeds, pages, retraction, reruns and a real browser."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import browser
import feedparser
import html5lib
import pytest
from helpers import REAL_CONFIG, make_repo

from pmcpost.audit import AuditLog
from pmcpost.config import Config, load_config
from pmcpost.content import Announcement
from pmcpost.errors import PlatformError
from pmcpost.platforms import Message, Part, RemotePost
from pmcpost.platforms.registry import create_platform, description
from pmcpost.platforms.website import WebsitePlatform, write_if_changed
from pmcpost.validate import load_all

BASE = "https://www.pmc.gov.in/announcements"
WATER = "water-supply/2026-12-01-shutdown-parvati-zone"
ROADS = "roads/2026-11-27-road-closure-karve-road"
SINCE = datetime(2026, 1, 1, tzinfo=timezone.utc)
# Read when the module is collected: conftest's autouse fixture clears every PMCPOST_* variable before a test.
SCREENSHOT_DIR = os.environ.get("PMCPOST_SCREENSHOT_DIR")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 12, 8, 4, 30, tzinfo=timezone.utc)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def config(tmp_path: Path) -> Config:
    """A repository with the real config.yaml and the real sample content (images included)."""
    root = make_repo(tmp_path / "repo")
    shutil.copytree(REAL_CONFIG.parent / "content", root / "content", dirs_exist_ok=True)
    return load_config(root, environ={})


@pytest.fixture
def announcements(config: Config) -> list[Announcement]:
    result = load_all(config, jobs=1)
    assert [d for d in result.diagnostics if d.severity == "error"] == []
    assert len(result.announcements) >= 8
    return result.announcements


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def web(config: Config, clock: Clock) -> WebsitePlatform:
    return WebsitePlatform(config.platforms["website"], config, {}, clock=clock)


def message(a: Announcement) -> Message:
    return Message(platform="website", announcement=a, parts=(Part(text="unused", language="mr+en"),))


def by_id(announcements: list[Announcement], announcement_id: str) -> Announcement:
    return next(a for a in announcements if a.id == announcement_id)


def post_all(web: WebsitePlatform, announcements: list[Announcement]) -> list[RemotePost]:
    return [web.post(message(a), 0, None) for a in announcements]


def snapshot(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        p.relative_to(folder).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
        for p in folder.rglob("*")
        if p.is_file()
    }


def record_audit(config: Config, announcement_id: str, department: str, platform: str, url: str) -> None:
    AuditLog(config.audit_dir).append(
        {
            "event": "posted",
            "run": "test",
            "announcement": announcement_id,
            "department": department,
            "platform": platform,
            "part": 0,
            "parts": 1,
            "remote": {"id": url.rsplit("/", 1)[1], "url": url},
        }
    )


def check_page(data: bytes) -> Any:
    doc = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data.decode("utf-8"))
    assert doc.get("lang") == "mr"
    assert len(doc.findall(".//h1")) == 1
    assert all((img.get("alt") or "").strip() for img in doc.findall(".//img"))
    return doc


def test_posting_the_sample_content_builds_feeds_and_pages(
    web: WebsitePlatform, config: Config, announcements: list[Announcement]
) -> None:
    posts = post_all(web, announcements)
    assert posts[[a.id for a in announcements].index(WATER)] == RemotePost(id=WATER, url=f"{BASE}/{WATER}.html")
    out = config.root / "public"
    record = json.loads((config.root / "website-records" / f"{WATER}.json").read_text(encoding="utf-8"))
    assert not (out / ".records").exists()  # the records name people: never in the served folder
    assert record["published"] == "2026-12-01T18:00:00+05:30"
    assert record["coordinator"] == {"id": "anil.jadhav", "name": "Anil Jadhav"}
    assert record["approver"] == {"id": "priya.shinde", "name": "Priya Shinde"}
    # the image is copied into the site
    source = config.root / "content/water-supply/images/shutdown-map.png"
    assert (out / f"media/{WATER}-1.png").read_bytes() == source.read_bytes()

    ids = {a.id for a in announcements}
    for lang in ("mr", "en"):
        parsed = feedparser.parse((out / f"feeds/atom.{lang}.xml").read_bytes())
        assert not parsed.bozo, parsed.get("bozo_exception")
        assert {e.link for e in parsed.entries} == {f"{BASE}/{i}.html" for i in ids}
        for e in parsed.entries:
            assert e.title and e.id.startswith("tag:pmc.gov.in,") and e.published and e.updated and e.author
        jf = json.loads((out / f"feeds/feed.{lang}.json").read_bytes())
        assert jf["version"] == "https://jsonfeed.org/version/1.1"
        assert {i["url"] for i in jf["items"]} == {f"{BASE}/{i}.html" for i in ids}
        dept = feedparser.parse((out / f"water-supply/atom.{lang}.xml").read_bytes())
        assert not dept.bozo
        assert [e.link for e in dept.entries] == [f"{BASE}/{WATER}.html"]
        assert [link.title for link in dept.entries[0].links if link.rel == "enclosure"] == [
            by_id(announcements, WATER).media[0].alt[lang]
        ]
    for page in ["index.html", *(f"{i}.html" for i in ids), *(f"{i.split('/')[0]}/index.html" for i in ids)]:
        check_page((out / page).read_bytes())
    index = check_page((out / "index.html").read_bytes())
    assert {a.get("href") for a in index.findall(".//h3/a")} == {f"{i}.html" for i in ids}
    assert not list(out.rglob("*.tmp"))  # atomic writes leave no temp files behind
    assert oct((out / "index.html").stat().st_mode & 0o777) == "0o644"


def test_links_to_x_and_facebook_come_from_the_audit_log(
    web: WebsitePlatform, config: Config, announcements: list[Announcement]
) -> None:
    x_url = "https://x.com/PMCPune/status/1864000000000000001"
    fb_url = "https://www.facebook.com/117289331623925_1234"
    record_audit(config, WATER, "water-supply", "twitter", x_url)
    record_audit(config, WATER, "water-supply", "facebook", fb_url)
    web.post(message(by_id(announcements, WATER)), 0, None)
    page = check_page((config.root / "public" / f"{WATER}.html").read_bytes())
    hrefs = [a.get("href") for a in page.findall(".//a")]
    assert x_url in hrefs and fb_url in hrefs
    text = "".join(page.itertext())
    assert "View on X" in text and "Facebook वर पाहा" in text


def test_a_rerun_rewrites_nothing(web: WebsitePlatform, config: Config, announcements: list[Announcement]) -> None:
    post_all(web, announcements)
    out = config.root / "public"
    before = snapshot(out)
    assert len(before) > 40
    # a later run in another process, five minutes on: no announcement expired in between
    again = WebsitePlatform(config.platforms["website"], config, {}, clock=lambda: web.clock() + timedelta(minutes=5))
    post_all(again, announcements)
    assert again.rebuild() == []
    assert snapshot(out) == before  # same bytes, same modification times


def test_write_if_changed_only_writes_new_bytes(tmp_path: Path) -> None:
    target = tmp_path / "a" / "feed.xml"
    assert write_if_changed(target, b"one") is True
    mtime = target.stat().st_mtime_ns
    assert write_if_changed(target, b"one") is False
    assert target.stat().st_mtime_ns == mtime
    assert write_if_changed(target, b"two") is True
    assert target.read_bytes() == b"two"
    assert sorted(p.name for p in target.parent.iterdir()) == ["feed.xml"]


def test_retraction_removes_the_entry_from_feeds_and_marks_the_page(
    web: WebsitePlatform, config: Config, clock: Clock, announcements: list[Announcement]
) -> None:
    post_all(web, announcements)
    roads = by_id(announcements, ROADS)
    assert web.find_existing(message(roads), 0, SINCE) == RemotePost(ROADS, f"{BASE}/{ROADS}.html")
    web.delete(ROADS, "The work was postponed; a new date will be announced.")
    out = config.root / "public"
    for feed in ("feeds/atom.mr.xml", "feeds/atom.en.xml", "roads/atom.en.xml", "roads/atom.mr.xml"):
        parsed = feedparser.parse((out / feed).read_bytes())
        assert not parsed.bozo
        assert f"{BASE}/{ROADS}.html" not in {e.link for e in parsed.entries}
    roads_feed = feedparser.parse((out / "roads/atom.en.xml").read_bytes())
    assert roads_feed.entries == []
    assert roads_feed.feed.updated == "2026-12-08T10:00:00+05:30"  # the retraction, from the clock
    for feed in ("feeds/feed.mr.json", "roads/feed.en.json"):
        items = json.loads((out / feed).read_bytes())["items"]
        assert f"{BASE}/{ROADS}.html" not in {i["url"] for i in items}
    page = check_page((out / f"{ROADS}.html").read_bytes())
    note = "".join(page.find(".//div[@class='notice-retracted']").itertext())
    assert "This announcement was retracted on 8 December 2026, 10:00 AM." in note
    assert "The work was postponed; a new date will be announced." in note
    assert web.find_existing(message(roads), 0, SINCE) is None
    # retracting again changes nothing (the first time and reason stand)
    before = snapshot(out)
    clock.now = clock.now.replace(day=9)
    web.delete(ROADS, "another reason")
    assert snapshot(out) == before


def test_find_existing_only_after_posting(web: WebsitePlatform, announcements: list[Announcement]) -> None:
    water = message(by_id(announcements, WATER))
    assert web.find_existing(water, 0, SINCE) is None
    posted = web.post(water, 0, None)
    assert web.find_existing(water, 0, SINCE) == posted


def test_a_changed_announcement_is_an_update(
    web: WebsitePlatform, config: Config, clock: Clock, announcements: list[Announcement]
) -> None:
    water = by_id(announcements, WATER)
    web.post(message(water), 0, None)
    changed = replace(water, text={**water.text, "en": "Water supply resumes on Friday."})
    web.post(message(changed), 0, None)
    entry = feedparser.parse((config.root / "public/feeds/atom.en.xml").read_bytes()).entries[0]
    assert entry.published == "2026-12-08T10:00:00+05:30"  # when it went out (the clock), not publish_at
    assert entry.updated == "2026-12-08T10:00:00+05:30"
    assert "Water supply resumes on Friday." in entry.content[0].value


def test_delete_refuses_unknown_and_malformed_ids(web: WebsitePlatform) -> None:
    with pytest.raises(PlatformError, match="the website has no announcement 'roads/2026-01-01-nothing' to retract"):
        web.delete("roads/2026-01-01-nothing", "why")
    with pytest.raises(PlatformError, match="is not an announcement id"):
        web.delete("../../etc/passwd", "why")


def test_a_damaged_record_is_reported(web: WebsitePlatform, config: Config, announcements: list[Announcement]) -> None:
    web.post(message(by_id(announcements, WATER)), 0, None)
    (config.root / "website-records" / f"{WATER}.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(PlatformError, match=r"the website record 2026-12-01-shutdown-parvati-zone.json is damaged"):
        web.post(message(by_id(announcements, ROADS)), 0, None)


def test_built_through_the_registry_without_credentials(config: Config) -> None:
    platform = create_platform("website", config, {})
    assert isinstance(platform, WebsitePlatform)
    assert description("website").needs_credentials is False
    info = platform.check_credentials()
    assert info.name == BASE
    assert info.details == {"output": "public"}
    platform.close()


# -- a real browser --------------------------------------------------------------------------------------------
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=390,844",  # a phone
]


def test_the_archive_shows_in_headless_chromium_at_a_phone_width(
    web: WebsitePlatform, config: Config, announcements: list[Announcement], tmp_path: Path
) -> None:
    chromium = browser.chromium()  # skipped without it on a workstation, required with CI=true
    post_all(web, announcements)
    index = (config.root / "public" / "index.html").as_uri()
    profile = tmp_path / "chromium-profile"
    base = [chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}"]
    dom = subprocess.run([*base, "--dump-dom", index], capture_output=True, text=True, timeout=120, check=True).stdout
    doc = html5lib.HTMLParser(namespaceHTMLElements=False).parse(dom)
    shown = ["".join(a.itertext()) for a in doc.findall(".//h3/a")]
    for a in announcements:
        assert any(a.title["en"] in s and a.title["mr"] in s for s in shown), a.id
    assert "अलीकडील घोषणा" in dom

    shot = tmp_path / "website-index-phone.png"
    subprocess.run([*base, f"--screenshot={shot}", index], capture_output=True, timeout=120, check=True)
    assert shot.read_bytes().startswith(b"\x89PNG\r\n\x1a\n")
    if SCREENSHOT_DIR:
        Path(SCREENSHOT_DIR).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(shot, Path(SCREENSHOT_DIR) / shot.name)
