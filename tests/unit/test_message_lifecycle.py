from __future__ import annotations

from datetime import timedelta
from random import Random

import msgspec
import pytest
from factories import T0, pending_message

from insider_core import InvalidTransition, MessageStatus, RetryPolicy, SendOutcome
from insider_core.message import LEASE_EXPIRED, UNSENDABLE_KEY
from insider_core.text import storable

LEASE = T0 + timedelta(seconds=60)
POLICY = RetryPolicy(max_attempts=3, base_seconds=30, max_seconds=3600)


def claimed(attempts: int = 0):
    return pending_message(attempts=attempts).claim(T0, LEASE, "token")


def test_a_new_message_is_pending_and_due_at_once():
    message = pending_message()
    assert message.status is MessageStatus.PENDING
    assert message.is_claimable(T0)


def test_claiming_counts_an_attempt_and_takes_a_lease():
    message = claimed()
    assert message.status is MessageStatus.SENDING
    assert message.attempts == 1
    assert message.lease_until == LEASE
    assert message.claim_token == "token"


def test_a_message_under_a_live_lease_cannot_be_claimed():
    message = claimed()
    assert not message.is_claimable(LEASE)
    with pytest.raises(InvalidTransition):
        message.claim(LEASE, LEASE + timedelta(seconds=60), "other")


def test_an_expired_lease_counts_as_an_attempt_and_the_next_claim_as_another():
    later = LEASE + timedelta(microseconds=1)
    recovered = claimed().recover(later, POLICY.max_attempts)
    assert (recovered.status, recovered.attempts) == (MessageStatus.PENDING, 1)
    assert recovered.last_error == LEASE_EXPIRED
    assert (recovered.lease_until, recovered.claim_token) == (None, None)
    assert recovered.next_attempt_at == T0  # due as before

    again = recovered.claim(later, later + timedelta(seconds=60), "other")
    assert (again.status, again.attempts, again.claim_token) == (MessageStatus.SENDING, 2, "other")


def test_an_expired_lease_with_no_attempt_left_goes_to_the_dead_letter_queue():
    later = LEASE + timedelta(microseconds=1)
    last = claimed(attempts=POLICY.max_attempts - 1)

    dead = last.recover(later, POLICY.max_attempts)

    assert (dead.status, dead.attempts) == (MessageStatus.FAILED, POLICY.max_attempts)
    assert dead.last_error == LEASE_EXPIRED
    assert "expired" in LEASE_EXPIRED
    assert "stopped" in LEASE_EXPIRED


def test_a_lease_that_still_holds_or_a_pending_message_cannot_be_recovered():
    with pytest.raises(InvalidTransition):
        claimed().recover(LEASE, POLICY.max_attempts)
    with pytest.raises(InvalidTransition):
        pending_message().recover(LEASE, POLICY.max_attempts)


def test_an_expired_lease_is_claimed_only_once_recovered():
    with pytest.raises(InvalidTransition):
        claimed().claim(LEASE + timedelta(seconds=1), LEASE + timedelta(seconds=60), "other")


def test_releasing_a_recovered_message_gives_back_its_claim_and_keeps_the_expired_attempt():
    later = LEASE + timedelta(microseconds=1)
    recovered = claimed().recover(later, POLICY.max_attempts)
    again = recovered.claim(later, later + timedelta(seconds=60), "other")

    released = again.release(later)

    assert (released.status, released.attempts) == (MessageStatus.PENDING, 1)


@pytest.mark.parametrize("key", ["a\nb", "a\rb", "\x00", "key\x1b[0m", "del\x7f"])
def test_a_key_holding_a_control_character_cannot_be_sent(key):
    message = msgspec.structs.replace(pending_message(), idempotency_key=key)
    assert message.unsendable_reason() == UNSENDABLE_KEY
    assert "control character" in UNSENDABLE_KEY


@pytest.mark.parametrize("key", ["5f0c7f9e-6c1d-4a39-9d2a-0e6c1b7f4a11", "tab\tallowed", "çé"])
def test_a_key_any_header_can_carry_can_be_sent(key):
    message = msgspec.structs.replace(pending_message(), idempotency_key=key)
    assert message.unsendable_reason() is None


def test_a_202_marks_the_message_sent_with_the_webhook_id():
    sent = claimed().apply_outcome(SendOutcome.http(202, receipt_id="abc"), POLICY, T0, Random(0))
    assert sent.status is MessageStatus.SENT
    assert (sent.receipt_id, sent.sent_at, sent.last_error) == ("abc", T0, None)
    assert sent.claim_token is None


def test_a_202_without_message_id_is_still_sent_with_the_anomaly_noted():
    sent = claimed().apply_outcome(SendOutcome.http(202), POLICY, T0, Random(0))
    assert sent.status is MessageStatus.SENT
    assert sent.receipt_id is None
    assert "messageId" in (sent.last_error or "")


@pytest.mark.parametrize("status", [408, 429, 500, 502, 503])
def test_a_retryable_failure_goes_back_to_pending_after_a_backoff(status):
    retried = claimed().apply_outcome(SendOutcome.http(status), POLICY, T0, Random(0))
    assert retried.status is MessageStatus.PENDING
    assert T0 <= retried.next_attempt_at <= T0 + timedelta(seconds=30)
    assert retried.last_error == f"HTTP {status}"


@pytest.mark.parametrize("status", [400, 401, 404, 422, 200, 201, 301])
def test_a_failure_that_retrying_cannot_fix_goes_to_the_dead_letter_queue(status):
    failed = claimed().apply_outcome(SendOutcome.http(status), POLICY, T0, Random(0))
    assert failed.status is MessageStatus.FAILED
    assert failed.last_error == f"HTTP {status}"


def test_the_last_allowed_attempt_dead_letters_even_a_retryable_failure():
    failed = claimed(attempts=2).apply_outcome(SendOutcome.http(503), POLICY, T0, Random(0))
    assert failed.attempts == 3
    assert failed.status is MessageStatus.FAILED


def test_replay_takes_a_failed_message_back_to_a_fresh_start():
    failed = claimed(attempts=2).apply_outcome(SendOutcome.http(400), POLICY, T0, Random(0))
    replayed = failed.replay(T0 + timedelta(hours=1))
    assert replayed.status is MessageStatus.PENDING
    assert (replayed.attempts, replayed.receipt_id, replayed.sent_at, replayed.last_error) == (
        0,
        None,
        None,
        None,
    )
    assert replayed.is_claimable(T0 + timedelta(hours=1))


@pytest.mark.parametrize(
    "action",
    [
        lambda m: m.mark_sent("x", T0),
        lambda m: m.mark_failed(SendOutcome.http(500), POLICY, T0, Random(0)),
        lambda m: m.replay(T0),
    ],
)
def test_any_other_transition_from_pending_is_a_domain_error(action):
    with pytest.raises(InvalidTransition):
        action(pending_message())


def test_a_sent_message_can_never_be_claimed_failed_or_replayed():
    sent = claimed().mark_sent("abc", T0)
    assert not sent.is_claimable(T0 + timedelta(days=365))
    for action in (
        lambda: sent.claim(T0, LEASE, "t"),
        lambda: sent.mark_failed(SendOutcome.http(500), POLICY, T0, Random(0)),
        lambda: sent.replay(T0),
        lambda: sent.mark_sent("again", T0),
    ):
        with pytest.raises(InvalidTransition):
            action()


def test_a_long_error_is_clipped_before_it_is_stored():
    outcome = SendOutcome.http(500, body="x" * 5000)
    failed = claimed(attempts=2).apply_outcome(outcome, POLICY, T0, Random(0))
    assert failed.last_error is not None
    assert len(failed.last_error) == 1000


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_a_redirect_is_a_failure_retrying_cannot_fix(status):
    outcome = SendOutcome.redirect(status, "http://127.0.0.1:9/stolen")
    failed = claimed().apply_outcome(outcome, POLICY, T0, Random(0))
    assert not outcome.retryable
    assert failed.status is MessageStatus.FAILED
    assert failed.last_error == (
        "redirect to http://127.0.0.1:9/stolen refused; set WEBHOOK_URL to the final address"
    )


def test_a_redirect_target_is_quoted_short_and_storable():
    outcome = SendOutcome.redirect(302, "http://evil.example/\udcff" + "a" * 5000)
    assert outcome.error is not None
    assert len(outcome.error) < 300
    assert outcome.error.encode("utf-8")


def test_text_from_a_receiver_is_made_storable_in_every_store() -> None:
    assert storable("ok\x00then\udcff", 100) == "ok\ufffdthen?"
    assert storable(None) is None


def test_a_receipt_id_holding_nul_is_not_kept_and_the_message_stays_sent() -> None:
    outcome = SendOutcome.http(202, receipt_id="abc\x00def").recordable()

    assert outcome.accepted
    assert outcome.receipt_id is None
    assert outcome.error is not None
    assert "cannot be kept" in outcome.error
