"""What a failed Go call puts at stake: money moved at the PSP, a money row written, a money record's state."""

from __future__ import annotations

import re
from dataclasses import dataclass

import tree_sitter

from reviewbot.analyzers.go.db import DbWrite, db_write
from reviewbot.analyzers.go.stripe import money_call, stripe_names
from reviewbot.analyzers.go.syntax import (
    FUNCTION_TYPES,
    call_chain,
    callee_name,
    enclosing_function,
    function_name,
    parameters,
    receiver_type,
    statements,
)
from reviewbot.analyzers.treesitter.nodes import node_text, one_line
from reviewbot.analyzers.treesitter.rule import FileContext
from reviewbot.config import split_words
from reviewbot.core.findings import Confidence

Node = tree_sitter.Node

# Tables and entities whose rows are money or a payment's state.
MONEY_TABLE = re.compile(
    r"payment|charge|refund|payout|transfer|invoice|ledger|balance|wallet|settlement|capture|credit_?note|"
    r"deposit|withdrawal|disbursement|journal|posting|chargeback|dispute|remittance",
    re.IGNORECASE,
)
# Words of a call's name that say it changes state, and nouns that say the state is money's.
_MUTATION_WORDS = frozenset({
    "create", "update", "save", "insert", "upsert", "delete", "record", "mark", "apply", "reconcile", "capture",
    "refund", "charge", "settle", "post", "credit", "debit", "complete", "finalize", "void", "cancel", "add",
    "topup", "top", "deduct", "allocate", "reverse", "book", "pay", "collect", "attach", "sync", "process",
})
_MONEY_NOUNS = frozenset({
    "payment", "payments", "invoice", "invoices", "refund", "refunds", "charge", "charges", "payout", "payouts",
    "transfer", "transfers", "wallet", "wallets", "balance", "balances", "ledger", "credit", "credits", "debit",
    "settlement", "capture", "amount", "paid", "transaction", "transactions", "creditnote", "note",
})
_NOT_MONEY_TARGETS = re.compile(r"cache|session|log|metric|span|trace|template|registry|event_?bus|publish|notif|email|slack", re.I)
_MONEY_STATE = re.compile(r"paid|captured|refunded|succeeded|settled|charged|authorized|failed|reversed|processed", re.I)


@dataclass(frozen=True, slots=True)
class Stake:
    node: Node  # the call whose failure is at stake
    label: str  # how a message names it
    confidence: Confidence  # high: money moved or a money row written; medium: a name says so


def is_money_write(ctx: FileContext, write: DbWrite) -> bool:
    """A write to a money table, or of money columns or a payment state."""
    if write.table and MONEY_TABLE.search(write.table):
        return True
    if any(ctx.config.is_money_name(column) for column in write.set_columns):
        return True
    return bool(write.sql) and bool(_MONEY_STATE.search(write.sql)) and "status" in write.sql.lower()


def stake_of(ctx: FileContext, call: Node) -> Stake | None:
    """What failing `call` means for money, or None when it moves no money we can see."""
    stripe = money_call(ctx, call)
    if stripe is not None:
        return Stake(call, f"{stripe.label}(...)", Confidence.HIGH)
    write = db_write(ctx, call)
    if write is not None:
        if write.kind in ("sql", "ent", "gorm", "bun") and is_money_write(ctx, write):
            return Stake(call, write.label if write.kind == "sql" else one_line(node_text(call), 50), Confidence.HIGH)
        return None
    parts = call_chain(call)
    if parts and parts[-1] == "Commit" and len(parts) >= 2:
        function = enclosing_function(call)
        if function is not None and any(
            (w := db_write(ctx, c)) is not None and is_money_write(ctx, w) for c in ctx.descendants(function, "call_expression")
        ):
            return Stake(call, f"{'.'.join(parts)}()", Confidence.HIGH)
        return None
    if _is_named_money_mutation(parts):
        return Stake(call, f"{'.'.join(parts)}(...)", Confidence.MEDIUM)
    return None


def _is_named_money_mutation(parts: tuple[str, ...]) -> bool:
    """`s.paymentSvc.UpdatePayment`, `repo.ReconcilePaymentStatus`, `s.InvoiceRepo.Update`: the method's words
    say it changes state, and its name or the receiver's says the state is money's."""
    if len(parts) < 2:
        return False
    method = parts[-1]
    receiver = ".".join(parts[:-1])
    if _NOT_MONEY_TARGETS.search(receiver) or _NOT_MONEY_TARGETS.search(method):
        return False
    words = split_words(method)
    if not words or words[0] not in _MUTATION_WORDS:
        return False
    nouns = set(words[1:]) | set(split_words(parts[-2]))
    return bool(nouns & _MONEY_NOUNS)


# ----------------------------------------------------------------- handling of an error branch

_LOG_METHODS = frozenset({"Error", "Errorf", "Errorw", "Warn", "Warnf", "Warnw", "Warning", "Info", "Infof", "Infow",
                          "Print", "Printf", "Println", "Debug", "Debugf", "Msg", "Msgf", "Send", "ErrorContext",
                          "WarnContext", "InfoContext", "Log", "LogAttrs", "CaptureException", "Err"})
_STOPS = frozenset({"Fatal", "Fatalf", "Fatalln", "Panic", "Panicf", "Panicln", "Exit", "panic", "Abort",
                    "AbortWithError", "AbortWithStatus", "AbortWithStatusJSON", "Nack", "Retry", "Requeue"})


def only_logs(ctx: FileContext, block: Node, error_name: str) -> bool:
    """An error branch that logs (or does nothing) and carries on: no return, no panic, no retry, no
    assignment that hands the error on, no answer with an error status."""
    body = statements(block)
    logged = False
    for statement in body:
        kind = statement.type
        if kind in ("return_statement", "goto_statement", "break_statement", "continue_statement"):
            return False
        if kind == "expression_statement":
            calls = ctx.descendants(statement, "call_expression")
            if any(callee_name(c) in _STOPS for c in calls):
                return False
            if any(_error_status(c) for c in calls):
                return False
            if any(callee_name(c) in _LOG_METHODS or "log" in node_text(c.child_by_field_name("function") or c).lower()
                   for c in calls):
                logged = True
                continue
            return False
        if kind in ("assignment_statement", "short_var_declaration"):
            if error_name and re.search(rf"\b{re.escape(error_name)}\b", node_text(statement.child_by_field_name("right") or statement)):
                return False  # the error is handed on (errs = append(errs, err), lastErr = err)
            continue
        if kind == "comment":
            continue
        return False
    return logged or not body


def _error_status(call: Node) -> bool:
    """`c.JSON(http.StatusInternalServerError, …)`, `w.WriteHeader(500)`, `http.Error(w, …, 500)`."""
    text = node_text(call)
    return bool(re.search(r"Status(InternalServerError|BadRequest|ServiceUnavailable|BadGateway|Unauthorized|"
                          r"Forbidden|Conflict|UnprocessableEntity|NotFound|TooManyRequests)|\b[45]\d\d\b", text)) and (
        callee_name(call) in ("JSON", "String", "WriteHeader", "Error", "Status", "AbortWithStatusJSON", "NoContent",
                              "SendStatus", "IndentedJSON", "Data", "Render", "Respond", "writeError", "respondError")
        or "rror" in callee_name(call)
    )


# ----------------------------------------------------------------- PSP event paths

_PSP_EVENT_TYPES = re.compile(r"\b(Event|PaymentIntent|CheckoutSession|Invoice|Charge|Refund|Payout|Dispute|Transfer)\b")


def psp_event_path(ctx: FileContext, function: Node) -> str | None:
    """Why `function` handles a PSP's event (so a swallowed failure is never redelivered), or None."""
    names = stripe_names(ctx)
    for parameter in parameters(function):
        if any(f"{n}." in parameter.type for n in names) and _PSP_EVENT_TYPES.search(parameter.type):
            return f"it handles a `{parameter.type}` from the PSP"
    text = node_text(function)
    if "ConstructEvent" in text or "ValidatePayload" in text:
        return "it handles a verified webhook event"
    name = function_name(function) + " " + receiver_type(function)
    if re.search(r"webhook", name, re.I):
        return "it handles a webhook"
    return None


def outer_function(node: Node) -> Node | None:
    """The top-level function around `node`."""
    found: Node | None = None
    parent = node.parent
    while parent is not None:
        if parent.type in FUNCTION_TYPES and parent.type != "func_literal":
            found = parent
        parent = parent.parent
    return found
