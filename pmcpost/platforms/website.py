"""The website channel: Atom and JSON feeds and a static HTML archive, written into a folder (``public/``).

Posting keeps a small JSON record per announcement under ``website-records/`` in the repository (outside the
served folder: the records name people and source paths, which are not for the public) and rebuilds, from all
records, the outputs that announcement touches (``pmcpost.site`` makes the bytes). Every file is written
atomically and only when its bytes change, so a reader never sees half a feed and a rerun rewrites nothing.
It needs no credentials.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar

from pmcpost import site
from pmcpost.audit import utc_now
from pmcpost.errors import PlatformError
from pmcpost.platforms import AccountInfo, Message, RemotePost

if TYPE_CHECKING:
    from jinja2 import Environment

    from pmcpost.config import Config, PlatformConfig
    from pmcpost.content import Announcement

DEFAULT_OUTPUT = "public"
# The records the site is built from, in the repository but never in the served folder.
RECORDS_FOLDER = "website-records"


def linked_platforms() -> tuple[str, ...]:
    """Where else an announcement's page links to (each platform's description says; the publisher posts
    there first)."""
    from pmcpost.platforms.registry import descriptions

    return tuple(spec.name for spec in descriptions() if spec.linked_from_website)


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` atomically (temp file in the same folder, fsync, rename) unless the file
    already holds exactly these bytes. Returns whether it wrote."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)  # mkstemp makes 0600 files; a web server must be able to read them
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


def records_folder(config: Config) -> Path:
    """Where the website's records are kept: ``website-records/`` in the repository (committed, not served)."""
    from pmcpost.confine import inside_repository

    return inside_repository(config.root, config.root / RECORDS_FOLDER, f"{RECORDS_FOLDER}/")


def migrate_records(config: Config, output: Path) -> list[str]:
    """Move records an earlier version kept in the served folder (``<output>/.records/``) to
    ``records_folder``; a record already there wins. Returns the announcement ids moved."""
    old = output / site.RECORDS_DIR
    if not old.is_dir():
        return []
    new = records_folder(config)
    moved = []
    for path in sorted(old.glob("*/*.json")):
        target = new / path.relative_to(old)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(path, target)
            moved.append(path.relative_to(old).with_suffix("").as_posix())
    shutil.rmtree(old)
    return moved


def rebuild_site(config: Config) -> list[str]:
    """`pmcpost site build`: every page and feed again from the records, as of now (expired announcements
    marked), links to the other platforms refreshed from the audit log. Returns the paths written."""
    from pmcpost.errors import UsageError

    settings = config.platforms.get("website")
    if settings is None or not settings.enabled:
        raise UsageError("the website is not enabled in config.yaml (platforms.website.enabled)")
    return WebsitePlatform(settings, config, {}).rebuild()


def output_folder(config: Config, settings: PlatformConfig) -> Path:
    """Where the site is written: ``platforms.website.output`` in the repository (``public/`` by default)."""
    from pmcpost.confine import inside_repository

    output = config.root / str(settings.options.get("output") or DEFAULT_OUTPUT)
    return inside_repository(config.root, output, "the website's output folder")


class WebsitePlatform:
    """Publishes to the static site in ``platforms.website.output`` (``public/`` by default)."""

    name: ClassVar[str] = "website"

    def __init__(
        self,
        settings: PlatformConfig,
        config: Config,
        environ: Mapping[str, str],
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.settings = settings
        self.config = config
        self.clock = clock
        self.output = output_folder(config, settings)
        self.records = records_folder(config)
        self.site = site.site_from_config(config, settings)
        self._migrated = False
        self._env: Environment | None = None

    # -- the Platform protocol ---------------------------------------------------------------------------
    def check_credentials(self) -> AccountInfo:
        """Nothing to check: says where the site goes."""
        root = self.config.root
        where = self.output.relative_to(root).as_posix() if self.output.is_relative_to(root) else str(self.output)
        return AccountInfo(name=self.site.base_url or where, details={"output": where})

    def post(self, message: Message, index: int, reply_to: RemotePost | None) -> RemotePost:
        """Record the announcement and rebuild what it touches. The site takes the whole announcement at once,
        so every part index gives the same page."""
        announcement = message.announcement.for_platform(self.name)
        existing = self._read_record(announcement.id)
        record = self._record(announcement, existing)
        self._write_record(record)
        try:
            self._rebuild(only=record.id)
        except BaseException:
            # The pages could not be built: take the record back, so find_existing does not report as
            # published what no reader can see, and the next run tries again.
            if existing is None:
                self._record_file(record.id).unlink(missing_ok=True)
            else:
                self._write_record(existing)
            raise
        return self._remote(record)

    def delete(self, remote_id: str, reason: str) -> None:
        """Retract: the entry leaves the feeds and its page says it was retracted, when and why."""
        existing = self._read_record(remote_id)
        if existing is None:
            raise PlatformError(f"the website has no announcement {remote_id!r} to retract")
        if existing.retracted is None:  # retracting twice keeps the first time and reason
            when = self.clock().astimezone(self.config.organisation.tz).isoformat(timespec="seconds")
            self._write_record(replace(existing, retracted=when, retract_reason=reason))
        self._rebuild(only=remote_id)

    def find_existing(self, message: Message, index: int, since: datetime) -> RemotePost | None:
        """The announcement's page when the site holds it (and it is not retracted)."""
        record = self._read_record(message.announcement.id)
        if record is None or record.retracted is not None:
            return None
        return self._remote(record)

    def close(self) -> None:
        """Nothing is held open between calls."""

    # -- more than the protocol ------------------------------------------------------------------------
    def rebuild(self) -> list[str]:
        """Rebuild every output from the records (after a template or config change), refreshing the links
        to the posts elsewhere from the audit log. Returns the paths written (unchanged files are not)."""
        links = _posted_links_all(self.config)
        for record in self._all_records():
            fresh = links.get(record.id, {})
            if dict(record.posted) != fresh:
                self._write_record(replace(record, posted=fresh))
        return self._rebuild(only=None)

    # -- records -----------------------------------------------------------------------------------------
    def _remote(self, record: site.Record) -> RemotePost:
        return RemotePost(id=record.id, url=self.site.url(record.page))

    def _migrate(self) -> None:
        if not self._migrated:
            migrate_records(self.config, self.output)
            self._migrated = True

    def _record_file(self, announcement_id: str) -> Path:
        if not site.ANNOUNCEMENT_ID_RE.match(announcement_id):
            raise PlatformError(f"{announcement_id!r} is not an announcement id (department/YYYY-MM-DD-slug)")
        self._migrate()
        return self.records / f"{announcement_id}.json"

    def _read_record(self, announcement_id: str) -> site.Record | None:
        path = self._record_file(announcement_id)
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        return _parse_record(path, data)

    def _all_records(self) -> list[site.Record]:
        self._migrate()
        folder = self.records
        if not folder.is_dir():
            return []
        return [_parse_record(p, p.read_bytes()) for p in sorted(folder.glob("*/*.json"))]

    def _write_record(self, record: site.Record) -> None:
        write_if_changed(self._record_file(record.id), site.record_bytes(record))

    def _record(self, a: Announcement, existing: site.Record | None) -> site.Record:
        """The record for ``a``: its images copied into the site, its links from the audit log."""
        tz = self.config.organisation.tz
        images = []
        for number, media in enumerate(a.media, start=1):
            source = self.config.root / media.path
            target = site.media_file(a.id, number, media.path)
            try:
                data = source.read_bytes()
            except OSError as exc:
                raise PlatformError(f"cannot read the image {media.path}: {exc.strerror}") from None
            write_if_changed(self.output / target, data)
            images.append(site.ImageRef(media.path, target, media.mime, len(data), dict(media.alt)))
        published = a.publish_at.astimezone(tz).isoformat(timespec="seconds")
        coordinator = self.config.person(a.coordinator)
        approver = self.config.person(a.approved_by) if a.approved_by else None
        record = site.Record(
            id=a.id,
            department=a.department,
            kind=a.kind,
            title=dict(a.title),
            text=dict(a.text),
            link=a.link,
            hashtags=tuple(a.hashtags),
            images=tuple(images),
            published=published,
            updated=published,
            coordinator=site.PersonRef(a.coordinator, coordinator.name if coordinator else a.coordinator),
            approver=site.PersonRef(a.approved_by, approver.name if approver else a.approved_by)
            if a.approved_by
            else None,
            posted=_posted_links(self.config, a.id),
            expires=a.expires_at.astimezone(tz).isoformat(timespec="seconds") if a.expires_at else None,
            went_out=(existing.went_out if existing is not None and existing.went_out else None)
            or self.clock().astimezone(tz).isoformat(timespec="seconds"),
        )
        if existing is not None:
            if existing.content_key() == record.content_key():
                record = replace(record, updated=existing.updated)
            else:  # the announcement changed since the site last had it: an update, dated now
                now = max(self.clock().astimezone(tz), datetime.fromisoformat(published))
                record = replace(record, updated=now.isoformat(timespec="seconds"))
        return record

    # -- outputs -----------------------------------------------------------------------------------------
    def _environment(self) -> Environment:
        if self._env is None:
            self._env = site.template_environment(self.config)
        return self._env

    def _rebuild(self, only: str | None) -> list[str]:
        # Built as of now: announcements past their expires_at are marked expired (kept, never removed).
        now = replace(self.site, now=self.clock())
        outputs = site.build(now, self._environment(), self._all_records(), only=only)
        written = []
        for rel, data in sorted(outputs.items()):
            try:
                if write_if_changed(self.output / rel, data):
                    written.append(rel)
            except OSError as exc:
                raise PlatformError(f"cannot write {rel} in the website folder: {exc.strerror}") from None
        return written


def _parse_record(path: Path, data: bytes) -> site.Record:
    try:
        return site.Record.from_json(json.loads(data))
    except (ValueError, KeyError, TypeError) as exc:
        raise PlatformError(f"the website record {path.name} is damaged ({exc}); restore it from git") from None


def _posted_links(config: Config, announcement_id: str) -> dict[str, tuple[str, ...]]:
    from pmcpost.fold import read_ledger

    state = read_ledger(config)
    out = {}
    for platform in linked_platforms():
        rec = state.get(announcement_id, platform)
        if rec.urls and not rec.retracted:
            out[platform] = tuple(rec.urls)
    return out


def _posted_links_all(config: Config) -> dict[str, dict[str, tuple[str, ...]]]:
    from pmcpost.fold import read_ledger

    state = read_ledger(config)
    out: dict[str, dict[str, tuple[str, ...]]] = {}
    linked = linked_platforms()
    for (announcement_id, platform), rec in state.records.items():
        if platform in linked and rec.urls and not rec.retracted:
            out.setdefault(announcement_id, {})[platform] = tuple(rec.urls)
    return out


def publish_log_head(config: Config) -> list[str]:
    """Append the audit log's head to the site's public record (``ledger-heads.json``, never dropping an older
    head) and rewrite the Accountability page from it; nothing when the website is off or the head is already
    the last one listed. Returns the paths written."""
    from pmcpost.audit_witness import HEADS_FILE, current_head, heads_bytes, parse_heads

    settings = config.platforms.get("website")
    if settings is None or not settings.enabled:
        return []
    head = current_head(config.audit_dir)
    if head is None:
        return []
    output = output_folder(config, settings)
    record = output / HEADS_FILE
    try:
        data = record.read_bytes()
    except FileNotFoundError:
        data = None
    # a damaged record is never overwritten: it is public evidence, restore it from git
    heads = parse_heads(data, f"the website's {HEADS_FILE}") if data is not None else []
    if heads and (heads[-1].entries, heads[-1].sha256) == (head.entries, head.sha256):
        return []
    heads.append(head)
    written = []
    try:
        if write_if_changed(record, heads_bytes(heads)):
            written.append(HEADS_FILE)
        page = site.accountability_page(
            site.site_from_config(config, settings), site.template_environment(config), [h.to_json() for h in heads]
        )
        if write_if_changed(output / site.ACCOUNTABILITY_PAGE, page):
            written.append(site.ACCOUNTABILITY_PAGE)
    except OSError as exc:
        raise PlatformError(f"cannot write {HEADS_FILE} in the website folder: {exc.strerror}") from None
    return written
