"""Schemathesis fuzzes every operation of the OpenAPI schema against the running app (dev
server and worker behind it): no answer may be a 5xx, and every answer must match the schema."""

from __future__ import annotations

import asyncio
import re
import sys
from pathlib import Path

from tests.dashboard.conftest import ARTIFACTS, Served

EXAMPLES_PER_OPERATION = 40
OPERATIONS_AT_LEAST = 43
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_schema_conformance",
    )
)


async def test_fuzzing_finds_no_server_error_and_no_schema_violation(served: Served) -> None:
    report = ARTIFACTS.parent / "schemathesis"
    report.mkdir(parents=True, exist_ok=True)
    st = Path(sys.executable).parent / "st"
    process = await asyncio.create_subprocess_exec(
        str(st),
        "run",
        f"{served.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {served.admin_key}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(EXAMPLES_PER_OPERATION),
        "--phases",
        "examples,coverage,fuzzing",
        "--seed",
        "20261124",
        "--request-timeout",
        "30",
        "--report",
        "ndjson",
        "--report-dir",
        str(report),
        "--no-color",
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    text = output.decode()
    (report / "output.txt").write_text(text)
    assert process.returncode == 0, text[-6000:]
    counts = re.search(r"(\d+) generated, (\d+) passed", text)
    assert counts is not None, text[-2000:]
    generated, passed = (int(n) for n in counts.groups())
    assert generated == passed and generated >= 20 * OPERATIONS_AT_LEAST
    assert (
        re.search(r"Tested: (\d+)", text)
        and int(re.findall(r"Tested: (\d+)", text)[0]) >= OPERATIONS_AT_LEAST
    )
