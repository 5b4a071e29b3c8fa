"""Who the dashboard is talking to. The operator signs in once with the API keys; the browser
then holds, in an httpOnly SameSite=Strict cookie, a seal per endpoint group made with that
group's key, never the key itself. Every request but the page itself must also carry the
DASHBOARD_HEADER, which a form on another site cannot send: with the cookie not sent across
sites either, another site cannot act with the operator's keys. A seal lasts SESSION_LIFETIME,
and changing a key ends every session made with it."""

from __future__ import annotations

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import NamedTuple

from entrypoints.settings import Settings
from entrypoints.web.api_keys import key_matches

COOKIE = "insider_dashboard"
COOKIE_PATH = "/dashboard"
DASHBOARD_HEADER = "x-dashboard"
SESSION_LIFETIME = timedelta(hours=12)
NO_SEAL = "-"
CLOCK_SKEW_SECONDS = 60


class Grants(NamedTuple):
    """The endpoint groups the operator signed in to."""

    messages: bool = False
    scheduler: bool = False

    @property
    def any(self) -> bool:
        return self.messages or self.scheduler


def _seal(group: str, key: str, issued: int) -> str:
    text = f"insider-dashboard:{group}:{issued}".encode()
    return hmac.new(key.encode(), text, hashlib.sha256).hexdigest()


def _group_keys(settings: Settings) -> tuple[tuple[str, str | None], ...]:
    return (("messages", settings.messages_api_key), ("scheduler", settings.scheduler_api_key))


class SignIn(NamedTuple):
    grants: Grants
    cookie: str | None
    errors: dict[str, str]


def sign_in(settings: Settings, given: dict[str, str], now: datetime) -> SignIn:
    """Check the keys the operator typed (one per group, blank for a group they skip) and make
    the cookie's value; any wrong key refuses the whole sign-in."""
    issued = int(now.timestamp())
    seals: list[str] = []
    errors: dict[str, str] = {}
    for group, expected in _group_keys(settings):
        typed = given.get(group, "").strip()
        if not typed:
            seals.append(NO_SEAL)
        elif not expected:
            errors[group] = f"The {group} API key is not configured on this service"
        elif not key_matches(typed, expected):
            errors[group] = f"This is not the {group} API key"
        else:
            seals.append(_seal(group, expected, issued))
    if not errors and all(seal == NO_SEAL for seal in seals):
        errors["messages"] = "Enter at least one API key"
    if errors:
        return SignIn(Grants(), None, errors)
    cookie = ".".join([str(issued), *seals])
    return SignIn(grants_of(settings, cookie, now), cookie, {})


def grants_of(settings: Settings, cookie: str | None, now: datetime) -> Grants:
    """What a cookie still grants: nothing once it is older than SESSION_LIFETIME, or made with
    a key that has changed since."""
    parts = (cookie or "").split(".")
    if len(parts) != 3 or not parts[0].isdigit():
        return Grants()
    issued = int(parts[0])
    age = now.timestamp() - issued
    # A little before now too: another process of the cluster, its clock a little ahead,
    # may have issued it.
    if not -CLOCK_SKEW_SECONDS <= age <= SESSION_LIFETIME.total_seconds():
        return Grants()
    granted = [
        bool(expected)
        and seal != NO_SEAL
        and hmac.compare_digest(seal, _seal(group, expected or "", issued))
        for (group, expected), seal in zip(_group_keys(settings), parts[1:], strict=True)
    ]
    return Grants(*granted)
