"""One message's attempt, from its claim to the result its batch records. Like a job in a
worker, whatever raises while the message is prepared, sent or its answer applied becomes
that message's outcome, never its batch's."""

from __future__ import annotations

import logging
from datetime import datetime
from random import Random

from insider_core.breaker import CircuitBreaker, SendPermit
from insider_core.message import Message
from insider_core.outcome import ACCEPTED, ErrorKind, SendOutcome
from insider_core.ports import Clock, MessageSender
from insider_core.retry import RetryPolicy
from insider_core.text import shorten, storable
from insider_core.values import ATTEMPT_DETAIL_LIMIT, DeliveryAttempt, DeliveryResult

log = logging.getLogger(__name__)


class MessageDelivery:
    def __init__(
        self,
        sender: MessageSender,
        clock: Clock,
        policy: RetryPolicy,
        max_content_length: int,
        rng: Random,
        breaker: CircuitBreaker,
    ) -> None:
        self.sender = sender
        self.clock = clock
        self.policy = policy
        self.max_content_length = max_content_length
        self.rng = rng
        self.breaker = breaker

    async def deliver(
        self,
        message: Message,
        token: str,
        given: SendPermit | None = None,
    ) -> DeliveryResult:
        """Send one claimed message under the breaker's permit (`given`, or one asked for
        now), or release it unsent. An exception of any type (cancellation aside) is this
        message's failed attempt (see _fault); the permit is settled either way."""
        started_at = self.clock.now()
        permit: SendPermit | None = None
        answer: object = None
        try:
            outcome = _refusal(message)
            if outcome is None:
                permit = given or self.breaker.permit(started_at)
                if permit is None:
                    return DeliveryResult.released(message, token, started_at)
                content = shorten(message.content, self.max_content_length)
                answer = await self.sender.send(message, content)
                outcome = answer.recordable()
                finished_at = self.clock.now()
                if outcome.from_receiver:
                    self.breaker.observe(permit, outcome, finished_at)
                else:
                    self.breaker.withdraw(permit)
                permit = None
            else:
                finished_at = self.clock.now()
            result = self._result(message, token, outcome, started_at, finished_at)
        except Exception as error:
            if permit is not None:
                self.breaker.withdraw(permit)
            return self._fault(message, token, started_at, error, answer)
        if log.isEnabledFor(logging.INFO):
            _log_outcome(result.message, outcome)
        return result

    def _result(
        self,
        message: Message,
        token: str,
        outcome: SendOutcome,
        started_at: datetime,
        finished_at: datetime,
    ) -> DeliveryResult:
        return DeliveryResult(
            message=message.apply_outcome(outcome, self.policy, finished_at, self.rng),
            claim_token=token,
            attempt=DeliveryAttempt(
                message_id=message.id,
                attempt_number=message.attempts,
                started_at=started_at,
                duration_ms=round(outcome.duration_seconds * 1000),
                http_status=outcome.http_status,
                error_kind=outcome.error_kind,
                detail=storable(outcome.error, ATTEMPT_DETAIL_LIMIT),
            ),
        )

    def _fault(
        self,
        message: Message,
        token: str,
        started_at: datetime,
        error: Exception,
        answer: object,
    ) -> DeliveryResult:
        """The attempt of a message whose sending raised: failed, and not retried. A sender
        turns every failure of the receiver into an outcome, so this is a fault of the
        sending itself, which retrying cannot be trusted to clear; the operator replays the
        message once it is fixed. When the receiver had accepted it already, it is sent, with
        the fault as its anomaly: sending it again would deliver it twice."""
        finished_at = self.clock.now()
        fault = _describe(error)
        accepted = isinstance(answer, SendOutcome) and answer.http_status == ACCEPTED
        if accepted:
            updated = message.mark_sent(None, finished_at, anomaly=fault)
        else:
            failure = SendOutcome.failure(ErrorKind.FAULT, fault)
            updated = message.mark_failed(failure, self.policy, finished_at, self.rng)
        log.warning(
            "message %s: sending raised %s, recorded as its attempt",
            updated.status.value,
            type(error).__name__,
            extra={"message_id": message.id, "attempt": message.attempts},
            exc_info=log.isEnabledFor(logging.DEBUG),
        )
        return DeliveryResult(
            message=updated,
            claim_token=token,
            attempt=DeliveryAttempt(
                message_id=message.id,
                attempt_number=message.attempts,
                started_at=started_at,
                duration_ms=max(round((finished_at - started_at).total_seconds() * 1000), 0),
                http_status=ACCEPTED if accepted else None,
                error_kind=ErrorKind.FAULT,
                detail=storable(fault, ATTEMPT_DETAIL_LIMIT),
            ),
        )


def _refusal(message: Message) -> SendOutcome | None:
    """A failed attempt, without sending, for a message no request can carry."""
    reason = message.unsendable_reason()
    return None if reason is None else SendOutcome.failure(ErrorKind.UNSENDABLE, reason)


def _describe(error: Exception) -> str:
    try:
        text = str(error)
    except Exception:  # an exception may fail to describe itself too
        text = ""
    name = type(error).__name__
    return f"sending raised {name}: {text}" if text else f"sending raised {name}"


def _error_for_log(outcome: SendOutcome) -> str | None:
    """The error without the receiver's own words, which may repeat a message's phone number
    or content; they stay in the message's `lastError`."""
    if outcome.error_kind is ErrorKind.HTTP_STATUS:
        return f"HTTP {outcome.http_status}"
    if outcome.error_kind is ErrorKind.REDIRECT:
        return f"HTTP {outcome.http_status}: redirect refused"
    return outcome.error


def _log_outcome(message: Message, outcome: SendOutcome) -> None:
    log.info(
        "message %s",
        message.status.value,
        extra={
            "message_id": message.id,
            "attempt": message.attempts,
            "http_status": outcome.http_status,
            "webhook_message_id": message.receipt_id,
            "error": _error_for_log(outcome),
            "duration_ms": round(outcome.duration_seconds * 1000),
        },
    )
