"""Errors as RFC 9457 `application/problem+json`, each naming what was wrong and where."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM = "application/problem+json"
DOCUMENTED = (400, 401, 403, 404, 409, 412, 413, 422, 429, 503)


class Problem(BaseModel):
    """An error: `detail` says what is wrong; `errors` names each invalid field (422)."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None


def problem_responses() -> dict[int | str, dict[str, Any]]:
    """The error answers every API operation may give, for the OpenAPI schema."""
    schema = Problem.model_json_schema()
    return {
        code: {"description": HTTPStatus(code).phrase, "content": {PROBLEM: {"schema": schema}}}
        for code in DOCUMENTED
    }


def problem(
    status: int, detail: str, *, headers: Mapping[str, str] | None = None, **extra: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": HTTPStatus(status).phrase,
        "status": status,
        "detail": detail,
        **extra,
    }
    return JSONResponse(body, status_code=status, headers=headers, media_type=PROBLEM)


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    return ".".join(str(part) for part in loc)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_problem(_: Request, err: StarletteHTTPException) -> JSONResponse:
        return problem(err.status_code, str(err.detail), headers=err.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_problem(_: Request, err: RequestValidationError) -> JSONResponse:
        errors = [
            {
                "loc": list(e["loc"]),
                "field": _field(e["loc"]),
                "msg": e["msg"],
                "type": e["type"],
            }
            for e in err.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['msg']}" for e in errors[:5])
        if len(errors) > 5:
            detail += f"; and {len(errors) - 5} more"
        return problem(422, detail, errors=errors)
