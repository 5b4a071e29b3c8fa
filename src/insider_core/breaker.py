"""The circuit breaker: a process stops sending while the receiver looks down, and probes it.

closed     sends go out; the recent ones are watched. When at least `min_sends` of the last
           `window` sends were answered and most of them (`failure_ratio`) failed retryably
           (timeout, connection error, 408, 429, 5xx), the breaker opens. Other answers, 4xx
           included, show a receiver that is up: they are the message's own fault.
open       nothing is sent or claimed; messages held but not sent are released. After the probe
           delay the breaker is half-open.
half-open  exactly one message is sent (the probe). Its success closes the breaker; a retryable
           failure opens it again with the probe delay doubled, up to `max_probe_delay_seconds`.

Separately, a receiver that answers 429 or 503 with Retry-After pauses all sending until then
(at most `max_pause_seconds`): the provider asked the whole process to slow down.

Several instances sharing a store hold one breaker between them (see service_breaker.py): each
reports its own observations as events and adopts the service's view of the receiver.

A breaker that has never seen an answer sends its first message alone (a trial under a probe
permit): an instance that starts during an outage learns of it from one request.

Outcomes are tied to the permit they were sent under: a send that began before the breaker last
changed state does not decide its next state (a slow answer from before an opening cannot close
it again, nor be taken for the probe's answer).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from enum import StrEnum

import msgspec

from insider_core.outcome import SendOutcome

PAUSING_STATUSES = frozenset({429, 503})
TRIAL_LOOK_AGAIN = timedelta(milliseconds=100)
"""While the first send is out, the other lanes look again this often: most receivers answer
it within that time, and then every lane sends."""


class BreakerState(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half-open"


class BreakerConfig(msgspec.Struct, frozen=True, kw_only=True):
    window: int = 20
    min_sends: int = 5
    failure_ratio: float = 0.5
    probe_delay_seconds: float = 1.0
    max_probe_delay_seconds: float = 30.0
    max_pause_seconds: float = 300.0

    def __post_init__(self) -> None:
        if not 1 <= self.min_sends <= self.window:
            raise ValueError("min_sends must be between 1 and window")
        if not 0.0 < self.failure_ratio <= 1.0:
            raise ValueError("failure_ratio must be above 0 and at most 1")
        if self.probe_delay_seconds <= 0 or self.max_probe_delay_seconds <= 0:
            raise ValueError("probe delays must be greater than 0")
        if self.max_pause_seconds < 0:
            raise ValueError("max_pause_seconds must not be negative")


class ReceiverStatus(msgspec.Struct, frozen=True, kw_only=True):
    """What the process knows of the receiver: the breaker's state, since when and why, and
    until when the receiver asked it to wait (None when it did not)."""

    state: BreakerState
    since: datetime | None
    reason: str | None
    paused_until: datetime | None
    next_probe_at: datetime | None

    @property
    def up(self) -> bool:
        return self.state is BreakerState.CLOSED


class BreakerEvent(StrEnum):
    """A change this breaker made from its own observations (not one it adopted)."""

    OPENED = "opened"
    PROBE_FAILED = "probe failed"
    PROBE_SUCCEEDED = "probe succeeded"
    PAUSED = "paused"


class BreakerView(msgspec.Struct, frozen=True, kw_only=True):
    """The receiver as one breaker sees it, as the service shares it."""

    state: BreakerState
    since: datetime | None = None
    reason: str | None = None
    next_probe_at: datetime | None = None
    probe_delay_seconds: float = 1.0
    paused_until: datetime | None = None


class SendPermit(msgspec.Struct, frozen=True):
    """Given for one send; hands its outcome back to the breaker state it was given in."""

    generation: int
    probe: bool = False


class CircuitBreaker:
    def __init__(
        self,
        config: BreakerConfig | None = None,
        listeners: Sequence[Callable[[ReceiverStatus], None]] = (),
        watchers: Sequence[Callable[[BreakerEvent], None]] = (),
        first_send_alone: bool = False,
    ) -> None:
        config = config or BreakerConfig()
        self.config = config
        self.listeners = list(listeners)
        self.watchers = list(watchers)
        """Told of every change this breaker makes from its own observations."""
        self.state = BreakerState.CLOSED
        self.since: datetime | None = None
        self.reason: str | None = None
        self.paused_until: datetime | None = None
        self._generation = 0
        self._recent: deque[bool] = deque(maxlen=config.window)  # True: failed retryably
        self._probe_delay = config.probe_delay_seconds
        self._probe_at: datetime | None = None
        self._probe_taken = False
        self._probing = False
        self._closed_permit = SendPermit(0)
        self._untried = first_send_alone
        self._trial_taken = False

    def view(self) -> BreakerView:
        return BreakerView(
            state=self.state,
            since=self.since,
            reason=self.reason,
            next_probe_at=self._probe_at if self.state is BreakerState.OPEN else None,
            probe_delay_seconds=self._probe_delay,
            paused_until=self.paused_until,
        )

    def status(self) -> ReceiverStatus:
        return ReceiverStatus(
            state=self.state,
            since=self.since,
            reason=self.reason,
            paused_until=self.paused_until,
            next_probe_at=self._probe_at if self.state is BreakerState.OPEN else None,
        )

    def paused(self, now: datetime) -> bool:
        return self.paused_until is not None and now < self.paused_until

    def allowance(self, wanted: int, now: datetime) -> int:
        """How many messages may be claimed now: all that are wanted while closed, one (the
        probe) once the probe delay has passed, none while open or paused."""
        if self.paused(now):
            return 0
        if self.state is BreakerState.OPEN and self._probe_at is not None and now >= self._probe_at:
            self._change(BreakerState.HALF_OPEN, now, self.reason)
        if self.state is BreakerState.CLOSED and self._untried:
            if self._trial_taken:
                return 0
            self._trial_taken = True
        if self.state is BreakerState.CLOSED:
            return wanted
        if self.state is BreakerState.HALF_OPEN and not self._probe_taken:
            self._probe_taken = True
            return min(wanted, 1)
        return 0

    def probe_settled(self) -> None:
        """A batch is over: if it took the probe but sent nothing under it (it claimed
        nothing, or its message was not sent to the receiver), the next claim may take it."""
        if self.state is BreakerState.HALF_OPEN and not self._probing:
            self._probe_taken = False
        if self._untried and not self._probing:
            self._trial_taken = False

    def ready_at(self, now: datetime) -> datetime | None:
        """When claiming may start again; None when it may now. While the probe is out, its
        answer is what will change that: the caller looks again after a probe delay."""
        waits = []
        if self.paused(now):
            waits.append(self.paused_until)
        if self.state is BreakerState.OPEN and self._probe_at is not None and self._probe_at > now:
            waits.append(self._probe_at)
        if self.state is BreakerState.CLOSED and self._untried and self._trial_taken:
            waits.append(now + TRIAL_LOOK_AGAIN)
        if self.state is BreakerState.HALF_OPEN and self._probe_taken:
            waits.append(now + timedelta(seconds=self._probe_delay))
        return max((w for w in waits if w is not None), default=None)

    def probe_due(self, now: datetime) -> bool:
        """Open, and the time to probe has come (the probe is not taken yet)."""
        return (
            self.state is BreakerState.OPEN
            and self._probe_at is not None
            and now >= self._probe_at
            and not self.paused(now)
        )

    def trial_permit(self) -> SendPermit | None:
        """With `first_send_alone`, the permit of the breaker's first send, which goes alone
        (the batch that claimed under the trial sends the rest after its answer): it is
        answered as a probe is. None once an answer was seen."""
        if not (self._untried and self._trial_taken) or self._probing:
            return None
        if self.state is not BreakerState.CLOSED:
            return None
        self._probing = True
        return SendPermit(self._generation, probe=True)

    def trial_over(self, permit: SendPermit) -> None:
        """The trial's message was not sent after all (a failure injected on purpose, or an
        error before sending): the next batch tries again."""
        if self._untried and permit.generation == self._generation:
            self._probing = False
            self._trial_taken = False

    def permit(self, now: datetime) -> SendPermit | None:
        """Leave to send one claimed message, or None: it is to be released instead."""
        if self.paused(now):
            return None
        if self.state is BreakerState.CLOSED:
            return self._closed_permit
        if self.state is BreakerState.HALF_OPEN and not self._probing:
            self._probing = True
            return SendPermit(self._generation, probe=True)
        return None

    def observe(self, permit: SendPermit, outcome: SendOutcome, now: datetime) -> None:
        """Account for the answer to a send made under `permit`."""
        self._pause_if_asked(outcome, now)
        self._untried = False
        if permit.generation != self._generation:
            return
        failed = outcome.retryable
        if permit.probe:
            self._probing = False
            trial = self.state is BreakerState.CLOSED
            if failed and trial:
                self._open(now, f"the first send failed: {_describe(outcome)}")
            elif failed:
                self._probe_delay = min(self._probe_delay * 2, self.config.max_probe_delay_seconds)
                self._open(now, _describe(outcome), BreakerEvent.PROBE_FAILED)
            elif trial:
                self._tell(BreakerEvent.PROBE_SUCCEEDED)
            else:
                self._recent.clear()
                self._probe_delay = self.config.probe_delay_seconds
                self._change(BreakerState.CLOSED, now, None, BreakerEvent.PROBE_SUCCEEDED)
            return
        if self.state is not BreakerState.CLOSED:
            return
        self._recent.append(failed)
        if not failed or len(self._recent) < self.config.min_sends:
            return
        failures, recent = sum(self._recent), len(self._recent)
        if failures >= self.config.failure_ratio * recent:
            self._open(now, f"{failures} of the last {recent} sends failed: {_describe(outcome)}")

    def adopt(self, shared: BreakerView, now: datetime) -> None:
        """Follow the service's view of the receiver: its pause, and its state unless this
        breaker's own probe is out (its answer decides). Adopted changes are not events."""
        if shared.paused_until is not None and (
            self.paused_until is None or shared.paused_until > self.paused_until
        ):
            self.paused_until = shared.paused_until
        if self._probing:
            return
        if shared.state is BreakerState.CLOSED:
            if self.state is not BreakerState.CLOSED:
                self._recent.clear()
                self._probe_delay = self.config.probe_delay_seconds
                self._change(BreakerState.CLOSED, now, None)
                self.since = shared.since or now
            return
        self._probe_delay = shared.probe_delay_seconds
        self._probe_at = shared.next_probe_at
        if self.state is not BreakerState.OPEN:
            self._change(BreakerState.OPEN, now, shared.reason)
        self.reason = shared.reason
        self.since = shared.since or self.since

    def withdraw(self, permit: SendPermit) -> None:
        """A send under `permit` ended with no answer that tells of the receiver (sending
        raised): it counts for nothing, and a probe's turn passes to the next claim."""
        if permit.probe and permit.generation == self._generation:
            self._probing = False

    def _open(self, now: datetime, reason: str, event: BreakerEvent = BreakerEvent.OPENED) -> None:
        self._probe_at = now + timedelta(seconds=self._probe_delay)
        self._change(BreakerState.OPEN, now, reason, event)

    def _change(
        self,
        state: BreakerState,
        now: datetime,
        reason: str | None,
        event: BreakerEvent | None = None,
    ) -> None:
        """Every change starts a new generation of permits. Opening (from closed) and closing
        are what the operator hears of; a failed probe or a probe's turn are not."""
        previous = self.state
        self._generation += 1
        self._probe_taken = False
        self._trial_taken = False
        self._probing = False
        self.state = state
        self.reason = reason
        self._closed_permit = SendPermit(self._generation)
        if state is BreakerState.CLOSED:
            self._probe_at = None
        if BreakerState.CLOSED in (previous, state):
            self.since = now
            status = self.status()
            for listener in self.listeners:
                listener(status)
        if event is not None:
            self._tell(event)

    def _tell(self, event: BreakerEvent) -> None:
        for watcher in self.watchers:
            watcher(event)

    def _pause_if_asked(self, outcome: SendOutcome, now: datetime) -> None:
        seconds = outcome.retry_after_seconds
        if seconds is None or outcome.http_status not in PAUSING_STATUSES:
            return
        until = now + timedelta(seconds=min(max(seconds, 0.0), self.config.max_pause_seconds))
        if self.paused_until is None or until > self.paused_until:
            self.paused_until = until
            self._tell(BreakerEvent.PAUSED)


def _describe(outcome: SendOutcome) -> str:
    return outcome.error or (f"HTTP {outcome.http_status}" if outcome.http_status else "failed")
