"""The website channel's outputs: Atom and JSON feeds and a static HTML archive, built from records.

Pure functions: records (one small JSON file per announcement) go in, ``{path inside the output folder:
bytes}`` comes out. Nothing here reads the clock or writes a file, so the same records always give the same
bytes and a rebuild rewrites nothing (the adapter in ``pmcpost.platforms.website`` writes only what changed).
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from markupsafe import escape

from pmcpost.errors import TemplateError
from pmcpost.safetext import https_only

if TYPE_CHECKING:
    from jinja2 import Environment

    from pmcpost.config import Config, PlatformConfig

RECORD_VERSION = 1
RECORDS_DIR = ".records"
FEEDS_DIR = "feeds"
MEDIA_DIR = "media"
TEMPLATES = ("base.html", "index.html", "department.html", "announcement.html", "accountability.html")
ACCOUNTABILITY_PAGE = "accountability.html"
RECENT = 50  # announcements on the front page
FEED_SIZE = 100  # newest entries per feed; older ones stay in the archive pages
# The year in feed-level tag URIs: any date on which the organisation held its domain will do, and it must
# never change, so it is fixed to the year the website channel began.
TAG_YEAR = 2026
EPOCH = "2026-01-01T00:00:00+00:00"  # the `updated` of a feed that never had an entry

ATOM_NS = "http://www.w3.org/2005/Atom"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
ANNOUNCEMENT_ID_RE = re.compile(r"^([a-z0-9]+(?:-[a-z0-9]+)*)/(\d{4}-\d{2}-\d{2}-[a-z0-9]+(?:-[a-z0-9]+)*)$")
# Characters XML 1.0 cannot carry at all; a stray one in a YAML file must not make every feed unreadable.
XML_INVALID_RE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

# Words of the pages and feeds themselves, per language; templates get the set for each section's language.
LABELS: dict[str, dict[str, str]] = {
    "mr": {
        "language": "मराठी",
        "announcements": "घोषणा",
        "recent": "अलीकडील घोषणा",
        "departments": "विभाग",
        "department": "विभाग",
        "feeds": "फीड",
        "skip": "मुख्य मजकुराकडे जा",
        "home": "मुख्यपृष्ठ",
        "published": "प्रसिद्धी",
        "coordinator": "समन्वयक",
        "approved_by": "मंजुरी देणारे",
        "posted_on": "समाजमाध्यमांवर",
        "more": "अधिक माहिती",
        "details": "तपशील",
        "hashtags": "हॅशटॅग",
        "retracted": "मागे घेतली",
        "retracted_note": "ही घोषणा {date} रोजी मागे घेण्यात आली.",
        "expired": "मुदत संपली",
        "expired_note": "या घोषणेची मुदत {date} रोजी संपली; ती संग्रहासाठी येथे ठेवली आहे.",
        "reason": "कारण",
        "none": "अद्याप कोणतीही घोषणा नाही.",
        "atom": "Atom फीड",
        "json": "JSON फीड",
        "view_on": "{platform} वर पाहा",
        "kind.alert": "इशारा",
        "kind.notice": "सूचना",
        "kind.scheme": "योजना",
        "kind.project": "प्रकल्प",
        "kind.event": "कार्यक्रम",
        "accountability": "उत्तरदायित्व",
        "ledger_intro": "प्रत्येक प्रसिद्धीनंतर लेखापरीक्षण नोंदवहीची स्थिती (नोंदींची संख्या आणि शेवटच्या नोंदीचा sha256) "
        "येथे जोडली जाते; जुन्या ओळी कधीही काढल्या जात नाहीत. या पानाची किंवा ledger-heads.json ची प्रत असलेले कोणीही "
        "नंतर नोंदवही बदलली किंवा कापली गेली नाही हे तपासू शकते.",
        "ledger_heads": "नोंदवहीच्या नोंदलेल्या स्थिती",
        "ledger_entries": "{count} नोंदी",
        "ledger_file": "हीच यादी JSON स्वरूपात",
    },
    "en": {
        "language": "English",
        "announcements": "Announcements",
        "recent": "Recent announcements",
        "departments": "Departments",
        "department": "Department",
        "feeds": "Feeds",
        "skip": "Skip to content",
        "home": "Home",
        "published": "Published",
        "coordinator": "Coordinator",
        "approved_by": "Approved by",
        "posted_on": "On social media",
        "more": "More details",
        "details": "Details",
        "hashtags": "Hashtags",
        "retracted": "Retracted",
        "retracted_note": "This announcement was retracted on {date}.",
        "expired": "Expired",
        "expired_note": "This announcement expired on {date}; it is kept here for the record.",
        "reason": "Reason",
        "none": "No announcements yet.",
        "atom": "Atom feed",
        "json": "JSON feed",
        "view_on": "View on {platform}",
        "kind.alert": "Alert",
        "kind.notice": "Notice",
        "kind.scheme": "Scheme",
        "kind.project": "Project",
        "kind.event": "Event",
        "accountability": "Accountability",
        "ledger_intro": "After every publishing run, the state of the audit log (how many entries, and the sha256 of "
        "the last one) is added here; older lines are never removed. Anyone holding a copy of this page or of "
        "ledger-heads.json can check that the log was not rewritten or cut later (pmcpost audit verify --against).",
        "ledger_heads": "Recorded states of the log",
        "ledger_entries": "{count} entries",
        "ledger_file": "The same list as JSON",
    },
}
DATE_FORMATS = {"mr": ("mr", "d MMMM y, HH:mm"), "en": ("en_IN", "d MMMM y, h:mm a")}


# -- records -------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class PersonRef:
    id: str
    name: str


@dataclass(frozen=True)
class ImageRef:
    """An image of an announcement: where it came from in the repository and where the site keeps its copy."""

    source: str  # relative to the repository root
    file: str  # relative to the output folder, with '/'
    mime: str
    size: int
    alt: Mapping[str, str]


@dataclass(frozen=True)
class Record:
    """Everything the pages and feeds say about one announcement; stored as JSON under ``.records/``."""

    id: str
    department: str
    kind: str
    title: Mapping[str, str]
    text: Mapping[str, str]
    link: str | None
    hashtags: tuple[str, ...]
    images: tuple[ImageRef, ...]
    published: str  # RFC 3339 with the organisation's offset: the announcement's publish_at
    updated: str  # RFC 3339; equals published until the content changes
    coordinator: PersonRef
    approver: PersonRef | None
    posted: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # platform -> public URLs
    retracted: str | None = None  # RFC 3339 time of the retraction
    retract_reason: str | None = None
    expires: str | None = None  # RFC 3339: the announcement's expires_at, after which its page says it expired
    went_out: str | None = None  # RFC 3339: when the website first carried it (the feeds' publication time)

    @property
    def stem(self) -> str:
        return self.id.partition("/")[2]

    @property
    def page(self) -> str:
        """The announcement's page, relative to the output folder."""
        return f"{self.id}.html"

    def content_key(self) -> tuple[Any, ...]:
        """What a reader sees of the announcement itself (not where else it was posted): a change here is an
        update."""
        return (
            self.kind,
            sorted(self.title.items()),
            sorted(self.text.items()),
            self.link,
            self.hashtags,
            [(i.file, i.mime, i.size, sorted(i.alt.items())) for i in self.images],
            self.published,
            self.coordinator,
            self.approver,
            self.expires,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": RECORD_VERSION,
            "id": self.id,
            "department": self.department,
            "kind": self.kind,
            "title": dict(self.title),
            "text": dict(self.text),
            "link": self.link,
            "hashtags": list(self.hashtags),
            "images": [
                {"source": i.source, "file": i.file, "mime": i.mime, "size": i.size, "alt": dict(i.alt)}
                for i in self.images
            ],
            "published": self.published,
            "updated": self.updated,
            "coordinator": {"id": self.coordinator.id, "name": self.coordinator.name},
            "approver": {"id": self.approver.id, "name": self.approver.name} if self.approver else None,
            "posted": {k: list(v) for k, v in sorted(self.posted.items())},
            "retracted": self.retracted,
            "retract_reason": self.retract_reason,
            "expires": self.expires,
            "went_out": self.went_out,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        """The record from its JSON form; raises ValueError (or KeyError/TypeError) when it is damaged."""
        if data.get("version") != RECORD_VERSION:
            raise ValueError(f"unknown record version {data.get('version')!r}")
        if not ANNOUNCEMENT_ID_RE.match(str(data["id"])):
            raise ValueError(f"bad announcement id {data['id']!r}")
        approver = data.get("approver")
        return cls(
            id=data["id"],
            department=data["department"],
            kind=data["kind"],
            title=dict(data["title"]),
            text=dict(data["text"]),
            link=data.get("link"),
            hashtags=tuple(data.get("hashtags", ())),
            images=tuple(
                ImageRef(i["source"], i["file"], i["mime"], int(i["size"]), dict(i["alt"])) for i in data["images"]
            ),
            published=data["published"],
            updated=data["updated"],
            coordinator=PersonRef(data["coordinator"]["id"], data["coordinator"]["name"]),
            approver=PersonRef(approver["id"], approver["name"]) if approver else None,
            posted={k: tuple(v) for k, v in data.get("posted", {}).items()},
            retracted=data.get("retracted"),
            retract_reason=data.get("retract_reason"),
            expires=data.get("expires"),  # records written before these fields have neither
            went_out=data.get("went_out"),
        )


def record_path(announcement_id: str) -> str:
    """Where an announcement's record lives, relative to the output folder."""
    return f"{RECORDS_DIR}/{announcement_id}.json"


def record_bytes(record: Record) -> bytes:
    """The record's file: canonical JSON, so an unchanged record is byte-identical."""
    return (json.dumps(record.to_json(), ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode("utf-8")


def media_file(announcement_id: str, number: int, source: str) -> str:
    """Where the site keeps the ``number``-th (1-based) image of an announcement."""
    return f"{MEDIA_DIR}/{announcement_id}-{number}{Path(source).suffix.lower()}"


# -- the site's settings ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class Site:
    """What the outputs need from config.yaml, as plain data."""

    base_url: str  # without a trailing '/'; "" makes every link relative
    title: Mapping[str, str]  # per language
    organisation: Mapping[str, str]
    website: str
    languages: tuple[str, ...]
    departments: Mapping[str, Mapping[str, str]]  # slug -> name per language
    timezone: str
    tag_authority: str
    now: datetime | None = None  # when the pages are built: announcements expired by then are marked so

    def url(self, path: str) -> str:
        return f"{self.base_url}/{path}" if self.base_url else path

    def department_name(self, slug: str, lang: str) -> str:
        return pick(self.departments.get(slug, {}), lang, self.languages)[0] or slug


def site_from_config(config: Config, settings: PlatformConfig) -> Site:
    """The Site for a repository's config and its ``platforms.website`` settings."""
    org = config.organisation
    base_url = str(settings.options.get("base_url") or "").rstrip("/")
    custom_title = settings.options.get("title")
    title = {}
    for lang in org.languages:
        name = pick(org.name, lang, org.languages)[0]
        word = LABELS.get(lang, LABELS["en"])["announcements"]
        title[lang] = str(custom_title) if custom_title else f"{name}: {word}"
    host = urlsplit(base_url or org.website).hostname or "localhost"
    return Site(
        base_url=base_url,
        title=title,
        organisation=dict(org.name),
        website=org.website,
        languages=tuple(org.languages),
        departments={slug: dict(d.name) for slug, d in config.departments.items()},
        timezone=org.timezone,
        tag_authority=host.removeprefix("www."),
    )


# -- small helpers -------------------------------------------------------------------------------------
def pick(texts: Mapping[str, str], lang: str, languages: Sequence[str]) -> tuple[str, str]:
    """The text in ``lang``, else in the first configured language that has one: (text, its language)."""
    if texts.get(lang):
        return texts[lang], lang
    for other in (*languages, *sorted(texts)):
        if texts.get(other):
            return texts[other], other
    return "", lang


def labels(lang: str) -> dict[str, str]:
    return LABELS.get(lang, LABELS["en"])


def xml_text(text: str) -> str:
    return XML_INVALID_RE.sub("", text)


def title_of(record: Record, lang: str, languages: Sequence[str]) -> tuple[str, str]:
    """The heading in ``lang``: the title, or the start of the text when there is no title."""
    title, used = pick(record.title, lang, languages)
    if title:
        return title, used
    text, used = pick(record.text, lang, languages)
    first = text.strip().split("\n")[0]
    if len(first) > 90:
        first = first[:90].rsplit(" ", 1)[0] + "…"
    return first, used


def paragraphs(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]


def tag_uri(site: Site, announcement_id: str, published: str, lang: str) -> str:
    """The entry's permanent id: a tag URI (RFC 4151) from the announcement id, one per language."""
    return f"tag:{site.tag_authority},{published[:4]}:{announcement_id}#{lang}"


def display_time(moment: str, lang: str, timezone: str) -> str:
    """'1 डिसेंबर 2026, 18:00' style, with Devanagari digits for Marathi."""
    from babel.dates import format_datetime

    from pmcpost.render import devanagari_digits

    locale, pattern = DATE_FORMATS.get(lang, (lang, "d MMMM y, HH:mm"))
    tz = ZoneInfo(timezone)
    when = datetime.fromisoformat(moment).astimezone(tz)
    try:
        text = format_datetime(when, pattern, tzinfo=tz, locale=locale)
    except Exception:  # babel has no data for this language: fall back to Indian English
        text = format_datetime(when, DATE_FORMATS["en"][1], tzinfo=tz, locale="en_IN")
    return devanagari_digits(text) if lang == "mr" else text


def ordered(records: Iterable[Record]) -> list[Record]:
    """Newest first; ties broken by id so the order never depends on the file system."""
    return sorted(records, key=lambda r: (datetime.fromisoformat(r.published), r.id), reverse=True)


def is_expired(site: Site, record: Record) -> bool:
    """Past its expires_at when the pages are built (a retracted one says that instead)."""
    if site.now is None or record.expires is None or record.retracted:
        return False
    return datetime.fromisoformat(record.expires) <= site.now


def went_out(record: Record) -> str:
    """When the post went out on the website (records from before this was kept: the scheduled time)."""
    return record.went_out or record.published


def last_updated(record: Record) -> str:
    """The entry's `updated`: never before it went out."""
    return max(record.updated, went_out(record), key=datetime.fromisoformat)


def live(records: Iterable[Record]) -> list[Record]:
    return [r for r in records if not r.retracted]


def newest_time(records: Sequence[Record]) -> str:
    """A feed's `updated`: its newest entry's update or a retraction that removed one, never the clock."""
    times = [r.updated for r in records if not r.retracted] + [r.retracted for r in records if r.retracted]
    if not times:
        return EPOCH
    return max(times, key=datetime.fromisoformat)


def author_name(site: Site, record: Record, lang: str) -> str:
    words = labels(lang)
    return (
        f"{site.department_name(record.department, lang)} ({words['coordinator'].lower()}: {record.coordinator.name})"
    )


def feed_paths(lang: str, department: str | None = None) -> tuple[str, str]:
    """(Atom, JSON Feed) paths for the whole organisation or one department."""
    folder = department or FEEDS_DIR
    return f"{folder}/atom.{lang}.xml", f"{folder}/feed.{lang}.json"


def content_html(site: Site, record: Record, lang: str) -> str:
    """The entry's body as HTML (escaped here; feed writers escape it once more as text)."""
    text, used = pick(record.text, lang, site.languages)
    out = [f"<p>{escape(p)}</p>".replace("\n", "<br>") for p in paragraphs(text)]
    for image in record.images:
        alt = pick(image.alt, used, site.languages)[0]
        out.append(f'<p><img src="{escape(site.url(image.file))}" alt="{escape(alt)}"></p>')
    link = https_only(record.link)
    if link:
        out.append(f'<p><a href="{escape(link)}">{escape(labels(used)["more"])}</a></p>')
    return xml_text("\n".join(out))


# -- feeds --------------------------------------------------------------------------------------------------
def atom_feed(site: Site, records: Iterable[Record], lang: str, department: str | None = None) -> bytes:
    """An Atom (RFC 4287) feed of the live announcements, newest first."""
    all_records = ordered(records)
    entries = live(all_records)[:FEED_SIZE]
    atom_path, _ = feed_paths(lang, department)
    home = f"{department}/index.html" if department else "index.html"
    title = site.title[lang] if department is None else f"{site.department_name(department, lang)}: {site.title[lang]}"

    feed = ET.Element("feed", {"xmlns": ATOM_NS, XML_LANG: lang})
    ET.SubElement(feed, "id").text = f"tag:{site.tag_authority},{TAG_YEAR}:feed/{department or 'all'}/{lang}"
    ET.SubElement(feed, "title").text = xml_text(title)
    ET.SubElement(feed, "link", {"rel": "self", "type": "application/atom+xml", "href": site.url(atom_path)})
    ET.SubElement(feed, "link", {"rel": "alternate", "type": "text/html", "href": site.url(home)})
    ET.SubElement(feed, "updated").text = newest_time(all_records)
    author = ET.SubElement(feed, "author")
    ET.SubElement(author, "name").text = xml_text(pick(site.organisation, lang, site.languages)[0])
    if site.website:
        ET.SubElement(author, "uri").text = site.website
    ET.SubElement(feed, "generator", {"uri": "https://pypi.org/project/pmcpost/"}).text = "pmcpost"

    for r in entries:
        title_text, title_lang = title_of(r, lang, site.languages)
        used = pick(r.text, lang, site.languages)[1]
        entry = ET.SubElement(feed, "entry", {XML_LANG: used})
        ET.SubElement(entry, "id").text = tag_uri(site, r.id, r.published, lang)
        t = ET.SubElement(entry, "title", {"type": "text"})
        t.text = xml_text(title_text)
        if title_lang != used:
            t.set(XML_LANG, title_lang)
        ET.SubElement(entry, "link", {"rel": "alternate", "type": "text/html", "href": site.url(r.page)})
        if https_only(r.link):
            ET.SubElement(entry, "link", {"rel": "related", "href": str(r.link)})
        for image in r.images:
            alt = pick(image.alt, used, site.languages)[0]
            ET.SubElement(
                entry,
                "link",
                {
                    "rel": "enclosure",
                    "type": image.mime,
                    "length": str(image.size),
                    "title": xml_text(alt),
                    "href": site.url(image.file),
                },
            )
        ET.SubElement(entry, "published").text = went_out(r)
        ET.SubElement(entry, "updated").text = last_updated(r)
        a = ET.SubElement(entry, "author")
        ET.SubElement(a, "name").text = xml_text(author_name(site, r, lang))
        ET.SubElement(a, "uri").text = site.url(f"{r.department}/index.html")
        ET.SubElement(entry, "category", {"term": r.kind, "label": labels(lang).get(f"kind.{r.kind}", r.kind)})
        for tag in r.hashtags:
            ET.SubElement(entry, "category", {"term": tag, "label": f"#{tag}"})
        ET.SubElement(entry, "content", {"type": "html"}).text = content_html(site, r, lang)
    ET.indent(feed)
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode") + "\n").encode("utf-8")


def json_feed(site: Site, records: Iterable[Record], lang: str, department: str | None = None) -> bytes:
    """A JSON Feed 1.1 of the live announcements, newest first."""
    entries = live(ordered(records))[:FEED_SIZE]
    _, json_path = feed_paths(lang, department)
    home = f"{department}/index.html" if department else "index.html"
    title = site.title[lang] if department is None else f"{site.department_name(department, lang)}: {site.title[lang]}"
    items = []
    for r in entries:
        text, used = pick(r.text, lang, site.languages)
        item: dict[str, Any] = {
            "id": tag_uri(site, r.id, r.published, lang),
            "url": site.url(r.page),
            "title": title_of(r, lang, site.languages)[0],
            "content_html": content_html(site, r, lang),
            "content_text": text,
            "date_published": went_out(r),
            "date_modified": last_updated(r),
            "authors": [{"name": author_name(site, r, lang), "url": site.url(f"{r.department}/index.html")}],
            "tags": [labels(lang).get(f"kind.{r.kind}", r.kind), *r.hashtags],
            "language": used,
        }
        if https_only(r.link):
            item["external_url"] = r.link
        if r.images:
            item["image"] = site.url(r.images[0].file)
            item["attachments"] = [
                {
                    "url": site.url(i.file),
                    "mime_type": i.mime,
                    "title": pick(i.alt, used, site.languages)[0],
                    "size_in_bytes": i.size,
                }
                for i in r.images
            ]
        items.append(item)
    feed: dict[str, Any] = {
        "version": JSON_FEED_VERSION,
        "title": title,
        "home_page_url": site.url(home),
        "feed_url": site.url(json_path),
        "language": lang,
        "authors": [{"name": pick(site.organisation, lang, site.languages)[0], "url": site.website or site.url(home)}],
        "items": items,
    }
    return (json.dumps(feed, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


# -- pages -------------------------------------------------------------------------------------------------
def template_environment(config: Config) -> Environment:
    """Jinja for the pages: sandboxed, autoescaped, strict; the repository's templates/website/ first."""
    from pmcpost.render import PACKAGE_TEMPLATES, sandbox_environment

    search = [config.templates_dir / "website", PACKAGE_TEMPLATES / "website"]
    return sandbox_environment(search, autoescape=True, keep_trailing_newline=True, repository=config.root)


def render(env: Environment, name: str, context: Mapping[str, Any]) -> bytes:
    """Render one page template; whatever fails names the template and its line."""
    import jinja2

    from pmcpost.render import template_position

    try:
        return env.get_template(name).render(context).encode("utf-8")
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateError(f"website/{exc.name or name}", exc.lineno, exc.message or str(exc)) from None
    except Exception as exc:  # a template is code: whatever it (or a filter) raises is the template's problem
        _, line = template_position(exc, name)
        raise TemplateError(f"website/{name}", line, str(exc) or type(exc).__name__) from None


def _site_context(site: Site, root: str) -> dict[str, Any]:
    primary = site.languages[0]
    return {
        "lang": primary,
        "languages": [{"code": lang, "label": labels(lang)["language"]} for lang in site.languages],
        "root": root,
        "title": [{"lang": lang, "text": site.title[lang]} for lang in site.languages],
        "organisation": [
            {"lang": lang, "text": pick(site.organisation, lang, site.languages)[0]} for lang in site.languages
        ],
        "labels": {lang: labels(lang) for lang in site.languages},
        "website": site.website,
        "feeds": _feed_links(site, root, None),
    }


def _feed_links(site: Site, root: str, department: str | None) -> list[dict[str, str]]:
    out = []
    for lang in site.languages:
        atom, jsonf = feed_paths(lang, department)
        words = labels(lang)
        out.append({"lang": lang, "href": root + atom, "type": "application/atom+xml", "text": words["atom"]})
        out.append({"lang": lang, "href": root + jsonf, "type": "application/feed+json", "text": words["json"]})
    return out


def _names(texts: Mapping[str, str], site: Site) -> list[dict[str, str]]:
    """One entry per configured language that has its own text (so a missing translation is not repeated)."""
    out = [{"lang": lang, "text": texts[lang]} for lang in site.languages if texts.get(lang)]
    if not out:
        text, used = pick(texts, site.languages[0], site.languages)
        out = [{"lang": used, "text": text}]
    return out


def _summary(site: Site, r: Record, root: str) -> dict[str, Any]:
    """What a list of announcements shows of one."""
    titles = []
    for lang in site.languages:
        if r.title.get(lang) or r.text.get(lang):
            titles.append({"lang": lang, "text": title_of(r, lang, site.languages)[0]})
    return {
        "id": r.id,
        "href": root + r.page,
        "titles": titles,
        "department": [{"lang": lang, "text": site.department_name(r.department, lang)} for lang in site.languages],
        "department_href": root + f"{r.department}/index.html",
        "published": r.published,
        "published_text": [
            {"lang": lang, "text": display_time(r.published, lang, site.timezone)} for lang in site.languages
        ],
        "kind": [{"lang": lang, "text": labels(lang).get(f"kind.{r.kind}", r.kind)} for lang in site.languages],
        "retracted": r.retracted is not None,
        "expired": is_expired(site, r),
    }


def _announcement(site: Site, r: Record, root: str) -> dict[str, Any]:
    from pmcpost.phones import link_phones

    sections = []
    for lang in site.languages:
        text = r.text.get(lang)
        if not text:
            continue
        sections.append(
            {
                "lang": lang,
                "label": labels(lang)["language"],
                "title": title_of(r, lang, site.languages)[0],
                # Safe HTML (escaped text, phone numbers as tap-to-call links): templates print it as it is.
                "paragraphs": [[link_phones(line) for line in p.split("\n")] for p in paragraphs(text)],
                "more": labels(lang)["more"],
            }
        )
    # Each image once, its alt text in the primary language and the other languages' descriptions as a caption.
    primary = site.languages[0]
    figures = []
    for image in r.images:
        alt, alt_lang = pick(image.alt, primary, site.languages)
        captions = [
            {"lang": lang, "text": image.alt[lang]}
            for lang in site.languages
            if lang != alt_lang and image.alt.get(lang)
        ]
        figures.append({"src": root + image.file, "alt": alt, "lang": alt_lang, "captions": captions})
    posted = []
    for platform in sorted(r.posted):
        name = _display_name(platform)
        # Only https addresses become links: a platform's answer or an edited record could hold javascript:.
        for url in filter(None, map(https_only, r.posted[platform])):
            posted.append(
                {
                    "platform": name,
                    "url": url,
                    "text": [
                        {"lang": lang, "text": labels(lang)["view_on"].format(platform=name)} for lang in site.languages
                    ],
                }
            )
    retraction = None
    if r.retracted:
        retraction = {
            "time": r.retracted,
            "notes": [
                {
                    "lang": lang,
                    "text": labels(lang)["retracted_note"].format(date=display_time(r.retracted, lang, site.timezone)),
                }
                for lang in site.languages
            ],
            "reason": r.retract_reason or "",
        }
    expiry = None
    if is_expired(site, r) and r.expires:
        expiry = {
            "time": r.expires,
            "notes": [
                {
                    "lang": lang,
                    "text": labels(lang)["expired_note"].format(date=display_time(r.expires, lang, site.timezone)),
                }
                for lang in site.languages
            ],
        }
    return {
        **_summary(site, r, root),
        "expiry": expiry,
        "sections": sections,
        "figures": figures,
        "link": https_only(r.link),
        "hashtags": list(r.hashtags),
        "coordinator": r.coordinator.name,
        "approver": r.approver.name if r.approver else None,
        "posted": posted,
        "retraction": retraction,
    }


def index_page(site: Site, env: Environment, records: Iterable[Record]) -> bytes:
    """The front page: recent announcements, the departments and the feeds."""
    rs = ordered(records)
    counts: dict[str, int] = {}
    for r in rs:
        counts[r.department] = counts.get(r.department, 0) + 1
    departments = [
        {
            "slug": slug,
            "href": f"{slug}/index.html",
            "names": _names(site.departments.get(slug, {slug: slug}), site),
            "count": n,
        }
        for slug, n in sorted(counts.items(), key=lambda kv: site.department_name(kv[0], site.languages[-1]))
    ]
    context = {
        "site": _site_context(site, ""),
        "page": {"heading": _site_context(site, "")["title"], "feeds": _feed_links(site, "", None)},
        "announcements": [_summary(site, r, "") for r in rs[:RECENT]],
        "departments": departments,
    }
    return render(env, "index.html", context)


def department_page(site: Site, env: Environment, department: str, records: Iterable[Record]) -> bytes:
    """One department's page: all its announcements (retracted ones marked) and its feeds."""
    rs = ordered(r for r in records if r.department == department)
    root = "../"
    context = {
        "site": _site_context(site, root),
        "page": {
            "slug": department,
            "heading": [{"lang": lang, "text": site.department_name(department, lang)} for lang in site.languages],
            "feeds": _feed_links(site, root, department),
        },
        "announcements": [_summary(site, r, root) for r in rs],
    }
    return render(env, "department.html", context)


def announcement_page(site: Site, env: Environment, record: Record) -> bytes:
    """One announcement's page, in every language, with where else it was posted and who answers for it."""
    root = "../"
    context = {
        "site": _site_context(site, root),
        "page": {"feeds": _feed_links(site, root, record.department)},
        "a": _announcement(site, record, root),
    }
    return render(env, "announcement.html", context)


def accountability_page(site: Site, env: Environment, heads: Sequence[Mapping[str, Any]]) -> bytes:
    """The audit log's published heads, one line each, oldest first (``ledger-heads.json`` as a page)."""
    root = ""
    words = {lang: labels(lang) for lang in site.languages}
    lines = []
    for head in heads:
        moment = str(head["time"]).replace("Z", "+00:00")
        lines.append(
            {
                "time": moment,
                "time_text": display_time(moment, site.languages[0], site.timezone),
                "entries": [
                    {"lang": lang, "text": words[lang]["ledger_entries"].format(count=head["entries"])}
                    for lang in site.languages
                ],
                "sha256": head["sha256"],
            }
        )
    context = {
        "site": _site_context(site, root),
        "page": {
            "heading": [{"lang": lang, "text": words[lang]["accountability"]} for lang in site.languages],
            "intro": [{"lang": lang, "text": words[lang]["ledger_intro"]} for lang in site.languages],
            "feeds": _feed_links(site, root, None),
        },
        "heads": lines,
    }
    return render(env, ACCOUNTABILITY_PAGE, context)


# -- the whole site -----------------------------------------------------------------------------------
def build(site: Site, env: Environment, records: Sequence[Record], *, only: str | None = None) -> dict[str, bytes]:
    """Every output as {path: bytes}; with ``only`` (an announcement id), just what that announcement touches:
    its page, its department's page and feeds, and the organisation's."""
    by_id = {r.id: r for r in records}
    if only is not None:
        if only not in by_id:
            raise KeyError(only)
        pages = [by_id[only]]
        departments = {by_id[only].department}
    else:
        pages = list(records)
        departments = {r.department for r in records}
    out: dict[str, bytes] = {"index.html": index_page(site, env, records)}
    for lang in site.languages:
        atom, jsonf = feed_paths(lang)
        out[atom] = atom_feed(site, records, lang)
        out[jsonf] = json_feed(site, records, lang)
    for dept in sorted(departments):
        mine = [r for r in records if r.department == dept]
        out[f"{dept}/index.html"] = department_page(site, env, dept, mine)
        for lang in site.languages:
            atom, jsonf = feed_paths(lang, dept)
            out[atom] = atom_feed(site, mine, lang, dept)
            out[jsonf] = json_feed(site, mine, lang, dept)
    for r in pages:
        out[r.page] = announcement_page(site, env, r)
    return out


def _display_name(platform: str) -> str:
    """How people call a platform ("X"); a record may name one that is no longer installed."""
    from pmcpost.errors import UsageError
    from pmcpost.platforms.registry import description

    try:
        return description(platform).display_name
    except UsageError:
        return platform.capitalize()
