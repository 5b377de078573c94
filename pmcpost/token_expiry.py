"""Tokens that expire (Instagram-login and Threads tokens live 60 days): when each one runs out, from the
``token_expires`` date config.yaml gives for its platform, and the warnings doctor, publish and the monthly
report print. Never the token itself: only its platform, variable name and date."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pmcpost.config import Config
from pmcpost.words import plural

WARN_DAYS = 14  # publish warns in its summary from this many days before
REPORT_DAYS = 31  # the monthly report lists tokens running out before the next one


@dataclass(frozen=True)
class TokenExpiry:
    platform: str
    display: str
    variable: str
    expires: date
    days_left: int  # negative once expired

    def said(self) -> str:
        if self.days_left < 0:
            return (
                f"the {self.display} token ({self.variable}) expired on {self.expires:%Y-%m-%d}: posting there fails "
                "until it is refreshed (README: tokens that expire)"
            )
        when = "today" if self.days_left == 0 else f"in {plural(self.days_left, 'day')}"
        return (
            f"the {self.display} token ({self.variable}) expires on {self.expires:%Y-%m-%d} ({when}): refresh it "
            "before then (README: tokens that expire)"
        )


def token_expiries(config: Config, today: date) -> list[TokenExpiry]:
    """Every enabled platform whose config.yaml gives ``token_expires``, soonest first."""
    from pmcpost.platforms.registry import description

    out = []
    for name, settings in config.platforms.items():
        raw = settings.options.get("token_expires")
        if not settings.enabled or not raw:
            continue
        try:
            expires = date.fromisoformat(str(raw))
        except ValueError:
            continue  # config checking reports the pattern
        variable = next(iter(settings.credentials.values()), "")
        out.append(TokenExpiry(name, description(name).display_name, variable, expires, (expires - today).days))
    return sorted(out, key=lambda t: (t.expires, t.platform))


def expiring(config: Config, today: date, within: int = WARN_DAYS) -> list[TokenExpiry]:
    """The tokens that expire within ``within`` days (or already have)."""
    return [t for t in token_expiries(config, today) if t.days_left <= within]
