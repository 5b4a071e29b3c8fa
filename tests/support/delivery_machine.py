"""A hypothesis state machine for the whole delivery lifecycle, over any MessageRepository.

It creates messages, dispatches batches against a webhook that answers at random, lets workers
vanish mid-batch (and come back late), moves time, and replays the dead-letter queue, checking
the operator's promises after every step. `delivery_machine(open_repository)` builds the machine
for one repository implementation; each example gets a fresh, empty repository.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter, deque
from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from datetime import datetime, timedelta
from random import Random

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from adapters.memory import InMemorySentCache, ManualClock
from insider_core import (
    DeliveryAttempt,
    DeliveryResult,
    DispatchConfig,
    Dispatcher,
    ErrorKind,
    Message,
    MessageRepository,
    MessageService,
    MessageStatus,
    PageRequest,
    RetryPolicy,
    SendOutcome,
)
from insider_core.message import LEASE_EXPIRED

OpenRepository = Callable[[], AbstractAsyncContextManager[MessageRepository]]

MAX_ATTEMPTS = 3
LEASE_SECONDS = 60.0
ANSWERS = {
    "accept": SendOutcome.http(202, receipt_id="from-webhook"),
    "accept without id": SendOutcome.http(202),
    "server error": SendOutcome.http(500),
    "too many requests": SendOutcome.http(429, retry_after_seconds=5),
    "bad request": SendOutcome.http(400),
    "timeout": SendOutcome.failure(ErrorKind.TIMEOUT, "timed out"),
}


class RandomWebhook:
    """Answers each send with the next planned answer; remembers what it accepted, by key."""

    def __init__(self, on_send: Callable[[Message], None]) -> None:
        self.planned: deque[SendOutcome] = deque()
        self.accepted: Counter[str] = Counter()
        self.on_send = on_send

    async def send(self, message: Message, content: str) -> SendOutcome:
        self.on_send(message)
        outcome = self.planned.popleft() if self.planned else ANSWERS["accept"]
        if outcome.accepted:
            self.accepted[message.idempotency_key] += 1
        return outcome


def delivery_machine(open_repository: OpenRepository) -> type[RuleBasedStateMachine]:
    class DeliveryMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.loop = asyncio.new_event_loop()
            self._context = open_repository()
            self.repository = self.run(self._context.__aenter__())
            self.clock = ManualClock()
            self.webhook = RandomWebhook(on_send=self.check_send)
            cache = InMemorySentCache(self.clock)
            self.service = MessageService(self.repository, cache, self.clock)
            self.dispatcher = Dispatcher(
                self.repository,
                self.webhook,
                cache,
                self.clock,
                RetryPolicy(max_attempts=MAX_ATTEMPTS, base_seconds=10, max_seconds=100),
                DispatchConfig(lease_seconds=LEASE_SECONDS),
                rng=Random(0),
            )
            self.keys: list[str] = []
            self.vanished: list[tuple[str, list[Message]]] = []
            self.held_leases: dict[int, Message] = {}
            self.interrupted_keys: set[str] = set()
            self.sent_forever: dict[int, Message] = {}
            self.failed_before: set[int] = set()
            self.replayed_now: set[int] = set()
            self.send_times: dict[int, datetime] = {}
            self.attempts_counted: Counter[int] = Counter()
            """Per message since its last replay: its claims, less those released unsent."""

        def run(self, coroutine):  # type: ignore[no-untyped-def]
            return self.loop.run_until_complete(coroutine)

        def check_send(self, message: Message) -> None:
            self.check_no_live_lease(message)
            send_at = self.send_times.get(message.id, self.clock.now())
            assert send_at <= self.clock.now(), "sent before its send time"

        def check_no_live_lease(self, message: Message) -> None:
            """A message is sent again only after the lease of the worker that vanished expired."""
            held = self.held_leases.pop(message.id, None)
            if held is not None:
                assert held.lease_until is not None
                assert held.lease_until < self.clock.now(), "sent while another lease held"

        def teardown(self) -> None:
            self.run(self._context.__aexit__(None, None, None))
            self.loop.close()

        @rule(
            content=st.text(
                st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
                min_size=1,
                max_size=30,
            ).filter(str.strip)
        )
        def create(self, content: str) -> None:
            message, created = self.run(self.service.create(content, "+905551234567"))
            assert created
            self.keys.append(message.idempotency_key)

        @rule(minutes=st.integers(1, 30))
        def create_scheduled(self, minutes: int) -> None:
            send_at = self.clock.now() + timedelta(minutes=minutes)
            message, _ = self.run(self.service.create("later", "+905551234567", send_at=send_at))
            assert message.next_attempt_at == send_at
            self.keys.append(message.idempotency_key)
            self.send_times[message.id] = send_at

        @precondition(lambda self: self.keys)
        @rule(data=st.data())
        def create_again_with_a_used_key(self, data: st.DataObject) -> None:
            key = data.draw(st.sampled_from(self.keys))
            message, created = self.run(self.service.create("again", "+905551234567", key))
            assert not created
            assert message.idempotency_key == key

        @rule(
            batch_size=st.integers(1, 5),
            answers=st.lists(st.sampled_from(sorted(ANSWERS)), max_size=5),
        )
        def dispatch(self, batch_size: int, answers: list[str]) -> None:
            self.webhook.planned = deque(ANSWERS[name] for name in answers)
            report = self.run(self.dispatcher.dispatch_batch(batch_size))
            assert report.claimed <= batch_size
            assert report.saved == report.claimed
            for result in report.results:
                if result.attempt is not None:
                    self.attempts_counted[result.message.id] += 1

        @rule(batch_size=st.integers(1, 3), delivered=st.booleans())
        def a_worker_vanishes_mid_batch(self, batch_size: int, delivered: bool) -> None:
            """It claims, maybe reaches the webhook, and never records anything."""
            token = uuid.uuid4().hex
            now = self.clock.now()
            claimed = self.run(
                self.repository.claim_due(
                    batch_size,
                    now,
                    now + self.dispatcher.config.lease_for(batch_size),
                    token,
                    max_attempts=MAX_ATTEMPTS,
                )
            )
            for message in claimed:
                self.attempts_counted[message.id] += 1
                self.held_leases[message.id] = message
                self.interrupted_keys.add(message.idempotency_key)
                if delivered:
                    self.webhook.accepted[message.idempotency_key] += 1
            if claimed:
                self.vanished.append((token, claimed))

        @precondition(lambda self: self.vanished)
        @rule()
        def a_vanished_worker_records_late(self) -> None:
            token, claimed = self.vanished.pop(0)
            now = self.clock.now()
            before = {m.id: self.run(self.repository.get(m.id)) for m in claimed}
            results = [
                DeliveryResult(
                    message=m.mark_sent("late", now),
                    claim_token=token,
                    attempt=DeliveryAttempt(
                        message_id=m.id,
                        attempt_number=m.attempts,
                        started_at=now,
                        duration_ms=0,
                        http_status=202,
                        error_kind=None,
                        detail=None,
                    ),
                )
                for m in claimed
            ]
            self.run(self.repository.save_results(results))
            for message in claimed:
                stored = before[message.id]
                assert stored is not None
                after = self.run(self.repository.get(message.id))
                assert after is not None
                if stored.claim_token != token:
                    assert after == stored, "a stale claim changed a message"
                else:
                    self.held_leases.pop(message.id, None)

        @rule(seconds=st.sampled_from([1, 10, 30, 61, 120, 600]))
        def time_passes(self, seconds: int) -> None:
            self.clock.advance(seconds)

        @rule(data=st.data())
        def replay_one(self, data: st.DataObject) -> None:
            failed = [m.id for m in self.all_messages() if m.status is MessageStatus.FAILED]
            if not failed:
                return
            message_id = data.draw(st.sampled_from(failed))
            replayed = self.run(self.service.replay_one(message_id))
            assert replayed.status is MessageStatus.PENDING
            assert replayed.attempts == 0
            self.replayed_now.add(message_id)
            self.attempts_counted[message_id] = 0

        @rule()
        def replay_all(self) -> None:
            failed = {m.id for m in self.all_messages() if m.status is MessageStatus.FAILED}
            assert self.run(self.service.replay_all()) == len(failed)
            self.replayed_now |= failed
            for message_id in failed:
                self.attempts_counted[message_id] = 0

        @rule(data=st.data())
        def replay_failed_since(self, data: st.DataObject) -> None:
            """After an outage: a dry run first, then only what failed since a moment."""
            failed = [m for m in self.all_messages() if m.status is MessageStatus.FAILED]
            moments = sorted({m.updated_at for m in failed})
            since = data.draw(st.sampled_from([*moments, self.clock.now() + timedelta(seconds=1)]))
            expected = {m.id for m in failed if m.updated_at >= since}
            assert self.run(self.service.replay_all(since=since, dry_run=True)) == len(expected)
            assert self.run(self.service.replay_all(since=since)) == len(expected)
            self.replayed_now |= expected
            for message_id in expected:
                self.attempts_counted[message_id] = 0

        def all_messages(self) -> list[Message]:
            page = self.run(self.repository.list_page(PageRequest(page=1, page_size=1000)))
            assert page.total_count == len(page.items)
            return list(page.items)

        @invariant()
        def promises_hold(self) -> None:
            messages = self.all_messages()
            counts = Counter(m.status for m in messages)
            stats = self.run(self.service.stats())
            assert (stats.pending, stats.sending, stats.sent, stats.failed) == (
                counts[MessageStatus.PENDING],
                counts[MessageStatus.SENDING],
                counts[MessageStatus.SENT],
                counts[MessageStatus.FAILED],
            )
            assert stats.total == len(messages)
            for message in messages:
                assert 0 <= message.attempts <= MAX_ATTEMPTS
                # Every claim counts an attempt, an expired lease's too; a release gives back
                # its own; a message whose lease expired with none left is dead-lettered.
                assert message.attempts == self.attempts_counted[message.id], message
                if message.last_error == LEASE_EXPIRED and message.status is MessageStatus.FAILED:
                    assert message.attempts == MAX_ATTEMPTS
                if message.status is MessageStatus.SENT:
                    assert message.sent_at is not None
                    assert message.receipt_id is not None or message.last_error
                    frozen = self.sent_forever.setdefault(message.id, message)
                    assert message == frozen, "a sent message changed"
                if message.id in self.failed_before and message.status is not MessageStatus.FAILED:
                    assert message.id in self.replayed_now, "a message left the DLQ unreplayed"
            for key, times in self.webhook.accepted.items():
                if times > 1:
                    assert key in self.interrupted_keys, f"{key} accepted {times} times"
            self.failed_before = {m.id for m in messages if m.status is MessageStatus.FAILED}
            self.replayed_now = set()

    return DeliveryMachine
