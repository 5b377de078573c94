"""The command line: parses options, calls plain functions in the core modules, maps errors to exit codes.

Core modules are imported inside each command so that `pmcpost --help` stays fast and commands that do
not post never import a network client.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pmcpost import __version__
from pmcpost.errors import EXIT_INTERNAL, EXIT_PROBLEMS, EXIT_USAGE, ConfigError, PmcpostError

if TYPE_CHECKING:
    from pmcpost.config import Config

F = TypeVar("F", bound=Callable[..., Any])
FORMATS_DIAG = click.Choice(["text", "json", "github"])


class State:
    """What the top-level options say; commands load config through it, once."""

    def __init__(self, root: Path | None) -> None:
        self.root_option = root
        self._config: Config | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from pmcpost.config import find_root, load_config

            root = self.root_option.resolve() if self.root_option else find_root(Path.cwd())
            self._config = load_config(root)
        return self._config


pass_state = click.make_pass_decorator(State)


def _report_error(exc: PmcpostError) -> int:
    from pmcpost.output import print_diagnostics

    if isinstance(exc, ConfigError) and exc.diagnostics:
        from pmcpost.words import plural

        print_diagnostics(exc.diagnostics, sys.stderr)
        click.echo(
            f"pmcpost: {exc} ({plural(len(exc.diagnostics), 'problem')}); fix config.yaml and run again", err=True
        )
    else:
        from pmcpost.credentials import scrub
        from pmcpost.safetext import visible

        click.echo(f"pmcpost: error: {visible(scrub(str(exc)))}", err=True)
    return exc.exit_code


def write_crash_log() -> str | None:
    """The current exception's traceback, secrets scrubbed, in a new private file (0600, created
    exclusively, a unique name in the temporary folder); its path, or None when it cannot be written."""
    import tempfile
    import traceback

    from pmcpost.credentials import scrub

    text = scrub(traceback.format_exc())
    try:
        fd, path = tempfile.mkstemp(prefix="pmcpost-crash-", suffix=".log")
        with os.fdopen(fd, "w", encoding="utf-8", errors="backslashreplace") as fh:
            fh.write(text)
    except OSError:
        return None
    return path


class PmcpostGroup(click.Group):
    """Turns our exceptions into messages and exit codes in one place (Ctrl-C is 130)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except PmcpostError as exc:
            ctx.exit(_report_error(exc))
        except KeyboardInterrupt:
            click.echo("pmcpost: interrupted", err=True)
            ctx.exit(130)
        except (click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except BrokenPipeError:
            ctx.exit(EXIT_PROBLEMS)
        except Exception as exc:  # an unexpected crash is our bug, not the user's: say so, exit 3
            log = write_crash_log()
            where = f"; details in {log}" if log else ""
            click.echo(
                f"pmcpost: internal error ({type(exc).__name__}){where}. Please report it to the social media cell.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=PmcpostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmcpost")
@click.option(
    "--root",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="The content repository (default: the folder holding config.yaml, found by walking up).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """Publish the Pune Municipal Corporation's announcements to X, Facebook and the website.

    Announcements are YAML files under content/<department>/; config.yaml registers departments, their
    coordinators and the platforms. Exit codes: 0 ok, 1 problems found, 2 usage error, 3 internal error.
    """
    ctx.obj = State(root)


def _parse_moment(ctx: click.Context, param: click.Parameter, value: str | None) -> Any:
    """--now, read by pmcpost.moments (the one reader of typed times)."""
    from pmcpost.moments import MomentError, parse_now

    try:
        return parse_now(value)
    except MomentError as exc:
        raise click.BadParameter(str(exc)) from None


def _now(config: Config, moment: Any) -> Any:
    from pmcpost.moments import resolve_now

    return resolve_now(moment, config.organisation.tz)


def _platform_option(f: F) -> F:
    return click.option(
        "--platform",
        "platforms",
        multiple=True,
        metavar="NAME",
        help="Only this platform (a name under platforms: in config.yaml); may be repeated.",
    )(f)


def _check_platforms(config: Config, platforms: tuple[str, ...]) -> list[str] | None:
    for p in platforms:
        if p not in config.platforms:
            raise click.BadParameter(
                f"unknown platform {p!r}; configured: {', '.join(config.platforms)}", param_hint="--platform"
            )
    return list(platforms) or None


@cli.command()
@click.argument("paths", nargs=-1, metavar="[PATH|ID]...")
@click.option(
    "--format",
    "fmt",
    type=FORMATS_DIAG,
    default="text",
    show_default=True,
    help="text for people, json for programs, github for GitHub Actions annotations.",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    default=None,
    help="Processes to use for large sets (default: the machine's cores).",
)
@click.option(
    "--changed-since",
    metavar="REF",
    help="Check only what changed since this git ref (all when config.yaml or a template changed).",
)
@click.option(
    "--now",
    "moment",
    callback=_parse_moment,
    metavar="TIME",
    help="Judge publish_at/expires_at of the files named or changed as of this time (default: now).",
)
@pass_state
def validate(
    state: State, paths: tuple[str, ...], fmt: str, jobs: int | None, changed_since: str | None, moment: Any
) -> None:
    """Check announcement files (all under content/ by default) and config.yaml.

    Every problem in every file is reported as path:line:col: severity: message. The files named or changed
    are also checked for being on time: a past publish_at is a warning, a past expires_at an error.
    """
    global _nothing_to_collect
    # Checking makes next to no garbage cycles (a few hundred objects for 20,000 files), so the cyclic collector
    # stays off for the whole command: it would otherwise walk the growing set of objects dozens of times while
    # the configuration and the templates load, and once more over every result at the end. The process exits
    # right after (see main), and a slice whose templates failed is still collected (pmcpost.validate).
    collecting = gc.isenabled()
    gc.disable()
    try:
        from pmcpost import validate_run
        from pmcpost.config import find_root
        from pmcpost.output.validate import render

        root = state.root_option.resolve() if state.root_option else find_root(Path.cwd())
        outcome = validate_run.run(root, os.environ, paths, changed_since=changed_since, jobs=jobs, moment=moment)
        render(outcome, fmt)
        _nothing_to_collect = True
    finally:
        if collecting and not _whole_process:  # run inside another program (a test): leave the collector as it was
            gc.enable()
    if outcome.failed:
        sys.exit(EXIT_PROBLEMS)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of an announcement file (for editors and check-jsonschema)."""
    from pmcpost.schema import schema_json

    click.echo(schema_json())


@cli.command()
@click.argument("department", required=False)
@click.option("--coordinator", help="Your coordinator id (default: the department's first coordinator).")
@click.option("--slug", help="Short lower-case name for the file, e.g. water-cut-kothrud.")
@click.option("--date", "day", help="The day it goes out, YYYY-MM-DD (default: tomorrow).")
@click.option(
    "--kind",
    type=click.Choice(["alert", "notice", "scheme", "project", "event"]),
    help="alert, notice, scheme, project or event  [default: notice]",
)
@pass_state
def new(
    state: State, department: str | None, coordinator: str | None, slug: str | None, day: str | None, kind: str | None
) -> None:
    """Create a new announcement file with every key shown and explained.

    On a terminal, with no department and no options, it asks for each part in turn, checks each answer, and
    writes a file that validates (approved_by is left for the approver)."""
    from pmcpost.output import is_interactive
    from pmcpost.scaffold import create_announcement

    if department is None:
        config = state.config
        if coordinator or slug or day or kind or not (is_interactive(sys.stdin) and is_interactive(sys.stdout)):
            raise click.UsageError(
                f"name the DEPARTMENT (registered: {', '.join(sorted(config.departments))}); "
                "or run pmcpost new on a terminal with no options to be asked"
            )
        from pmcpost.guided import create_guided
        from pmcpost.output.new import TerminalAsker, render_created

        rel, problems = create_guided(config, TerminalAsker(), _now(config, None))
        render_created(rel, problems)
        if problems:
            sys.exit(EXIT_PROBLEMS)
        return
    path = create_announcement(
        state.config, department, coordinator=coordinator, slug=slug, day=day, kind=kind or "notice"
    )
    click.echo(f"created {path}")
    click.echo("Replace every <<...>> placeholder with your own words, then run: pmcpost validate " + path)
    click.echo("Then open a pull request and ask for approval as the file says.")


@cli.group()
def audit() -> None:
    """Check and search the audit log (audit/YYYY-MM.jsonl, hash-chained)."""


@audit.command("verify")
@click.option(
    "--against",
    metavar="PATH_OR_URL",
    help="A copy of the website's ledger-heads.json (a file or an https:// address): the log must still hold "
    "every head it lists.",
)
@pass_state
def audit_verify(state: State, against: str | None) -> None:
    """Check the hash chain and every entry; name the file and line of any edit, deletion, insertion,
    reordering or truncation and exit 1. Also checks the witnesses: git history (each commit may only append),
    the head this machine last wrote, the signatures, and with --against the website's published heads."""
    from pmcpost.audit_verify import ChainVerifier
    from pmcpost.audit_witness import all_findings, load_heads
    from pmcpost.output.audit import render_verify

    config = state.config
    heads = load_heads(against) if against else []  # first: a wrong address fails before the long pass
    verifier = ChainVerifier(config.audit_dir, root=config.root)
    problems = render_verify(verifier, lambda: all_findings(config, heads, against or ""), heads, against)
    if problems:
        sys.exit(EXIT_PROBLEMS)


@audit.command("unchanged")
@click.option("--since", "ref", required=True, metavar="REF", help="The base branch, e.g. origin/main.")
@click.option("--format", "fmt", type=click.Choice(["text", "github"]), default="text", show_default=True)
@pass_state
def audit_unchanged(state: State, ref: str, fmt: str) -> None:
    """Exit 1 when this branch changed anything under the audit folder since it left REF (the pull-request
    check): only the publishing job appends to the audit log."""
    from pmcpost.audit_witness import changed_by_branch
    from pmcpost.diagnostics import as_github
    from pmcpost.output import print_diagnostics
    from pmcpost.words import plural

    config = state.config
    problems = changed_by_branch(config, ref)
    if fmt == "github":
        if problems:
            click.echo(as_github(problems))
    else:
        print_diagnostics(problems)
    if problems:
        click.echo(f"{plural(len(problems), 'audit file')} changed since {ref}", err=True)
        sys.exit(EXIT_PROBLEMS)
    click.echo(f"audit log unchanged since {ref}", err=True)


@audit.command("keygen")
@click.argument("key_id", required=False)
def audit_keygen(key_id: str | None) -> None:
    """Make a signing key: the private key goes to standard output (for the CI secret, e.g. piped into
    `gh secret set PMCPOST_AUDIT_SIGNING_KEY`), the line for config.yaml to standard error."""
    from datetime import datetime, timezone

    from pmcpost.audit_sign import KEY_ID_RE, generate

    key_id = key_id or f"ci-{datetime.now(timezone.utc):%Y-%m}"
    if not KEY_ID_RE.match(key_id):
        raise click.BadParameter(
            "lower-case letters, digits, '.', '-' or '_' (such as ci-2026-12)", param_hint="KEY_ID"
        )
    private, public = generate()
    click.echo(
        "Store the private key (standard output) as the CI secret named by audit.signing_key_env\n"
        "(PMCPOST_AUDIT_SIGNING_KEY by default) and nowhere else. Add its public key to config.yaml:\n\n"
        f"audit:\n  public_keys:\n    {key_id}: {public}\n",
        err=True,
    )
    click.echo(private)


def _check_ids(option: str, given: tuple[str, ...], valid: list[str]) -> None:
    """An id that config.yaml does not know is a usage error that lists the valid ones (else: no output)."""
    unknown = [g for g in given if g not in valid]
    if unknown:
        raise click.BadParameter(
            f"{', '.join(repr(u) for u in unknown)} is not in config.yaml; valid ids: {', '.join(valid)}",
            param_hint=option,
        )


@audit.command("show")
@click.option("--department", multiple=True, help="Only this department (repeat for several).")
@click.option("--coordinator", multiple=True, help="Only posts this coordinator (id) is answerable for.")
@click.option("--platform", multiple=True, help="Only this platform.")
@click.option("--announcement", multiple=True, help="Only this announcement id (department/file-name).")
@click.option(
    "--event", multiple=True, help="Only these events (default: posted, reconciled, retracted, failed, missed)."
)
@click.option("--since", help="From this day (YYYY-MM-DD, local time) or date-time.")
@click.option("--until", help="Up to and including this day or date-time.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "csv"]),
    default="text",
    show_default=True,
    help="text for people; json: JSON Lines, each entry exactly as stored; csv with a header.",
)
@pass_state
def audit_show(
    state: State,
    department: tuple[str, ...],
    coordinator: tuple[str, ...],
    platform: tuple[str, ...],
    announcement: tuple[str, ...],
    event: tuple[str, ...],
    since: str | None,
    until: str | None,
    fmt: str,
) -> None:
    """Who posted what, where and when, with links; streamed, so a log of millions of entries is fine."""
    from pmcpost.audit import EVENTS
    from pmcpost.auditquery import DEFAULT_EVENTS, Query, iter_matches, parse_bound
    from pmcpost.output.audit import write_entries

    for name in event:
        if name not in EVENTS:
            raise click.BadParameter(f"{name!r} is not one of {', '.join(EVENTS)}", param_hint="--event")
    config = state.config
    _check_ids("--department", department, list(config.departments))
    coordinators = sorted({c.id for d in config.departments.values() for c in d.coordinators})
    _check_ids("--coordinator", coordinator, coordinators)
    tz = config.organisation.tz
    query = Query(
        departments=department,
        coordinators=coordinator,
        platforms=platform,
        announcements=announcement,
        events=event or DEFAULT_EVENTS,
        since=parse_bound(since, tz, end=False) if since else None,
        until=parse_bound(until, tz, end=True) if until else None,
    )
    write_entries(iter_matches(config.audit_dir, query), fmt, sys.stdout, tz)


@cli.command()
@click.option(
    "--month", help="A calendar month, YYYY-MM (default: the current month; on the 1st, the month just ended)."
)
@click.option("--since", help="From this day (YYYY-MM-DD); with --until instead of --month.")
@click.option("--until", help="Up to and including this day.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "markdown", "csv", "json", "html"]),
    default="text",
    show_default=True,
    help="text for the terminal, markdown for the monthly report; html: one page with charts for the "
    "commissioner's office (needs pmcpost[report]).",
)
@click.option("--dormant", is_flag=True, help="Only the dormant departments; exit 1 when there is any.")
@click.option(
    "--file-issues",
    is_flag=True,
    help="With --dormant: open or update one GitHub issue per dormant department, close the others' (exit 0).",
)
@click.option(
    "--now", "moment", callback=_parse_moment, metavar="TIME", help="Take this time as now (reproducible reports)."
)
@pass_state
def report(
    state: State,
    month: str | None,
    since: str | None,
    until: str | None,
    fmt: str,
    dormant: bool,
    file_issues: bool,
    moment: Any,
) -> None:
    """Posts per department, platform and kind; failures, retractions, last post, who posted and approved;
    and the departments that fell silent (policy.dormancy_days) with nothing scheduled."""
    from pmcpost.output.report import render, render_dormant
    from pmcpost.report import period, report_from_repository

    if file_issues and not dormant:
        raise click.UsageError("--file-issues works with --dormant")
    config = state.config
    now = _now(config, moment)
    start, end, label = period(config.organisation.tz, now, month=month, since=since, until=until)
    result = report_from_repository(config, since=start, until=end, now=now, label=label)
    if dormant:
        render_dormant(result, fmt)
        if file_issues:
            from pmcpost.forge import GitHub, file_dormancy_issues

            for done in file_dormancy_issues(config, result.dormant, GitHub.from_config(config, os.environ)):
                click.echo(f"{done.action} issue #{done.number} for {done.department}", err=fmt == "json")
            return  # the people are told: the job stays green
        if result.dormant:
            sys.exit(EXIT_PROBLEMS)
        return
    render(config, result, fmt, now)


@cli.command()
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write it (default: .github/CODEOWNERS in the repository).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 when the file is not what config.yaml gives (CI).")
@pass_state
def codeowners(state: State, output: Path | None, check: bool) -> None:
    """Write a CODEOWNERS file from config.yaml: each department's folder owned by its coordinators; config,
    templates, audit log, freeze file, workflows and freeze_exempt announcements owned by the cell."""
    from pmcpost.codeowners import codeowners_path, is_current, write_codeowners

    config = state.config
    path = codeowners_path(config, output)
    if check:
        if not is_current(config, path):
            click.echo(
                f"{path}: out of date with config.yaml and the freeze_exempt announcements; "
                "run pmcpost codeowners and commit the result",
                err=True,
            )
            sys.exit(EXIT_PROBLEMS)
        click.echo(f"{path}: up to date", err=True)
        return
    changed = write_codeowners(config, path)
    click.echo(f"{'wrote' if changed else 'unchanged:'} {path}", err=True)


@cli.command()
@click.argument("targets", nargs=-1, metavar="[PATH|ID]...")
@_platform_option
@click.option("--now", "moment", callback=_parse_moment, metavar="TIME", help="Preview as of this time (default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "markdown", "json"]), default="text", show_default=True)
@click.option("--all", "show_all", is_flag=True, help="Also show what is already posted, expired or retracted.")
@click.option("--changed-since", metavar="REF", help="Only announcements affected by changes since this git ref.")
@pass_state
def preview(
    state: State,
    targets: tuple[str, ...],
    platforms: tuple[str, ...],
    moment: Any,
    fmt: str,
    show_all: bool,
    changed_since: str | None,
) -> None:
    """Show exactly what each platform will get: every post's text, its length, media, time, who is answerable.

    By default everything not yet published.
    """
    from pmcpost.output import print_left_out
    from pmcpost.output.preview import render, render_unchanged
    from pmcpost.plan import UNPOSTED, build_plan
    from pmcpost.selection import select_files

    config = state.config
    selection = select_files(config, targets, changed_since)
    if selection == []:  # nothing changed since the ref
        render_unchanged(config, fmt, changed_since or "")
        return
    plan, problems = build_plan(
        config,
        selection or [],
        _now(config, moment),
        platforms=_check_platforms(config, platforms),
        render_all=True,
        quota_now=_now(config, None),
    )
    print_left_out(problems)
    items = plan.items if show_all or targets else [i for i in plan.items if i.status in UNPOSTED]
    render(config, items, fmt, plan.now)


@cli.command()
@click.argument("targets", nargs=-1, metavar="[PATH|ID]...")
@_platform_option
@click.option("--yes", "-y", is_flag=True, help="Post without asking (needed when not on a terminal).")
@click.option("--dry-run", is_flag=True, help="Show what would be posted now, and post nothing.")
@click.option(
    "--now",
    "moment",
    callback=_parse_moment,
    metavar="TIME",
    help="With --dry-run: show what a run at this time would do (posting always uses the real clock).",
)
@click.option(
    "--wait", type=click.FloatRange(min=0), default=0, show_default=True, help="Seconds to wait for another publish."
)
@click.option(
    "--git-push",
    is_flag=True,
    help="Commit and push the audit log: the intents before the first post, the outcomes after (for CI).",
)
@click.option(
    "--skip-unconfigured/--fail-unconfigured",
    default=None,
    help="Skip platforms whose credentials are not set (default: skip on a workstation, fail in CI).",
)
@click.option(
    "--show-posts",
    is_flag=True,
    help="Also show the posts the platforms skipped for lack of credentials would have got.",
)
@pass_state
def publish(
    state: State,
    targets: tuple[str, ...],
    platforms: tuple[str, ...],
    yes: bool,
    dry_run: bool,
    moment: Any,
    wait: float,
    git_push: bool,
    skip_unconfigured: bool | None,
    show_posts: bool,
) -> None:
    """Post what is due, exactly once, and record it in the audit log.

    Plans announcements that are valid, approved, due, not expired and not yet posted to each platform.
    """
    from pmcpost import publish_run

    if moment is not None and not dry_run:
        # A what-if time must never decide what really goes out: an expired alert would be posted.
        raise click.UsageError(
            "--now only shows what a run at that time would do: use it with --dry-run "
            "(a real run always posts as of the real clock)"
        )
    config = state.config
    code = publish_run.run(
        config,
        targets,
        platforms=_check_platforms(config, platforms),
        now=_now(config, moment),
        dry_run=dry_run,
        assume_yes=yes,
        wait=wait,
        git_push=git_push,
        skip_unconfigured=skip_unconfigured,  # None: pmcpost.ci decides (skip on a workstation, fail in CI)
        quota_now=_now(config, None),  # the platforms' 24-hour windows are real ones
        show_posts=show_posts,
    )
    sys.exit(code)


@cli.group("site")
def site_group() -> None:
    """The website citizens see (platforms.website)."""


@site_group.command("build")
@pass_state
def site_build(state: State) -> None:
    """Rebuild every page and feed from the records: after a template or config change, and regularly (e.g.
    daily in CI) so that announcements past their expiry are marked expired."""
    from pmcpost.platforms.website import rebuild_site

    written = rebuild_site(state.config)
    from pmcpost.words import plural

    click.echo(f"{plural(len(written), 'file')} written" if written else "The website is up to date: nothing written.")


@cli.command()
@click.option("--now", "moment", callback=_parse_moment, metavar="TIME", help="Status as of this time (default: now).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@pass_state
def status(state: State, moment: Any, fmt: str) -> None:
    """Per department: scheduled, due, posted (with links), failed, expired, changed after posting, dormant."""
    from pmcpost import status as status_mod
    from pmcpost.output.status import render

    config = state.config
    render(status_mod.collect(config, _now(config, moment), quota_now=_now(config, None)), fmt)


@cli.command()
@click.argument("announcement_id", metavar="ID")
@_platform_option
@click.option("--reason", required=True, help="Why it is retracted (kept in the audit log and on the website).")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--wait", type=click.FloatRange(min=0), default=0, help="Seconds to wait for another publish.")
@pass_state
def retract(
    state: State, announcement_id: str, platforms: tuple[str, ...], reason: str, yes: bool, wait: float
) -> None:
    """Delete an announcement's posts and record the retraction."""
    from pmcpost import retraction

    config = state.config
    if not reason.strip():
        raise click.BadParameter("give the reason in words", param_hint="--reason")
    code = retraction.run(
        config,
        announcement_id,
        platforms=_check_platforms(config, platforms),
        reason=reason.strip(),
        assume_yes=yes,
        wait=wait,
    )
    sys.exit(code)


@cli.command()
@click.argument("announcement_id", metavar="ID")
@click.option("--platform", required=True, metavar="NAME", help="The platform it was (or was not) posted on.")
@click.option("--url", "urls", multiple=True, metavar="URL", help="The post's address (one per open post, in order).")
@click.option("--not-posted", is_flag=True, help="It was not posted: the next publish posts (or hands over) it.")
@click.option("--reason", help="With --not-posted: why.")
@click.option("--by", metavar="PERSON_ID", help="Who posted it (default: the person with git's user.email).")
@click.option("--wait", type=click.FloatRange(min=0), default=0, help="Seconds to wait for another publish.")
@pass_state
def record(
    state: State,
    announcement_id: str,
    platform: str,
    urls: tuple[str, ...],
    not_posted: bool,
    reason: str | None,
    by: str | None,
    wait: float,
) -> None:
    """Record what happened to a post publish left open: made by hand (WhatsApp, YouTube), or a lost answer
    the platform cannot look up (Telegram), after checking the channel."""
    from pmcpost import record as record_mod

    config = state.config
    _check_platforms(config, (platform,))
    done = record_mod.run(
        config, announcement_id, platform, urls=urls, not_posted=not_posted, reason=reason, by=by, wait=wait
    )
    what = "posted" if done.posted else "not posted (the next publish posts it)"
    click.echo(f"recorded: {done.announcement} on {done.platform}: {what}, by {done.by.name}")


@cli.command()
@click.option("--offline", is_flag=True, help="Do not contact the platforms (config, git and audit only).")
@pass_state
def doctor(state: State, offline: bool) -> None:
    """Check config, credentials (one cheap call per platform), git state and the audit log."""
    from pmcpost import doctor as doctor_mod
    from pmcpost.output.doctor import render

    results = doctor_mod.checks(state.root_option, offline=offline)
    render(results)
    sys.exit(doctor_mod.exit_code(results))


# Set by a command whose process ends with nothing for a last garbage collection to find (see main).
_nothing_to_collect = False
# Set by main: the process ends when the command does (not so when a test invokes the command group).
_whole_process = False


def main() -> None:
    """Console-script entry point."""
    global _whole_process
    _whole_process = True
    try:
        cli(prog_name="pmcpost")
    except click.exceptions.UsageError as exc:  # pragma: no cover - standalone mode handles it
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
    finally:
        if _nothing_to_collect:
            # The interpreter's last collection at exit would walk every object of a validate run (tens of
            # milliseconds after 20,000 files) to find nothing: checking makes no garbage cycles, writes no
            # file, and leaves no open handle. Freezing skips only that walk; exit's other clean-up still runs.
            gc.freeze()
