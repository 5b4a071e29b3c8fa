"""Messages created with a send time: the library's side of `sendAt`."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from harness import Harness

from insider_core import InvalidMessage

PHONE = "+905551234567"
ISTANBUL = timezone(timedelta(hours=3))


async def test_a_message_created_with_a_send_time_is_sent_then_and_not_before() -> None:
    harness = Harness()
    send_at = harness.clock.now() + timedelta(minutes=5)
    message, created = await harness.service.create("Later", PHONE, send_at=send_at)

    early = await harness.dispatcher.dispatch_batch(10)
    await harness.advance(5 * 60)
    on_time = await harness.dispatcher.dispatch_batch(10)

    assert created is True
    assert message.next_attempt_at == send_at
    assert (early.claimed, on_time.sent) == (0, 1)
    assert [sent.id for sent, _ in harness.sender.sent] == [message.id]


async def test_a_send_time_in_the_past_means_now() -> None:
    harness = Harness()
    now = harness.clock.now()

    message, _ = await harness.service.create("Now", PHONE, send_at=now - timedelta(days=3))

    assert message.next_attempt_at == now == message.created_at
    assert (await harness.dispatcher.dispatch_batch(1)).sent == 1


async def test_a_send_time_in_another_zone_is_kept_as_the_same_instant_in_utc() -> None:
    harness = Harness()
    send_at = (harness.clock.now() + timedelta(hours=1)).astimezone(ISTANBUL)

    message, _ = await harness.service.create("Zoned", PHONE, send_at=send_at)

    assert message.next_attempt_at == send_at
    assert message.next_attempt_at.utcoffset() == timedelta(0)


async def test_a_send_time_up_to_a_year_ahead_is_accepted_and_later_is_refused() -> None:
    harness = Harness()
    year_ahead = harness.clock.now() + timedelta(days=365)

    message, _ = await harness.service.create("In a year", PHONE, send_at=year_ahead)
    with pytest.raises(InvalidMessage) as error:
        await harness.service.create(
            "Too late", PHONE, send_at=year_ahead + timedelta(microseconds=1)
        )

    assert message.next_attempt_at == year_ahead
    assert error.value.details == {"sendAt": "must be at most a year (365 days) ahead"}
    assert (await harness.service.stats()).total == 1


async def test_a_send_time_without_a_zone_is_refused_with_every_other_broken_field() -> None:
    harness = Harness()
    naive = datetime(2026, 1, 1, 12, 0)

    with pytest.raises(InvalidMessage) as error:
        await harness.service.create("", PHONE, send_at=naive)

    assert error.value.details == {
        "content": "must not be empty",
        "sendAt": "must have a UTC offset or Z",
    }


async def test_a_repeated_key_returns_the_original_with_its_own_send_time() -> None:
    harness = Harness()
    first_time = harness.clock.now() + timedelta(hours=1)
    first, _ = await harness.service.create("One", PHONE, "order-7", send_at=first_time)

    again, created = await harness.service.create(
        "One", PHONE, "order-7", send_at=first_time + timedelta(hours=2)
    )

    assert (again, created) == (first, False)
    assert again.next_attempt_at == first_time


def test_a_prepared_message_without_a_send_time_is_due_when_created() -> None:
    harness = Harness()

    new = harness.service.prepare("Hello", PHONE)

    assert new.send_at is None
    assert new.due_at == new.created_at == datetime(2026, 1, 1, tzinfo=UTC)
