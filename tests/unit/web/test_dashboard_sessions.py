"""The dashboard's sessions: sealed with the service's own secret, ended everywhere on sign-out,
refused when forged, and the sign-in limited per client address."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from litestar.testing import AsyncTestClient

from adapters.memory import InMemoryMessageRepository, ManualClock
from conftest import MESSAGES_KEY, SCHEDULER_KEY, Client, settings_with
from entrypoints.web.app import create_app
from entrypoints.web.attempt_limit import FAILURES_ALLOWED, WINDOW
from entrypoints.web.dashboard.seals import SECRET_RECORD, Sealer, hkdf_sha256
from entrypoints.web.dashboard.session import COOKIE, SESSION_LIFETIME, sign_in, unsealed

DASHBOARD = {"x-dashboard": "1"}
OpenClient = Callable[..., AsyncTestClient[Any]]


async def sign_in_with(client: Client, messages: str = MESSAGES_KEY, scheduler: str = "") -> Any:
    return await client.post(
        "/dashboard/session",
        data={"messages_key": messages, "scheduler_key": scheduler},
        headers=DASHBOARD,
    )


def with_cookie(cookie: str, *headers: tuple[str, str]) -> list[tuple[bytes, bytes]]:
    """Headers as bytes: a cookie may hold what httpx would not encode as ASCII."""
    sent = [("cookie", f"{COOKIE}={cookie}"), *headers]
    return [(name.encode(), value.encode()) for name, value in sent]


async def overview_status(client: Client, cookie: str) -> int:
    headers = with_cookie(cookie, ("x-dashboard", "1"))
    return int((await client.get("/dashboard/overview", headers=headers)).status_code)


def sealer() -> Sealer:
    return Sealer(bytes(32))


def test_hkdf_gives_the_output_of_rfc_5869_test_case_1() -> None:
    okm = hkdf_sha256(bytes([0x0B] * 22), bytes(range(0xF0, 0xFA)), 42, salt=bytes(range(0x0D)))

    assert okm.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )


def test_a_session_ends_after_its_lifetime() -> None:
    settings, clock = settings_with(), ManualClock()
    cookie = sign_in(sealer(), settings, {"messages": MESSAGES_KEY}, clock.now()).cookie or ""

    clock.advance(SESSION_LIFETIME.total_seconds() - 1)
    assert unsealed(sealer(), settings, cookie, clock.now()) is not None
    clock.advance(2)
    assert unsealed(sealer(), settings, cookie, clock.now()) is None


def test_changing_a_key_ends_the_sessions_made_with_it() -> None:
    clock = ManualClock()
    cookie = sign_in(sealer(), settings_with(), {"messages": MESSAGES_KEY}, clock.now()).cookie

    changed = settings_with(MESSAGES_API_KEY="a-new-key")

    assert unsealed(sealer(), changed, cookie or "", clock.now()) is None


def test_a_seal_made_for_one_group_does_not_open_the_other() -> None:
    settings, clock = settings_with(), ManualClock()
    cookie = sign_in(sealer(), settings, {"messages": MESSAGES_KEY}, clock.now()).cookie or ""
    issued, session, _, seal = cookie.split(".")

    for groups in ("s", "ms"):
        assert (
            unsealed(sealer(), settings, f"{issued}.{session}.{groups}.{seal}", clock.now()) is None
        )


def test_a_cookie_sealed_with_another_secret_opens_nothing() -> None:
    settings, clock = settings_with(), ManualClock()
    cookie = sign_in(sealer(), settings, {"messages": MESSAGES_KEY}, clock.now()).cookie or ""

    assert unsealed(Sealer(bytes([1] * 32)), settings, cookie, clock.now()) is None


def test_the_seal_is_made_with_the_stored_secret_not_with_an_api_key() -> None:
    """With the secret unknown, the API key alone cannot make or check a seal."""
    settings, clock = settings_with(), ManualClock()
    cookie = sign_in(sealer(), settings, {"messages": MESSAGES_KEY}, clock.now()).cookie or ""

    assert unsealed(Sealer(MESSAGES_KEY.encode()), settings, cookie, clock.now()) is None


@pytest.mark.parametrize(
    "cookie",
    [
        "garbage",
        "1.2",
        "x.-.-",
        "1700000000.-.-",
        "1" + "0" * 400 + ".-.-",
        "\u00b2.-.-",
        "1700000000.AAAAAAAAAAAAAAAAAAAAAA.m." + "0" * 64,
        "9" * 12 + ".AAAAAAAAAAAAAAAAAAAAAA.m." + "0" * 64,
    ],
)
async def test_a_forged_or_malformed_cookie_is_a_401(client: Client, cookie: str) -> None:
    page = await client.get("/dashboard", headers=with_cookie(cookie))

    assert page.status_code == 401
    assert 'name="messages_key"' in page.text
    assert await overview_status(client, cookie) == 401


COOKIE_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters=";"), max_size=120
)
COOKIE_PIECES = st.lists(
    st.one_of(
        st.integers(min_value=0).map(str), st.sampled_from(["-", "m", "s", "ms"]), COOKIE_TEXT
    ),
    max_size=5,
).map(".".join)


@given(cookie=st.one_of(COOKIE_TEXT, COOKIE_PIECES))
@example(cookie="1" + "0" * 400 + ".-.-")
@example(cookie="\u00b2.-.-")
@hypothesis_settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
async def test_no_cookie_whatever_it_holds_gets_a_500(client: Client, cookie: str) -> None:
    page = await client.get("/dashboard", headers=with_cookie(cookie))

    assert page.status_code in (200, 401)
    assert await overview_status(client, cookie) == 401


async def test_a_signed_out_cookie_is_refused_even_if_the_browser_keeps_it(client: Client) -> None:
    cookie = (await sign_in_with(client)).cookies[COOKIE]

    await client.post("/dashboard/session/end", headers=DASHBOARD)

    assert await overview_status(client, cookie) == 401


async def test_signing_out_on_one_instance_ends_the_session_on_every_instance(
    open_client: OpenClient,
) -> None:
    """Two apps over one store, as two instances behind a load balancer."""
    async with open_client(settings_with()) as one, open_client(settings_with()) as other:
        cookie = (await sign_in_with(one)).cookies[COOKIE]
        assert await overview_status(other, cookie) == 200

        await other.post("/dashboard/session/end", headers=with_cookie(cookie, *DASHBOARD.items()))

        assert await overview_status(one, cookie) == 401


async def test_the_secret_is_made_once_and_kept_in_the_store(
    client: Client, repository: InMemoryMessageRepository, clock: ManualClock
) -> None:
    await sign_in_with(client)
    secret = await repository.read_record(SECRET_RECORD, clock.now())

    await sign_in_with(client)

    assert secret is not None
    assert len(bytes.fromhex(secret)) == 32
    assert MESSAGES_KEY not in secret
    assert await repository.read_record(SECRET_RECORD, clock.now()) == secret


async def test_sign_ins_are_limited_per_address_even_with_the_right_key_then_allowed_again(
    client: Client, clock: ManualClock
) -> None:
    for _ in range(FAILURES_ALLOWED):
        assert (await sign_in_with(client, messages="a-guess")).status_code == 401

    refused = await sign_in_with(client)

    assert refused.status_code == 429
    retry_after = int(refused.headers["retry-after"])
    assert retry_after >= 1
    assert retry_after <= WINDOW.total_seconds()
    assert "set-cookie" not in refused.headers
    assert "Too many failed attempts" in refused.text
    clock.advance(WINDOW.total_seconds())
    assert (await sign_in_with(client)).status_code == 200


async def test_the_sign_in_limit_holds_across_instances(open_client: OpenClient) -> None:
    async with open_client(settings_with()) as one, open_client(settings_with()) as other:
        for _ in range(FAILURES_ALLOWED):
            await sign_in_with(one, messages="a-guess")

        assert (await sign_in_with(other)).status_code == 429


async def test_the_cookie_is_secure_when_the_request_came_over_https(
    make_container: Callable[..., Any],
) -> None:
    app = create_app(make_container())
    async with AsyncTestClient(app, base_url="https://dispatch.test") as client:
        cookie = (await sign_in_with(client, scheduler=SCHEDULER_KEY)).headers["set-cookie"]

    assert "Secure" in cookie


async def test_the_cookie_is_not_marked_secure_over_plain_http(client: Client) -> None:
    cookie = (await sign_in_with(client)).headers["set-cookie"]

    assert "Secure" not in cookie
