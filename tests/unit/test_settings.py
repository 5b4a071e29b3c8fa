"""Every variable with its default, the precedence rules, and clear errors."""

from __future__ import annotations

import pytest

from entrypoints.settings import (
    KNOWN_VARIABLES,
    MemoryTarget,
    MySqlTarget,
    PostgresTarget,
    SettingsError,
    SqliteTarget,
    load_settings,
)

DOCUMENTED_VARIABLES = {
    "SERVER_PORT",
    "DB_HOST",
    "DB_PORT",
    "DB_USER",
    "DB_PASSWORD",
    "DB_NAME",
    "REDIS_HOST",
    "REDIS_PORT",
    "REDIS_PASSWORD",
    "REDIS_DB",
    "WEBHOOK_URL",
    "WEBHOOK_AUTH_KEY",
    "WEBHOOK_TIMEOUT_SECONDS",
    "MESSAGE_BATCH_SIZE",
    "MESSAGE_SEND_INTERVAL_MINUTES",
    "MESSAGE_MAX_CONTENT_LENGTH",
    "AUTO_START_SCHEDULER",
    "SEED_DATA",
    "ALERT_WEBHOOK_URL",
    "ALERT_ITERATION_COUNT",
    "MESSAGES_API_KEY",
    "SCHEDULER_API_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "MESSAGE_SEND_INTERVAL_SECONDS",
    "WEBHOOK_CONCURRENCY",
    "WEBHOOK_SIGNING_SECRET",
    "MAX_ATTEMPTS",
    "RETRY_BASE_SECONDS",
    "RETRY_MAX_SECONDS",
    "CLAIM_LEASE_SECONDS",
    "FAILURE_RATE",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "DB_POOL_SIZE",
    "DB_CONNECT_TIMEOUT_SECONDS",
    "DB_POOL_RECYCLE_SECONDS",
    "SHUTDOWN_TIMEOUT_SECONDS",
}


def test_every_variable_of_the_spec_is_a_known_setting() -> None:
    assert DOCUMENTED_VARIABLES <= KNOWN_VARIABLES


def test_an_empty_environment_gives_the_spec_defaults() -> None:
    settings = load_settings({})

    assert settings.server_port == 8080
    assert (settings.db_port, settings.db_user, settings.db_name) == (
        3306,
        "insider",
        "insider_messages",
    )
    assert (settings.redis_port, settings.redis_db) == (6379, 0)
    assert settings.webhook_timeout_seconds == 30
    assert settings.message_batch_size == 2
    assert settings.interval_seconds == 120
    assert settings.message_max_content_length == 1000
    assert settings.auto_start_scheduler is True
    assert settings.seed_data is False
    assert settings.alert_iteration_count == 0
    assert settings.webhook_concurrency == 16
    assert settings.max_attempts == 3
    assert (settings.retry_base_seconds, settings.retry_max_seconds) == (30, 3600)
    assert settings.claim_lease_seconds is None
    assert settings.failure_rate == 0
    assert (settings.log_format, settings.log_level) == ("json", "INFO")
    assert settings.messages_api_key is None
    assert settings.scheduler_api_key is None
    assert settings.webhook_url is None


def test_with_neither_database_url_nor_db_host_the_store_is_sqlite_in_the_working_directory() -> (
    None
):
    assert load_settings({}).database == SqliteTarget(path="./insider.db")


def test_db_host_selects_mysql_from_the_db_variables() -> None:
    settings = load_settings(
        {"DB_HOST": "db", "DB_PORT": "3307", "DB_USER": "u", "DB_PASSWORD": "p", "DB_NAME": "n"}
    )

    assert settings.database == MySqlTarget(
        host="db", port=3307, user="u", password="p", database="n"
    )


def test_database_url_wins_over_the_db_variables() -> None:
    settings = load_settings(
        {"DATABASE_URL": "mysql://app:s%40cret@dbhost:3310/msgs", "DB_HOST": "x"}
    )

    assert settings.database == MySqlTarget(
        host="dbhost", port=3310, user="app", password="s@cret", database="msgs"
    )


@pytest.mark.parametrize(
    ("url", "target"),
    [
        ("sqlite:///data/insider.db", SqliteTarget(path="data/insider.db")),
        ("sqlite:////var/lib/insider.db", SqliteTarget(path="/var/lib/insider.db")),
        ("memory://", MemoryTarget()),
        (
            "mysql://root@127.0.0.1/insider",
            MySqlTarget(host="127.0.0.1", port=3306, user="root", database="insider"),
        ),
        (
            "postgresql://app:s%40cret@db.internal/insider",
            PostgresTarget(
                host="db.internal", port=5432, user="app", password="s@cret", database="insider"
            ),
        ),
        (
            "postgres://postgres@127.0.0.1:6543/msgs",
            PostgresTarget(host="127.0.0.1", port=6543, user="postgres", database="msgs"),
        ),
    ],
)
def test_database_url_names_sqlite_memory_mysql_or_postgresql(url: str, target: object) -> None:
    assert load_settings({"DATABASE_URL": url}).database == target


def test_with_neither_redis_url_nor_redis_host_the_cache_is_in_memory() -> None:
    assert load_settings({}).redis_connection_url is None


def test_redis_host_builds_the_url_from_the_redis_variables() -> None:
    settings = load_settings(
        {"REDIS_HOST": "cache", "REDIS_PORT": "6380", "REDIS_PASSWORD": "p w", "REDIS_DB": "3"}
    )

    assert settings.redis_connection_url == "redis://:p%20w@cache:6380/3"


def test_redis_url_wins_over_the_redis_variables() -> None:
    settings = load_settings({"REDIS_URL": "redis://other:1234/5", "REDIS_HOST": "cache"})

    assert settings.redis_connection_url == "redis://other:1234/5"


def test_the_interval_in_minutes_may_be_a_fraction() -> None:
    assert load_settings({"MESSAGE_SEND_INTERVAL_MINUTES": "0.5"}).interval_seconds == 30


def test_the_interval_in_seconds_wins_over_minutes() -> None:
    settings = load_settings(
        {"MESSAGE_SEND_INTERVAL_MINUTES": "10", "MESSAGE_SEND_INTERVAL_SECONDS": "0.25"}
    )

    assert settings.interval_seconds == 0.25


def test_an_empty_value_counts_as_unset_so_an_empty_api_key_opens_nothing() -> None:
    settings = load_settings({"MESSAGES_API_KEY": "", "SERVER_PORT": " ", "DB_HOST": ""})

    assert settings.messages_api_key is None
    assert settings.server_port == 8080
    assert isinstance(settings.database, SqliteTarget)


@pytest.mark.parametrize(
    ("value", "expected"), [("true", True), ("False", False), ("1", True), ("0", False)]
)
def test_booleans_read_true_false_one_and_zero(value: str, expected: bool) -> None:
    assert load_settings({"AUTO_START_SCHEDULER": value}).auto_start_scheduler is expected


def test_log_format_and_level_ignore_case() -> None:
    settings = load_settings({"LOG_FORMAT": "Console", "LOG_LEVEL": "debug"})

    assert (settings.log_format, settings.log_level) == ("console", "DEBUG")


def test_unrelated_environment_variables_are_ignored() -> None:
    assert load_settings({"PATH": "/bin", "HOME": "/root"}).server_port == 8080


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"MESSAGE_BATCH_SIZE": "abc"}, "MESSAGE_BATCH_SIZE: must be an integer, got 'abc'"),
        ({"MESSAGE_BATCH_SIZE": "0"}, "MESSAGE_BATCH_SIZE: must be an integer >= 1, got '0'"),
        (
            {"MESSAGE_BATCH_SIZE": "1001"},
            "MESSAGE_BATCH_SIZE: must be an integer <= 1000, got '1001'",
        ),
        ({"SERVER_PORT": "70000"}, "SERVER_PORT: must be an integer <= 65535, got '70000'"),
        ({"FAILURE_RATE": "2"}, "FAILURE_RATE: must be a number <= 1.0, got '2'"),
        (
            {"WEBHOOK_TIMEOUT_SECONDS": "soon"},
            "WEBHOOK_TIMEOUT_SECONDS: must be a number, got 'soon'",
        ),
        (
            {"MESSAGE_SEND_INTERVAL_MINUTES": "0"},
            "MESSAGE_SEND_INTERVAL_MINUTES: must be a number > 0.0, got '0'",
        ),
        (
            {"AUTO_START_SCHEDULER": "maybe"},
            "AUTO_START_SCHEDULER: must be true or false, got 'maybe'",
        ),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT: must be one of console, json, got 'xml'"),
        (
            {"DATABASE_URL": "oracle://u@h/db"},
            "DATABASE_URL: unsupported scheme 'oracle' (use mysql, postgresql, sqlite or memory)",
        ),
        (
            {"DATABASE_URL": "insider.db"},
            "DATABASE_URL: expected a URL such as mysql://user:pass@host:3306/db, "
            "postgresql://user:pass@host:5432/db or sqlite:///x.db",
        ),
        (
            {"DATABASE_URL": "postgresql://host/db"},
            "DATABASE_URL: a PostgreSQL URL needs a user: postgresql://user:pass@host:5432/db",
        ),
        (
            {"DATABASE_URL": "postgres://user@host"},
            "DATABASE_URL: a PostgreSQL URL needs a database name: "
            "postgresql://user:pass@host:5432/db",
        ),
        (
            {"DATABASE_URL": "mysql://user@host"},
            "DATABASE_URL: a MySQL URL needs a database name: mysql://user:pass@host:3306/db",
        ),
        (
            {"DATABASE_URL": "mysql://user@host:port/db"},
            "DATABASE_URL: the port must be a number between 0 and 65535",
        ),
        (
            {"DATABASE_URL": "sqlite://relative.db"},
            "DATABASE_URL: a SQLite URL looks like sqlite:///path/to/file.db",
        ),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL: expected a URL such as redis://host:6379/0"),
        (
            {"WEBHOOK_URL": "ftp://example.com"},
            "WEBHOOK_URL: expected an http:// or https:// URL with a host",
        ),
        (
            {"ALERT_WEBHOOK_URL": "not a url"},
            "ALERT_WEBHOOK_URL: expected an http:// or https:// URL with a host",
        ),
    ],
)
def test_an_invalid_value_is_reported_on_one_line_naming_the_variable(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)

    assert str(raised.value) == message
    assert "\n" not in str(raised.value)
    assert raised.value.variable == message.split(":")[0]


def test_the_printed_settings_mask_every_secret() -> None:
    settings = load_settings(
        {
            "DB_PASSWORD": "db-pass",
            "REDIS_PASSWORD": "redis-pass",
            "WEBHOOK_AUTH_KEY": "hook-key",
            "WEBHOOK_SIGNING_SECRET": "whsec-value",
            "MESSAGES_API_KEY": "m-key",
            "SCHEDULER_API_KEY": "s-key",
            "DATABASE_URL": "mysql://u:url-pass@h/d",
            "REDIS_URL": "redis://:redis-url-pass@h:6379/0",
        }
    )

    printed = repr(settings)

    for secret in (
        "db-pass",
        "redis-pass",
        "hook-key",
        "whsec-value",
        "m-key",
        "s-key",
        "url-pass",
    ):
        assert secret not in printed
    assert "server_port=8080" in printed


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        (
            {"MESSAGE_SEND_INTERVAL_SECONDS": "abc"},
            "MESSAGE_SEND_INTERVAL_SECONDS: must be a number, got 'abc'",
        ),
        (
            {"CLAIM_LEASE_SECONDS": "0"},
            "CLAIM_LEASE_SECONDS: must be a number > 0.0, got '0'",
        ),
        (
            {"WEBHOOK_SIGNING_SECRET": "not base64!"},
            "WEBHOOK_SIGNING_SECRET: the webhook signing secret must be base64, "
            "optionally prefixed with 'whsec_'",
        ),
    ],
)
def test_an_optional_number_or_a_signing_secret_is_worded_like_the_others(
    environ: dict[str, str], message: str
) -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(environ)

    assert str(raised.value) == message


def test_a_bad_signing_secret_is_refused_even_without_a_webhook_url() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings({"WEBHOOK_SIGNING_SECRET": "whsec_%%%"})

    assert raised.value.variable == "WEBHOOK_SIGNING_SECRET"


def test_every_invalid_variable_is_reported_at_once_on_one_line() -> None:
    with pytest.raises(SettingsError) as raised:
        load_settings(
            {
                "MESSAGE_BATCH_SIZE": "abc",
                "SERVER_PORT": "0",
                "WEBHOOK_URL": "ftp://x",
                "WEBHOOK_SIGNING_SECRET": "%%%",
                "MESSAGES_API_KEY": "fine",
            }
        )

    assert str(raised.value) == (
        "MESSAGE_BATCH_SIZE: must be an integer, got 'abc'; "
        "SERVER_PORT: must be an integer >= 1, got '0'; "
        "WEBHOOK_URL: expected an http:// or https:// URL with a host; "
        "WEBHOOK_SIGNING_SECRET: the webhook signing secret must be base64, "
        "optionally prefixed with 'whsec_'"
    )
    assert [name for name, _ in raised.value.problems] == [
        "MESSAGE_BATCH_SIZE",
        "SERVER_PORT",
        "WEBHOOK_URL",
        "WEBHOOK_SIGNING_SECRET",
    ]


def test_a_postgresql_url_is_shown_with_its_password_hidden_and_its_port() -> None:
    target = load_settings({"DATABASE_URL": "postgres://app:s3cret@db/insider"}).database

    assert target.shown_url == "postgresql://app:***@db:5432/insider"
    assert "s3cret" not in repr(target)
