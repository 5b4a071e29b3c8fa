"""Who the dashboard is talking to. The operator signs in once with the API keys; the browser
then holds, in an httpOnly SameSite=Strict cookie, a session sealed with the service's secret
(see seals.py), never a key. Every request but the page itself must also carry the
DASHBOARD_HEADER, which a form on another site cannot send: with the cookie not sent across
sites either, another site cannot act with the operator's keys.

The cookie is `<issued>.<session id>.<groups>.<seal>`; the seal covers the rest and the
fingerprints of the groups' keys, so a session lasts SESSION_LIFETIME, ends when a key it was
made with changes, and ends on every instance once signed out (a record in the store)."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from typing import NamedTuple

from entrypoints.settings import Settings
from entrypoints.web.api_keys import key_matches
from entrypoints.web.dashboard.seals import Sealer
from insider_core import SharedRecords

COOKIE = "insider_dashboard"
COOKIE_PATH = "/dashboard"
DASHBOARD_HEADER = "x-dashboard"
SESSION_LIFETIME = timedelta(hours=12)
CLOCK_SKEW = timedelta(seconds=60)
SIGNED_OUT = "dashboard:signout:"
GROUP_LETTERS = {"messages": "m", "scheduler": "s"}
COOKIE_SHAPE = re.compile(
    r"(?P<issued>[0-9]{1,10})\.(?P<session>[A-Za-z0-9_-]{22})\.(?P<groups>ms|m|s)"
    r"\.(?P<seal>[0-9a-f]{64})"
)


class Grants(NamedTuple):
    """The endpoint groups the operator signed in to."""

    messages: bool = False
    scheduler: bool = False

    @property
    def any(self) -> bool:
        return self.messages or self.scheduler


class Session(NamedTuple):
    grants: Grants
    session_id: str
    issued: datetime

    @property
    def ends(self) -> datetime:
        return self.issued + SESSION_LIFETIME


class SignIn(NamedTuple):
    session: Session | None
    cookie: str | None
    errors: dict[str, str]


def _group_keys(settings: Settings) -> tuple[tuple[str, str | None], ...]:
    return (("messages", settings.messages_api_key), ("scheduler", settings.scheduler_api_key))


def _sealed_text(sealer: Sealer, settings: Settings, head: str, groups: str) -> str | None:
    """What the seal covers: the cookie's head and the fingerprint of each group's key now;
    None when a group's key is no longer configured."""
    fingerprints = []
    for group, key in _group_keys(settings):
        if GROUP_LETTERS[group] in groups:
            if not key:
                return None
            fingerprints.append(sealer.fingerprint(group, key))
    return ".".join([head, *fingerprints])


def sign_in(sealer: Sealer, settings: Settings, given: dict[str, str], now: datetime) -> SignIn:
    """Check the keys the operator typed (one per group, blank for a group they skip) and make
    the cookie's value; any wrong key refuses the whole sign-in."""
    errors: dict[str, str] = {}
    groups = ""
    for group, expected in _group_keys(settings):
        typed = given.get(group, "").strip()
        if not typed:
            continue
        if not expected:
            errors[group] = f"The {group} API key is not configured on this service"
        elif not key_matches(typed, expected):
            errors[group] = f"This is not the {group} API key"
        else:
            groups += GROUP_LETTERS[group]
    if not errors and not groups:
        errors["messages"] = "Enter at least one API key"
    if errors:
        return SignIn(None, None, errors)
    issued = int(now.timestamp())
    session_id = secrets.token_urlsafe(16)
    head = f"{issued}.{session_id}.{groups}"
    sealed = _sealed_text(sealer, settings, head, groups)
    assert sealed is not None  # every group in `groups` has its key
    session = Session(_grants(groups), session_id, datetime.fromtimestamp(issued, UTC))
    return SignIn(session, f"{head}.{sealer.seal(sealed)}", {})


def unsealed(sealer: Sealer, settings: Settings, cookie: str, now: datetime) -> Session | None:
    """The session a cookie holds, if its seal is ours, its keys unchanged and its lifetime
    not over; it may still have been signed out (see `live_session`)."""
    shape = COOKIE_SHAPE.fullmatch(cookie)
    if shape is None:
        return None
    # Ten digits at most: a time before the year 2287, which datetime can hold.
    issued = datetime.fromtimestamp(int(shape["issued"]), UTC)
    # A little before now too: another instance, its clock a little ahead, may have issued it.
    if not issued - CLOCK_SKEW <= now <= issued + SESSION_LIFETIME:
        return None
    head, _, seal = cookie.rpartition(".")
    sealed = _sealed_text(sealer, settings, head, shape["groups"])
    if sealed is None or not sealer.holds(sealed, seal):
        return None
    return Session(_grants(shape["groups"]), shape["session"], issued)


async def live_session(
    records: SharedRecords, sealer: Sealer, settings: Settings, cookie: str, now: datetime
) -> Session | None:
    session = unsealed(sealer, settings, cookie, now)
    if session is None or await records.read_record(SIGNED_OUT + session.session_id, now):
        return None
    return session


async def sign_out(records: SharedRecords, session: Session, now: datetime) -> None:
    """Ends the session on every instance: kept until it would have ended anyway."""
    await records.write_record(SIGNED_OUT + session.session_id, "1", session.ends + CLOCK_SKEW, now)


def _grants(groups: str) -> Grants:
    return Grants(messages="m" in groups, scheduler="s" in groups)
