"""Messages in the reader's language, through gettext catalogs under pmcpost/locale/ (made with Babel).

``PMCPOST_LANG=mr`` asks for Marathi; without it a Marathi locale (LC_ALL, LC_MESSAGES or LANG starting with
``mr``, in the order POSIX reads them) does. English, the language of the source, is the default.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import gettext

DOMAIN = "pmcpost"
LOCALE_DIR = Path(os.path.dirname(os.path.abspath(__file__)), "locale")
LANGUAGES = ("en", "mr")


def language(environ: Mapping[str, str] | None = None) -> str:
    """The language to speak: 'mr' or 'en'."""
    env = os.environ if environ is None else environ
    chosen = env.get("PMCPOST_LANG", "").strip()
    if not chosen:
        for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
            chosen = env.get(name, "").strip()
            if chosen:
                break
    return "mr" if chosen.lower().startswith("mr") else "en"


@functools.lru_cache(maxsize=4)
def _catalog(lang: str) -> gettext.NullTranslations:
    import gettext  # only when a message is shown: a clean run never needs it

    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, languages=[lang], fallback=True)


def tr(message: str) -> str:
    """``message`` in the reader's language (read from the environment at each call, so a test may change it)."""
    return _catalog(language()).gettext(message)


def N_(message: str) -> str:
    """Marks ``message`` for the catalog where it is defined; it is translated later, where it is shown."""
    return message
