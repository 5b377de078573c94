"""`pmcpost retract`: delete an announcement's posts on every platform and record why."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Mapping, Sequence

from pmcpost.audit import AuditLog, read_state
from pmcpost.config import Config
from pmcpost.errors import EXIT_OK, EXIT_PROBLEMS, PmcpostError, UsageError
from pmcpost.output import console, is_interactive


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
    from pmcpost.lock import publish_lock
    from pmcpost.platforms.registry import create_platform

    environ = os.environ if environ is None else environ
    con = console()
    with publish_lock(config.root, wait):
        state = read_state(config.audit_dir)
        targets = {
            platform: rec
            for (aid, platform), rec in state.records.items()
            if aid == announcement_id and rec.posted and not rec.retracted and (not platforms or platform in platforms)
        }
        if not targets:
            raise UsageError(
                f"nothing of {announcement_id!r} is posted" + (" there" if platforms else "") + "; see pmcpost status"
            )
        for platform, rec in sorted(targets.items()):
            con.print(f"{announcement_id} on {platform}: {', '.join(rec.urls) or len(rec.posted)}", markup=False)
        if not assume_yes:
            if not is_interactive(sys.stdin):
                raise UsageError("not on a terminal, so nothing is retracted without --yes")
            from rich.prompt import Confirm

            if not Confirm.ask("Delete these posts?", console=con, default=False):
                return EXIT_OK
        from pmcpost import gitutil
        from pmcpost.audit_sign import run_signer

        strict = environ.get("CI", "").lower() in ("true", "1")
        log = AuditLog(config.audit_dir, signer=run_signer(config.audit, environ, strict=strict, warn=con.print))
        run_id = uuid.uuid4().hex[:16]
        actor = gitutil.actor(environ)
        failed = False
        for platform, rec in sorted(targets.items()):
            base = {
                "run": run_id,
                "announcement": announcement_id,
                "department": announcement_id.split("/")[0],
                "platform": platform,
                "actor": actor,
                "reason": reason,
            }
            try:
                adapter = create_platform(platform, config, environ)
            except PmcpostError as exc:
                con.print(f"failed: {platform}: {exc}", markup=False)
                failed = True
                continue
            try:
                # Last part first, so a thread never shows replies without the post they answer.
                for part in sorted(rec.posted, reverse=True):
                    remote = rec.posted[part]
                    if not remote.get("id"):  # recorded from X's refusal of a repeat: no id to delete by
                        con.print(
                            f"failed: {platform} post {part + 1} has no known id; delete it by hand", markup=False
                        )
                        failed = True
                        continue
                    log.append({**base, "event": "retract-intent", "part": part, "remote": remote})
                    try:
                        adapter.delete(remote["id"], reason)
                    except PmcpostError as exc:
                        log.append(
                            {
                                **base,
                                "event": "failed",
                                "part": part,
                                "remote": remote,
                                "error": f"retraction failed: {exc}",
                            }
                        )
                        con.print(f"failed: {platform} post {remote.get('url') or remote['id']}: {exc}", markup=False)
                        failed = True
                        break
                    log.append({**base, "event": "retracted", "part": part, "remote": remote})
                else:
                    con.print(f"retracted: {announcement_id} on {platform}", markup=False)
            finally:
                adapter.close()
        from pmcpost.platforms.website import publish_log_head

        try:  # the website's public record of the log's head, as after a publish
            publish_log_head(config)
        except PmcpostError as exc:
            con.print(f"error: the audit log's head was not published on the website: {exc}", markup=False)
            failed = True
    return EXIT_PROBLEMS if failed else EXIT_OK
