"""Posting to Slack incoming webhooks and customers' webhook endpoints.

4xx answers are permanent (the URL or payload is wrong; retrying will not help), 5xx and
network errors are transient and retried by Temporal. Webhooks carry the delivery key, so a
receiver can drop the copy a retry after a lost answer may bring.
"""

from __future__ import annotations

import json
import time
from typing import Any

import httpx

from activities.email_delivery import permanent
from core.signing import webhook_signature
from core.url_guard import UnsafeUrl, check_outbound_url

MAX_RESPONSE_BYTES = 64 * 1024
"""What we read of a receiver's answer: enough for an error message, never a flood."""


def _post(url: str, body: bytes, headers: dict[str, str], timeout: float, private: bool) -> int:
    try:
        check_outbound_url(url, allow_private=private)
    except UnsafeUrl as err:
        raise permanent(f"refused to call {url!r}: {err}") from err
    try:
        with httpx.stream(
            "POST",
            url,
            content=body,
            headers={"content-type": "application/json", **headers},
            timeout=timeout,
            follow_redirects=False,
        ) as response:
            answer = _read_some(response)
    except (httpx.InvalidURL, httpx.UnsupportedProtocol) as err:
        raise permanent(f"invalid URL {url!r}: {err}") from err
    if 400 <= response.status_code < 500:
        raise permanent(f"{url} answered {response.status_code}: {answer[:200]}")
    response.raise_for_status()
    return response.status_code


def _read_some(response: httpx.Response) -> str:
    read = bytearray()
    for chunk in response.iter_bytes():
        read += chunk
        if len(read) >= MAX_RESPONSE_BYTES:
            break
    return read[:MAX_RESPONSE_BYTES].decode("utf-8", errors="replace")


def _json(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":"), default=str).encode()


def post_slack(url: str, text: str, *, timeout: float, private: bool = False) -> int:
    return _post(url, _json({"text": text}), {}, timeout, private)


def post_webhook(
    url: str,
    secret: str | None,
    key: str,
    payload: dict[str, Any],
    *,
    timeout: float,
    private: bool = False,
) -> int:
    """Signed with `X-Onboard-Signature: t=<unix time>,v1=<hmac>` when the tenant has a secret."""
    body = _json(payload)
    headers = {"X-Onboard-Delivery": key}
    if secret:
        headers["X-Onboard-Signature"] = webhook_signature(secret, int(time.time()), body)
    return _post(url, body, headers, timeout, private)
