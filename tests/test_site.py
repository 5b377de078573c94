"""The website's feeds and pages, built from records: read back by a real feed parser and a strict HTML parser."""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

import feedparser
import html5lib
import pytest
from helpers import make_repo

from pmcpost import site
from pmcpost.config import Config, load_config
from pmcpost.errors import TemplateError
from pmcpost.site import ImageRef, PersonRef, Record

BASE = "https://www.pmc.gov.in/announcements"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(make_repo(tmp_path), environ={})


@pytest.fixture
def s(config: Config) -> site.Site:
    return site.site_from_config(config, config.platforms["website"])


def record(stem: str = "2026-12-01-shutdown-parvati-zone", department: str = "water-supply", **changes: Any) -> Record:
    base = Record(
        id=f"{department}/{stem}",
        department=department,
        kind="notice",
        title={"mr": "पर्वती परिसरात पाणीपुरवठा बंद", "en": "No water supply in Parvati"},
        text={"mr": "गुरुवारी पाणीपुरवठा बंद राहील.", "en": "No water supply on Thursday."},
        link="https://www.pmc.gov.in/en/water-supply",
        hashtags=("PMCWater",),
        images=(
            ImageRef(
                "content/water-supply/images/map.png",
                f"media/{department}/{stem}-1.png",
                "image/png",
                1234,
                {"mr": "पर्वती भागाचा नकाशा", "en": "Map of the Parvati area"},
            ),
        ),
        published=f"{stem[:10]}T18:00:00+05:30",
        updated=f"{stem[:10]}T18:00:00+05:30",
        coordinator=PersonRef("anil.jadhav", "Anil Jadhav"),
        approver=PersonRef("priya.shinde", "Priya Shinde"),
        posted={"twitter": ("https://x.com/PMCPune/status/1",), "facebook": ("https://www.facebook.com/1_2",)},
    )
    return replace(base, **changes)


RECORDS = [
    record(),
    record("2026-12-05-free-health-camp", "health", kind="event", images=(), posted={}),
    record("2026-11-27-road-closure", "roads", retracted="2026-11-28T10:00:00+05:30", retract_reason="Postponed"),
]


def parse_html(data: bytes) -> Any:
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    return parser.parse(data.decode("utf-8"))


def check_accessible(data: bytes) -> Any:
    """Strict parse plus the basic checks every page must pass; returns the tree."""
    doc = parse_html(data)
    assert doc.get("lang") == "mr"
    assert len(doc.findall(".//h1")) == 1
    imgs = doc.findall(".//img")
    assert all((img.get("alt") or "").strip() for img in imgs)
    levels = [int(e.tag[1]) for e in doc.iter() if isinstance(e.tag, str) and re.fullmatch(r"h[1-6]", e.tag)]
    assert levels[0] == 1
    assert all(b - a <= 1 for a, b in itertools.pairwise(levels)), levels  # no skipped levels
    skip = doc.find(".//a[@class='skip']")
    assert skip is not None and skip.get("href") == "#main"
    assert doc.find(".//main[@id='main']") is not None
    assert doc.find(".//meta[@name='viewport']") is not None
    return doc


def text_of(element: Any) -> str:
    return "".join(element.itertext())


# -- feeds --------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["mr", "en"])
def test_atom_feed_reads_back_with_every_live_entry(s: site.Site, lang: str) -> None:
    parsed = feedparser.parse(site.atom_feed(s, RECORDS, lang))
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.language == lang
    # the retracted road closure is not in the feed; the rest newest first
    assert [e.link for e in parsed.entries] == [
        f"{BASE}/health/2026-12-05-free-health-camp.html",
        f"{BASE}/water-supply/2026-12-01-shutdown-parvati-zone.html",
    ]
    water = parsed.entries[1]
    assert water.id == f"tag:pmc.gov.in,2026:water-supply/2026-12-01-shutdown-parvati-zone#{lang}"
    assert water.title == RECORDS[0].title[lang]
    assert water.published == "2026-12-01T18:00:00+05:30"
    assert water.updated == "2026-12-01T18:00:00+05:30"
    dept = {"mr": "पाणीपुरवठा विभाग (समन्वयक: Anil Jadhav)", "en": "Water Supply Department (coordinator: Anil Jadhav)"}
    assert water.author == dept[lang]
    enclosures = [link for link in water.links if link.rel == "enclosure"]
    assert [(e.href, e.type, e.length, e.title) for e in enclosures] == [
        (
            f"{BASE}/media/water-supply/2026-12-01-shutdown-parvati-zone-1.png",
            "image/png",
            "1234",
            RECORDS[0].images[0].alt[lang],
        )
    ]
    body = water.content[0].value
    assert RECORDS[0].text[lang] in body
    assert f'alt="{RECORDS[0].images[0].alt[lang]}"' in body
    assert [t.term for t in water.tags] == ["notice", "PMCWater"]
    # the feed's updated is its newest event, here the retraction of the road closure... or the newest entry
    assert parsed.feed.updated == "2026-12-05T18:00:00+05:30"
    for e in parsed.entries:
        assert e.title and e.link and e.id and e.published and e.author


def test_feed_updated_comes_from_a_retraction_when_that_is_newest(s: site.Site) -> None:
    late = replace(RECORDS[2], retracted="2026-12-09T08:00:00+05:30")
    parsed = feedparser.parse(site.atom_feed(s, [RECORDS[0], late], "en"))
    assert parsed.feed.updated == "2026-12-09T08:00:00+05:30"
    assert len(parsed.entries) == 1


def test_empty_feed_is_still_valid(s: site.Site) -> None:
    parsed = feedparser.parse(site.atom_feed(s, [], "mr", "roads"))
    assert not parsed.bozo
    assert parsed.entries == []
    assert parsed.feed.updated == site.EPOCH


@pytest.mark.parametrize("lang", ["mr", "en"])
def test_json_feed_has_every_field_the_1_1_spec_requires(s: site.Site, lang: str) -> None:
    feed = json.loads(site.json_feed(s, RECORDS, lang))
    # top level: version (the 1.1 URL), title and items are required
    assert feed["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(feed["title"], str) and feed["title"]
    assert isinstance(feed["items"], list)
    assert feed["feed_url"] == f"{BASE}/feeds/feed.{lang}.json"
    assert feed["home_page_url"] == f"{BASE}/index.html"
    assert feed["language"] == lang
    assert all(isinstance(a, dict) and a.get("name") for a in feed["authors"])
    assert [i["url"] for i in feed["items"]] == [
        f"{BASE}/health/2026-12-05-free-health-camp.html",
        f"{BASE}/water-supply/2026-12-01-shutdown-parvati-zone.html",
    ]
    for item in feed["items"]:
        # every item: an id (a string) and content_html or content_text
        assert isinstance(item["id"], str) and item["id"].startswith("tag:pmc.gov.in,2026:")
        assert item.get("content_html") or item.get("content_text")
        datetime.fromisoformat(item["date_published"])
        datetime.fromisoformat(item["date_modified"])
        assert all(a.get("name") for a in item["authors"])
        # attachments need url and mime_type
        for att in item.get("attachments", []):
            assert att["url"].startswith("https://") and att["mime_type"]
    water = feed["items"][1]
    assert water["image"] == f"{BASE}/media/water-supply/2026-12-01-shutdown-parvati-zone-1.png"
    assert water["attachments"][0]["title"] == RECORDS[0].images[0].alt[lang]
    assert water["content_text"] == RECORDS[0].text[lang]
    assert water["external_url"] == "https://www.pmc.gov.in/en/water-supply"
    assert water["tags"][-1] == "PMCWater"


def test_a_missing_translation_falls_back_to_the_primary_language(s: site.Site) -> None:
    only_mr = record(title={"mr": "फक्त मराठी"}, text={"mr": "फक्त मराठी मजकूर."})
    atom = feedparser.parse(site.atom_feed(s, [only_mr], "en"))
    assert atom.entries[0].title == "फक्त मराठी"
    assert atom.entries[0].content[0].language == "mr"
    jf = json.loads(site.json_feed(s, [only_mr], "en"))
    assert jf["items"][0]["language"] == "mr"
    assert jf["items"][0]["content_text"] == "फक्त मराठी मजकूर."


def test_untitled_announcement_takes_its_heading_from_the_text(s: site.Site) -> None:
    untitled = record(title={}, text={"mr": "पाणी " * 40, "en": "Short text."})
    assert site.title_of(untitled, "en", s.languages) == ("Short text.", "en")
    heading, _ = site.title_of(untitled, "mr", s.languages)
    assert heading.endswith("…") and len(heading) <= 91


EVIL = '<script>alert("x")</script> & Co'


def test_markup_in_titles_and_text_is_escaped_in_xml_json_and_html(s: site.Site, config: Config) -> None:
    evil = record(
        title={"mr": EVIL, "en": EVIL},
        text={"mr": EVIL, "en": EVIL + "\x0b"},  # a control character XML cannot carry
        images=(replace(RECORDS[0].images[0], alt={"mr": '"><img src=x>', "en": '"><img src=x>'}),),
    )
    atom = site.atom_feed(s, [evil], "en")
    assert b"<script" not in atom
    parsed = feedparser.parse(atom)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.entries[0].title == EVIL
    # feedparser sanitises HTML content; the escaped text survives as text
    assert "&lt;script&gt;" in parsed.entries[0].content[0].value

    jf = json.loads(site.json_feed(s, [evil], "en"))
    assert jf["items"][0]["title"] == EVIL
    assert "<script" not in jf["items"][0]["content_html"]
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Co" in jf["items"][0]["content_html"]

    env = site.template_environment(config)
    page = site.announcement_page(s, env, evil)
    assert b"<script" not in page
    assert b"&lt;script&gt;" in page
    doc = check_accessible(page)
    assert text_of(doc.find(".//h1")).startswith(EVIL)
    assert all(img.get("alt") == '"><img src=x>' for img in doc.findall(".//img"))
    index = site.index_page(s, env, [evil])
    assert b"<script" not in index
    check_accessible(index)


# -- pages --------------------------------------------------------------------------------------------------
def test_pages_parse_strictly_and_pass_basic_accessibility_checks(s: site.Site, config: Config) -> None:
    outputs = site.build(s, site.template_environment(config), RECORDS)
    pages = sorted(p for p in outputs if p.endswith(".html"))
    assert pages == [
        "health/2026-12-05-free-health-camp.html",
        "health/index.html",
        "index.html",
        "roads/2026-11-27-road-closure.html",
        "roads/index.html",
        "water-supply/2026-12-01-shutdown-parvati-zone.html",
        "water-supply/index.html",
    ]
    for path in pages:
        check_accessible(outputs[path])


def test_announcement_page_is_bilingual_and_names_who_answers_for_it(s: site.Site, config: Config) -> None:
    doc = check_accessible(site.announcement_page(s, site.template_environment(config), RECORDS[0]))
    sections = {sec.get("lang"): sec for sec in doc.findall(".//section[@lang]")}
    assert set(sections) == {"mr", "en"}
    assert "गुरुवारी पाणीपुरवठा बंद राहील." in text_of(sections["mr"])
    assert "No water supply on Thursday." in text_of(sections["en"])
    img = doc.find(".//figure/img")
    assert img.get("src") == "../media/water-supply/2026-12-01-shutdown-parvati-zone-1.png"
    assert img.get("alt") == "पर्वती भागाचा नकाशा"
    assert "Map of the Parvati area" in text_of(doc.find(".//figcaption"))
    hrefs = [a.get("href") for a in doc.findall(".//a")]
    assert "https://x.com/PMCPune/status/1" in hrefs
    assert "https://www.facebook.com/1_2" in hrefs
    details = text_of(doc.find(".//dl"))
    assert "Anil Jadhav" in details and "Priya Shinde" in details
    assert doc.find(".//div[@class='notice-retracted']") is None
    assert "१ डिसेंबर २०२६, १८:००" in text_of(doc)


def test_retracted_page_says_so_and_why(s: site.Site, config: Config) -> None:
    doc = check_accessible(site.announcement_page(s, site.template_environment(config), RECORDS[2]))
    note = text_of(doc.find(".//div[@class='notice-retracted']"))
    assert "This announcement was retracted on 28 November 2026, 10:00 AM." in note
    assert "ही घोषणा २८ नोव्हेंबर २०२६, १०:०० रोजी मागे घेण्यात आली." in note
    assert "Postponed" in note


def test_index_lists_recent_announcements_and_departments(s: site.Site, config: Config) -> None:
    doc = check_accessible(site.index_page(s, site.template_environment(config), RECORDS))
    links = [a.get("href") for a in doc.findall(".//h3/a")]
    assert links == [
        "health/2026-12-05-free-health-camp.html",
        "water-supply/2026-12-01-shutdown-parvati-zone.html",
        "roads/2026-11-27-road-closure.html",
    ]
    assert "Retracted" in text_of(doc.findall(".//li")[2])
    assert {a.get("href") for a in doc.findall(".//a")} >= {
        "roads/index.html",
        "feeds/atom.mr.xml",
        "feeds/feed.en.json",
    }


def test_build_is_deterministic_and_only_builds_what_an_announcement_touches(s: site.Site, config: Config) -> None:
    env = site.template_environment(config)
    full = site.build(s, env, RECORDS)
    assert full == site.build(s, env, list(reversed(RECORDS)))
    part = site.build(s, env, RECORDS, only=RECORDS[0].id)
    assert set(part) == {
        "index.html",
        "feeds/atom.mr.xml",
        "feeds/atom.en.xml",
        "feeds/feed.mr.json",
        "feeds/feed.en.json",
        "water-supply/index.html",
        "water-supply/atom.mr.xml",
        "water-supply/atom.en.xml",
        "water-supply/feed.mr.json",
        "water-supply/feed.en.json",
        "water-supply/2026-12-01-shutdown-parvati-zone.html",
    }
    assert all(full[p] == part[p] for p in part)


def test_repository_templates_override_the_defaults(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    (root / "templates" / "website").mkdir(parents=True)
    (root / "templates" / "website" / "index.html").write_text(
        '{% extends "base.html" %}{% block main %}<h1>Custom {{ announcements|length }}</h1>{% endblock %}',
        encoding="utf-8",
    )
    config = load_config(root, environ={})
    s = site.site_from_config(config, config.platforms["website"])
    doc = check_accessible(site.index_page(s, site.template_environment(config), RECORDS))
    assert text_of(doc.find(".//h1")) == "Custom 3"


def test_templates_are_sandboxed_and_strict(tmp_path: Path) -> None:
    root = make_repo(tmp_path)
    folder = root / "templates" / "website"
    folder.mkdir(parents=True)
    config = load_config(root, environ={})
    s = site.site_from_config(config, config.platforms["website"])
    (folder / "index.html").write_text("{{ ''.__class__.__mro__ }}", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"^website/index.html:1: .*unsafe"):
        site.index_page(s, site.template_environment(config), RECORDS)
    (folder / "index.html").write_text("{{ no_such_thing }}", encoding="utf-8")
    with pytest.raises(TemplateError, match=r"^website/index.html:1: 'no_such_thing' is undefined$"):
        site.index_page(s, site.template_environment(config), RECORDS)


def test_record_round_trips_through_its_json_form() -> None:
    for r in RECORDS:
        data = site.record_bytes(r)
        assert Record.from_json(json.loads(data)) == r
        assert data.endswith(b"\n") and data == site.record_bytes(Record.from_json(json.loads(data)))
    with pytest.raises(ValueError, match="bad announcement id"):
        Record.from_json({**RECORDS[0].to_json(), "id": "../../etc/passwd"})


def test_marathi_dates_use_devanagari_digits() -> None:
    assert site.display_time("2026-12-03T09:05:00+05:30", "mr", "Asia/Kolkata") == "३ डिसेंबर २०२६, ०९:०५"
    assert site.display_time("2026-12-03T03:35:00+00:00", "en", "Asia/Kolkata") == "3 December 2026, 9:05 AM"
