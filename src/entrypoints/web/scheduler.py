"""Routes of the scheduler group: start, stop, status."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from entrypoints.scheduler_relay import SchedulerOrder, start_schedulers, stop_schedulers
from entrypoints.web.api_keys import require_scheduler_key
from entrypoints.web.dependencies import SchedulerLoop
from entrypoints.web.envelopes import guarded, ok
from entrypoints.web.errors import SchedulerCannotStart
from entrypoints.web.json_body import optional_json_body
from entrypoints.web.scheduler_dto import SchedulerBody, SchedulerSuccess, StartScheduler


class SchedulerController(Controller):
    path = "/api/v1/scheduler"
    tags = ["scheduler"]
    before_request = staticmethod(require_scheduler_key)
    security = [{"SchedulerApiKey": []}]

    @post(
        "/start",
        status_code=200,
        responses=guarded(400, 409, 413, 422),
        summary="Start sending",
        **optional_json_body(StartScheduler),
    )
    async def start_scheduler(
        self, scheduler: SchedulerLoop, data: JSONBody[StartScheduler | None] = None
    ) -> SchedulerSuccess:
        """Optional overrides: `interval` (minutes) or `intervalSeconds`, `failureRate`,
        `batchSize`, for this run only: a start without a body uses the configured values.
        A body sent to a running scheduler is refused (409): stop it to change its settings.
        With several workers, every worker starts its scheduler (see scheduler_relay.py)."""
        if scheduler.cannot_start is not None:
            raise SchedulerCannotStart(scheduler.cannot_start)
        if data is not None and scheduler.running:
            raise SchedulerCannotStart(
                "Scheduler is already running; stop it to change its settings"
            )
        overrides = data or StartScheduler()
        order = SchedulerOrder(
            running=True,
            interval_seconds=overrides.seconds,
            batch_size=overrides.batch_size,
            failure_rate=overrides.failure_rate,
        )
        started = start_schedulers(scheduler, order)
        text = "Scheduler started successfully" if started else "Scheduler is already running"
        return ok(SchedulerSuccess, SchedulerBody.of(scheduler.status()), text)

    @post("/stop", status_code=200, responses=guarded(), summary="Stop after the batch in flight")
    async def stop_scheduler(self, scheduler: SchedulerLoop) -> SchedulerSuccess:
        """With several workers, every worker stops its scheduler (see scheduler_relay.py)."""
        stopped = await stop_schedulers(scheduler)
        text = "Scheduler stopped successfully" if stopped else "Scheduler is already stopped"
        return ok(SchedulerSuccess, SchedulerBody.of(scheduler.status()), text)

    @get("/status", responses=guarded(), summary="What the scheduler is doing")
    async def get_scheduler_status(self, scheduler: SchedulerLoop) -> SchedulerSuccess:
        return ok(SchedulerSuccess, SchedulerBody.of(scheduler.status()))
