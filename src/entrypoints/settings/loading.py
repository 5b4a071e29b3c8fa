"""Read the settings from the environment; a bad value stops start-up with one clear line."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import msgspec

from adapters.http.signing import WebhookSigner
from entrypoints.decode_errors import FIELD_AT_PATH, is_bad_choice, plain_expectation
from entrypoints.settings.model import KNOWN_VARIABLES, Settings
from entrypoints.settings.targets import check_http_url, check_redis_url, parse_database_url


class SettingsError(ValueError):
    """One line: each invalid variable, then what is wrong with it, separated by `; `.
    `variable` and `problem` are the first's."""

    def __init__(self, variable: str, problem: str, *more: tuple[str, str]) -> None:
        self.problems = [(variable, problem), *more]
        super().__init__("; ".join(f"{name}: {reason}" for name, reason in self.problems))
        self.variable = variable
        self.problem = problem


NORMALISE: dict[str, Callable[[str], str]] = {"LOG_LEVEL": str.upper, "LOG_FORMAT": str.lower}
# Checked whether or not the value is used (a signing secret without WEBHOOK_URL included).
VALUE_CHECKS: dict[str, Callable[[str], object]] = {
    "DATABASE_URL": parse_database_url,
    "REDIS_URL": check_redis_url,
    "WEBHOOK_URL": check_http_url,
    "ALERT_WEBHOOK_URL": check_http_url,
    "WEBHOOK_SIGNING_SECRET": WebhookSigner,
}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Known variables only; an empty value counts as unset (so an empty API key never opens
    an endpoint group). Every invalid variable is reported at once, in one SettingsError."""
    raw = {
        name: value.strip()
        for name, value in environ.items()
        if name in KNOWN_VARIABLES and value.strip()
    }
    for name, normalise in NORMALISE.items():
        if name in raw:
            raw[name] = normalise(raw[name])
    problems = [*_type_problems(raw), *_value_problems(raw)]
    if problems:
        raise SettingsError(*problems[0], *problems[1:])
    return msgspec.convert(raw, Settings, strict=False)


def _type_problems(raw: Mapping[str, str]) -> list[tuple[str, str]]:
    """msgspec stops at the first invalid field, so each variable is then checked alone."""
    try:
        msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError:
        pass
    else:
        return []
    problems: list[tuple[str, str]] = []
    for name in sorted(raw):
        try:
            msgspec.convert({name: raw[name]}, Settings, strict=False)
        except msgspec.ValidationError as error:
            problems.append(_explain(error, raw))
    return problems


def _value_problems(raw: Mapping[str, str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for name, check in VALUE_CHECKS.items():
        value = raw.get(name)
        if value is None:
            continue
        try:
            check(value)
        except ValueError as error:
            problems.append((name, str(error)))
    return problems


def _explain(error: msgspec.ValidationError, raw: Mapping[str, str]) -> tuple[str, str]:
    text = str(error)
    match = FIELD_AT_PATH.search(text)
    if match is None:
        return ("settings", text)
    name = match["name"]
    reason = text[: match.start()]
    if is_bad_choice(reason):
        reason = "must be one of " + ", ".join(_choices(name))
    elif plain := plain_expectation(reason):
        reason = plain
    return (name, f"{reason}, got {raw.get(name, '')!r}")


def _choices(variable: str) -> list[str]:
    info = msgspec.inspect.type_info(Settings)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        if field.encode_name == variable and isinstance(field.type, msgspec.inspect.LiteralType):
            return [str(value) for value in field.type.values]
    return []
