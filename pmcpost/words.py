"""Words that depend on a number, in one place: '1 post', '2 posts'."""

from __future__ import annotations


def plural(n: int, one: str, many: str | None = None, *, count: bool = True) -> str:
    """'1 post', '2 posts', '0 posts'; ``many`` for irregular words ('entry', 'entries'); without ``count``
    only the word ('it was' / 'they were')."""
    word = one if n == 1 else (many if many is not None else one + "s")
    return f"{n} {word}" if count else word
