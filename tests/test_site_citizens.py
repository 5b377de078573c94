"""The website as citizens see it: expired announcements marked, phone numbers to tap, feeds dated when the post
went out, the records kept out of the served folder, and `pmcpost site build`."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import feedparser
import html5lib
import pytest
from click.testing import CliRunner
from helpers import clock_at, make_repo
from test_site import RECORDS

from pmcpost import site
from pmcpost.cli import cli
from pmcpost.config import Config, load_config
from pmcpost.phones import link_phones, tel_uri
from pmcpost.platforms.website import WebsitePlatform
from pmcpost.render import Renderer
from pmcpost.validate import load_all

REPO = Path(__file__).resolve().parent.parent
WATER = "water-supply/2026-12-01-shutdown-parvati-zone"


@pytest.fixture
def config(tmp_path: Path) -> Config:
    return load_config(make_repo(tmp_path), environ={})


def parse(data: bytes) -> Any:
    return html5lib.HTMLParser(strict=True, namespaceHTMLElements=False).parse(data.decode("utf-8"))


@pytest.mark.parametrize(
    ("written", "uri"),
    [
        ("020-2550 1000", "tel:+912025501000"),
        ("020-25501269", "tel:+912025501269"),
        ("०२०-२५५०१२६९", "tel:+912025501269"),
        ("+91 98220 12345", "tel:+919822012345"),
        ("+९१ ९८२२०१२३४५", "tel:+919822012345"),
        ("9822012345", "tel:+919822012345"),
        ("1800 233 4567", "tel:18002334567"),
        ("1800-233-4567", "tel:18002334567"),
    ],
)
def test_indian_numbers_become_tel_links(written: str, uri: str) -> None:
    assert tel_uri(written) == uri
    assert str(link_phones(f"call {written}.")) == f'call <a href="{uri}" class="tel">{written}</a>.'


@pytest.mark.parametrize("text", ["2026-27", "12-12-2026", "on 9 December 2026", "₹12345678901", "5 pm to 9 pm"])
def test_dates_amounts_and_years_stay_text(text: str) -> None:
    assert str(link_phones(text)) == text.replace("&", "&amp;")


def test_phone_links_are_escaped_with_the_text(config: Config) -> None:
    s = site.site_from_config(config, config.platforms["website"])
    evil = replace(RECORDS[0], text={"mr": "कॉल ०२०-२५५०१२६९", "en": '<script>x</script> call 020-2550 1000 "now"'})
    page = site.announcement_page(s, site.template_environment(config), evil)
    assert b"<script>" not in page
    doc = parse(page)
    calls = {a.get("href"): "".join(a.itertext()) for a in doc.findall(".//a[@class='tel']")}
    assert calls == {"tel:+912025501269": "०२०-२५५०१२६९", "tel:+912025501000": "020-2550 1000"}
    english = doc.find(".//section[@lang='en']")
    assert '<script>x</script> call 020-2550 1000 "now"' in "".join(english.itertext())


def test_expired_announcements_are_marked_on_their_page_and_in_lists(config: Config) -> None:
    s = site.site_from_config(config, config.platforms["website"])
    env = site.template_environment(config)
    water = replace(RECORDS[0], expires="2026-12-03T21:00:00+05:30")
    before = replace(s, now=datetime(2026, 12, 3, 15, 29, tzinfo=timezone.utc))  # 20:59 in Pune
    after = replace(s, now=datetime(2026, 12, 3, 15, 30, tzinfo=timezone.utc))
    assert parse(site.announcement_page(before, env, water)).find(".//div[@class='notice-expired']") is None
    notice = parse(site.announcement_page(after, env, water)).find(".//div[@class='notice-expired']")
    assert [("".join(p.itertext()), p.get("lang")) for p in notice.findall("p")] == [
        ("या घोषणेची मुदत ३ डिसेंबर २०२६, २१:०० रोजी संपली; ती संग्रहासाठी येथे ठेवली आहे.", "mr"),
        ("This announcement expired on 3 December 2026, 9:00 PM; it is kept here for the record.", "en"),
    ]
    for page in (site.index_page(after, env, [water]), site.department_page(after, env, "water-supply", [water])):
        badge = parse(page).find(".//span[@class='badge expired bi']")
        assert "".join(badge.itertext()) == "मुदत संपलीExpired"
    assert parse(site.index_page(before, env, [water])).find(".//span[@class='badge expired bi']") is None
    assert json.loads(site.json_feed(after, [water], "en"))["items"]  # still in the archive's feeds


def test_feed_entries_carry_the_time_the_post_went_out(config: Config) -> None:
    s = site.site_from_config(config, config.platforms["website"])
    late = replace(RECORDS[0], went_out="2026-12-01T18:07:00+05:30")
    entry = feedparser.parse(site.atom_feed(s, [late], "en")).entries[0]
    assert (entry.published, entry.updated) == ("2026-12-01T18:07:00+05:30", "2026-12-01T18:07:00+05:30")
    item = json.loads(site.json_feed(s, [late], "en"))["items"][0]
    assert item["date_published"] == "2026-12-01T18:07:00+05:30"
    old = feedparser.parse(site.atom_feed(s, [RECORDS[0]], "en")).entries[0]  # a record from before went_out
    assert old.published == "2026-12-01T18:00:00+05:30"


def sample_repo(tmp_path: Path) -> Config:
    root = make_repo(tmp_path)
    shutil.rmtree(root / "content")
    shutil.copytree(REPO / "content", root / "content")
    return load_config(root, environ={})


def test_records_live_outside_the_served_folder_and_old_ones_move(tmp_path: Path) -> None:
    config = sample_repo(tmp_path)
    water = next(a for a in load_all(config).announcements if a.id == WATER)
    clock = lambda: datetime(2026, 12, 1, 12, 37, tzinfo=timezone.utc)  # noqa: E731
    WebsitePlatform(config.platforms["website"], config, {}, clock=clock).post(
        Renderer(config).render(water, "website"), 0, None
    )
    public, records = config.root / "public", config.root / "website-records"
    assert not (public / ".records").exists()
    record = json.loads((records / f"{WATER}.json").read_text(encoding="utf-8"))
    assert (record["went_out"], record["expires"]) == ("2026-12-01T18:07:00+05:30", "2026-12-03T21:00:00+05:30")
    # a site written by an earlier version: its records in public/.records
    (public / ".records" / "water-supply").mkdir(parents=True)
    shutil.move(records / f"{WATER}.json", public / ".records" / f"{WATER}.json")
    with clock_at("2026-12-05 10:00"):  # after the announcement's expiry
        result = CliRunner().invoke(cli, ["--root", str(config.root), "site", "build"])
    assert result.exit_code == 0, result.output
    assert not (public / ".records").exists()
    assert json.loads((records / f"{WATER}.json").read_text(encoding="utf-8")) == record
    page = parse((public / f"{WATER}.html").read_bytes())  # rebuilt as of the clock: expired
    assert page.find(".//div[@class='notice-expired']") is not None


def test_docs_name_only_commands_that_exist() -> None:
    text = (REPO / "docs" / "website.md").read_text(encoding="utf-8")
    assert "`rebuild`" not in text
    assert "`pmcpost site build`" in text
    assert CliRunner().invoke(cli, ["site", "build", "--help"]).exit_code == 0
