"""`pmcpost validate` rendered: one line per problem (text, json or GitHub annotations), then a summary."""

from __future__ import annotations

from pmcpost.config import CONFIG_NAME
from pmcpost.diagnostics import as_github, as_json
from pmcpost.i18n import language, tr
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
    if language() == "mr":
        where = tr("{files} files and {config}").format(files=outcome.files, config=CONFIG_NAME)
        if outcome.errors:
            return tr(
                "{errors} errors, {warnings} warnings in {where}; a file with errors is not published until they "
                "are fixed"
            ).format(errors=outcome.errors, warnings=outcome.warnings, where=where)
        if outcome.warnings:
            return tr("{where}: ok ({warnings} warnings)").format(where=where, warnings=outcome.warnings)
        return tr("{where}: ok").format(where=where)
    where = f"{plural(outcome.files, 'file')} and {CONFIG_NAME}"
    if outcome.errors:
        return (
            f"{plural(outcome.errors, 'error')}, {plural(outcome.warnings, 'warning')} in {where}; "
            "a file with errors is not published until they are fixed"
        )
    return f"{where}: ok" + (f" ({plural(outcome.warnings, 'warning')})" if outcome.warnings else "")
