"""Listings on PostgreSQL: a deep page reads from the table only the rows it shows."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.postgres import PostgresMessageRepository
from adapters.postgres.queries import page_query
from contract.postgres_databases import PostgresScratch
from contract.repository_contract import START, new_message
from contract.test_postgres_claims import explain_analyze, plan_nodes
from insider_core import PageRequest

pytestmark = pytest.mark.postgres


async def test_a_deep_page_reads_its_ids_from_the_index_and_only_its_own_rows_from_the_table(
    postgres_repository: PostgresMessageRepository, pg_scratch: PostgresScratch
) -> None:
    await postgres_repository.add_many([new_message(START) for _ in range(20_000)])
    await pg_scratch.query("VACUUM ANALYZE messages")
    _, page = page_query(filtered=False, newest_sent_first=False, by_phone=False)

    plan = await explain_analyze(pg_scratch, page, (100, 15_000))

    scans: list[dict[str, Any]] = [
        node for node in plan_nodes(plan) if node.get("Relation Name") == "messages"
    ]
    skipping = [node for node in scans if node["Actual Rows"] * node["Actual Loops"] > 100]
    assert [node["Node Type"] for node in skipping] == ["Index Only Scan"], plan
    read_rows = [node for node in scans if node not in skipping]
    assert sum(node["Actual Rows"] * node["Actual Loops"] for node in read_rows) == 100, plan
    listed = await postgres_repository.list_page(PageRequest(page=151, page_size=100))
    assert [m.id for m in listed.items] == list(range(5000, 4900, -1))
