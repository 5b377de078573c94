"""The JSON Schema of an announcement file, for editors (yaml-language-server) and check-jsonschema.

pmcpost's own checks are stricter (registered people, files on disk, dates against the file name); the
schema gives editors what can be said without the repository. A test keeps its keys in step with
pmcpost.content.KEYS.
"""

from __future__ import annotations

import json
from typing import Any

from pmcpost.config import KINDS
from pmcpost.content import KEYS, PLACEHOLDER_RE, REQUIRED_KEYS, media_limits
from pmcpost.moments import SCHEMA_PATTERN

SCHEMA_ID = "https://www.pmc.gov.in/pmcpost/announcement.schema.json"
SCHEMA_FILE = "announcement.schema.json"

_DATETIME = {
    "type": "string",
    "pattern": SCHEMA_PATTERN,
    "examples": ["2026-12-03 09:00", "2026-12-03 6.15 pm", "2026-12-03T09:00:00+05:30"],
}


# Text with a placeholder of `pmcpost new` left in it is flagged by editors as validate refuses it.
_TEXT = {
    "type": "string",
    "minLength": 1,
    "not": {"pattern": PLACEHOLDER_RE.pattern, "description": "a <<placeholder>> left by pmcpost new"},
}


def _lang_map(languages: list[str], required: list[str], what: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": what,
        "properties": {lang: _TEXT for lang in languages},
        "required": required,
        "additionalProperties": False,
    }


def announcement_schema(languages: list[str] | None = None, platforms: list[str] | None = None) -> dict[str, Any]:
    languages = languages or ["mr", "en"]
    from pmcpost.platforms.registry import descriptions

    platforms = platforms or [spec.name for spec in descriptions()]
    most, _ = media_limits(tuple(platforms))
    link = {"type": "string", "pattern": r"^https://\S+$", "description": KEYS["link"]}
    hashtags = {
        "type": "array",
        "items": {"type": "string", "pattern": r"^#?\w+$"},
        "description": KEYS["hashtags"],
    }
    override = {
        "type": "object",
        "properties": {
            "text": _lang_map(languages, [], "text for this platform"),
            "title": _lang_map(languages, [], "title for this platform"),
            "hashtags": hashtags,
            "link": link,
        },
        "additionalProperties": False,
    }
    properties: dict[str, Any] = {
        "coordinator": {"type": "string", "description": KEYS["coordinator"]},
        "approved_by": {"type": "string", "description": KEYS["approved_by"]},
        "kind": {"enum": list(KINDS), "description": KEYS["kind"]},
        "title": _lang_map(languages, [], KEYS["title"]),
        "text": _lang_map(languages, [languages[0]], KEYS["text"]),
        "link": link,
        "hashtags": hashtags,
        "media": {
            "type": "array",
            **({"maxItems": most[0]} if most else {}),
            "description": KEYS["media"],
            "items": {
                "type": "object",
                "properties": {
                    "path": {"type": "string", "pattern": r"\.(png|jpe?g|gif|webp)$"},
                    "alt": _lang_map(languages, languages, "alt text describing the image"),
                },
                "required": ["path", "alt"],
                "additionalProperties": False,
            },
        },
        "publish_at": {**_DATETIME, "description": KEYS["publish_at"]},
        "expires_at": {**_DATETIME, "description": KEYS["expires_at"]},
        "platforms": {
            "type": "array",
            "items": {"enum": platforms},
            "minItems": 1,
            "uniqueItems": True,
            "description": KEYS["platforms"],
        },
        "overrides": {
            "type": "object",
            "properties": {p: override for p in platforms},
            "additionalProperties": False,
            "description": KEYS["overrides"],
        },
        "department": {"type": "string", "description": KEYS["department"]},
        "freeze_exempt": {"type": "boolean", "description": KEYS["freeze_exempt"]},
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "pmcpost announcement",
        "description": "One announcement of the Pune Municipal Corporation, kept in "
        "content/<department>/<YYYY-MM-DD>-<slug>.yaml.",
        "type": "object",
        "properties": properties,
        "required": list(REQUIRED_KEYS),
        "additionalProperties": False,
    }


def schema_json(languages: list[str] | None = None, platforms: list[str] | None = None) -> str:
    return json.dumps(announcement_schema(languages, platforms), ensure_ascii=False, indent=2) + "\n"
