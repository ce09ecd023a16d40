"""What a block of TypeScript puts at stake if it fails: money moved at the PSP, a money row written..."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.analyzers.typescript.db import db_write
from reviewbot.analyzers.typescript.stripe import stripe_call
from reviewbot.analyzers.typescript.syntax import (
    FUNCTION_TYPES,
    callee,
    object_members,
    string_value,
    unwrap,
)
from reviewbot.core.findings import Confidence

Node = tree_sitter.Node

_MONEY_STATE = re.compile(r"^(paid|captured|refunded|succeeded|settled|charged|authorized|partially_\w+)$")
# A write helper named for a money state change: `markPaid(tx, id)`, `markSucceeded(tx, chargeId, intentId)`.
_MONEY_STATE_HELPER = re.compile(r"^(mark|set)(As)?(Paid|Captured|Refunded|Succeeded|Settled|Charged)$")


@dataclass(frozen=True, slots=True)
class Stake:
    node: Node  # the call that fails
    label: str  # how a message names it
    confidence: Confidence  # high: money moved or a money row written; medium: a PSP read or another write


def stakes(ctx: FileContext, block: Node) -> list[Stake]:
    """The PSP calls and database writes inside `block`, not counting functions defined in it."""
    found: list[Stake] = []
    for call in ctx.descendants(block, "call_expression"):
        if _in_nested_function(call, block):
            continue
        stripe = stripe_call(ctx, call)
        if stripe is not None:
            if stripe.resource == "webhooks":
                continue
            level = Confidence.HIGH if stripe.is_money_moving else Confidence.MEDIUM
            found.append(Stake(call, f"{stripe.receiver}.{stripe.label}(...)", level))
            continue
        write = db_write(call)
        if write is None:
            continue
        money = _is_money_write(ctx, write.target, write.values) or (
            not write.direct and bool(_MONEY_STATE_HELPER.match(write.target))
        )
        if not money and not write.direct:
            continue  # a helper such as `updateUserSettings(db, ...)`: too little is known to matter
        level = Confidence.HIGH if money else Confidence.MEDIUM
        found.append(Stake(call, one_line(node_text(callee(call) or call), 40) + "(...)", level))
    return found


def highest(found: list[Stake]) -> Stake | None:
    """The stake that matters most: money first, then the first in the code."""
    if not found:
        return None
    return sorted(found, key=lambda s: (-s.confidence.rank, s.node.start_byte))[0]


def _is_money_write(ctx: FileContext, target: str, values: Node | None) -> bool:
    from reviewbot.analyzers.typescript.db import PAYMENT_ENTITY

    members = object_members(values)
    if any(ctx.config.is_money_name(key) for key in members):
        return True
    for key, value in members.items():
        state = string_value(value)
        if key.lower().endswith("status") and state is not None and _MONEY_STATE.match(state.lower()):
            return True
    return bool(PAYMENT_ENTITY.search(target)) and bool(members)


def _in_nested_function(node: Node, block: Node) -> bool:
    if node.id == block.id:
        return False
    parent = node.parent
    while parent is not None and parent.id != block.id:
        if parent.type in FUNCTION_TYPES:
            return True
        parent = parent.parent
    return False


def swallows(body: Node | None) -> bool:
    """A catch body (or callback body) that neither rethrows, logs, nor returns anything but a blank:
    empty, comments, `return null/undefined/false/[]/{}`, `return;`, `continue;`, `break;`."""
    body = unwrap(body)
    if body is None:
        return True
    if body.type != "statement_block":
        return _is_blank(body)
    for statement in body.named_children:
        kind = statement.type
        if kind in ("comment", "empty_statement", "continue_statement", "break_statement"):
            continue
        if kind == "return_statement":
            values = [c for c in statement.named_children if c.type != "comment"]
            if not values or _is_blank(values[0]):
                continue
        return False
    return True


def _is_blank(expression: Node) -> bool:
    node = unwrap(expression)
    if node is None:
        return True
    if node.type in ("null", "undefined", "false"):
        return True
    if node.type in ("array", "object") and node.named_child_count == 0:
        return True
    return node.type == "identifier" and node_text(node) == "undefined"
