"""CEL expressions in playbooks: compiled and checked at load time, never `eval`."""

from __future__ import annotations

import re

import cel

MAX_EXPRESSION_LENGTH = 2000
MAX_COMPREHENSIONS = 2
"""CEL has no loops, only macros over lists (all, exists, map, ...). With at most two of them,
the work an expression can cause is bounded by its length times the square of the largest list
it sees (event properties hold at most 500 items), whatever a playbook author writes."""
COMPREHENSION = re.compile(r"\.\s*(all|exists|exists_one|map|filter)\s*\(")


def check_expression(expression: str, variables: frozenset[str]) -> None:
    """Compile the expression and refuse variables the evaluator will not provide, expressions
    longer than MAX_EXPRESSION_LENGTH and more than MAX_COMPREHENSIONS list macros."""
    if len(expression) > MAX_EXPRESSION_LENGTH:
        raise ValueError(f"longer than {MAX_EXPRESSION_LENGTH} characters")
    if len(COMPREHENSION.findall(expression)) > MAX_COMPREHENSIONS:
        raise ValueError(
            f"more than {MAX_COMPREHENSIONS} list macros (all, exists, map, filter): its cost "
            "would grow too fast with the data"
        )
    try:
        program = cel.compile(expression)
    except ValueError as err:
        raise ValueError(f"not a valid CEL expression: {err}") from None
    unknown = set(program.variables()) - variables
    if unknown:
        raise ValueError(f"unknown variables {sorted(unknown)}; available: {sorted(variables)}")
