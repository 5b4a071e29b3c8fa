"""What POST /api/v1/messages/replay/all reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar.exceptions import ValidationException

from entrypoints.web.dto import Camel
from entrypoints.web.time_input import read_time, time_field

Since = Annotated[str, time_field("Only messages that failed at or after this time.")]
# Litestar decodes leniently (0 would be false): dryRun is read as given and checked here.
DryRun = Annotated[
    Any,
    msgspec.Meta(
        extra_json_schema={
            "description": "Count what would be replayed and change nothing",
            "extra": {"type": "boolean", "default": False},
        }
    ),
]


class ReplayFailed(Camel, frozen=True, forbid_unknown_fields=True):
    since: Since | None = None
    dry_run: DryRun = False

    def checked(self) -> tuple[datetime | None, bool]:
        """`since` as a time and `dryRun`; a validation error (422) names each bad field."""
        problems: list[dict[str, str]] = []
        since = None
        if self.since is not None:
            try:
                since = read_time(self.since)
            except ValueError as error:
                problems.append({"key": "since", "message": str(error)})
        if not isinstance(self.dry_run, bool):
            problems.append({"key": "dryRun", "message": "must be true or false"})
        if problems:
            raise ValidationException(extra=problems)
        return since, self.dry_run
