"""Ed25519 signatures on audit entries: who holds the publishing job's key is the only one who can write a claim
that ``publish`` takes as proof.

An entry is signed over ``DOMAIN + canonical(entry without "sig")`` and carries ``"sig": {"key": ID, "value":
BASE64}``; ``prev`` is inside what is signed, so a signature also pins the entry's place in the chain. The
private key is 32 raw bytes, base64, in the environment variable ``audit.signing_key_env`` names; the public
keys are listed by id in ``audit.public_keys``, so a key can be rotated while older entries stay checkable.
``cryptography`` is imported only when a key is used or a signature checked.
"""

from __future__ import annotations

import base64
import binascii
import enum
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pmcpost.audit import canonical
from pmcpost.errors import CredentialsError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from pmcpost.config import AuditSettings

DOMAIN = b"pmcpost audit entry v1\n"  # so a signature made for anything else can never pass as an entry's
KEY_ID_RE = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
KEY_BYTES = 32


class Verdict(enum.Enum):
    """What an entry's signature says."""

    SIGNED = "signed"  # a valid signature by a listed key
    UNSIGNED = "unsigned"  # no ``sig`` at all
    BAD = "bad"  # a ``sig`` that does not verify: forged, edited after signing, or an unknown key


@dataclass(frozen=True)
class Check:
    verdict: Verdict
    reason: str = ""  # for BAD: why, in words
    key: str | None = None  # the key id the entry names


def decode_key(text: str) -> bytes | None:
    """32 bytes from base64 (standard or URL-safe, padding optional), or None."""
    text = text.strip()
    try:
        raw = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_" if ("-" in text or "_" in text) else None)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == KEY_BYTES else None


def encode(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def signed_bytes(entry: Mapping[str, Any]) -> bytes:
    """What the signature covers: the canonical entry without its ``sig``."""
    return DOMAIN + canonical({k: v for k, v in entry.items() if k != "sig"})


class Signer:
    """Signs entries with the publishing job's private key. It never shows the key: not in repr, not in errors."""

    def __init__(self, key_id: str, private: Ed25519PrivateKey) -> None:
        self.key_id = key_id
        self._private = private

    def __repr__(self) -> str:
        return f"Signer(key_id={self.key_id!r})"

    def sign(self, entry: Mapping[str, Any]) -> dict[str, str]:
        """The ``sig`` value for ``entry`` (which must not hold one yet)."""
        return {"key": self.key_id, "value": encode(self._private.sign(signed_bytes(entry)))}


def sign(entry: Mapping[str, Any], signer: Signer) -> dict[str, Any]:
    """``entry`` with its ``sig`` added."""
    out = {k: v for k, v in entry.items() if k != "sig"}
    out["sig"] = signer.sign(out)
    return out


class PublicKeys:
    """The listed public keys, each loaded once and only when a signature is checked."""

    def __init__(self, keys: Mapping[str, str]) -> None:
        self.raw = dict(keys)
        self._loaded: dict[str, Ed25519PublicKey | None] = {}

    def __bool__(self) -> bool:
        return bool(self.raw)

    def get(self, key_id: str) -> Ed25519PublicKey | None:
        if key_id not in self._loaded:
            raw = decode_key(self.raw[key_id]) if key_id in self.raw else None
            found = None
            if raw is not None:
                from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

                try:
                    found = Ed25519PublicKey.from_public_bytes(raw)
                except ValueError:
                    found = None
            self._loaded[key_id] = found
        return self._loaded[key_id]


def check(entry: Mapping[str, Any], keys: PublicKeys) -> Check:
    """Whether ``entry`` carries a valid signature by one of ``keys``."""
    sig = entry.get("sig")
    if sig is None:
        return Check(Verdict.UNSIGNED)
    if not isinstance(sig, dict) or not isinstance(sig.get("key"), str) or not isinstance(sig.get("value"), str):
        return Check(Verdict.BAD, 'sig is not {"key": ID, "value": BASE64}')
    key_id = sig["key"]
    if key_id not in keys.raw:
        return Check(
            Verdict.BAD, f"signed with key {key_id!r}, which audit.public_keys in config.yaml does not list", key_id
        )
    public = keys.get(key_id)
    if public is None:
        return Check(Verdict.BAD, f"the public key {key_id!r} in config.yaml is not an Ed25519 key", key_id)
    try:
        value = base64.b64decode(sig["value"], validate=True)
    except (binascii.Error, ValueError):
        value = b""
    from cryptography.exceptions import InvalidSignature

    try:
        public.verify(value, signed_bytes(entry))
    except (InvalidSignature, ValueError):
        return Check(
            Verdict.BAD, f"the signature does not match key {key_id!r}: forged, or edited after signing", key_id
        )
    return Check(Verdict.SIGNED, key=key_id)


def may_be_unsigned(entry: Mapping[str, Any], settings: AuditSettings) -> bool:
    """Whether an unsigned entry is acceptable: signatures are not required, or it predates
    ``audit.unsigned_before`` (history written before signing was turned on)."""
    if not settings.require_signatures:
        return True
    when = entry.get("time")
    return bool(settings.unsigned_before) and isinstance(when, str) and when < settings.unsigned_before


def trust_predicate(settings: AuditSettings) -> Callable[[Mapping[str, Any]], bool] | None:
    """For the fold: whether a ``posted``/``reconciled`` claim counts as proof. None (trust everything) unless
    ``audit.require_signatures``. Stateless, so a fold may start anywhere in the log."""
    if not settings.require_signatures:
        return None
    keys = PublicKeys(settings.public_keys)

    def trusted(entry: Mapping[str, Any]) -> bool:
        result = check(entry, keys)
        if result.verdict is Verdict.SIGNED:
            return True
        return result.verdict is Verdict.UNSIGNED and may_be_unsigned(entry, settings)

    return trusted


def trust_key(settings: AuditSettings) -> str | None:
    """A name for the trust policy ``trust_predicate`` builds, so a checkpoint folded under other keys or rules
    is rebuilt rather than believed; None when everything is trusted."""
    if not settings.require_signatures:
        return None
    import hashlib
    import json

    policy = json.dumps([sorted(settings.public_keys.items()), settings.unsigned_before], separators=(",", ":"))
    return "signed:" + hashlib.sha256(policy.encode("utf-8")).hexdigest()


def signer_from_env(settings: AuditSettings, environ: Mapping[str, str]) -> Signer | None:
    """The signer for this run, from the variable ``audit.signing_key_env`` names; None when it is unset or empty.

    A malformed key, or one whose public half config.yaml does not list, is an error that names the variable
    only.
    """
    var = settings.signing_key_env
    text = environ.get(var, "")
    if not text.strip():
        return None
    raw = decode_key(text)
    if raw is None:
        raise CredentialsError(
            f"{var} does not hold an Ed25519 private key (32 bytes, base64); make one with pmcpost audit keygen"
        )
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    private = Ed25519PrivateKey.from_private_bytes(raw)
    public = encode(private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw))
    for key_id, listed in settings.public_keys.items():
        listed_raw = decode_key(listed)
        if listed_raw is not None and encode(listed_raw) == public:
            return Signer(key_id, private)
    raise CredentialsError(
        f"the key in {var} is not among audit.public_keys in config.yaml: add its public key "
        f"(pmcpost audit keygen prints it with a new key), or set {var} to a listed key"
    )


def generate() -> tuple[str, str]:
    """A new key pair as (private, public), both base64."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

    private = Ed25519PrivateKey.generate()
    secret = private.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    public = private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    return encode(secret), encode(public)


def run_signer(
    settings: AuditSettings, environ: Mapping[str, str], *, strict: bool, warn: Callable[[str], None]
) -> Signer | None:
    """The signer for a run that writes entries. Without the key, entries are unsigned: with
    ``audit.require_signatures`` that is an error when ``strict`` (in CI) and a warning on a workstation."""
    signer = signer_from_env(settings, environ)
    if signer is None and settings.require_signatures:
        var = settings.signing_key_env
        if strict:
            raise CredentialsError(
                f"audit.require_signatures is on but {var} is not set: entries written now would prove nothing; "
                "set that secret (see the README's audit section)"
            )
        warn(
            f"warning: {var} is not set, so this run's audit entries are unsigned; with audit.require_signatures "
            "the next run looks these posts up on the platforms before it trusts them"
        )
    return signer
