"""`pmcpost validate` rendered: one line per problem (text, json or GitHub annotations), then a summary."""

from __future__ import annotations

from pmcpost.config import CONFIG_NAME
from pmcpost.diagnostics import as_github, as_json
from pmcpost.output import emit, plural, print_diagnostics
from pmcpost.validate_run import ValidateOutcome


def render(outcome: ValidateOutcome, fmt: str) -> None:
    if outcome.unchanged_since is not None:
        emit(
            f"pmcpost: no announcement changed since {outcome.unchanged_since}; checked {CONFIG_NAME} only", stderr=True
        )
    if fmt == "json":
        emit(as_json(outcome.diagnostics))
    elif fmt == "github":
        if outcome.diagnostics:
            emit(as_github(outcome.diagnostics))
    else:
        print_diagnostics(outcome.diagnostics)
    if fmt == "text":
        emit(summary(outcome), stderr=True)


def summary(outcome: ValidateOutcome) -> str:
    where = f"{plural(outcome.files, 'file')} and {CONFIG_NAME}"
    if outcome.errors:
        return (
            f"{plural(outcome.errors, 'error')}, {plural(outcome.warnings, 'warning')} in {where}; "
            "a file with errors is not published until they are fixed"
        )
    return f"{where}: ok" + (f" ({plural(outcome.warnings, 'warning')})" if outcome.warnings else "")
