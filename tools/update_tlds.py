"""Write pmcpost/data/tlds.txt from twitter-text's TLD lists, as packaged in twitter-text-parser.

    pip install twitter-text-parser==3.0.0 && python tools/update_tlds.py

The package's modules are read as text, never imported (they need pkg_resources): each list is a regular
expression alternation ``'(?:(?:' + 'a|b|' + ... + ')(?=...)'`` in ``twitter_text/regexp/valid_{gtld,cctld}.py``.
"""

from __future__ import annotations

import datetime
import re
from importlib.metadata import distribution
from pathlib import Path

PACKAGE = "twitter-text-parser"
SOURCES = {"generic": "twitter_text/regexp/valid_gtld.py", "country-code": "twitter_text/regexp/valid_cctld.py"}
TARGET = Path(__file__).resolve().parent.parent / "pmcpost" / "data" / "tlds.txt"


def read_names(source: str) -> list[str]:
    """The TLDs of one list, in the package's order."""
    text = Path(str(distribution(PACKAGE).locate_file(source))).read_text(encoding="utf-8")
    joined = "".join(re.findall(r"'([^']*)'", text))
    body = joined.removeprefix("(?:(?:").split(")(?=", 1)[0]
    return body.split("|")


def main() -> None:
    version = distribution(PACKAGE).version
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    lines = [
        "# Top-level domains X recognises in links: twitter-text's valid_gtld and valid_cctld lists.",
        f"# Source: PyPI package {PACKAGE} {version} ({', '.join(SOURCES.values())}).",
        f"# Written by tools/update_tlds.py on {today}. One name per line, lower case, under its section.",
    ]
    for section, source in SOURCES.items():
        names = read_names(source)
        lines += ["", f"[{section}]", *names]
    TARGET.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{TARGET.name}: {sum(len(read_names(s)) for s in SOURCES.values())} names")  # noqa: T201


if __name__ == "__main__":
    main()
