"""`pmcpost record`: settle, with evidence, what publish left open on a platform: a post handed over to be
made by hand (WhatsApp Channel, YouTube), or an intent whose answer was lost where the platform cannot look it
up (Telegram). ``--url`` records the post as made (by whom, when); ``--not-posted`` records that it was not, so
the next publish posts (or hands over) it again.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pmcpost.config import Config, Person
from pmcpost.errors import UsageError
from pmcpost.platforms.spec import PlatformSpec
from pmcpost.safetext import https_only

# Fields of the open intent an outcome repeats, so report and audit show see who answered for it.
_CARRIED = ("department", "kind", "coordinator", "approver", "content_sha256", "parts", "text_sha256", "commit")


@dataclass(frozen=True)
class Recorded:
    """What `record` wrote, for the command to say."""

    announcement: str
    platform: str
    parts: int
    posted: bool
    by: Person


def recorder(config: Config, by: str | None, environ: Mapping[str, str]) -> Person:
    """Who posted it by hand: ``--by`` (a person id in config.yaml), else the person whose email is git's
    user.email here."""
    if by:
        person = config.person(by)
        if person is None:
            raise UsageError(f"--by {by!r} is not a coordinator or cell member in config.yaml")
        return person
    email = environ.get("GIT_AUTHOR_EMAIL") or _git_email(config)
    found = [p for p in config.people.values() if email and p.email.casefold() == email.casefold()]
    if not found:
        raise UsageError(
            f"say who posted it with --by PERSON_ID: git's user.email ({email or 'not set'}) is no coordinator's "
            "or cell member's in config.yaml"
        )
    return found[0]


def _git_email(config: Config) -> str:
    from pmcpost.errors import GitError
    from pmcpost.gitutil import run_git

    try:
        proc = run_git(config.root, "config", "user.email", check=False)
    except GitError:
        return ""
    return proc.stdout.strip() if proc.returncode == 0 else ""


def run(
    config: Config,
    announcement_id: str,
    platform: str,
    *,
    urls: Sequence[str],
    not_posted: bool,
    reason: str | None,
    by: str | None,
    wait: float = 0,
    environ: Mapping[str, str] | None = None,
) -> Recorded:
    """Append the outcome of every open intent of ``announcement_id`` on ``platform``."""
    from pmcpost.audit import AuditLog
    from pmcpost.audit_sign import run_signer
    from pmcpost.ci import in_ci
    from pmcpost.fold import read_ledger
    from pmcpost.gitutil import actor
    from pmcpost.lock import publish_lock
    from pmcpost.output import console
    from pmcpost.platforms.registry import description

    environ = os.environ if environ is None else environ
    if bool(urls) == not_posted:
        raise UsageError("give the post's address with --url, or --not-posted with --reason")
    if not_posted and not (reason or "").strip():
        raise UsageError("--not-posted needs --reason: why it was not posted")
    for url in urls:
        if https_only(url) is None:
            raise UsageError(f"--url {url!r} is not an https:// address")
    person = recorder(config, by, environ)
    spec = description(platform)
    with publish_lock(config.root, wait):
        state = read_ledger(config)
        rec = state.get(announcement_id, platform)
        open_parts = sorted(rec.pending)
        if not open_parts:
            raise UsageError(
                f"{announcement_id} on {platform} has nothing awaiting a record: it was not handed over, or its "
                "outcome is already known (pmcpost status shows it)"
            )
        if urls and len(urls) != len(open_parts):
            raise UsageError(
                f"{announcement_id} on {platform} has {len(open_parts)} open posts "
                f"({', '.join(str(i + 1) for i in open_parts)}): give one --url for each, in order"
            )
        warn = console(stderr=True).print
        log = AuditLog(config.audit_dir, signer=run_signer(config.audit, environ, strict=in_ci(environ), warn=warn))
        run_id = uuid.uuid4().hex[:16]
        for n, part in enumerate(open_parts):
            intent = rec.pending[part]
            entry: dict[str, Any] = {
                "run": run_id,
                "announcement": announcement_id,
                "platform": platform,
                "part": part,
                "actor": actor(environ),
                "recorded_by": {"id": person.id, "name": person.name},
                **{k: intent[k] for k in _CARRIED if k in intent},
            }
            if isinstance(intent.get("time"), str):
                entry["handed_over"] = intent["time"]
            if urls:
                how = "posted by hand" if spec.by_hand else "found in the channel by hand"
                log.append(
                    {
                        **entry,
                        "event": "reconciled",
                        "by_hand": spec.by_hand,
                        "remote": {"id": _post_id(spec, urls[n]), "url": urls[n]},
                        "reason": f"{how}, recorded by {person.name}",
                    }
                )
            else:
                log.append(
                    {
                        **entry,
                        "event": "failed",
                        "error": f"not posted, recorded by {person.name}: {(reason or '').strip()}",
                    }
                )
        if urls and spec.by_hand:
            _tidy_handover(config, platform, announcement_id)
    return Recorded(announcement_id, platform, len(open_parts), bool(urls), person)


def _post_id(spec: PlatformSpec, url: str) -> str:
    """The id the address names, where the platform's links name one (so retract can delete it), else ""."""
    parse = spec.hook("id_from_url")
    found = parse(url) if parse is not None else None
    return found if isinstance(found, str) else ""


def _tidy_handover(config: Config, platform: str, announcement_id: str) -> None:
    """Posted: its handover folder is done with (the folder lists what still waits)."""
    import shutil

    from pmcpost.platforms.handover import handover_path

    folder = handover_path(config, config.platforms[platform], announcement_id)
    if folder.is_dir():
        shutil.rmtree(folder, ignore_errors=True)
