"""No module outside pmcpost/platforms/ names a specific platform in code: each platform's facts live in its
description (pmcpost.platforms.<name>_spec), so a new platform needs no change elsewhere."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "pmcpost"
NAMES = re.compile(r"twitter|facebook", re.IGNORECASE)
# Tokens of code: names, strings and the literal parts of f-strings (comments and docstrings are prose).
CODE_TOKENS = {tokenize.NAME, tokenize.STRING} | {getattr(tokenize, "FSTRING_MIDDLE", tokenize.STRING)}


def docstring_lines(source: str) -> set[int]:
    """The lines of every module, class and function docstring."""
    lines: set[int] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            value = first.value if isinstance(first, ast.Expr) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                lines.update(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return lines


def platform_names_in_code(source: str) -> list[tuple[int, str]]:
    """(line, token) of every name or string naming X or Facebook, docstrings and comments left out."""
    skip = docstring_lines(source)
    found = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type in CODE_TOKENS and token.start[0] not in skip and NAMES.search(token.string):
            found.append((token.start[0], token.string))
    return found


def test_the_check_sees_code_and_skips_prose() -> None:
    source = '''"""Posts to Twitter."""
# facebook in a comment
def f(x: int) -> str:
    """facebook in a docstring"""
    twitter_limit = 280
    return f"on facebook {x}"
'''
    found = platform_names_in_code(source)
    assert [line for line, _ in found] == [5, 6]
    assert found[0][1] == "twitter_limit"


def test_no_module_outside_the_platforms_names_a_platform_in_code() -> None:
    modules = [p for p in sorted(PACKAGE.rglob("*.py")) if "platforms" not in p.relative_to(PACKAGE).parts]
    assert PACKAGE / "config.py" in modules and PACKAGE / "render.py" in modules
    offenders = [
        f"pmcpost/{path.relative_to(PACKAGE).as_posix()}:{line}: {token}"
        for path in modules
        for line, token in platform_names_in_code(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
