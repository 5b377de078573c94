"""Threads' length rule as pmcpost applies it: every text counted by its UTF-8 bytes, at most 500.

Meta documents 500 "characters" and counts emoji by their UTF-8 bytes; a scheduler that counted characters saw
posts refused. A byte is never less than what Meta counts for any character, so counting bytes never gets a
post refused: Marathi letters take 3 bytes each (about 166 to a post), English 1. Threads get cut by
``thread_parts`` within the same measure.
"""

from __future__ import annotations

import re
import unicodedata

THREADS_LIMIT = 500
_WORD_RE = re.compile(r"\S+\s*")


def utf8_length(text: str) -> int:
    """The length of ``text`` (NFC) in UTF-8 bytes."""
    return len(unicodedata.normalize("NFC", text).encode("utf-8"))


def _pieces(word: str, budget: int) -> list[str]:
    """A word longer than ``budget`` bytes, cut between code points (combining marks stay with their base)."""
    out, current = [], ""
    for ch in word:
        if current and utf8_length(current + ch) > budget and not unicodedata.combining(ch):
            out.append(current)
            current = ""
        current += ch
    return [*out, current] if current else out


def _split(body: str, budget: int) -> list[str]:
    chunks: list[str] = []
    current = ""
    for match in _WORD_RE.finditer(body):
        word = match.group()
        if utf8_length((current + word).strip()) <= budget:
            current += word
            continue
        if current.strip():
            chunks.append(current.strip())
        current = ""
        if utf8_length(word.strip()) > budget:
            *whole, current = _pieces(word.strip(), budget)
            chunks.extend(whole)
            current += " "
        else:
            current = word
    if current.strip():
        chunks.append(current.strip())
    return chunks


def thread_parts(text: str, limit: int = THREADS_LIMIT) -> list[str]:
    """The posts of a thread for ``text``: one when it fits ``limit`` bytes, else parts cut at word ends and
    numbered " (1/3)", each within ``limit`` bytes. A blank text gives no parts."""
    body = unicodedata.normalize("NFC", text).strip()
    if not body:
        return []
    if utf8_length(body) <= limit:
        return [body]
    digits = 1
    while True:
        reserve = len(" (/)") + 2 * digits
        chunks = _split(body, limit - reserve)
        if len(chunks) < 10**digits:
            return [f"{chunk} ({i}/{len(chunks)})" for i, chunk in enumerate(chunks, 1)]
        digits += 1
