"""Text from outside (announcement files, config, platforms' answers, the audit log) made safe where it is
shown: visible control characters on a terminal, inert markdown in pull-request comments, and only https
links made clickable on the website.

Validation rejects control characters in content, but files that fail validation are still shown, and
platform and ledger strings never pass through it: output must be safe regardless.
"""

from __future__ import annotations

import re

# C0 controls but tab and line feed, DEL, C1 controls, line/paragraph separators and the bidirectional
# embeddings, overrides and isolates that can make a terminal show text in another order than it is; and lone
# surrogates (a platform's JSON can escape one, "\ud800"), which no terminal or UTF-8 stream can take.
_INVISIBLE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_INVISIBLE_OR_NEWLINE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
# Characters markdown (CommonMark and GitHub's extensions) gives a meaning inside a line; what could only
# matter at the start of a line (#, -, +, 1.) cannot get there, as the text is kept on one line after a prefix.
_MARKDOWN_RE = re.compile(r"([\\`*_\[\]()!|~])")
_BACKTICKS_RE = re.compile(r"`+")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def visible(text: str, *, newlines: bool = True) -> str:
    """``text`` for a terminal: control and bidi-override characters as ``\\x1b`` or ``\\u202e``, never raw.
    Line feeds (and tabs) stay, unless ``newlines`` is False."""
    return (_INVISIBLE_RE if newlines else _INVISIBLE_OR_NEWLINE_RE).sub(_escape, text)


def md_text(text: str) -> str:
    """``text`` as literal markdown on one line: no HTML, comment, heading, list, link, emphasis or table
    cell border can come out of it."""
    one_line = visible(" ".join(text.splitlines()), newlines=False)
    escaped = one_line.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _MARKDOWN_RE.sub(r"\\\1", escaped)


def md_code(text: str) -> str:
    """``text`` as an inline code span on one line, whatever backticks it holds."""
    one_line = visible(" ".join(text.splitlines()), newlines=False)
    longest = max((len(run) for run in _BACKTICKS_RE.findall(one_line)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if one_line.startswith("`") or one_line.endswith("`") else ""
    return f"{fence}{pad}{one_line}{pad}{fence}"


def md_code_block(text: str, info: str = "text") -> list[str]:
    """``text`` as a fenced code block (lines), the fence longer than any backtick run inside, so the text
    is shown exactly and cannot end the block early."""
    body = visible(text)
    longest = max((len(run) for run in _BACKTICKS_RE.findall(body)), default=0)
    fence = "`" * max(3, longest + 1)
    return [f"{fence}{info}", body, fence]


def https_only(url: str | None) -> str | None:
    """``url`` when it is a plain https address, else None: only such links are made clickable (no
    ``javascript:``, ``data:`` or an address a browser would read differently after dropping a tab)."""
    if not url or url[:8].lower() != "https://" or _UNPRINTABLE_IN_URL.search(url):
        return None
    return url


_UNPRINTABLE_IN_URL = re.compile(r"[\x00-\x20\x7f-\x9f]")
