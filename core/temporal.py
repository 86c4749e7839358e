"""Connecting to Temporal: always with the pydantic data converter (see design: known traps)."""

from __future__ import annotations

from temporalio.api.enums.v1 import IndexedValueType
from temporalio.api.operatorservice.v1 import (
    AddSearchAttributesRequest,
    ListSearchAttributesRequest,
)
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode

from core.config import Settings
from workflows.search_attributes import ALL_SEARCH_ATTRIBUTES


async def connect(settings: Settings) -> Client:
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )


async def register_search_attributes(client: Client, namespace: str) -> list[str]:
    """Add the journey's search attributes the server lacks (an unregistered one hangs workflows).

    Returns the names it added.
    """
    known: set[str] = set()
    try:
        existing = await client.operator_service.list_search_attributes(
            ListSearchAttributesRequest(namespace=namespace)
        )
        known = set(existing.custom_attributes) | set(existing.system_attributes)
    except RPCError as err:
        # The time-skipping test server cannot list, but it can add.
        if err.status != RPCStatusCode.UNIMPLEMENTED:
            raise
    missing = {
        key.name: IndexedValueType.ValueType(key.indexed_value_type)
        for key in ALL_SEARCH_ATTRIBUTES
        if key.name not in known
    }
    if missing:
        await client.operator_service.add_search_attributes(
            AddSearchAttributesRequest(namespace=namespace, search_attributes=missing)
        )
    return sorted(missing)
