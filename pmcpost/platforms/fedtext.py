"""Counting and cutting text as Mastodon and Bluesky count it, and Bluesky's rich-text facets.

Mastodon (StatusLengthValidator): every URL with a scheme counts ``characters_reserved_per_url`` (23), a
mention ``@user@domain`` counts only ``@user``, everything else counts one per grapheme cluster. Bluesky:
300 grapheme clusters and 3,000 UTF-8 bytes; links, mentions and hashtags are clickable only as facets whose
offsets are UTF-8 byte offsets. Cheap to import (``regex`` is imported on first use): validate measures with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

URL_WEIGHT = 23
BLUESKY_BYTES = 3000
# A URL as both platforms link it: a scheme, then no whitespace; trailing punctuation is not part of it.
URL_RE = re.compile(r"https?://[^\s<>\"]+(?<![.,;:!?)\]'\"])")
# Mastodon: @user or @user@domain, not inside a word or an e-mail address.
MASTODON_MENTION_RE = re.compile(r"(?<![\w/@])@(\w+(?:[.-]+\w+)*)(?:@[\w.-]+\w)?", re.ASCII)
# Bluesky: @handle.domain (a handle is a domain name).
BLUESKY_MENTION_RE = re.compile(r"(?<![\w@])@((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]*)")
# A hashtag: # then letters, marks, digits and _ of any script, not only digits.
HASHTAG_PATTERN = r"(?<![\w#&])#([\p{L}\p{M}\p{N}_]*[\p{L}\p{M}_][\p{L}\p{M}\p{N}_]*)"  # for the regex module


@lru_cache(maxsize=1)
def _graphemes() -> Any:
    import regex

    return regex.compile(r"\X")


@lru_cache(maxsize=1)
def _hashtag() -> Any:
    import regex

    return regex.compile(HASHTAG_PATTERN)


@lru_cache(maxsize=2048)
def graphemes(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, UAX #29). Remembered: the renderer measures a
    post, and the adapter measures the same text again against the instance's limits before sending it."""
    return len(_graphemes().findall(text))


def mastodon_length(text: str, url_weight: int = URL_WEIGHT) -> int:
    """A status's length as Mastodon counts it."""
    text = URL_RE.sub("x" * url_weight, text)
    text = MASTODON_MENTION_RE.sub(lambda m: "@" + m.group(1), text)
    return graphemes(text)


def bluesky_length(text: str) -> int:
    """A post's length as Bluesky counts it: grapheme clusters (the 3,000-byte limit is ``utf8_bytes``)."""
    return graphemes(text)


def utf8_bytes(text: str) -> int:
    return len(text.encode("utf-8"))


def _byte_span(text: str, start: int, end: int) -> tuple[int, int]:
    begin = utf8_bytes(text[:start])
    return begin, begin + utf8_bytes(text[start:end])


def facets(text: str, resolve: Callable[[str], str | None] = lambda handle: None) -> list[dict[str, Any]]:
    """app.bsky.richtext.facet for every link, mention and hashtag in ``text``, with UTF-8 byte offsets.
    ``resolve`` turns a handle into its DID; a mention whose handle does not resolve stays plain text."""
    out: list[tuple[int, dict[str, Any]]] = []
    for m in URL_RE.finditer(text):
        out.append((m.start(), _facet(text, m.start(), m.end(), "app.bsky.richtext.facet#link", uri=m.group(0))))
    taken = [(m.start(), m.end()) for m in URL_RE.finditer(text)]

    def free(start: int, end: int) -> bool:
        return all(end <= a or start >= b for a, b in taken)

    for m in BLUESKY_MENTION_RE.finditer(text):
        if not free(m.start(), m.end()):
            continue
        did = resolve(m.group(1).lower())
        if did:
            out.append((m.start(), _facet(text, m.start(), m.end(), "app.bsky.richtext.facet#mention", did=did)))
    for m in _hashtag().finditer(text):
        if free(m.start(), m.end()):
            out.append((m.start(), _facet(text, m.start(), m.end(), "app.bsky.richtext.facet#tag", tag=m.group(1))))
    return [facet for _, facet in sorted(out, key=lambda pair: pair[0])]


def _facet(text: str, start: int, end: int, kind: str, **value: str) -> dict[str, Any]:
    begin, finish = _byte_span(text, start, end)
    return {"index": {"byteStart": begin, "byteEnd": finish}, "features": [{"$type": kind, **value}]}


def split_by(text: str, limit: int, measure: Callable[[str], int]) -> list[str]:
    """The posts of a thread for ``text``: one when it fits, else pieces cut at spaces (between grapheme
    clusters as a last resort, never inside a URL), each within ``limit`` by ``measure`` with " (i/n)" added."""
    body = text.strip()
    if not body:
        return []
    if measure(body) <= limit:
        return [body]
    digits = 1
    while True:
        reserve = len(" (/)") + 2 * digits
        chunks = _cut(body, limit - reserve, measure)
        if len(chunks) < 10**digits:
            return [f"{chunk} ({i}/{len(chunks)})" for i, chunk in enumerate(chunks, 1)]
        digits += 1


def _cut(text: str, budget: int, measure: Callable[[str], int]) -> list[str]:
    if budget <= 0:
        raise ValueError("nothing fits")
    words = re.findall(r"\S+\s*", text)
    chunks: list[str] = []
    current = ""
    for word in words:
        if measure((current + word).strip()) <= budget:
            current += word
            continue
        if current.strip():
            chunks.append(current.strip())
        current = ""
        if measure(word.strip()) <= budget:
            current = word
            continue
        if URL_RE.fullmatch(word.strip()):
            raise ValueError("a URL is longer than a post")
        for cluster in _graphemes().findall(word):
            if measure(current + cluster) > budget and current:
                chunks.append(current)
                current = ""
            current += cluster
    if current.strip():
        chunks.append(current.strip())
    return chunks


def mastodon_parts(text: str, limit: int) -> list[str]:
    """Mastodon's thread splitter (PlatformSpec.threads.split)."""
    return split_by(text, limit, mastodon_length)


def bluesky_parts(text: str, limit: int) -> list[str]:
    """Bluesky's thread splitter: within the grapheme limit and 3,000 bytes."""
    return split_by(text, limit, lambda t: max(graphemes(t), -(-utf8_bytes(t) * limit // BLUESKY_BYTES)))
