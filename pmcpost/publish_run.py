"""One `pmcpost publish` run: plan under the lock, show the plan, confirm, post, summarise, push the ledger."""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from pmcpost.collector import without_collector
from pmcpost.config import Config
from pmcpost.diagnostics import Diagnostic
from pmcpost.errors import EXIT_OK, EXIT_PROBLEMS, GitError, UsageError
from pmcpost.output import (
    Cell,
    confirm,
    console,
    is_interactive,
    is_plain,
    plain_lines,
    plural,
    print_left_out,
    show_table,
)
from pmcpost.plan import Plan, PlanItem
from pmcpost.publish import Outcome, PublishContext, Publisher
from pmcpost.safetext import visible

if TYPE_CHECKING:
    from pmcpost.audit_sign import Signer
    from pmcpost.gitutil import EarlyCommits


# A run makes tens of thousands of objects (announcements, plan items, audit fields, requests) and next to no
# cycles: the collector would walk them again and again for nothing (pmcpost.collector).
@without_collector
def run(
    config: Config,
    targets: Sequence[str],
    *,
    platforms: Sequence[str] | None,
    now: datetime,
    dry_run: bool,
    assume_yes: bool,
    wait: float,
    git_push: bool,
    skip_unconfigured: bool | None = None,
    environ: Mapping[str, str] | None = None,
    quota_now: datetime | None = None,
    show_posts: bool = False,
) -> int:
    """Returns the exit code: 0 when everything planned was posted (or skipped for lack of credentials) and
    nothing was newly missed. ``quota_now`` is the real time when ``now`` is a what-if time (dry runs only).
    ``skip_unconfigured`` None: skip platforms without credentials on a workstation, fail them in CI.
    ``show_posts``: after a real run, also show what the platforms skipped for lack of credentials would
    have got (their dry-run previews); the run always ends with a short summary."""
    from pmcpost.ci import skip_unconfigured as skip_default
    from pmcpost.missed import new_missed, print_missed
    from pmcpost.plan import build_plan
    from pmcpost.selection import select_files

    environ = os.environ if environ is None else environ
    skip_unconfigured = skip_default(skip_unconfigured, environ)
    files = select_files(config, targets) or []
    con = console()
    if dry_run:
        from pmcpost.output import preview

        plan, problems = build_plan(config, files, now, platforms=platforms, quota_now=quota_now)
        print_left_out(problems)
        print_missed(config, new_missed(plan), recorded=False)
        posts = sum(len(i.message.parts) for i in plan.to_post if i.message)
        con.print(
            f"Dry run as of {now:%Y-%m-%d %H:%M %Z}: {plural(posts, 'post')} for "
            f"{plural(len(plan.to_post), 'announcement/platform pair')} would go out; nothing is posted."
        )
        preview.print_text(config, plan.to_post, plan.now)
        _show_not_posted(config, plan)
        return EXIT_PROBLEMS if _has_errors(problems) or new_missed(plan) else EXIT_OK

    if not assume_yes and not is_interactive(sys.stdin):
        raise UsageError("not on a terminal, so nothing is posted without --yes (or use --dry-run to look first)")

    from pmcpost.gitutil import EarlyCommits
    from pmcpost.lock import publish_lock

    signer = _signer(config, environ, skip_unconfigured)  # a broken or missing key shows on every run
    # git reads who last changed the content while the plan is built (on another core); the entries name it
    with publish_lock(config.root, wait), EarlyCommits(config.root, config.content_dir) as early:
        # Plan inside the lock: another run may have just posted.
        plan, problems = build_plan(config, files, now, platforms=platforms)
        print_left_out(problems)
        _require_credentials(config, plan, environ, skip_unconfigured)
        run_id = uuid.uuid4().hex[:16]
        forge_error, proofs, held_written = _prove_approvals(config, plan, environ, signer, run_id)
        # Missed posts first: they are facts, recorded whatever this run goes on to post (or not).
        missed = new_missed(plan)
        if missed:
            _record_missed(config, missed, run_id, environ, signer)
            print_missed(config, missed, recorded=True)
        _show_not_posted(config, plan)
        if not plan.to_post:
            from pmcpost import jobsummary

            froze = False
            if plan.frozen:
                from pmcpost.audit import AuditLog
                from pmcpost.gitutil import actor
                from pmcpost.publish import record_freeze

                froze = record_freeze(AuditLog(config.audit_dir, signer=signer), plan, run_id, actor(environ))
            wrote = bool(missed) or froze or held_written
            head_failed = wrote and not _publish_head(config)
            if git_push and wrote:
                from pmcpost.gitutil import commit_and_push

                # pushed, so that the next job (a fresh clone) does not record them again; a run that wrote
                # nothing commits nothing
                commit_and_push(config.root, _pushed_paths(config), f"pmcpost: ledger of run {run_id} [skip ci]")
            jobsummary.write(environ, plan)
            con.print("Nothing is due to be posted.")
            _warn_tokens(config, now)
            _raise_forge_error(forge_error)
            return EXIT_PROBLEMS if _has_errors(problems) or missed or head_failed else EXIT_OK
        _show_plan(config, plan, environ, skip_unconfigured)
        if not assume_yes:
            dry = sum(1 for i in plan.to_post if skip_unconfigured and _unset_credentials(config, i.platform, environ))
            question = f"Post {plural(len(plan.to_post) - dry, 'item')} now?"
            if dry:
                question = question[:-1] + f" ({dry} more only as a dry run: no credentials)?"
            if not confirm(question):
                con.print("Nothing was posted.")
                return EXIT_PROBLEMS if missed else EXIT_OK
        ctx = _context(config, plan, environ, skip_unconfigured, signer, early)
        ctx.run_id = run_id
        ctx.backoff = plan.backoff
        ctx.now = plan.now
        ctx.proofs = proofs
        publisher = Publisher(ctx)
        if git_push:
            from pmcpost.gitutil import commit_and_push

            if publisher.write_intents(plan):
                try:
                    commit_and_push(config.root, [config.audit_dir], f"pmcpost: intents of run {ctx.run_id} [skip ci]")
                except GitError as exc:
                    _close_unpushed_intents(publisher, plan)
                    # no post before the intents are on the remote: a thrown-away runner would lose them
                    raise GitError(
                        f"nothing was posted, because the audit log's intents could not be pushed first: {exc}"
                    ) from None
        outcomes = _run_with_progress(publisher, plan)
        if show_posts:
            _show_skipped(config, outcomes, plan.now)
        _summary(config, outcomes)
        _warn_tokens(config, now)
        publisher.ctx.log.sync()
        head_failed = not _publish_head(config)
        if git_push:
            from pmcpost.gitutil import commit_and_push

            commit_and_push(config.root, _pushed_paths(config), f"pmcpost: outcomes of run {ctx.run_id} [skip ci]")
    from pmcpost import jobsummary

    jobsummary.write(environ, plan, outcomes)
    _closing(config, outcomes, shown=show_posts)
    _raise_forge_error(forge_error)
    failed = [o for o in outcomes if o.status in ("failed", "held")]
    return EXIT_PROBLEMS if failed or missed or head_failed or _has_errors(problems) else EXIT_OK


def _require_credentials(config: Config, plan: Plan, environ: Mapping[str, str], skip_unconfigured: bool) -> None:
    """In CI a missing secret of a platform with something to post stops the run once, before any intent:
    one clear message instead of a failed entry for every post on every run."""
    if skip_unconfigured:
        return
    missing: dict[str, list[str]] = {}
    for item in plan.to_post:
        unset = _unset_credentials(config, item.platform, environ)
        if unset:
            missing[item.platform] = unset
    if not missing:
        return
    from pmcpost.errors import CredentialsError

    said = "; ".join(f"{p} needs {', '.join(v)}" for p, v in sorted(missing.items()))
    names = ", ".join(sorted(missing))
    from pmcpost.words import plural

    n = sum(map(len, missing.values()))
    raise CredentialsError(
        f"nothing was posted and nothing was written to the audit log: {said}, which "
        f"{plural(n, 'is', 'are', count=False)} not set. Add the {plural(n, 'secret', count=False)} to the "
        f"publish job's env (or set platforms.<name>.enabled: false for {names} in config.yaml)"
    )


def _prove_approvals(
    config: Config, plan: Plan, environ: Mapping[str, str], signer: Signer | None, run_id: str
) -> tuple[str | None, dict[str, dict[str, object]], bool]:
    """With policy.approval_proof: github-review, hold every post whose approval GitHub does not prove (or
    cannot be asked about). Returns (GitHub's error, the proofs by content path, whether a held entry was
    written); a held entry is written only when its reason changed, so a waiting post adds no line per run."""
    if config.policy.approval_proof != "github-review":
        return None, {}, False
    # a thread already half posted was proven when it started
    todo = [i for i in plan.to_post if not i.record.posted]
    if not todo:
        return None, {}, False
    from pmcpost import forge

    error: str | None = None
    try:
        found = forge.proofs_for(config, [i.announcement for i in todo], environ)
    except forge.ForgeError as exc:
        error = str(exc)
        found = {i.announcement.path: f"GitHub could not be asked ({exc}); never posted without proof" for i in todo}
    proofs: dict[str, dict[str, object]] = {}
    held = []
    for item in todo:
        proof = found[item.announcement.path]
        if isinstance(proof, str):
            item.status, item.reason = "held", f"approval not proven: {proof}"
            held.append(item)
        else:
            proofs[item.announcement.path] = proof.as_entry()
    # GitHub's trouble is not the post's: the run fails and says so, but the log gets no line per failing run
    written = _record_holds(config, held, environ, signer, run_id) if error is None else False
    return error, proofs, written


def _record_holds(
    config: Config, held: Sequence[PlanItem], environ: Mapping[str, str], signer: Signer | None, run_id: str
) -> bool:
    from pmcpost.audit import AuditLog
    from pmcpost.gitutil import actor

    fresh = [i for i in held if i.record.held != i.reason]
    if not fresh:
        return False
    log = AuditLog(config.audit_dir, signer=signer)
    who = actor(environ)
    for item in fresh:
        log.append(
            {
                "event": "held",
                "run": run_id,
                **item.audit_fields(config),
                "actor": who,
                "reason": item.reason,
            }
        )
        item.record.held = item.reason
    log.sync()
    return True


def _raise_forge_error(error: str | None) -> None:
    if error is not None:
        from pmcpost.forge import ForgeError

        raise ForgeError(f"the approval of the due posts could not be proven, so they were held: {error}")


def _record_missed(
    config: Config, missed: Sequence[PlanItem], run_id: str, environ: Mapping[str, str], signer: Signer | None
) -> None:
    from pmcpost.audit import AuditLog
    from pmcpost.gitutil import actor
    from pmcpost.missed import record_missed

    log = AuditLog(config.audit_dir, signer=signer)
    record_missed(config, log, missed, run_id=run_id, actor=actor(environ))


def _publish_head(config: Config) -> bool:
    """The public record of the log's head (the website's); a failure there is reported, but the outcomes are
    still pushed (they are what prevents a double post)."""
    from pmcpost.errors import PmcpostError
    from pmcpost.platforms.registry import enabled_with

    ok = True
    for spec, publish_log_head in enabled_with(config, "publishes_log_head"):
        try:
            publish_log_head(config)
        except PmcpostError as exc:
            message = f"error: the audit log's head was not published on {spec.display_name}: {exc}"
            console(stderr=True).print(message, markup=False)
            ok = False
    return ok


def _close_unpushed_intents(publisher: Publisher, plan: Plan) -> None:
    """Give the intents that could not be pushed a ``held`` outcome: nothing was posted, so a later run on this
    machine plans afresh instead of having to look each part up on the platform first."""
    for item in plan.to_post:
        publisher.close_intents(item, "the audit log could not be pushed")
    publisher.ctx.log.sync()


def _has_errors(problems: Sequence[Diagnostic]) -> bool:
    return any(d.severity == "error" for d in problems)


def _pushed_paths(config: Config) -> list[Path]:
    """What a run commits: the audit log, and the folders platforms write (the website's pages, feeds and the
    log's public heads)."""
    from pmcpost.platforms.registry import enabled_with

    paths = [config.audit_dir]
    for spec, output_folder in enabled_with(config, "output_folder"):
        folder: Path = output_folder(config, config.platforms[spec.name])
        if folder.exists():
            paths.append(folder)
    from pmcpost.platforms.website import records_folder

    if records_folder(config).exists():  # what the website is built from, kept outside the served folder
        paths.append(records_folder(config))
    return paths


def _context(
    config: Config,
    plan: Plan,
    environ: Mapping[str, str],
    skip_unconfigured: bool,
    signer: Signer | None,
    early: EarlyCommits,
) -> PublishContext:
    from pmcpost.audit import AuditLog

    commits: dict[str, tuple[str, str, str]] = {}
    actor: dict[str, str] = {}
    try:
        from pmcpost import gitutil

        actor = gitutil.actor(environ)
        # each content path as the entries name it (relative to the root, with '/'), by the file git is asked of
        # (a string: a Path each cost more than git's answer for it)
        root = os.fspath(config.root)
        wanted = {os.path.join(root, p): p for p in {i.announcement.path for i in plan.to_post}}
        try:
            found = early.of(wanted)
        except UsageError:  # not in a git work tree: the entries name no commit
            found = {}
        for path, info in found.items():
            commits[wanted[path]] = (info.sha, info.author, info.email)
    except Exception as exc:  # git trouble must not stop posting; the entries just lack the commit
        console(stderr=True).print(
            f"warning: could not read git history ({type(exc).__name__}); audit entries will not name the commit"
        )
    _warn_authors(config, plan, commits)
    return PublishContext(
        config=config,
        log=AuditLog(config.audit_dir, signer=signer),
        environ=environ,
        actor=actor,
        commits=commits,
        skip_without_credentials=skip_unconfigured,
    )


def _signer(config: Config, environ: Mapping[str, str], skip_unconfigured: bool) -> Signer | None:
    from pmcpost.audit_sign import run_signer

    warn = console(stderr=True)
    return run_signer(config.audit, environ, strict=not skip_unconfigured, warn=lambda m: warn.print(m, markup=False))


def _warn_authors(config: Config, plan: Plan, commits: Mapping[str, tuple[str, str, str]]) -> None:
    """The person who last changed a file should be its coordinator or approver; say so when not."""
    said: list[str] = []
    seen: set[str] = set()
    for item in plan.to_post:
        a = item.announcement
        if a.path in seen or a.path not in commits:
            continue
        seen.add(a.path)
        _, name, email = commits[a.path]
        people = [config.person(p) for p in (a.coordinator, a.approved_by) if p]
        if not any(p and (p.email.lower() == email.lower() or p.name == name) for p in people):
            said.append(
                f"warning: {a.path} was last changed by {name} <{email}>, who is neither its coordinator "
                "nor its approver"
            )
    if not said:
        return
    # Names and addresses are git's, as anyone who commits wrote them: never markup, never a control character.
    shown = [visible(line, newlines=False) for line in said]
    if is_plain(sys.stderr):  # a log: one line each, as they are
        plain_lines(shown, sys.stderr)
    else:  # one print: hundreds of them cost more than the posts' bookkeeping
        console(stderr=True).print("\n".join(shown), markup=False, highlight=False)


def _show_not_posted(config: Config, plan: Plan) -> None:
    """Say why due things are not going out (held by quota, frozen, changed after posting ...)."""
    con = console(stderr=True)
    if plan.frozen:
        con.print(
            "[bold yellow]A freeze is on[/bold yellow]: nothing is posted unless it is exempted "
            f"(remove {config.policy.freeze_file} or set policy.freeze: false to lift it)."
        )
    for item in plan.with_status("held", "frozen", "unapproved", "changed", "error"):
        con.print(visible(f"{item.status}: {item.id} on {item.platform}: {item.reason}"), markup=False)


def _unset_credentials(config: Config, platform: str, environ: Mapping[str, str]) -> list[str]:
    return [v for v in config.platforms[platform].credentials.values() if not environ.get(v)]


def _show_plan(config: Config, plan: Plan, environ: Mapping[str, str], skip_unconfigured: bool) -> None:
    rows: list[list[Cell]] = []
    for item in plan.to_post:
        a = item.announcement
        person = config.person(a.coordinator)
        parts = len(item.message.parts) if item.message else 0
        unset = _unset_credentials(config, item.platform, environ)
        how = "post" if not unset else "dry run (no credentials)" if skip_unconfigured else "fails: no credentials"
        rows.append([a.id, item.platform, str(parts), a.kind, person.name if person else a.coordinator, how])
    _table("To post now", ("announcement", "platform", "posts", "kind", "answerable", "how"), rows)


def _table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Cell]]) -> None:
    """A table on a terminal; in CI logs plain lines, so URLs are never folded (they stay clickable) and
    hundreds of rows cost milliseconds, not a second of table layout."""
    show_table(title, columns, rows, plain_title=f"{title}:", plain_header=False, plain_indent="  ")


def _run_with_progress(publisher: Publisher, plan: Plan) -> list[Outcome]:
    if not is_plain(sys.stdout):
        from pmcpost.output import progress

        with progress("Posting", len(plan.to_post)) as advance:
            publisher.ctx.on_progress = lambda o: advance()
            return publisher.run(plan)

    def line(o: Outcome) -> None:
        if o.status == "skipped":
            return  # one line per platform at the end says why
        where = o.remotes[-1].url if o.remotes and o.ok else (o.error or "")
        plain_lines([visible(f"{o.status}: {o.item.id} on {o.item.platform} {where}".rstrip(), newlines=False)])

    publisher.ctx.on_progress = line
    return publisher.run(plan)


def _show_skipped(config: Config, outcomes: Sequence[Outcome], now: datetime) -> None:
    """For platforms skipped for lack of credentials, show what they would have got (a dry run)."""
    skipped = [o.item for o in outcomes if o.status == "skipped"]
    if not skipped:
        return
    from pmcpost.output import preview

    names = sorted({i.platform for i in skipped})
    console().print(f"\nDry run for {', '.join(names)} (no credentials set, nothing posted there):")
    preview.print_text(config, skipped, now)


def _warn_tokens(config: Config, now: datetime) -> None:
    """Tokens that expire within two weeks (Instagram, Threads): said after the summary, every run."""
    from pmcpost.token_expiry import expiring

    for token in expiring(config, now.astimezone(config.organisation.tz).date()):
        console().print(f"warning: {token.said()}", markup=False)


def _summary(config: Config, outcomes: Sequence[Outcome]) -> None:
    """What happened to each post, skipped ones left to the closing lines (one line per platform there). In a log
    (plain output) each outcome already has its line from _run_with_progress: the table then lists only what
    did not go out, rather than every post a second time."""
    listed = is_plain(sys.stdout)
    rows: list[list[Cell]] = []
    for o in outcomes:
        if o.status == "skipped" or (listed and o.ok):
            continue
        detail = ", ".join(r.url for r in o.remotes) if o.ok else (o.error or "")
        colour = {"posted": "green", "reconciled": "green", "held": "yellow"}.get(o.status, "red")
        colour = "yellow" if o.status == "handed over" else colour
        rows.append([o.item.id, o.item.platform, (o.status, colour), detail])
    if rows:
        title = "Not posted" if listed else "Summary"
        _table(title, ("announcement", "platform", "result", "link or error"), rows)
    counts: dict[str, int] = {}
    for o in outcomes:
        counts[o.status] = counts.get(o.status, 0) + 1
    console().print(", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing done")


def _closing(config: Config, outcomes: Sequence[Outcome], *, shown: bool) -> None:
    """The last lines of a run: what went out where, what was skipped and why, and what to run next."""
    by: dict[str, dict[str, int]] = {}
    for o in outcomes:
        by.setdefault(o.status, {})
        by[o.status][o.item.platform] = by[o.status].get(o.item.platform, 0) + 1

    def where(status: str) -> str:
        return ", ".join(f"{plural(n, 'announcement')} on {p}" for p, n in by.get(status, {}).items())

    lines = ["", "Done."]
    for status, label in (("posted", "Went out"), ("reconciled", "Found already out"), ("held", "Held back")):
        if status in by:
            lines.append(f"  {label}: {where(status)}.")
    if "failed" in by:
        lines.append(f"  Failed: {where('failed')} (the errors are above; the next run tries again).")
    skipped = sorted(by.get("skipped", {}))
    why = {o.item.platform: o.error or "" for o in outcomes if o.status == "skipped"}
    for platform in skipped:
        lines.append(f"  Skipped: {plural(by['skipped'][platform], 'announcement')} on {platform}: {why[platform]}.")
    lines.append("Next:")
    if skipped and not shown:
        lines.append("  pmcpost preview --platform " + " --platform ".join(skipped) + "   what they would get")
    if skipped:
        lines.append("  pmcpost doctor   which credentials to set, and what to do with audit/ and the website files")
    if "posted" in by or "reconciled" in by:
        folders = [config.audit_dir]
        if "website" in by.get("posted", {}) or "website" in by.get("reconciled", {}):
            from pmcpost.platforms.website import output_folder, records_folder

            folders += [output_folder(config, config.platforms["website"]), records_folder(config)]
        paths = " ".join(
            f.relative_to(config.root).as_posix() + "/" for f in folders if f.is_relative_to(config.root) and f.exists()
        )
        lines.append(f"  git add {paths} && git commit   keep the record of what went out")
    lines.append("  pmcpost status   what is scheduled, due, posted or missed")
    plain_lines(lines)
