"""Records every successful admin write on the API and every staff action on the dashboard,
with who (the key or account), what (method and route), the target, and the request's content
(as the request guard, the outer middleware, kept it); routes that know the state before the
change leave it in `request.state.audit_before`."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request, Response
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from api.deps import Admin
from core.audit import record, redact
from models.api_key import Principal
from models.audit import AuditEntry

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class AuditTrail(BaseHTTPMiddleware):
    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.method not in WRITES:
            return await call_next(request)
        response = await call_next(request)
        route = request.scope.get("route")
        principal: Principal | None = getattr(request.state, "principal", None)
        if isinstance(route, APIRoute) and principal is not None and _done(route, response):
            entry = AuditEntry(
                tenant_id=principal.tenant_id,
                actor=f"{getattr(request.state, 'via', 'api')}:{principal.actor}",
                action=f"{request.method} {route.path}",
                target=request.url.path,
                customer_id=request.path_params.get("customer_id"),
                before=getattr(request.state, "audit_before", None),
                after={
                    "status": response.status_code,
                    "request": redact(_content(getattr(request.state, "raw_body", b""))),
                },
            )
            await run_in_threadpool(record, request.app.state.engine, entry)
        return response


def _done(route: APIRoute, response: Response) -> bool:
    """An admin route that succeeded, or a dashboard action that redirected with `done`."""
    if route.path.startswith("/dashboard/") and route.path != "/dashboard/login":
        return "done=" in response.headers.get("location", "")
    return response.status_code < 400 and any(d is Admin for d in route.dependencies)


def _content(body: bytes) -> Any:
    if not body:
        return None
    try:
        return json.loads(body)
    except ValueError:
        form = parse_qs(body.decode("utf-8", errors="replace"))
        return {k: v[0] if len(v) == 1 else v for k, v in form.items()}
