"""Every request body is checked before any route sees it: at most 1 MiB, and JSON that is
valid Unicode (no lone surrogates, which no database can store) nested at most 32 deep."""

from __future__ import annotations

import json
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.problems import problem

MAX_BODY_BYTES = 1024 * 1024
MAX_DEPTH = 32


class RequestGuard:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > MAX_BODY_BYTES:
                detail = f"the request body is larger than {MAX_BODY_BYTES:,} bytes"
                await problem(413, detail)(scope, receive, send)
                return
        # Kept for the audit trail, which then need not buffer the body a second time.
        scope.setdefault("state", {})["raw_body"] = bytes(body)
        refusal = _json_refusal(scope, bytes(body))
        if refusal is not None:
            await problem(422, refusal)(scope, receive, send)
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": bytes(body), "more_body": False}

        await self.app(scope, replay, send)


def _json_refusal(scope: Scope, body: bytes) -> str | None:
    headers = dict(scope.get("headers", []))
    if b"json" not in headers.get(b"content-type", b"") or not body:
        return None
    try:
        value = json.loads(body)
    except (ValueError, RecursionError):
        return None  # the route answers malformed JSON itself (400)
    return _walk(value, 0)


def _walk(value: Any, depth: int) -> str | None:
    if depth > MAX_DEPTH:
        return f"the JSON body is nested deeper than {MAX_DEPTH} levels"
    if isinstance(value, str):
        return _unicode(value)
    if isinstance(value, dict):
        items: list[Any] = [*value.keys(), *value.values()]
    elif isinstance(value, list):
        items = value
    else:
        return None
    for item in items:
        refusal = _walk(item, depth + 1)
        if refusal is not None:
            return refusal
    return None


def _unicode(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "the JSON body holds a string that is not valid Unicode (a lone surrogate)"
    return None
