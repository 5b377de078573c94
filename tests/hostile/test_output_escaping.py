"""Hostile input shown back: links on the website are clickable only when https, the markdown preview (a
pull-request comment) cannot be made to say anything but what it quotes, and terminal output shows control
characters visibly. The strings come from files, config, the audit log and platforms' answers alike."""

from __future__ import annotations

import dataclasses
import json
import re
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from emulator.graph import GraphEmulator
from emulator.http import Reply, Request
from emulator.xapi import XApiEmulator
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, tiny_png
from world import make_content_repo, make_world

from pmcpost import site
from pmcpost.audit import AuditLog, read_state
from pmcpost.cli import cli
from pmcpost.config import load_config
from pmcpost.output import preview as preview_view
from pmcpost.plan import make_plan
from pmcpost.platforms.website import WebsitePlatform
from pmcpost.render import Renderer
from pmcpost.safetext import https_only, md_code, md_text, visible
from pmcpost.validate import load_all

P = GOOD_PATH
IST = ZoneInfo("Asia/Kolkata")
NOW = datetime(2026, 12, 2, 10, 0, tzinfo=IST)
JS = "javascript:alert(document.cookie)"
ESC_TITLE = "\x1b]0;pwned\x07\x1b[2J\x1b[31mFAKE OK\x1b[0m\u202eevil"
SHOWN = "\\x1b]0;pwned\\x07\\x1b[2J\\x1b[31mFAKE OK\\x1b[0m\\u202eevil"


class Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.hrefs += [v or "" for k, v in attrs if k in ("href", "src")]


def hrefs_in(html: str) -> list[str]:
    parser = Links()
    parser.feed(html)
    return parser.hrefs


def assert_only_safe_links(outputs: dict[str, bytes]) -> None:
    for name, data in outputs.items():
        text = data.decode("utf-8")
        if name.endswith(".html"):
            links = hrefs_in(text)
        elif name.endswith(".xml"):
            links = re.findall(r'href="([^"]*)"', text)
            links += hrefs_in(" ".join(re.findall(r"<content[^>]*>(.*?)</content>", text, re.S)).replace("&lt;", "<"))
        else:
            feed = json.loads(text)
            links = [i.get("external_url", "") for i in feed["items"]]
            links += [h for i in feed["items"] for h in hrefs_in(i["content_html"])]
        assert links, name
        for link in links:
            lowered = link.lower()
            assert "javascript" not in lowered and not lowered.startswith(("data:", "vbscript:")), (name, link)


# -- website links ------------------------------------------------------------------------------------------


def test_https_only() -> None:
    assert https_only("https://www.pmc.gov.in/x") == "https://www.pmc.gov.in/x"
    bad_links = (JS, "JavaScript:alert(1)", " javascript:x", "http://pmc.gov.in", "data:text/html,x", "https://a\tb")
    for bad in (*bad_links, ""):
        assert https_only(bad) is None


def test_records_with_javascript_links_never_become_hrefs(tmp_path: Path) -> None:
    """A record (edited by hand, or written by an older version) and the post URLs the ledger gave it."""
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    config = load_config(root, environ={})
    record = site.Record(
        id="water-supply/2026-12-01-shutdown",
        department="water-supply",
        kind="notice",
        title={"mr": "पाणी", "en": "Water"},
        text={"mr": "मजकूर", "en": "Text"},
        link=JS,
        hashtags=(),
        images=(),
        published="2026-12-01T18:00:00+05:30",
        updated="2026-12-01T18:00:00+05:30",
        coordinator=site.PersonRef("anil.jadhav", "Anil Jadhav"),
        approver=None,
        posted={"facebook": (JS, "https://www.facebook.com/1_2"), "twitter": (" JaVaScRiPt:alert(1)",)},
    )
    settings = config.platforms["website"]
    outputs = site.build(site.site_from_config(config, settings), site.template_environment(config), [record])
    assert_only_safe_links(outputs)
    page = outputs["water-supply/2026-12-01-shutdown.html"].decode()
    assert "https://www.facebook.com/1_2" in hrefs_in(page)  # an https link still shows


def test_post_urls_from_the_audit_log_reach_the_site_only_when_https(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    config = load_config(root, environ={})
    log = AuditLog(config.audit_dir)
    for n, url in enumerate((JS, "https://x.com/PMCPune/status/1")):
        log.append(
            {
                "event": "posted",
                "run": "r",
                "announcement": "water-supply/2026-12-01-shutdown",
                "department": "water-supply",
                "platform": ("facebook", "twitter")[n],
                "part": 0,
                "parts": 1,
                "remote": {"id": str(n), "url": url},
            }
        )
    website = WebsitePlatform(config.platforms["website"], config, {})
    [announcement] = load_all(config).announcements
    website.post(Renderer(config).render(announcement, "website"), 0, None)
    outputs = {
        p.relative_to(root / "public").as_posix(): p.read_bytes()
        for p in (root / "public").rglob("*")
        if p.is_file() and p.suffix in (".html", ".xml", ".json")
    }
    assert_only_safe_links(outputs)
    assert "https://x.com/PMCPune/status/1" in outputs["water-supply/2026-12-01-shutdown.html"].decode()


class JavascriptPermalinks(GraphEmulator):
    """A Graph API (or something posing as one) whose permalinks are javascript: URLs."""

    def handle(self, request: Request) -> Reply:
        reply = super().handle(request)
        if request.method == "GET" and request.path.endswith("/posts") and reply.status == 200:
            body = json.loads(reply.body)
            for item in body.get("data", []):
                item["permalink_url"] = JS
            reply = Reply.json(200, body, reply.headers)
        return reply


def test_a_platform_answering_a_javascript_permalink_is_not_believed(tmp_path: Path) -> None:
    with XApiEmulator() as x, JavascriptPermalinks() as graph:
        world = make_world(make_content_repo(tmp_path / "repo"), twitter=x, facebook=graph)
        graph.lose_response("*/feed", method="POST")  # the post is then found through the Page's posts
        _, outcomes = world.publish()
        found = [o for o in outcomes if o.item.platform == "facebook" and o.status == "reconciled"]
        assert found and found[0].remotes[0].url.startswith("https://www.facebook.com/")
        assert JS not in "".join(p.read_text() for p in (world.root / "audit").glob("*.jsonl"))


# -- the markdown preview --------------------------------------------------------------------------------------

HOSTILE_ALT = (
    "Map --> <!-- hidden\\n\\n## Approved by the cell ✅\\n\\n**Approved by the cell** [ok](javascript:x) | <b>x</b>"
)
HOSTILE_TEXT = "Water cut.\\n````\\n## Approved by the cell ✅\\n<!--"


def hostile_repo(tmp_path: Path) -> Path:
    text = (
        GOOD_ANNOUNCEMENT.replace('  en: "No water supply in Parvati on Thursday."', f'  en: "{HOSTILE_TEXT}"')
        + f'media:\n  - path: content/water-supply/map.png\n    alt: {{mr: "नकाशा", en: "{HOSTILE_ALT}"}}\n'
    )
    return make_repo(tmp_path, {P: text, "content/water-supply/map.png": tiny_png()})


def test_markdown_preview_escapes_every_user_value(tmp_path: Path) -> None:
    root = hostile_repo(tmp_path)
    result = CliRunner().invoke(
        cli, ["--root", str(root), "preview", "--format", "markdown", "--now", "2026-12-01 10:00"]
    )
    assert result.exit_code == 0, result.stderr
    md = result.stdout
    outside_code = re.sub(r"^(`{3,})text\n.*?\n\1$", "", md, flags=re.S | re.M)
    assert outside_code.count("\n") < md.count("\n") - 8  # both posts' code blocks were taken out
    headings = [line for line in outside_code.splitlines() if line.lstrip().startswith("#")]
    assert all(h == "## pmcpost preview" or h.startswith("### `water-supply/") for h in headings), headings
    assert "Approved by the cell" in outside_code  # quoted, not obeyed:
    assert not any(re.match(r"\s*(\*\*)?Approved by the cell", line) for line in outside_code.splitlines())
    assert "<" not in outside_code and "](" not in outside_code
    assert (
        "alt text: नकाशा / Map --&gt; &lt;\\!-- hidden  ## Approved by the cell ✅  \\*\\*Approved by the cell\\*\\* "
        "\\[ok\\]\\(javascript:x\\) \\| &lt;b&gt;x&lt;/b&gt;\n"
    ) in md
    # the post's text is shown exactly, in a fence longer than any backtick run in it
    assert "`````text\n" in md and "\n````\n## Approved by the cell ✅\n<!--\n" in md


def test_markdown_helpers() -> None:
    assert md_text("a\n# b <!-- c | d") == "a # b &lt;\\!-- c \\| d"
    assert md_code("x``y") == "```x``y```"
    assert md_code("`x") == "`` `x ``"


# -- terminal output --------------------------------------------------------------------------------------------


def test_visible() -> None:
    assert visible("a\x1b[31mb\x00c\x7f\x9bd\u202ee\u2066\nf\tg") == "a\\x1b[31mb\\x00c\\x7f\\x9bd\\u202ee\\u2066\nf\tg"
    assert visible("line\nnext", newlines=False) == "line\\x0anext"
    assert visible("पाणीपुरवठा\u200dबंद") == "पाणीपुरवठा\u200dबंद"  # joiners in Marathi stay
    # a lone surrogate (a platform's JSON can escape one) would stop any UTF-8 stream it is written to
    assert visible("bad \ud800 and \udfff") == "bad \\ud800 and \\udfff"
    assert visible("👍") == "👍"  # a character outside the BMP is one code point, no surrogate


def test_preview_text_shows_control_characters_visibly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Files that fail validation can still reach output, and the ledger's strings never pass it: the text
    preview shows control characters in every value as escapes."""
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    config = load_config(root, environ={})
    [announcement] = load_all(config).announcements
    hostile = dataclasses.replace(
        announcement, text={"mr": "पाणी " + ESC_TITLE, "en": "Water " + ESC_TITLE}, platforms=("facebook",)
    )
    plan = make_plan(config, [hostile], read_state(config.audit_dir), NOW, render_all=True)
    plan.items[0].reason = "error from afar: " + ESC_TITLE
    preview_view.print_text(config, plan.items)
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert f"Water {SHOWN}" in out and f"error from afar: {SHOWN}" in out
    md = preview_view.as_markdown(config, plan.items)
    assert "\x1b" not in md and "\u202e" not in md


def test_status_and_publish_show_platform_errors_visibly(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class Hostile(XApiEmulator):
        def handle(self, request: Request) -> Reply:
            if request.path == "/2/tweets" and request.method == "POST":
                return Reply.json(400, {"title": "Invalid Request", "detail": ESC_TITLE, "status": 400})
            return super().handle(request)

    with Hostile() as x, GraphEmulator() as graph:
        world = make_world(make_content_repo(tmp_path / "repo"), twitter=x, facebook=graph)
        assert world.run() == 1
        out, err = capsys.readouterr()
        assert "\x1b" not in out + err and SHOWN in out
        result = CliRunner().invoke(cli, ["--root", str(world.root), "status", "--now", "2026-12-02 10:00"])
        assert "\x1b" not in result.stdout and SHOWN in result.stdout


def test_validate_names_a_file_whose_name_holds_an_escape_visibly(tmp_path: Path) -> None:
    bad_name = "content/water-supply/2026-12-01-\x1b[2Jx.yaml"
    root = make_repo(tmp_path, {bad_name: GOOD_ANNOUNCEMENT})
    result = CliRunner().invoke(cli, ["--root", str(root), "validate", "--format", "text"])
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout + result.stderr
    assert "content/water-supply/2026-12-01-\\x1b[2Jx.yaml:" in result.stdout


def test_audit_show_prints_the_ledger_s_words_visibly(tmp_path: Path) -> None:
    root = make_repo(tmp_path, {P: GOOD_ANNOUNCEMENT})
    config = load_config(root, environ={})
    AuditLog(config.audit_dir).append(
        {
            "event": "failed",
            "run": "r",
            "announcement": "water-supply/2026-12-01-shutdown",
            "department": "water-supply",
            "platform": "twitter",
            "error": ESC_TITLE,
        }
    )
    result = CliRunner().invoke(cli, ["--root", str(root), "audit", "show"])
    assert result.exit_code == 0, result.stderr
    assert "\x1b" not in result.stdout and SHOWN in result.stdout
