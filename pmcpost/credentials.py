"""Credentials: reading one from the environment with its form checked, and scrubbing every known secret
from text before it reaches output, a log, the audit log or a crash log.

Every credential pmcpost reads is remembered here for the life of the process, so ``scrub`` needs no
arguments wherever an error becomes text (platform adapters, the publisher, doctor, the crash handler).
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, quote_plus

HIDDEN = "[hidden]"
# A token, key or secret is printable ASCII without spaces: anything else cannot travel in an HTTP header
# and is a paste error (a line break, a non-breaking space, a curly quote).
CREDENTIAL_RE = re.compile(r"^[\x21-\x7e]+$")
# Runs of base64 (standard or URL-safe) long enough to hide a secret, as in "Authorization: Basic ...".
_BASE64_RUN_RE = re.compile(r"[A-Za-z0-9+/_-]{8,}={0,2}")

_known: set[str] = set()


def remember(values: Iterable[str]) -> None:
    """Scrub these values (and every encoding of them) from whatever ``scrub`` sees from now on."""
    for value in values:
        if value:
            _known.add(value)
            if value.strip() != value and value.strip():
                _known.add(value.strip())


def forget_all() -> None:
    """Forget every remembered secret (tests start each case clean)."""
    _known.clear()


def remember_configured(credentials: Iterable[str], environ: Mapping[str, str]) -> None:
    """Remember the values of the environment variables config.yaml names as credentials."""
    remember(environ.get(variable, "") for variable in credentials)


def read_credential(environ: Mapping[str, str], variable: str) -> str:
    """The credential in ``variable`` (surrounding whitespace removed, as pasted secrets often end in a
    newline); "" when unset. Raises CredentialsError, naming only the variable, when its form is wrong."""
    from pmcpost.errors import CredentialsError

    raw = environ.get(variable) or ""
    remember([raw])
    value = raw.strip()
    if value and not CREDENTIAL_RE.match(value):
        raise CredentialsError(
            f"{variable} does not hold a usable credential: it must be printable ASCII without spaces or "
            "line breaks; set it again from the platform's developer page"
        )
    return value


def required_credential(
    platform: str, credentials: Mapping[str, str], environ: Mapping[str, str], role: str, what: str, hint: str = ""
) -> tuple[str, str]:
    """(variable, value) of the credential ``role`` that config.yaml names for ``platform``; CredentialsError,
    naming only the variable, when config names none or the variable is unset. ``what`` is how a person calls it
    ("the Telegram bot token"); ``hint`` says where to get one."""
    from pmcpost.errors import CredentialsError

    variable = credentials.get(role, "")
    if not variable:
        raise CredentialsError(f"platforms.{platform}.credentials needs {role} (an environment variable name)")
    value = read_credential(environ, variable)
    if not value:
        raise CredentialsError(
            f"{what} is missing: set the environment variable {variable}" + (f" ({hint})" if hint else "")
        )
    return variable, value


def _forms(secret: str) -> set[str]:
    """The ways a secret shows up in text: raw, as Python and JSON quote it, URL-encoded, base64."""
    forms = {secret, repr(secret)[1:-1], json.dumps(secret)[1:-1], ascii(secret)[1:-1]}
    data = secret.encode("utf-8", "surrogatepass")
    forms.add(repr(data)[2:-1])
    forms.update({quote(secret, safe=""), quote(secret), quote_plus(secret)})
    for encode in (base64.b64encode, base64.urlsafe_b64encode):
        encoded = encode(data).decode("ascii")
        forms.update({encoded, encoded.rstrip("=")})
    return {f for f in forms if f}


def _decodes_to_secret(run: str, secrets: Iterable[str]) -> bool:
    for decode in (base64.b64decode, base64.urlsafe_b64decode):
        try:
            text = decode(run + "=" * (-len(run) % 4)).decode("utf-8", "replace")
        except (binascii.Error, ValueError):
            continue
        if any(s in text for s in secrets):
            return True
    return False


def scrub(text: str, extra: Iterable[str] = ()) -> str:
    """``text`` with every form of every known secret (and of ``extra``) replaced by [hidden]: raw,
    repr- or JSON-quoted, URL-encoded, and base64, also inside a longer base64 run (Basic auth headers)."""
    secrets = {s for s in (*_known, *extra) if s}
    if not secrets or not text:
        return text
    forms = sorted({f for s in secrets for f in _forms(s)}, key=len, reverse=True)  # longest first
    for form in forms:
        if form in text:
            text = text.replace(form, HIDDEN)
    return _BASE64_RUN_RE.sub(lambda m: HIDDEN if _decodes_to_secret(m.group(0), secrets) else m.group(0), text)
