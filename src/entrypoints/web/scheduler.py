"""Routes of the scheduler group: start, stop, status, of the whole service (every instance
sharing the store; see insider_core/service_control.py)."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import JSONBody

from entrypoints.web.api_keys import require_scheduler_key
from entrypoints.web.dependencies import Service
from entrypoints.web.envelopes import guarded, ok
from entrypoints.web.errors import SchedulerCannotStart
from entrypoints.web.json_body import optional_json_body
from entrypoints.web.scheduler_dto import SchedulerBody, SchedulerSuccess, StartScheduler
from insider_core import StartAnswer, StartOverrides

STARTED = {
    StartAnswer.STARTED: "Scheduler started successfully",
    StartAnswer.ALREADY_RUNNING: "Scheduler is already running",
}


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
        self, service: Service, data: JSONBody[StartScheduler | None] = None
    ) -> SchedulerSuccess:
        """Starts every instance of the service within a second. Optional overrides:
        `interval` (minutes) or `intervalSeconds`, `failureRate`, `batchSize`, in force until
        the next stop: a start without a body uses the configured values. A body sent to a
        running service is refused (409): stop it to change its settings."""
        cannot_start = service.scheduler.cannot_start
        if cannot_start is not None:
            raise SchedulerCannotStart(cannot_start)
        overrides = data or StartScheduler()
        answer = await service.start(
            StartOverrides(
                interval_seconds=overrides.seconds,
                batch_size=overrides.batch_size,
                failure_rate=overrides.failure_rate,
            )
        )
        if answer is StartAnswer.CONFLICT:
            raise SchedulerCannotStart(
                "Scheduler is already running; stop it to change its settings"
            )
        return ok(SchedulerSuccess, SchedulerBody.of(await service.status()), STARTED[answer])

    @post("/stop", status_code=200, responses=guarded(), summary="Stop after the batches in flight")
    async def stop_scheduler(self, service: Service) -> SchedulerSuccess:
        """Stops every instance of the service: answered once none claims anything more and
        the batches in flight are recorded."""
        stopped = await service.stop()
        text = "Scheduler stopped successfully" if stopped else "Scheduler is already stopped"
        return ok(SchedulerSuccess, SchedulerBody.of(await service.status()), text)

    @get("/status", responses=guarded(), summary="What the service's scheduler is doing")
    async def get_scheduler_status(self, service: Service) -> SchedulerSuccess:
        return ok(SchedulerSuccess, SchedulerBody.of(await service.status()))
