"""Indian phone numbers in announcement text, as tap-to-call links for the website.

A citizen reading "call 020-2550 1000" on a phone should be able to tap it. Recognised: landlines with their
STD code (020-2550 1000, 020 25501269), mobiles (98xxxxxxxx, +91 98xxx xxxxx), and toll-free 1800 numbers, in
Latin or Devanagari digits. Everything else in the text is escaped: the result is safe HTML.
"""

from __future__ import annotations

import re

from markupsafe import Markup, escape

D = "[0-9०-९]"
_SEP = r"[ \-]"
PHONE_RE = re.compile(
    r"(?<![\w+])(?:"
    rf"(?:\+[9९][1१]{_SEP}?|[0०])?[6-9६-९]{D}{{4}}{_SEP}?{D}{{5}}"  # mobile: 98xxxxxxxx, +91 98xxx xxxxx
    rf"|[0०]{D}{{2,4}}{_SEP}?{D}{{2,4}}{_SEP}?{D}{{3,4}}"  # landline: 020-2550 1000, 020 25501269
    rf"|[1१][8८][0०][0०]{_SEP}?{D}{{3}}{_SEP}?{D}{{3,4}}"  # toll-free: 1800 233 4567
    r")(?!\w)"
)
DEVANAGARI_DIGITS = str.maketrans("०१२३४५६७८९", "0123456789")


def tel_uri(number: str) -> str | None:
    """``tel:+912025501000`` for a number as written, or None when its digits do not make an Indian number."""
    plus = number.startswith("+")
    digits = re.sub(r"\D", "", number.translate(DEVANAGARI_DIGITS))
    if plus:
        return f"tel:+{digits}" if len(digits) == 12 and digits.startswith("91") else None
    if digits.startswith("1800"):
        return f"tel:{digits}" if len(digits) in (10, 11) else None
    if digits.startswith("0"):
        return f"tel:+91{digits[1:]}" if len(digits) == 11 else None
    return f"tel:+91{digits}" if len(digits) == 10 and digits[0] in "6789" else None


def link_phones(text: str) -> Markup:
    """``text`` escaped for HTML, each phone number in it a ``tel:`` link showing the number as written."""
    out = []
    last = 0
    for m in PHONE_RE.finditer(text):
        uri = tel_uri(m.group())
        if uri is None:
            continue
        out.append(escape(text[last : m.start()]))
        out.append(Markup('<a href="{}" class="tel">{}</a>').format(uri, m.group()))
        last = m.end()
    out.append(escape(text[last:]))
    return Markup("").join(out)
