"""The command line: parses options, calls plain functions in the core modules, maps errors to exit codes.

Core modules are imported inside each command so that `pmcpost --help` stays fast and commands that do
not post never import a network client.
"""

from __future__ import annotations

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
        print_diagnostics(exc.diagnostics, sys.stderr)
        n = len(exc.diagnostics)
        click.echo(f"pmcpost: {exc} ({n} problem{'s' if n != 1 else ''}); fix config.yaml and run again", err=True)
    else:
        click.echo(f"pmcpost: error: {exc}", err=True)
    return exc.exit_code


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
            import traceback

            log = Path(os.environ.get("TMPDIR", "/tmp")) / "pmcpost-crash.log"
            try:
                log.write_text(traceback.format_exc(), encoding="utf-8")
                where = f"; details in {log}"
            except OSError:
                where = ""
            click.echo(
                f"pmcpost: internal error ({type(exc).__name__}){where}. Please report it to the social media cell.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=PmcpostGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="pmcpost")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="The content repository (default: the folder holding config.yaml, found by walking up).",
)
@click.pass_context
def cli(ctx: click.Context, root: Path | None) -> None:
    """Publish the Pune Municipal Corporation's announcements to X, Facebook and the website.

    Announcements are YAML files under content/<department>/; config.yaml registers departments, their
    coordinators and the platforms. Exit codes: 0 ok, 1 problems found, 2 usage error, 3 internal error.
    """
    ctx.obj = State(root)


def _paths(values: tuple[str, ...]) -> list[Path]:
    out = []
    for v in values:
        p = Path(v)
        if not p.exists():
            raise click.BadParameter(f"{v}: no such file or folder", param_hint="PATH")
        out.append(p)
    return out


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path())
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
@pass_state
def validate(state: State, paths: tuple[str, ...], fmt: str, jobs: int | None) -> None:
    """Check announcement files (all under content/ by default) and config.yaml.

    Every problem in every file is reported as path:line:col: severity: message.
    """
    from pmcpost.config import CONFIG_NAME, find_root, read_config
    from pmcpost.diagnostics import as_github, as_json, has_errors
    from pmcpost.output import print_diagnostics

    root = state.root_option.resolve() if state.root_option else find_root(Path.cwd())
    config, config_diags = read_config(root, os.environ)
    diagnostics = list(config_diags)
    files = 0
    if config is not None and not has_errors(config_diags):
        from pmcpost.validate import validate as run_validation

        report = run_validation(config, _paths(paths), jobs=jobs)
        diagnostics.extend(report.diagnostics)
        files = report.files
    if fmt == "json":
        click.echo(as_json(diagnostics))
    elif fmt == "github":
        if diagnostics:
            click.echo(as_github(diagnostics))
    else:
        print_diagnostics(diagnostics)
    errors = sum(1 for d in diagnostics if d.severity == "error")
    warnings = len(diagnostics) - errors
    if fmt == "text":
        where = f"{files} file{'s' if files != 1 else ''} and {CONFIG_NAME}"
        if errors:
            click.echo(
                f"{errors} error{'s' if errors != 1 else ''}, {warnings} warning"
                f"{'s' if warnings != 1 else ''} in {where}; nothing is published until they are "
                "fixed",
                err=True,
            )
        else:
            click.echo(
                f"{where}: ok" + (f" ({warnings} warning{'s' if warnings != 1 else ''})" if warnings else ""),
                err=True,
            )
    if has_errors(diagnostics):
        sys.exit(EXIT_PROBLEMS)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of an announcement file (for editors and check-jsonschema)."""
    from pmcpost.schema import schema_json

    click.echo(schema_json())


@cli.command()
@click.argument("department")
@click.option("--coordinator", help="Your coordinator id (default: the department's first coordinator).")
@click.option("--slug", help="Short lower-case name for the file, e.g. water-cut-kothrud.")
@click.option("--date", "day", help="The day it goes out, YYYY-MM-DD (default: tomorrow).")
@click.option(
    "--kind",
    type=click.Choice(["alert", "notice", "scheme", "project", "event"]),
    default="notice",
    show_default=True,
)
@pass_state
def new(state: State, department: str, coordinator: str | None, slug: str | None, day: str | None, kind: str) -> None:
    """Create a new announcement file with every key shown and explained."""
    from pmcpost.scaffold import create_announcement

    path = create_announcement(state.config, department, coordinator=coordinator, slug=slug, day=day, kind=kind)
    click.echo(f"created {path}")
    click.echo("Edit the text, then run: pmcpost validate " + path)


def main() -> None:
    """Console-script entry point."""
    try:
        cli(prog_name="pmcpost")
    except click.exceptions.UsageError as exc:  # pragma: no cover - standalone mode handles it
        click.echo(str(exc), err=True)
        sys.exit(EXIT_USAGE)
