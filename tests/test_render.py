"""Rendering: snapshots of the sample content, language layouts on X, limits, template lookup and template
problems, filters, Unicode normalisation.

Snapshots live in tests/snapshots/render/<department>/<file>.<platform>.txt, one per announcement and
platform, written for people to read. Refresh them after a deliberate change with

    PMCPOST_UPDATE_SNAPSHOTS=1 .venv/bin/pytest tests/test_render.py

and read the diff before committing it. A normal run compares and fails on any difference.
"""

from __future__ import annotations

import os
import shutil
import unicodedata
from datetime import datetime, timezone
from pathlib import Path

import pytest
import regex
from click.testing import CliRunner
from helpers import GOOD_ANNOUNCEMENT, GOOD_PATH, make_repo, real_config_text, tiny_png

from pmcpost import xtext
from pmcpost.cli import cli
from pmcpost.config import Config, load_config
from pmcpost.content import Announcement, discover, load_announcements
from pmcpost.errors import TemplateError
from pmcpost.platforms import Message
from pmcpost.render import Renderer, platform_limit, render_problems

REPO = Path(__file__).resolve().parent.parent
SNAPSHOTS = Path(__file__).resolve().parent / "snapshots" / "render"
# Read when the module is imported: the autouse fixture in conftest.py clears PMCPOST_* before each test.
UPDATE_SNAPSHOTS = os.environ.get("PMCPOST_UPDATE_SNAPSHOTS") == "1"


# -- helpers ------------------------------------------------------------------------------------------------
def sample_repo(root: Path) -> Path:
    """A copy of the repository's config.yaml and content/ (and nothing else: no templates/ of its own)."""
    make_repo(root)
    shutil.rmtree(root / "content")
    shutil.copytree(REPO / "content", root / "content")
    return root


def load(root: Path) -> tuple[Config, dict[str, Announcement]]:
    config = load_config(root, environ={})
    loaded = load_announcements(config, discover(config))
    assert [str(d) for d in loaded.diagnostics if d.severity == "error"] == []
    return config, {a.id: a for a in loaded.announcements}


def one(tmp_path: Path, body: str = GOOD_ANNOUNCEMENT, *, config_text: str | None = None, files=None):  # type: ignore[no-untyped-def]
    """A repository with one announcement (GOOD_PATH): its config, the announcement and a Renderer."""
    root = make_repo(tmp_path / "repo", {GOOD_PATH: body, **(files or {})}, config_text=config_text)
    config, announcements = load(root)
    (a,) = announcements.values()
    return config, a, Renderer(config)


def texts(message: Message) -> list[str]:
    return [p.text for p in message.parts]


def snapshot_text(config: Config, message: Message) -> str:
    """A message as people read it: every post's exact text, its language, length, media and link."""
    limit, measure = platform_limit(message.platform)
    total = len(message.parts)
    out = [f"# {message.announcement.id} on {message.platform}: {total} post{'s' if total != 1 else ''}"]
    for n, part in enumerate(message.parts, start=1):
        out.append(f"=== post {n}/{total} · {part.language} · {measure(part.text):,}/{limit:,}")
        out.append(part.text)
        for m in part.media:
            out.append(f"--- image {m.path.relative_to(config.root).as_posix()} ({m.mime})")
            out.append(f"--- alt: {m.alt}")
        if part.link:
            out.append(f"--- link: {part.link}")
    out.extend(f"--- warning: {w}" for w in message.warnings)
    return "\n".join(out) + "\n"


def _sample_cases() -> list[tuple[str, str]]:
    config = load_config(REPO, environ={})
    loaded = load_announcements(config, discover(config))
    return sorted((a.id, p) for a in loaded.announcements for p in a.platforms)


SAMPLE_CASES = _sample_cases()


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> tuple[Config, dict[str, Announcement], Renderer]:
    config, announcements = load(sample_repo(tmp_path_factory.mktemp("samples")))
    return config, announcements, Renderer(config)


# -- snapshots ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("announcement_id", "platform"), SAMPLE_CASES, ids=[f"{a}:{p}" for a, p in SAMPLE_CASES])
def test_sample_snapshot(samples, announcement_id: str, platform: str) -> None:  # type: ignore[no-untyped-def]
    config, announcements, renderer = samples
    got = snapshot_text(config, renderer.render(announcements[announcement_id], platform))
    path = SNAPSHOTS / f"{announcement_id}.{platform}.txt"
    if UPDATE_SNAPSHOTS:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(got, encoding="utf-8")
    assert path.exists(), f"no snapshot {path.name}; run with PMCPOST_UPDATE_SNAPSHOTS=1 and review it"
    assert got == path.read_text(encoding="utf-8")


def test_every_snapshot_belongs_to_a_sample() -> None:
    expected = {SNAPSHOTS / f"{a}.{p}.txt" for a, p in SAMPLE_CASES}
    stale = sorted(set(SNAPSHOTS.rglob("*.txt")) - expected)
    if UPDATE_SNAPSHOTS:
        for path in stale:
            path.unlink()
        stale = []
    assert stale == []
    assert len(SAMPLE_CASES) >= 20  # 8 samples, most on three platforms


def test_samples_fit_and_threads_are_numbered(samples) -> None:  # type: ignore[no-untyped-def]
    config, announcements, renderer = samples
    for a in announcements.values():
        for platform in a.platforms:
            limit, measure = platform_limit(platform)
            message = renderer.render(a, platform)
            assert message.warnings == ()
            for part in message.parts:
                assert 0 < measure(part.text) <= limit, (a.id, platform, part.text)
                assert part.text == part.text.strip()
                assert "\n\n\n" not in part.text
            if platform == "twitter":
                for lang in ("mr", "en"):
                    thread = [p.text for p in message.parts if p.language == lang]
                    if len(thread) > 1:
                        assert [t.rsplit(" ", 1)[1] for t in thread] == [
                            f"({i}/{len(thread)})" for i in range(1, len(thread) + 1)
                        ]
                # No post of a thread holds nothing but hashtags and links.
                for part in message.parts:
                    words = regex.sub(r" \(\d+/\d+\)$", "", part.text).split()
                    assert not all(w.startswith("#") or w.startswith("https://") for w in words), part.text
    assert render_problems(config, announcements.values(), renderer) == []


# -- layouts on X -------------------------------------------------------------------------------------------
LONG_MR = (
    "पर्वती जलकेंद्रातील तातडीच्या देखभाल-दुरुस्तीमुळे गुरुवारी सकाळी ९ ते रात्री ९ या वेळेत पाणीपुरवठा बंद राहील. "
    "सहकारनगर, बिबवेवाडी, धनकवडी आणि कात्रज परिसरातील नागरिकांनी आवश्यक पाणीसाठा करून ठेवावा. "
    "शुक्रवारी सकाळी पाणीपुरवठा कमी दाबाने होईल, त्यामुळे पाण्याचा काटकसरीने वापर करावा. "
    "अधिक माहितीसाठी क्षेत्रीय कार्यालयाशी संपर्क साधावा आणि महानगरपालिकेस सहकार्य करावे. "
    "ज्ञानेश्वर पादुका चौक, श्रीमंत दगडूशेठ हलवाई गणपती मंदिर परिसर आणि शिवाजीनगर येथील टाक्यांची स्वच्छता केली जाईल. "
)


def with_text(mr: str, en: str) -> str:
    body = GOOD_ANNOUNCEMENT.replace("पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.", mr)
    return body.replace("No water supply in Parvati on Thursday.", en)


def test_combined_puts_both_languages_in_one_post(tmp_path: Path) -> None:
    _, a, renderer = one(tmp_path)
    (part,) = renderer.render(a, "twitter").parts
    assert part.language == "mr+en"
    assert part.text == (
        "पाणीपुरवठा बंद\n\nपर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.\n\n"
        "No water supply\n\nNo water supply in Parvati on Thursday.\n\n"
        "https://www.pmc.gov.in/en/water-supply\n\n#PMCWater"
    )


def test_combined_falls_back_to_primary_first_then_english_replies(tmp_path: Path) -> None:
    en = "Water supply to Parvati stays shut on Thursday from 9 am to 9 pm for urgent repairs. " * 2
    _, a, renderer = one(tmp_path, with_text(LONG_MR, en.strip()))
    parts = renderer.render(a, "twitter").parts
    languages = [p.language for p in parts]
    assert languages[0] == "mr" and "mr+en" not in languages
    assert languages == sorted(languages, key=["mr", "en"].index)  # every Marathi post before any English
    assert languages.count("en") == 1
    assert parts[-1].text.startswith("No water supply\n\nWater supply to Parvati")


def test_separate_layout_always_separates(tmp_path: Path) -> None:
    config_text = real_config_text().replace("layout: combined", "layout: separate")
    assert "layout: separate" in config_text
    _, a, renderer = one(tmp_path, config_text=config_text)
    assert [(p.language, p.text) for p in renderer.render(a, "twitter").parts] == [
        (
            "mr",
            "पाणीपुरवठा बंद\n\nपर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.\n\n"
            "https://www.pmc.gov.in/en/water-supply\n\n#PMCWater",
        ),
        (
            "en",
            "No water supply\n\nNo water supply in Parvati on Thursday.\n\nhttps://www.pmc.gov.in/en/water-supply\n\n#PMCWater",
        ),
    ]


MEDIA = """media:
  - path: content/water-supply/images/map.png
    alt:
      mr: "पर्वती परिसराचा नकाशा"
      en: "Map of the Parvati area"
"""


@pytest.mark.parametrize("mr", ["पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील.", LONG_MR])
def test_media_go_with_the_first_post(tmp_path: Path, mr: str) -> None:
    body = with_text(mr, "No water supply in Parvati on Thursday.") + MEDIA
    config, a, renderer = one(tmp_path, body, files={"content/water-supply/images/map.png": tiny_png()})
    x = renderer.render(a, "twitter")
    assert [(m.path, m.alt, m.mime) for m in x.parts[0].media] == [
        (config.root / "content/water-supply/images/map.png", "पर्वती परिसराचा नकाशा", "image/png")
    ]
    assert all(p.media == () for p in x.parts[1:])
    (fb,) = renderer.render(a, "facebook").parts
    assert [m.alt for m in fb.media] == ["पर्वती परिसराचा नकाशा / Map of the Parvati area"]
    assert fb.link == "https://www.pmc.gov.in/en/water-supply"
    assert "https://" not in fb.text  # Facebook attaches the link; it is not repeated in the text


def test_long_marathi_becomes_a_numbered_thread_without_split_graphemes(tmp_path: Path) -> None:
    mr = (LONG_MR * 3).strip()
    _, a, renderer = one(tmp_path, with_text(mr, "No water supply in Parvati on Thursday."))
    parts = [p.text for p in renderer.render(a, "twitter").parts if p.language == "mr"]
    assert len(parts) >= 4
    body = "\n\n".join(["पाणीपुरवठा बंद", mr, "https://www.pmc.gov.in/en/water-supply", "#PMCWater"])
    boundaries = {0} | {m.end() for m in regex.finditer(r"\X", body)}
    position = 0
    for n, text in enumerate(parts, start=1):
        assert xtext.weighted_length(text) <= 280
        suffix = f" ({n}/{len(parts)})"
        assert text.endswith(suffix)
        chunk = text.removesuffix(suffix)
        start = body.index(chunk, position)
        assert body[position:start].strip() == ""  # nothing lost between posts
        assert start in boundaries and start + len(chunk) in boundaries, chunk
        assert unicodedata.category(chunk[0])[0] != "M"  # no post starts with a vowel sign or virama
        assert not chunk.endswith("\u094d")  # nor ends half way through a conjunct
        position = start + len(chunk)
    assert body[position:].strip() == ""
    assert parts[-1].endswith("#PMCWater" + f" ({len(parts)}/{len(parts)})")


def test_trailing_link_and_hashtags_never_make_a_post_of_their_own(tmp_path: Path) -> None:
    # The Marathi text plus its link just fits a post, so a plain split left "#PMCWater (2/2)" alone.
    mr = "पर्वती परिसरात गुरुवारी पाणीपुरवठा बंद राहील. " * 5
    mr = mr[: 280 - len("पाणीपुरवठा बंद\n\n\n\n") - 23 - 4].rstrip()
    _, a, renderer = one(tmp_path, with_text(mr, "No water supply in Parvati on Thursday."))
    parts = [p.text for p in renderer.render(a, "twitter").parts if p.language == "mr"]
    assert len(parts) == 2
    assert parts[1].endswith("\n\nhttps://www.pmc.gov.in/en/water-supply\n\n#PMCWater (2/2)")
    assert not parts[1].startswith("https://")


# -- template lookup ----------------------------------------------------------------------------------------
def test_repo_and_department_templates_take_precedence(tmp_path: Path) -> None:
    roads = GOOD_ANNOUNCEMENT.replace("anil.jadhav", "vikas.more").replace("priya.shinde", "neha.kale")
    files = {
        "content/roads/2026-12-01-closure.yaml": roads,
        "templates/twitter.j2": "repo {{ id }} {{ department.slug }}\n",
        "templates/water-supply/twitter.j2": "department {{ id }}\n",
        "templates/roads/facebook.j2": "roads on facebook: {{ title[primary] }}\n",
    }
    root = make_repo(tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT, **files})
    config, announcements = load(root)
    renderer = Renderer(config)
    water, road = announcements["water-supply/2026-12-01-shutdown"], announcements["roads/2026-12-01-closure"]
    assert texts(renderer.render(water, "twitter")) == ["department water-supply/2026-12-01-shutdown"]
    assert texts(renderer.render(road, "twitter")) == ["repo roads/2026-12-01-closure roads"]
    assert texts(renderer.render(road, "facebook")) == ["roads on facebook: पाणीपुरवठा बंद"]
    # No override for water-supply on Facebook: the packaged default.
    assert texts(renderer.render(water, "facebook"))[0].endswith("पाणीपुरवठा विभाग · Water Supply Department")


# -- template problems --------------------------------------------------------------------------------------
ID = "water-supply/2026-12-01-shutdown"


@pytest.mark.parametrize(
    ("template", "line", "problem"),
    [
        ("{{ title.mr }}\n{% if %}\n", 2, "Expected an expression, got 'end of statement block'"),
        ("{{ title.mr }}\n\n{{ nosuch }}\n", 3, "'nosuch' is undefined"),
        ("{{ title.mr }}\n{{ text.hi }}\n", 2, "'dict object' has no attribute 'hi'"),
        ("{{ ''.__class__.__mro__ }}\n", 1, "access to attribute '__class__' of 'str' object is unsafe."),
        ("x\n{{ ''.__class__ }}\n", 2, "access to attribute '__class__' of 'str' object is unsafe."),
        ("{{ title.format.__globals__ }}\n", 1, "'dict object' has no attribute 'format'"),
        ("{{ id.format.__globals__ }}\n", 1, "access to attribute '__globals__' of 'function' object is unsafe."),
        # Department and people dicts are shared between renders: a template may not change them.
        ("{{ department.hashtags.append('X') }}\n", 1, "access to attribute 'append' of 'list' object is unsafe."),
        ("{{ department.name.update(mr='x') }}\n", 1, "access to attribute 'update' of 'dict' object is unsafe."),
        ("{{ text.mr | number }}\n", 1, "number needs a number, not text"),
        ("{{ id | local_date }}\n", 1, "local_date needs a date and time such as publish_at, not text"),
        ("{{ publish_at | local_date('xx') }}\n", 1, "unknown locale 'xx'"),
        ("{{ 1 / 0 }}\n", 1, "division by zero"),
        (
            "{{ range(10 ** 9) | list }}\n",
            1,
            "Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).",
        ),
        ("{% include 'missing.j2' %}\n", 1, "no template named 'missing.j2' (looked in templates/ and pmcpost's)"),
    ],
)
def test_template_problems_name_file_line_and_announcement(
    tmp_path: Path, template: str, line: int, problem: str
) -> None:
    _, a, renderer = one(tmp_path, files={"templates/twitter.j2": template})
    with pytest.raises(TemplateError) as caught:
        renderer.render(a, "twitter")
    assert str(caught.value) == f"templates/twitter.j2:{line}: {problem}" + (
        "" if "Expected" in problem else f" (rendering {ID} for twitter)"
    )
    assert "<class" not in str(caught.value) and "object at 0x" not in str(caught.value)


def test_validate_reports_a_broken_template_once(tmp_path: Path) -> None:
    roads = GOOD_ANNOUNCEMENT.replace("anil.jadhav", "vikas.more").replace("priya.shinde", "neha.kale")
    root = make_repo(
        tmp_path / "repo",
        {
            GOOD_PATH: GOOD_ANNOUNCEMENT,
            "content/water-supply/2026-12-01-again.yaml": GOOD_ANNOUNCEMENT,
            "content/roads/2026-12-01-closure.yaml": roads,
            "templates/twitter.j2": "{{ title[primary] }}\n\n{{ ''.__class__.__mro__ }}\n",
        },
    )
    result = CliRunner().invoke(cli, ["--root", str(root), "validate"])
    assert result.exit_code == 1, result.output
    assert result.stdout.splitlines() == [
        "templates/twitter.j2:3: error: access to attribute '__class__' of 'str' object is unsafe. "
        "(rendering roads/2026-12-01-closure for twitter and 2 more)"
    ]
    assert "Traceback" not in result.output and "<class" not in result.output
    assert (
        result.stderr
        == "1 error, 0 warnings in 3 files and config.yaml; a file with errors is not published until they are fixed\n"
    )


def test_validate_reports_a_syntax_error_in_a_department_template(tmp_path: Path) -> None:
    root = make_repo(
        tmp_path / "repo", {GOOD_PATH: GOOD_ANNOUNCEMENT, "templates/water-supply/facebook.j2": "{% for x in %}\n"}
    )
    result = CliRunner().invoke(cli, ["--root", str(root), "validate"])
    assert result.exit_code == 1
    assert result.stdout == (
        "templates/water-supply/facebook.j2:1: error: Expected an expression, got 'end of statement block' "
        f"(rendering {ID} for facebook)\n"
    )


def test_render_problems_reports_posts_over_the_limit(tmp_path: Path) -> None:
    config, a, renderer = one(tmp_path, files={"templates/facebook.j2": "{% for i in range(70000) %}x{% endfor %}\n"})
    assert [str(d) for d in render_problems(config, [a], renderer)] == [
        f"{GOOD_PATH}: error: facebook post 1 is 70,000 long; the limit is 63,206",
        f"{GOOD_PATH}: warning: facebook: 70,000 characters; facebook allows 63,206",
    ]


# -- filters ------------------------------------------------------------------------------------------------
def render_with(tmp_path: Path, template: str) -> str:
    _, a, renderer = one(tmp_path, files={"templates/website.j2": template})
    return str(renderer.render_text(a, "website", ["mr", "en"]))


def test_dates_and_times_in_india_time(tmp_path: Path) -> None:
    # 2026-12-01 18:00 India time is 12:30 UTC; written with a UTC offset to check the conversion.
    body = GOOD_ANNOUNCEMENT.replace('publish_at: "2026-12-01 18:00"', 'publish_at: "2026-12-01T12:30:00Z"')
    template = (
        "{{ publish_at | local_date('mr') }}|{{ publish_at | local_date('en') }}|"
        "{{ publish_at | local_time('mr') }}|{{ publish_at | local_time }}|"
        "{{ publish_at | local_datetime('mr', digits='devanagari') }}|{{ publish_at | local_datetime('en') }}|"
        "{{ expires_at | local_datetime('mr') }}"
    )
    _, a, renderer = one(tmp_path, body, files={"templates/website.j2": template})
    assert a.publish_at == datetime(2026, 12, 1, 12, 30, tzinfo=timezone.utc)
    assert renderer.render_text(a, "website", ["mr"]).split("|") == [
        "1 डिसेंबर 2026",
        "1 December 2026",
        "6:00 PM",
        "6:00 PM",
        "१ डिसेंबर २०२६, ६:०० PM",
        "1 December 2026, 6:00 PM",
        "3 डिसेंबर 2026, 9:00 PM",
    ]


def test_numbers_and_digits(tmp_path: Path) -> None:
    template = (
        "{{ 1234567.5 | number }}|{{ 1234567 | number('mr') }}|{{ 1234567.5 | number('mr', 'devanagari') }}|"
        "{{ 2026 | devanagari_digits }}|{{ '020-25501269' | devanagari_digits }}|{{ ['A', 'B_2'] | hashtags }}"
    )
    assert render_with(tmp_path, template).split("|") == [
        "12,34,567.5",
        "12,34,567",
        "१२,३४,५६७.५",
        "२०२६",
        "०२०-२५५०१२६९",
        "#A #B_2",
    ]


# -- Unicode ------------------------------------------------------------------------------------------------
def test_decomposed_input_is_normalised_and_joiners_are_kept(tmp_path: Path) -> None:
    # ऱ typed as र + nukta (decomposed) becomes U+0931; र्‍ (with ZWJ, the eyelash ra) and वाङ्‌मय (with
    # ZWNJ, a visible virama) are spelled that way on purpose and must reach the post unchanged.
    decomposed = "कचर\u093c\u094dयासाठी निळा डबा. कचर\u094d\u200dयाचे वर्गीकरण. वाङ\u094d\u200cमय मंडळ. Cafe\u0301."
    _, a, renderer = one(tmp_path, with_text(decomposed, "Blue bin for dry waste."))
    (part,) = renderer.render(a, "twitter").parts
    assert "कच\u0931\u094dयासाठी" in part.text and "\u0930\u093c" not in part.text
    assert "कचर\u094d\u200dयाचे" in part.text
    assert "वाङ\u094d\u200cमय" in part.text
    assert "Café." in part.text
    assert unicodedata.is_normalized("NFC", part.text)
    (fb,) = renderer.render(a, "facebook").parts
    assert "\u200d" in fb.text and "\u200c" in fb.text and unicodedata.is_normalized("NFC", fb.text)


@pytest.mark.parametrize("layout", ["combined", "separate"])
def test_a_template_that_renders_nothing_is_a_template_error(tmp_path: Path, layout: str) -> None:
    """An empty post is never what a template meant; with an image and the separate layout it used to crash."""
    image = "content/water-supply/images/map.png"
    media = f'media:\n  - path: {image}\n    alt: {{mr: "नकाशा", en: "Map"}}\n'
    config_text = real_config_text().replace("layout: combined", f"layout: {layout}")
    root = make_repo(
        tmp_path / "repo",
        {GOOD_PATH: GOOD_ANNOUNCEMENT + media, image: tiny_png(), "templates/twitter.j2": "{# nothing #}\n"},
        config_text=config_text,
    )
    config, announcements = load(root)
    with pytest.raises(TemplateError) as caught:
        Renderer(config).render(announcements[ID], "twitter")
    assert (
        str(caught.value) == f"templates/twitter.j2: renders no text for this announcement (rendering {ID} for twitter)"
    )
