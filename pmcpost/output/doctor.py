"""`pmcpost doctor` rendered: one line per check, marked ok, !! (a failure) or -- (a warning)."""

from __future__ import annotations

from pmcpost.doctor import Check
from pmcpost.output import Cell, show_table

MARKS = {True: ("ok", "green"), False: ("!!", "red"), None: ("--", "yellow")}


def render(results: list[Check]) -> None:
    rows: list[list[Cell]] = [[MARKS[c.ok], (c.area, "bold"), c.message] for c in results]
    # Messages pass through visible() in show_table: account names come from afar.
    show_table("", ["", "area", "message"], rows, header=False)
