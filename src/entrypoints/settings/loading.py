"""Read the settings from the environment; a bad value stops start-up with one clear line."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

import msgspec

from entrypoints.settings.model import KNOWN_VARIABLES, Settings
from entrypoints.settings.targets import check_http_url, check_redis_url, parse_database_url

FIELD_IN_ERROR = re.compile(r" - at `\$\.(?P<name>[A-Z0-9_]+)`$")
EXPECTED = re.compile(r"Expected `(?P<type>\w+)`(?:, got `\w+`)?(?P<bound>.*)")
TYPE_NAMES = {"int": "an integer", "float": "a number", "bool": "true or false", "str": "text"}


class SettingsError(ValueError):
    """One line: the variable, then what is wrong with it."""

    def __init__(self, variable: str, problem: str) -> None:
        super().__init__(f"{variable}: {problem}")
        self.variable = variable
        self.problem = problem


NORMALISE: dict[str, Callable[[str], str]] = {"LOG_LEVEL": str.upper, "LOG_FORMAT": str.lower}
URL_CHECKS: dict[str, Callable[[str], object]] = {
    "DATABASE_URL": parse_database_url,
    "REDIS_URL": check_redis_url,
    "WEBHOOK_URL": check_http_url,
    "ALERT_WEBHOOK_URL": check_http_url,
}


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Known variables only; an empty value counts as unset (so an empty API key never opens
    an endpoint group)."""
    raw = {
        name: value.strip()
        for name, value in environ.items()
        if name in KNOWN_VARIABLES and value.strip()
    }
    for name, normalise in NORMALISE.items():
        if name in raw:
            raw[name] = normalise(raw[name])
    try:
        settings = msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as error:
        raise _explain(error, raw) from None
    for name, check in URL_CHECKS.items():
        value = raw.get(name)
        if value is None:
            continue
        try:
            check(value)
        except ValueError as error:
            raise SettingsError(name, str(error)) from None
    return settings


def _explain(error: msgspec.ValidationError, raw: Mapping[str, str]) -> SettingsError:
    text = str(error)
    match = FIELD_IN_ERROR.search(text)
    if match is None:
        return SettingsError("settings", text)
    name = match["name"]
    reason = text[: match.start()]
    if reason.startswith("Invalid enum value"):
        reason = "must be one of " + ", ".join(_choices(name))
    elif expected := EXPECTED.fullmatch(reason):
        kind = TYPE_NAMES.get(expected["type"], expected["type"])
        reason = f"must be {kind}{expected['bound']}"
    return SettingsError(name, f"{reason}, got {raw.get(name, '')!r}")


def _choices(variable: str) -> list[str]:
    info = msgspec.inspect.type_info(Settings)
    assert isinstance(info, msgspec.inspect.StructType)
    for field in info.fields:
        if field.encode_name == variable and isinstance(field.type, msgspec.inspect.LiteralType):
            return [str(value) for value in field.type.values]
    return []
