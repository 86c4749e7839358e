"""CEL expressions in playbooks: compiled and checked at load time, never `eval`."""

from __future__ import annotations

import cel

MAX_EXPRESSION_LENGTH = 2000


def check_expression(expression: str, variables: frozenset[str]) -> None:
    """Compile the expression and refuse variables the evaluator will not provide."""
    try:
        program = cel.compile(expression)
    except ValueError as err:
        raise ValueError(f"not a valid CEL expression: {err}") from None
    unknown = set(program.variables()) - variables
    if unknown:
        raise ValueError(f"unknown variables {sorted(unknown)}; available: {sorted(variables)}")
