"""The port is bound before anything is claimed: a service that cannot serve sends nothing."""

from __future__ import annotations

import socket

from contract.mysql_databases import ScratchDatabase
from e2e.conftest import count_by_status
from e2e.launcher import Launcher
from e2e.processes import Process

CANNOT_LISTEN = 3


def test_a_service_whose_port_is_taken_exits_3_in_one_line_and_sends_nothing(
    launch: Launcher, stores: dict[str, str], mysql_database: ScratchDatabase
) -> None:
    launch.seed(stores, 10)
    receiver = launch.receiver()
    receiver.ready()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        service = Process(
            ["serve", "--host", "127.0.0.1", "--port", str(port)],
            {
                **stores,
                "AUTO_START_SCHEDULER": "true",
                "MESSAGE_SEND_INTERVAL_SECONDS": "0.1",
                "MESSAGE_BATCH_SIZE": "5",
                "WEBHOOK_URL": receiver.webhook_url,
            },
            launch.log_dir / "service-port-taken.log",
        )
        launch.started.append(service)

        code = service.wait(30)

    assert receiver.stats()["requests"] == 0
    assert count_by_status(mysql_database) == {"pending": 10}
    assert code == CANNOT_LISTEN
    assert service.output() == f"cannot listen on 127.0.0.1:{port}: Address already in use\n"
