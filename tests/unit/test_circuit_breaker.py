from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from insider_core import (
    BreakerConfig,
    BreakerState,
    CircuitBreaker,
    ErrorKind,
    ReceiverStatus,
    SendOutcome,
    SendPermit,
)

T0 = datetime(2026, 1, 1, tzinfo=UTC)
DOWN = SendOutcome.http(503)
TIMEOUT = SendOutcome.failure(ErrorKind.TIMEOUT, "timed out")
BAD_REQUEST = SendOutcome.http(400)
ACCEPTED = SendOutcome.http(202, receipt_id="m")
CONFIG = BreakerConfig(
    window=10, min_sends=4, failure_ratio=0.5, probe_delay_seconds=1, max_probe_delay_seconds=8
)


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


def send(breaker: CircuitBreaker, outcome: SendOutcome, now: datetime) -> SendPermit | None:
    permit = breaker.permit(now)
    if permit is not None:
        breaker.observe(permit, outcome, now)
    return permit


def opened(changes: list[ReceiverStatus] | None = None) -> CircuitBreaker:
    breaker = CircuitBreaker(CONFIG, listeners=[changes.append] if changes is not None else [])
    for _ in range(4):
        send(breaker, DOWN, T0)
    assert breaker.state is BreakerState.OPEN
    return breaker


def test_a_closed_breaker_lets_every_claim_and_send_through():
    breaker = CircuitBreaker(CONFIG)

    assert breaker.allowance(50, T0) == 50
    assert breaker.permit(T0) == SendPermit(0)
    assert breaker.ready_at(T0) is None


def test_most_recent_sends_failing_retryably_opens_the_breaker():
    breaker = CircuitBreaker(CONFIG)
    for outcome in (ACCEPTED, ACCEPTED, DOWN, ACCEPTED, DOWN):
        send(breaker, outcome, T0)
    assert breaker.state is BreakerState.CLOSED  # 2 of 5 failed

    send(breaker, TIMEOUT, at(1))

    assert breaker.state is BreakerState.OPEN
    assert breaker.since == at(1)
    assert breaker.reason == "3 of the last 6 sends failed: timed out"


def test_fewer_sends_than_the_minimum_never_open_it():
    breaker = CircuitBreaker(CONFIG)
    for _ in range(3):
        send(breaker, DOWN, T0)

    assert breaker.state is BreakerState.CLOSED


def test_other_4xx_answers_are_the_message_s_fault_and_never_open_it():
    breaker = CircuitBreaker(CONFIG)
    for _ in range(20):
        send(breaker, BAD_REQUEST, T0)

    assert breaker.state is BreakerState.CLOSED


def test_an_open_breaker_claims_and_sends_nothing_until_the_probe_delay_passes():
    breaker = opened()

    assert breaker.allowance(50, T0) == 0
    assert breaker.permit(T0) is None
    assert breaker.ready_at(T0) == at(1)
    assert breaker.status().next_probe_at == at(1)


def test_after_the_probe_delay_one_probe_is_claimed_and_sent():
    breaker = opened()

    assert breaker.allowance(50, at(1)) == 1
    assert breaker.state is BreakerState.HALF_OPEN
    assert breaker.allowance(50, at(1)) == 0
    probe = breaker.permit(at(1))
    assert probe is not None
    assert probe.probe
    assert breaker.permit(at(1)) is None


def test_while_the_probe_is_out_claims_wait_a_probe_delay_before_looking_again():
    breaker = opened()
    breaker.allowance(1, at(1))

    assert breaker.ready_at(at(1)) == at(2)


def test_a_successful_probe_closes_the_breaker():
    changes: list[ReceiverStatus] = []
    breaker = opened(changes)
    breaker.allowance(1, at(1))
    probe = breaker.permit(at(1))
    assert probe is not None

    breaker.observe(probe, ACCEPTED, at(1.5))

    assert breaker.state is BreakerState.CLOSED
    assert breaker.allowance(50, at(1.5)) == 50
    assert [change.state for change in changes] == [BreakerState.OPEN, BreakerState.CLOSED]


def test_each_failed_probe_doubles_the_delay_up_to_the_cap():
    breaker = opened()
    now = T0
    delays = []
    for _ in range(6):
        ready = breaker.ready_at(now)
        assert ready is not None
        delays.append((ready - now).total_seconds())
        now = ready
        assert breaker.allowance(1, now) == 1
        probe = breaker.permit(now)
        assert probe is not None
        breaker.observe(probe, DOWN, now)

    assert delays == [1, 2, 4, 8, 8, 8]
    assert breaker.since == T0  # the outage began when it first opened


def test_the_probe_delay_starts_over_after_the_breaker_closes():
    breaker = opened()
    breaker.allowance(1, at(1))
    probe = breaker.permit(at(1))
    assert probe is not None
    breaker.observe(probe, DOWN, at(1))
    breaker.allowance(1, at(3))
    probe = breaker.permit(at(3))
    assert probe is not None
    breaker.observe(probe, ACCEPTED, at(3))
    for _ in range(4):
        send(breaker, DOWN, at(4))

    assert breaker.ready_at(at(4)) == at(5)


def test_a_probe_claim_that_found_nothing_leaves_the_probe_to_the_next_claim():
    breaker = opened()
    assert breaker.allowance(5, at(1)) == 1

    breaker.probe_settled()

    assert breaker.allowance(5, at(1)) == 1


def test_an_answer_to_a_send_from_before_the_opening_does_not_close_it():
    breaker = CircuitBreaker(CONFIG)
    slow = breaker.permit(T0)
    assert slow is not None
    for _ in range(4):
        send(breaker, DOWN, T0)

    breaker.observe(slow, ACCEPTED, at(0.5))

    assert breaker.state is BreakerState.OPEN


def test_retry_after_on_429_or_503_pauses_all_sending_until_then():
    breaker = CircuitBreaker(CONFIG)
    send(breaker, SendOutcome.http(429, retry_after_seconds=30), T0)

    assert breaker.state is BreakerState.CLOSED
    assert breaker.allowance(10, at(29)) == 0
    assert breaker.permit(at(29)) is None
    assert breaker.ready_at(T0) == at(30)
    assert breaker.status().paused_until == at(30)
    assert breaker.allowance(10, at(30)) == 10


def test_a_pause_is_capped():
    breaker = CircuitBreaker(BreakerConfig(max_pause_seconds=60))
    send(breaker, SendOutcome.http(503, retry_after_seconds=86_400), T0)

    assert breaker.paused_until == at(60)


def test_retry_after_on_other_statuses_pauses_nothing():
    breaker = CircuitBreaker(CONFIG)
    send(breaker, SendOutcome.http(500, retry_after_seconds=30), T0)

    assert breaker.paused_until is None


class BreakerMachine(RuleBasedStateMachine):
    """Whatever the order of claims, sends, answers and time: never more than one probe in
    flight, and nothing is sent while the breaker is open or the receiver asked to wait."""

    def __init__(self) -> None:
        super().__init__()
        self.breaker = CircuitBreaker(CONFIG)
        self.now = T0
        self.in_flight: list[SendPermit] = []

    @rule(seconds=st.floats(min_value=0, max_value=10))
    def time_passes(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    @rule(wanted=st.integers(min_value=1, max_value=50))
    def claim(self, wanted: int) -> None:
        allowed = self.breaker.allowance(wanted, self.now)
        assert 0 <= allowed <= wanted
        if self.breaker.state is BreakerState.HALF_OPEN:
            assert allowed <= 1
        if self.breaker.paused(self.now):
            assert allowed == 0

    @rule()
    def batch_ends(self) -> None:
        self.breaker.probe_settled()

    @rule()
    def send(self) -> None:
        state = self.breaker.state
        permit = self.breaker.permit(self.now)
        if permit is None:
            return
        assert not self.breaker.paused(self.now)
        assert state is not BreakerState.OPEN
        self.in_flight.append(permit)

    @precondition(lambda self: self.in_flight)
    @rule(
        index=st.integers(min_value=0),
        outcome=st.sampled_from(
            [DOWN, TIMEOUT, BAD_REQUEST, ACCEPTED, SendOutcome.http(429, retry_after_seconds=5)]
        ),
    )
    def answer(self, index: int, outcome: SendOutcome) -> None:
        permit = self.in_flight.pop(index % len(self.in_flight))
        self.breaker.observe(permit, outcome, self.now)

    @invariant()
    def never_more_than_one_probe_in_flight(self) -> None:
        assert len([permit for permit in self.in_flight if permit.probe]) <= 1

    @invariant()
    def an_open_breaker_always_knows_when_to_probe(self) -> None:
        if self.breaker.state is BreakerState.OPEN:
            assert self.breaker.status().next_probe_at is not None


TestBreakerMachine = BreakerMachine.TestCase
TestBreakerMachine.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
