"""`pmcpost retract`: delete an announcement's posts on every platform and record why."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from pmcpost.audit import AuditLog
from pmcpost.config import Config
from pmcpost.errors import EXIT_OK, EXIT_PROBLEMS, PmcpostError, UsageError
from pmcpost.output import confirm, console, is_interactive


def run(
    config: Config,
    announcement_id: str,
    *,
    platforms: Sequence[str] | None,
    reason: str,
    assume_yes: bool,
    wait: float,
    environ: Mapping[str, str] | None = None,
) -> int:
    """Stop an announcement (everywhere, or on ``platforms``) and delete what of it is live there.

    The stop is written first, so a later publish never posts it even when a deletion fails; a second run
    deletes what the first left live. Allowed before anything was posted."""
    from pmcpost.lock import publish_lock

    environ = os.environ if environ is None else environ
    con = console()
    with publish_lock(config.root, wait):
        from pmcpost.fold import read_ledger

        state = read_ledger(config)
        known = state.platforms_of(announcement_id)
        if not known and announcement_id not in state.retractions and not _in_content(config, announcement_id):
            raise UsageError(
                f"{announcement_id!r} is neither an announcement in {config.paths.content} nor in the audit log"
            )
        chosen = sorted(known if not platforms else set(platforms))
        # What is still up: every part posted and not deleted (a retraction may have stopped half way).
        targets = {p: live for p in chosen if (live := state.get(announcement_id, p).live)}
        stop_platforms = [p for p in chosen if not state.get(announcement_id, p).retracted] if platforms else []
        stop_all = not platforms and announcement_id not in state.retractions
        if not targets and not stop_all and not stop_platforms:
            con.print(f"{announcement_id} is already retracted and none of its posts is live.", markup=False)
            return EXIT_OK
        if stop_all:
            con.print(f"{announcement_id}: will never be posted anywhere again", markup=False)
        for platform in stop_platforms:
            con.print(f"{announcement_id}: will never be posted on {platform} again", markup=False)
        for platform, live in sorted(targets.items()):
            urls = [r.get("url") or r.get("id") or f"post {i + 1}" for i, r in sorted(live.items())]
            con.print(f"{announcement_id} on {platform}: delete {', '.join(urls)}", markup=False)
        if not assume_yes:
            if not is_interactive(sys.stdin):
                raise UsageError("not on a terminal, so nothing is retracted without --yes")
            if not confirm("Delete these posts?" if targets else "Stop it?"):
                return EXIT_OK
        from pmcpost import gitutil
        from pmcpost.audit_sign import run_signer
        from pmcpost.ci import in_ci

        strict = in_ci(environ)
        log = AuditLog(config.audit_dir, signer=run_signer(config.audit, environ, strict=strict, warn=con.print))
        run_id = uuid.uuid4().hex[:16]
        actor = gitutil.actor(environ)
        stop = {
            "event": "retracted",
            "run": run_id,
            "announcement": announcement_id,
            "department": announcement_id.split("/")[0],
            "actor": actor,
            "reason": reason,
        }
        # The stop comes first and is durable before any deletion: whatever fails below, nothing more goes out.
        if stop_all:
            log.append(stop)
        for platform in stop_platforms:
            log.append({**stop, "platform": platform})
        if not targets:
            con.print(f"retracted: {announcement_id} (nothing of it was live)", markup=False)
        failed = False
        for platform, live in sorted(targets.items()):
            if not _delete(config, environ, log, {**stop, "platform": platform}, live, reason):
                failed = True
        for platform in chosen:
            # An intent without a sure outcome: the post may be out, and no later run will look it up now.
            for part in sorted(state.get(announcement_id, platform).pending):
                con.print(
                    f"check by hand: post {part + 1} of {announcement_id} on {platform} may have gone out "
                    "(its outcome was never recorded); delete it there if it did",
                    markup=False,
                )
                failed = True
        from pmcpost.platforms.registry import enabled_with

        for spec, publish_log_head in enabled_with(config, "publishes_log_head"):
            try:  # the public record of the log's head (the website's), as after a publish
                publish_log_head(config)
            except PmcpostError as exc:
                con.print(f"error: the audit log's head was not published on {spec.display_name}: {exc}", markup=False)
                failed = True
    return EXIT_PROBLEMS if failed else EXIT_OK


def _in_content(config: Config, announcement_id: str) -> bool:
    from pmcpost.content import YAML_SUFFIXES

    return any((config.content_dir / f"{announcement_id}{suffix}").is_file() for suffix in YAML_SUFFIXES)


def _delete(
    config: Config,
    environ: Mapping[str, str],
    log: AuditLog,
    base: dict[str, Any],
    live: dict[int, dict[str, Any]],
    reason: str,
) -> bool:
    """Delete the live parts on one platform, last part first; whether all of them are gone."""
    from pmcpost.platforms.registry import create_platform

    con = console()
    platform, announcement_id = base["platform"], base["announcement"]
    try:
        adapter = create_platform(platform, config, environ)
    except PmcpostError as exc:
        con.print(f"failed: {platform}: {exc}", markup=False)
        return False
    ok = True
    try:
        # Last part first, so a thread never shows replies without the post it answers.
        for part in sorted(live, reverse=True):
            remote = live[part]
            if not remote.get("id"):  # recorded from X's refusal of a repeat: no id to delete by
                con.print(f"failed: {platform} post {part + 1} has no known id; delete it by hand", markup=False)
                ok = False
                continue
            log.append({**base, "event": "retract-intent", "part": part, "remote": remote})
            try:
                adapter.delete(remote["id"], reason)
            except PmcpostError as exc:
                log.append(
                    {**base, "event": "failed", "part": part, "remote": remote, "error": f"retraction failed: {exc}"}
                )
                con.print(f"failed: {platform} post {remote.get('url') or remote['id']}: {exc}", markup=False)
                ok = False
                break
            log.append({**base, "event": "retracted", "part": part, "remote": remote})
    finally:
        adapter.close()
    if ok:
        con.print(f"retracted: {announcement_id} on {platform}", markup=False)
    else:
        con.print(
            f"{announcement_id} stays stopped on {platform}, but some of its posts are still live: "
            f"run pmcpost retract {announcement_id} again to delete them",
            markup=False,
        )
    return ok
