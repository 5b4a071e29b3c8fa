from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from insider_core import InvalidMessage, validate_new_message

valid_phones = st.from_regex(r"\+[1-9][0-9]{7,14}", fullmatch=True)


@given(
    valid_phones,
    st.text(
        st.characters(exclude_characters="\x00", exclude_categories=("Cs",)),
        min_size=1,
        max_size=100,
    ).filter(str.strip),
)
def test_valid_messages_pass(phone, content):
    validate_new_message(content, phone, 100)


@pytest.mark.parametrize(
    "phone",
    [
        "905551234567",
        "+0555123456",
        "+1234567",
        "+1234567890123456",
        "+90 555 123 4567",
        "+٩٠٥٥٥١٢٣٤٥٦٧",
        "+９０５５５１２３４５６７",  # noqa: RUF001 (full-width digits are refused)
        "",
        "+90555123456a",
    ],
)
def test_phone_numbers_must_be_e164_in_ascii_digits(phone):
    with pytest.raises(InvalidMessage) as error:
        validate_new_message("hi", phone, 100)
    assert set(error.value.details) == {"phoneNumber"}


@pytest.mark.parametrize("content", ["", "   ", "\n\t"])
def test_empty_content_is_refused(content):
    with pytest.raises(InvalidMessage) as error:
        validate_new_message(content, "+905551234567", 100)
    assert error.value.details == {"content": "must not be empty"}


@given(st.integers(1, 200))
def test_content_length_is_measured_in_characters(limit):
    validate_new_message("é" * limit, "+905551234567", limit)
    with pytest.raises(InvalidMessage) as error:
        validate_new_message("é" * (limit + 1), "+905551234567", limit)
    assert "content" in error.value.details


def test_every_broken_field_is_reported_at_once():
    with pytest.raises(InvalidMessage) as error:
        validate_new_message("", "nope", 10)
    assert set(error.value.details) == {"content", "phoneNumber"}


def test_content_with_a_nul_character_is_refused():
    with pytest.raises(InvalidMessage) as error:
        validate_new_message("hello\x00world", "+905551234567", 100)
    assert error.value.details == {"content": "must not contain NUL characters"}


def test_content_with_a_lone_surrogate_is_refused_before_it_reaches_a_store():
    with pytest.raises(InvalidMessage) as error:
        validate_new_message("hello \ud800", "+905551234567", 100)
    assert error.value.details == {"content": "must be valid Unicode text (no lone surrogates)"}


def test_a_send_time_is_checked_against_now_and_named_with_the_other_fields():
    now = datetime(2026, 1, 1, tzinfo=UTC)
    too_far = now + timedelta(days=366)

    with pytest.raises(InvalidMessage) as error:
        validate_new_message("", "+905551234567", 10, send_at=too_far, now=now)

    assert error.value.details == {
        "content": "must not be empty",
        "sendAt": "must be at most a year (365 days) ahead",
    }


@given(st.timedeltas(min_value=timedelta(days=-3650), max_value=timedelta(days=365)))
def test_any_send_time_up_to_a_year_ahead_passes(ahead):
    now = datetime(2026, 1, 1, tzinfo=UTC)
    validate_new_message("Hi", "+905551234567", 10, send_at=now + ahead, now=now)
