"""Run pmcpost as a process whose clock reads a given time: `python at_time.py "2026-12-02 10:00" publish --yes`.

`publish --now` only ever looks (a real run posts as of the real clock), so process-level tests that post
sample content dated December 2026 set the process's clock instead (India time unless an offset is given).
"""

from __future__ import annotations

import sys
from datetime import datetime
from zoneinfo import ZoneInfo

import time_machine


def main() -> None:
    moment = datetime.fromisoformat(sys.argv[1])
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo("Asia/Kolkata"))
    sys.argv = ["pmcpost", *sys.argv[2:]]
    with time_machine.travel(moment, tick=True):
        from pmcpost.cli import main as pmcpost_main

        pmcpost_main()


if __name__ == "__main__":
    main()
