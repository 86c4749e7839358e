"""Rendering message templates: sandboxed, strict about unknown variables, HTML autoescaped."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment


@lru_cache
def template_environment(template_dir: Path) -> SandboxedEnvironment:
    return SandboxedEnvironment(
        loader=FileSystemLoader(template_dir),
        undefined=StrictUndefined,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
        keep_trailing_newline=False,
    )


def render_template(*, template_dir: Path, template_name: str, context: dict[str, Any]) -> str:
    """Render `template_name` (a path under the template directory) with `context`."""
    template = template_environment(template_dir).get_template(template_name)
    return template.render(**context).strip()
