"""What an operator's page reads from every MessageRepository: a search by phone number and
the attempt log counted per minute. Subclass `OperatorReadsContract` beside the repository
contract of each store; it uses the same `repository` fixture."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import msgspec

from contract.repository_contract import (
    ACCEPTED,
    LEASE,
    MAX_ATTEMPTS,
    REJECTED,
    START,
    TIMED_OUT,
    UNAVAILABLE,
    outcome_of,
)
from insider_core import (
    AttemptsInMinute,
    MessageRepository,
    MessageStatus,
    NewMessage,
    PageRequest,
    SendOutcome,
)

MINUTE = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
ALICE = "+905551110001"
BOB = "+905551110002"


def message_to(phone: str, at: datetime = START) -> NewMessage:
    return NewMessage(
        content=f"for {phone}",
        phone_number=phone,
        idempotency_key=str(uuid.uuid4()),
        created_at=at,
    )


class OperatorReadsContract:
    async def attempts_at(
        self, repository: MessageRepository, *attempts: tuple[datetime, SendOutcome]
    ) -> None:
        """One message per attempt, its attempt started at the time given."""
        for _ in attempts:
            await repository.add(message_to(ALICE))
        claimed = await repository.claim_due(
            len(attempts), START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
        )
        results = []
        for message, (started_at, outcome) in zip(claimed, attempts, strict=True):
            result = outcome_of(message, outcome, START)
            assert result.attempt is not None
            attempt = msgspec.structs.replace(result.attempt, started_at=started_at)
            results.append(msgspec.structs.replace(result, attempt=attempt))
        assert await repository.save_results(results) == len(results)

    async def test_a_listing_by_phone_number_holds_only_that_numbers_messages_and_their_total(
        self, repository: MessageRepository
    ) -> None:
        for phone in (ALICE, BOB, ALICE, BOB, ALICE):
            await repository.add(message_to(phone))

        page = await repository.list_page(PageRequest(page=1, page_size=2, phone_number=ALICE))
        rest = await repository.list_page(PageRequest(page=2, page_size=2, phone_number=ALICE))

        assert [m.id for m in page.items] == [5, 3]
        assert [m.id for m in rest.items] == [1]
        assert page.total_count == rest.total_count == 3

    async def test_a_listing_by_phone_number_and_status_holds_messages_matching_both(
        self, repository: MessageRepository
    ) -> None:
        for phone in (ALICE, BOB, ALICE):
            await repository.add(message_to(phone))
        [first, *_] = await repository.claim_due(
            1, START, START + LEASE, "token", max_attempts=MAX_ATTEMPTS
        )
        await repository.save_results([outcome_of(first, REJECTED, START)])

        failed = PageRequest(status=MessageStatus.FAILED, phone_number=ALICE)
        pending = PageRequest(status=MessageStatus.PENDING, phone_number=ALICE)
        nobody = PageRequest(status=MessageStatus.FAILED, phone_number=BOB)

        assert [m.id for m in (await repository.list_page(failed)).items] == [first.id]
        assert [m.id for m in (await repository.list_page(pending)).items] == [3]
        assert (await repository.list_page(pending)).total_count == 1
        assert (await repository.list_page(nobody)).total_count == 0

    async def test_a_phone_number_nobody_was_sent_to_lists_nothing(
        self, repository: MessageRepository
    ) -> None:
        await repository.add(message_to(ALICE))

        page = await repository.list_page(PageRequest(phone_number="+15550000000"))

        assert list(page.items) == []
        assert page.total_count == 0

    async def test_attempts_are_counted_per_minute_the_accepted_apart_from_the_rest(
        self, repository: MessageRepository
    ) -> None:
        await self.attempts_at(
            repository,
            (MINUTE + timedelta(seconds=1), ACCEPTED),
            (MINUTE + timedelta(seconds=59, microseconds=999_999), UNAVAILABLE),
            (MINUTE + timedelta(minutes=1), ACCEPTED),
            (MINUTE + timedelta(minutes=1, seconds=30), ACCEPTED),
            (MINUTE + timedelta(minutes=3, seconds=5), TIMED_OUT),
        )

        counted = await repository.attempts_per_minute(MINUTE)

        assert counted == [
            AttemptsInMinute(minute=MINUTE, accepted=1, failed=1),
            AttemptsInMinute(minute=MINUTE + timedelta(minutes=1), accepted=2, failed=0),
            AttemptsInMinute(minute=MINUTE + timedelta(minutes=3), accepted=0, failed=1),
        ]

    async def test_attempts_started_before_since_are_not_counted(
        self, repository: MessageRepository
    ) -> None:
        since = MINUTE + timedelta(seconds=30)
        await self.attempts_at(
            repository,
            (since - timedelta(microseconds=1), ACCEPTED),
            (since, ACCEPTED),
            (since + timedelta(seconds=1), REJECTED),
        )

        counted = await repository.attempts_per_minute(since)

        assert counted == [AttemptsInMinute(minute=MINUTE, accepted=1, failed=1)]

    async def test_attempts_are_counted_in_utc_minutes_whatever_zone_they_were_given_in(
        self, repository: MessageRepository
    ) -> None:
        istanbul = timezone(timedelta(hours=3))
        await self.attempts_at(repository, (MINUTE.astimezone(istanbul), ACCEPTED))

        [counted] = await repository.attempts_per_minute(MINUTE - timedelta(hours=1))

        assert counted.minute == MINUTE
        assert counted.minute.utcoffset() == timedelta(0)

    async def test_a_store_without_attempts_counts_no_minute(
        self, repository: MessageRepository
    ) -> None:
        assert await repository.attempts_per_minute(MINUTE) == []
