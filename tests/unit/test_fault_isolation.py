"""One message's trouble is its own: a sender that raises, or answers what cannot be stored,
for some messages of a batch costs those messages one failed attempt each, never the batch."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable

import msgspec
from harness import Harness
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adapters.memory import ScriptedSender
from insider_core import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    DispatchConfig,
    ErrorKind,
    Message,
    MessageStatus,
    NewMessage,
    RetryPolicy,
    SendOutcome,
    StoreUnavailable,
)
from insider_core.message import UNSENDABLE_KEY
from insider_core.outcome import RECEIPT_ID_LIMIT

POLICY = RetryPolicy(max_attempts=3, base_seconds=1, max_seconds=2)


class SilentFailure(Exception):
    """An exception that cannot even describe itself."""

    def __str__(self) -> str:
        raise RuntimeError("no description")


EXCEPTIONS = st.one_of(
    st.builds(ValueError, st.just("Forbidden control character detected in headers")),
    st.builds(RuntimeError, st.text(max_size=20)),
    st.builds(KeyError, st.text(max_size=5)),
    st.builds(TypeError, st.text(min_size=1000, max_size=3000)),
    st.builds(UnicodeError, st.just("lone surrogate \udc80 here")),
    st.builds(OSError, st.integers(0, 200), st.text(max_size=10)),
    st.builds(StoreUnavailable, st.just("a store the sender had no business using")),
    st.builds(AssertionError),
    st.builds(ZeroDivisionError),
    st.builds(SilentFailure),
)
ANSWERS: dict[str, Callable[[Message], object]] = {
    "accept": lambda m: SendOutcome.http(202, receipt_id=f"wh-{m.id}"),
    "accept with a huge messageId": lambda m: SendOutcome.http(202, receipt_id="x" * 70_000),
    "accept with an undecodable messageId": lambda m: SendOutcome.http(202, receipt_id="\udcff"),
    "accept with a duration that is not a number": lambda m: SendOutcome.http(
        202, receipt_id="wh", duration_seconds=float("nan")
    ),
    "a status no receiver answers": lambda m: SendOutcome(http_status=70_000),
    "service unavailable": lambda m: SendOutcome.http(503, body="down \udc80"),
    "not an outcome at all": lambda m: 42,
    "None": lambda m: None,
}
ACTIONS = st.one_of(st.sampled_from(sorted(ANSWERS)), EXCEPTIONS)


class HostileSender(ScriptedSender):
    """Answers each message as planned for it: by name, or by raising the planned exception.
    Counts what the receiver accepted, by idempotency key."""

    def __init__(self, plans: dict[int, list[str | Exception]]) -> None:
        super().__init__()
        self.plans = plans
        self.accepted: Counter[str] = Counter()
        self.requests: Counter[str] = Counter()

    async def send(self, message: Message, content: str) -> SendOutcome:
        await asyncio.sleep(0)
        self.requests[message.idempotency_key] += 1
        action = action_of(self.plans.get(message.id) or ["accept"], message.attempts)
        if isinstance(action, Exception):
            raise action
        answer = ANSWERS[action](message)
        if isinstance(answer, SendOutcome) and answer.http_status == 202:
            self.accepted[message.idempotency_key] += 1
        return answer  # type: ignore[return-value]


def action_of(plan: list[str | Exception], attempt: int) -> str | Exception:
    """The plan's action for the `attempt`-th attempt; its last one for every later one."""
    return plan[min(attempt, len(plan)) - 1]


async def add(harness: Harness, count: int, unsendable: set[int]) -> list[Message]:
    messages = []
    for n in range(1, count + 1):
        key = f"key\r\nX-Injected: {n}" if n in unsendable else f"key-{n}"
        new = NewMessage(
            content=f"m{n}",
            phone_number="+905551234567",
            idempotency_key=key,
            created_at=harness.clock.now(),
        )
        message, _ = await harness.repository.add(new)
        messages.append(message)
    return messages


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    plans=st.lists(st.lists(ACTIONS, min_size=1, max_size=3), min_size=1, max_size=12),
    unsendable=st.sets(st.integers(1, 12), max_size=3),
    batch_size=st.integers(1, 12),
    concurrency=st.integers(1, 4),
)
def test_every_message_ends_with_one_outcome_per_attempt_and_none_is_delivered_twice(
    plans: list[list[str | Exception]], unsendable: set[int], batch_size: int, concurrency: int
) -> None:
    asyncio.run(deliver_everything(plans, unsendable, batch_size, concurrency))


async def deliver_everything(
    plans: list[list[str | Exception]], unsendable: set[int], batch_size: int, concurrency: int
) -> None:
    sender = HostileSender(dict(enumerate(plans, start=1)))
    harness = Harness(sender, policy=POLICY, dispatch=DispatchConfig(concurrency=concurrency))
    messages = await add(harness, len(plans), unsendable)
    for _ in range(60):
        report = await harness.dispatcher.dispatch_batch(batch_size)
        ids = [result.message.id for result in report.results]
        assert len(ids) == len(set(ids)) == report.claimed == report.saved
        for result in report.results:
            stored = await harness.repository.get(result.message.id)
            assert stored == result.message
            assert stored is not None
            assert stored.status is not MessageStatus.SENDING
        if (await harness.service.stats()).pending == 0:
            break
        harness.clock.advance(60)

    assert all(times == 1 for times in sender.accepted.values()), sender.accepted
    for message in messages:
        stored = await harness.repository.get(message.id)
        assert stored is not None
        assert stored.status in (MessageStatus.SENT, MessageStatus.FAILED), stored
        attempts = await harness.repository.list_attempts(message.id)
        assert [a.attempt_number for a in attempts] == list(range(1, stored.attempts + 1))
        if stored.status is MessageStatus.SENT:
            assert sender.accepted[message.idempotency_key] == 1
            assert stored.receipt_id is None or len(stored.receipt_id) <= RECEIPT_ID_LIMIT
        last = attempts[-1]
        if message.id in unsendable:
            assert sender.requests[message.idempotency_key] == 0
            assert (stored.status, stored.last_error) == (MessageStatus.FAILED, UNSENDABLE_KEY)
            assert last.error_kind is ErrorKind.UNSENDABLE
        elif isinstance(action_of(plans[message.id - 1], stored.attempts), Exception):
            assert stored.status is MessageStatus.FAILED
            assert last.error_kind is ErrorKind.FAULT
            assert stored.last_error is not None
            assert stored.last_error.startswith("sending raised ")
        for text in (stored.last_error, stored.receipt_id, last.detail):
            assert text is None or text.encode("utf-8")  # storable: no lone surrogates


async def test_the_messages_beside_one_whose_sending_raises_are_sent_once_and_recorded():
    sender = HostileSender({3: [ValueError("Forbidden control character detected in headers")]})
    harness = Harness(sender, policy=POLICY)
    await add(harness, 6, unsendable=set())

    report = await harness.dispatcher.dispatch_batch(6)
    for _ in range(5):
        harness.clock.advance(600)
        await harness.dispatcher.dispatch_batch(6)

    assert (report.claimed, report.saved, report.sent, report.dead_lettered) == (6, 6, 5, 1)
    assert sorted(sender.accepted.values()) == [1] * 5
    assert sum(sender.requests.values()) == 6
    broken = await harness.repository.get(3)
    assert broken is not None
    assert broken.status is MessageStatus.FAILED
    assert broken.last_error == (
        "sending raised ValueError: Forbidden control character detected in headers"
    )


async def test_a_key_no_header_can_carry_is_dead_lettered_without_reaching_the_sender():
    sender = HostileSender({})
    harness = Harness(sender, policy=POLICY)
    await add(harness, 7, unsendable={4})

    report = await harness.dispatcher.dispatch_batch(7)

    assert (report.sent, report.dead_lettered) == (6, 1)
    assert "key\r\nX-Injected: 4" not in sender.requests
    dead = await harness.repository.get(4)
    assert dead is not None
    assert (dead.status, dead.attempts, dead.last_error) == (
        MessageStatus.FAILED,
        1,
        UNSENDABLE_KEY,
    )


async def test_an_answer_accepted_before_the_fault_keeps_the_message_sent_and_never_resends_it():
    class AcceptsThenBreaks(HostileSender):
        async def send(self, message: Message, content: str) -> SendOutcome:
            self.accepted[message.idempotency_key] += 1
            return SendOutcome(http_status=202, receipt_id=12345)  # type: ignore[arg-type]

    sender = AcceptsThenBreaks({})
    harness = Harness(sender, policy=POLICY)
    await add(harness, 2, unsendable=set())

    report = await harness.dispatcher.dispatch_batch(2)
    harness.clock.advance(3600)
    again = await harness.dispatcher.dispatch_batch(2)

    assert (report.sent, again.claimed) == (2, 0)
    sent = await harness.repository.get(1)
    assert sent is not None
    assert sent.status is MessageStatus.SENT
    assert sent.last_error is not None
    assert sent.last_error.startswith("sending raised TypeError")


async def test_a_receipt_longer_than_the_store_keeps_is_dropped_and_the_message_stays_sent():
    sender = ScriptedSender(lambda m: SendOutcome.http(202, receipt_id="r" * 100_000))
    harness = Harness(sender, policy=POLICY)
    await harness.create(1)

    report = await harness.dispatcher.dispatch_batch(1)

    [result] = report.results
    assert result.message.status is MessageStatus.SENT
    assert result.message.receipt_id is None
    assert result.message.last_error == (
        "accepted with a messageId of 100000 characters that cannot be kept "
        f"(at most {RECEIPT_ID_LIMIT}, valid Unicode); it is not stored"
    )


async def test_a_probe_whose_sending_raises_is_settled_and_the_next_batch_probes_again():
    breaker = CircuitBreaker(BreakerConfig(min_sends=1, window=1, probe_delay_seconds=1))
    calls = Counter[str]()

    def script(message: Message) -> SendOutcome:
        calls["sent"] += 1
        if calls["sent"] == 1:
            return SendOutcome.http(503)
        if calls["sent"] == 2:
            raise RuntimeError("sender bug during the probe")
        return SendOutcome.http(202, receipt_id="ok")

    harness = Harness(ScriptedSender(script), policy=POLICY, breaker=breaker)
    await harness.create(3)
    await harness.dispatcher.dispatch_batch(1)
    assert breaker.state is BreakerState.OPEN
    harness.clock.advance(2)

    probe = await harness.dispatcher.dispatch_batch(1)
    next_probe = await harness.dispatcher.dispatch_batch(1)

    assert (probe.claimed, probe.dead_lettered) == (1, 1)
    assert (next_probe.claimed, next_probe.sent) == (1, 1)
    assert breaker.state is BreakerState.CLOSED


def test_a_recordable_outcome_is_kept_as_it_is():
    outcome = SendOutcome.http(202, receipt_id="wh-1", duration_seconds=0.2)
    assert outcome.recordable() is outcome
    assert msgspec.structs.replace(outcome, receipt_id="é").recordable().receipt_id == "é"
