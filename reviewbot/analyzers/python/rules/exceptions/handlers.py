"""Judging except handlers: what they catch, and whether their body leaves any trace of the error."""

from __future__ import annotations

import re
from collections.abc import Sequence
from enum import Enum

import libcst as cst

from reviewbot.analyzers.python.names import call_chain, dotted_name, qualified_name

BROAD_NAMES = frozenset({"Exception", "BaseException"})

# Packages whose exception classes are payment-provider or HTTP-transport errors.
PSP_ERROR_PACKAGES = frozenset(
    {
        "stripe",
        "adyen",
        "braintree",
        "mollie",
        "checkout_sdk",
        "paypalrestsdk",
        "paypalserversdk",
        "httpx",
        "requests",
        "aiohttp",
        "urllib3",
    }
)
# Unqualified (or re-exported) class names that are PSP or transport errors wherever they come from.
PSP_ERROR_NAMES = frozenset(
    {
        "StripeError",
        "CardError",
        "APIConnectionError",
        "APIError",
        "InvalidRequestError",
        "RateLimitError",
        "IdempotencyError",
        "AdyenError",
        "AdyenAPIResponseError",
        "AdyenAPICommunicationError",
        "AdyenAPIInvalidPermission",
        "BraintreeError",
        "HTTPError",
        "HTTPStatusError",
        "RequestException",
        "RequestError",
        "TransportError",
        "TimeoutException",
        "ConnectTimeout",
        "ReadTimeout",
        "ConnectError",
        "Timeout",
        "ClientError",
        "TimeoutError",
        "ConnectionError",
    }
)
# Project-local wrappers of PSP failures: `PaymentGatewayError`, `PspTimeout`, `CardDeclined`...
_PSP_CLASS = re.compile(
    r"^(Stripe|Adyen|Braintree|Mollie|PayPal|Paypal|Checkout|Psp|PSP|Gateway|PaymentGateway|"
    r"Payment|Provider|Acquirer|Processor|Card)\w*(Error|Exception|Timeout|Declined|Failure)$"
)

_LOG_METHODS = frozenset(
    {
        "debug",
        "info",
        "warning",
        "warn",
        "error",
        "exception",
        "critical",
        "fatal",
        "log",
        "msg",
        "capture_exception",
        "capture_message",
        "print_exc",
        "print_exception",
        "captureException",
        "captureMessage",
        "notify",
    }
)
_LOG_RECEIVERS = frozenset(
    {
        "log",
        "_log",
        "logging",
        "structlog",
        "loguru",
        "sentry_sdk",
        "sentry",
        "traceback",
        "rollbar",
        "bugsnag",
    }
)
_LOG_FUNCTIONS = frozenset({"print", "capture_exception", "capture_message", "warn"})

# Words in a returned literal that make it an explicit error result rather than a silent default.
_ERROR_WORDS = re.compile(
    r"error|fail|declin|invalid|unavailable|denied|reject|timeout|timed.out|refused|unknown",
    re.IGNORECASE,
)
_EMPTY_CONSTRUCTORS = frozenset({"dict", "list", "set", "tuple", "frozenset", "str", "int", "Decimal"})
_SUCCESS_STATUS_NAMES = frozenset({"OK", "CREATED", "ACCEPTED", "NO_CONTENT"})
_STATUS_IN_NAME = re.compile(r"HTTP_(\d{3})")

# Methods whose failure in best-effort clean-up is routinely ignored (closing, deleting temp files).
CLEANUP_METHODS = frozenset(
    {
        "close",
        "aclose",
        "shutdown",
        "unlink",
        "remove",
        "rmtree",
        "rmdir",
        "disconnect",
        "release",
        "kill",
        "terminate",
        "stop",
        "cleanup",
        "rollback",
        "unregister",
        "detach",
        "join",
        "wait",
    }
)


class BodyKind(Enum):
    """How an except body treats the error it caught."""

    SILENT = "silent"  # only pass, `...`, continue, break, or a constant return
    LOG_ONLY = "log-only"  # silent statements plus logging/reporting calls
    HANDLED = "handled"  # raises, returns something built from the error, records state, ...


def caught_names(handler: cst.ExceptHandler | cst.ExceptStarHandler, imports: dict[str, str]) -> list[str]:
    """Qualified names of the classes a handler catches; [] for `except:` or a dynamic expression."""
    if handler.type is None:
        return []
    items: list[cst.BaseExpression]
    if isinstance(handler.type, cst.Tuple):
        items = [element.value for element in handler.type.elements]
    else:
        items = [handler.type]
    names: list[str] = []
    for item in items:
        name = qualified_name(item, imports)
        if name is not None:
            names.append(name)
    return names


def broad_name(names: list[str]) -> str | None:
    """ "Exception" or "BaseException" if the handler catches one of them, else None."""
    for name in names:
        short = name.removeprefix("builtins.")
        if short in BROAD_NAMES:
            return short
    return None


def is_psp_error(name: str) -> bool:
    """stripe.error.CardError, httpx.HTTPError, requests.Timeout, PaymentGatewayError..."""
    head, _, _ = name.partition(".")
    last = name.rsplit(".", 1)[-1]
    if head.lower() in PSP_ERROR_PACKAGES and last[:1].isupper():
        return True
    return last in PSP_ERROR_NAMES or bool(_PSP_CLASS.match(last))


def psp_error_name(names: list[str]) -> str | None:
    for name in names:
        if is_psp_error(name):
            return name
    return None


def judge_body(body: cst.BaseSuite) -> BodyKind:
    """SILENT, LOG_ONLY or HANDLED; any compound statement counts as HANDLED (conservative)."""
    if isinstance(body, cst.SimpleStatementSuite):
        smalls: list[cst.BaseSmallStatement] = list(body.body)
    else:
        smalls = []
        for stmt in body.body:
            if not isinstance(stmt, cst.SimpleStatementLine):
                return BodyKind.HANDLED
            smalls.extend(stmt.body)
    kind = BodyKind.SILENT
    for small in smalls:
        if _is_silent_statement(small):
            continue
        if isinstance(small, cst.Expr) and is_logging_call(small.value):
            kind = BodyKind.LOG_ONLY
            continue
        return BodyKind.HANDLED
    return kind


def is_logging_call(node: cst.BaseExpression) -> bool:
    """logger.warning(...), logging.exception(...), sentry_sdk.capture_exception(), print(...)."""
    if isinstance(node, cst.Await):
        node = node.expression
    if not isinstance(node, cst.Call):
        return False
    chain = call_chain(node.func)
    if chain is None:
        return False
    parts = chain.split(".")
    if len(parts) == 1:
        return parts[0] in _LOG_FUNCTIONS
    if parts[-1] not in _LOG_METHODS:
        return False
    if parts[-1] == "warn" and parts[0] == "warnings":
        return True
    return any(p.lower() in _LOG_RECEIVERS or p.lower().endswith("logger") for p in parts[:-1])


def describe_body(body: cst.BaseSuite, module: cst.Module) -> str:
    """The handler's statements on one line, shortened: `pass`, `return None`, `continue`."""
    if isinstance(body, cst.SimpleStatementSuite):
        smalls: list[cst.BaseSmallStatement] = list(body.body)
    else:
        smalls = [s for line in body.body if isinstance(line, cst.SimpleStatementLine) for s in line.body]
    texts = [module.code_for_node(s).strip().rstrip(";").strip() for s in smalls]
    text = "; ".join(t for t in texts if t)
    return text if len(text) <= 60 else text[:57] + "..."


def is_benign_try_body(body: cst.BaseSuite) -> bool:
    """A try body made only of clean-up calls (`conn.close()`, `os.unlink(tmp)`), `del` or imports."""
    statements = body.body
    if not statements:
        return False
    for stmt in statements:
        if not isinstance(stmt, cst.SimpleStatementLine | cst.BaseSmallStatement):
            return False
        smalls = stmt.body if isinstance(stmt, cst.SimpleStatementLine) else (stmt,)
        for small in smalls:
            if isinstance(small, cst.Import | cst.ImportFrom | cst.Del):
                continue
            if not isinstance(small, cst.Expr):
                return False
            value = small.value.expression if isinstance(small.value, cst.Await) else small.value
            if not isinstance(value, cst.Call):
                return False
            chain = call_chain(value.func)
            if chain is None or chain.rsplit(".", 1)[-1] not in CLEANUP_METHODS:
                return False
    return True


def _is_silent_statement(small: cst.BaseSmallStatement) -> bool:
    if isinstance(small, cst.Pass | cst.Continue | cst.Break):
        return True
    if isinstance(small, cst.Expr):
        # `...` and a lone string (a "comment" that explains nothing to the caller)
        return isinstance(small.value, cst.Ellipsis | cst.SimpleString | cst.ConcatenatedString)
    if isinstance(small, cst.Return):
        return small.value is None or is_silent_value(small.value)
    return False


def is_silent_value(node: cst.BaseExpression) -> bool:
    """A returned value that says nothing about the failure: None, False, 0, {}, a success reply."""
    if _is_error_literal(node):
        return False
    if _is_constant(node):
        return True
    return _is_success_response(node)


def _is_constant(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.Name):
        # None/True/False, and module constants such as DEFAULT_FX_RATE
        return node.value in {"None", "True", "False"} or (node.value.isupper() and len(node.value) > 1)
    if isinstance(node, cst.Integer | cst.Float | cst.Imaginary | cst.SimpleString | cst.Ellipsis):
        return True
    if isinstance(node, cst.ConcatenatedString):
        return True
    if isinstance(node, cst.UnaryOperation):
        return _is_constant(node.expression)
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        return all(_is_constant(e.value) for e in node.elements if isinstance(e, cst.Element))
    if isinstance(node, cst.Dict):
        return all(
            isinstance(e, cst.DictElement) and _is_constant(e.key) and _is_constant(e.value)
            for e in node.elements
        )
    if isinstance(node, cst.Call):
        name = dotted_name(node.func)
        short = name.rsplit(".", 1)[-1] if name else None
        return short in _EMPTY_CONSTRUCTORS and all(_is_constant(a.value) for a in node.args)
    return False


def _is_error_literal(node: cst.BaseExpression) -> bool:
    """`{"error": "card_declined"}`, `(False, "payment failed")`, `("", 502)`: an explicit error result."""
    if isinstance(node, cst.Tuple) and node.elements:
        last = node.elements[-1].value
        if isinstance(last, cst.Integer) and _status_of_int(last) >= 400:
            return True
    return _mentions_error(node)


def _mentions_error(node: cst.BaseExpression) -> bool:
    if isinstance(node, cst.SimpleString | cst.Name):
        return bool(_ERROR_WORDS.search(node.value))
    if isinstance(node, cst.ConcatenatedString):
        return _mentions_error(node.left) or _mentions_error(node.right)
    if isinstance(node, cst.Tuple | cst.List | cst.Set):
        return any(_mentions_error(e.value) for e in node.elements)
    if isinstance(node, cst.Dict):
        return any(
            isinstance(e, cst.DictElement) and (_mentions_error(e.key) or _mentions_error(e.value))
            for e in node.elements
        )
    return False


def _is_success_response(node: cst.BaseExpression) -> bool:
    """`HttpResponse(status=200)`, `JsonResponse({"received": True})`: success sent for a failure."""
    if not isinstance(node, cst.Call):
        return False
    name = dotted_name(node.func)
    if name is None or not name.rsplit(".", 1)[-1].endswith("Response"):
        return False
    status = 200
    positional = 0
    for arg in node.args:
        if arg.keyword is None:
            positional += 1
            if positional > 1 or not _is_constant(arg.value) or _mentions_error(arg.value):
                return False
        elif arg.keyword.value in {"status", "status_code"}:
            status = _status_of(arg.value)
        elif not _is_constant(arg.value):
            return False
    return status < 400


def _status_of(node: cst.BaseExpression) -> int:
    """An HTTP status from `502`, `status.HTTP_502_BAD_GATEWAY` or `HTTPStatus.OK`; 999 if unknown."""
    if isinstance(node, cst.Integer):
        return _status_of_int(node)
    if isinstance(node, cst.Attribute):
        found = _STATUS_IN_NAME.search(node.attr.value)
        if found:
            return int(found.group(1))
        if node.attr.value in _SUCCESS_STATUS_NAMES:
            return 200
    return 999


def _status_of_int(node: cst.Integer) -> int:
    try:
        return int(node.value, 0)
    except ValueError:
        return 999


def has_raise(body: cst.BaseSuite) -> bool:
    """Whether the handler body raises anywhere (a bare `raise`, or `raise Other(...) from err`)."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.Raise):
            return True
        if isinstance(current, cst.FunctionDef | cst.ClassDef | cst.Lambda):
            continue
        stack.extend(current.children)
    return False


def sibling_psp_handler(
    handlers: Sequence[cst.ExceptHandler | cst.ExceptStarHandler], imports: dict[str, str]
) -> str | None:
    """The PSP or payment error another handler of the same `try` catches: the body talks to a PSP."""
    for handler in handlers:
        found = psp_error_name(caught_names(handler, imports))
        if found is not None:
            return found
    return None


def is_sdk_error(name: str) -> bool:
    """An error class of a PSP SDK or an HTTP transport (`stripe.error.CardError`, `httpx.TimeoutException`),
    as opposed to a project's own `PaymentException` that its code raises after recording the failure."""
    head, _, _ = name.partition(".")
    last = name.rsplit(".", 1)[-1]
    return (head.lower() in PSP_ERROR_PACKAGES and last[:1].isupper()) or last in PSP_ERROR_NAMES
