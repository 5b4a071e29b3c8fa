"""What POST /api/v1/messages/replay/all reads."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

import msgspec

from entrypoints.web.dto import Camel
from entrypoints.web.time_input import time_field

Since = Annotated[datetime, time_field("Only messages that failed at or after this time.")]
DryRun = Annotated[bool, msgspec.Meta(description="Count what would be replayed, change nothing")]


class ReplayFailed(Camel, frozen=True, forbid_unknown_fields=True):
    since: Since | None = None
    dry_run: DryRun = False
