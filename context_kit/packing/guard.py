"""The secret backstop: scan the assembled text once more, redact, recount, refit.

Sources redact at ingestion (see :mod:`context_kit.secrets`), so this pass normally finds
nothing. It is there for what ingestion cannot vouch for — a plug-in source or renderer, a
rule that only matches once blocks sit side by side — and it must not break the budget
contract: a marker can cost more tokens than the value it replaces, so after redacting, the
text is recounted and, while it is over budget, packed again with a budget lowered by the
overshoot.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable

from ..secrets import redact
from ..tokens import Tokenizer
from .packer import PackResult

__all__ = ["guard_secrets"]

log = logging.getLogger("context_kit")


def guard_secrets(
    pack: Callable[[int], PackResult], budget: int, tokenizer: Tokenizer
) -> tuple[PackResult, int]:
    """Run ``pack(budget)``; redact any secret left in its text, keeping ``tokens <= budget``.

    Args:
        pack: Packs the same candidates at a given budget.
        budget: The caller's budget.
        tokenizer: Recounts the redacted text.

    Returns:
        The result, redacted if needed (``tokens`` is then the exact count of the redacted
        text), and how many values this backstop had to redact (0 when ingestion caught all).
    """
    result = pack(budget)
    found = redact(result.text)
    if not found.total or found.text == result.text:
        return result, 0
    caught = found.total
    log.warning(
        "context_kit: %d secret value(s) reached the assembled text (%s) and were redacted "
        "there; a source or renderer is not redacting",
        caught,
        ", ".join(found.counts),
    )
    inner = budget
    while True:
        tokens = tokenizer.count(found.text) if found.text else 0
        if tokens <= budget:
            return dataclasses.replace(result, text=found.text, tokens=tokens), caught
        inner -= max(tokens - budget, 1)
        if inner <= 0:  # nothing fits once redacted: an empty pack is within any budget
            return dataclasses.replace(result, text="", tokens=0, items=[]), caught
        result = pack(inner)
        found = redact(result.text)
