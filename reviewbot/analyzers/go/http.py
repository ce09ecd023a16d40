"""Go HTTP handlers (net/http, chi, gin, echo, fiber): which functions are webhook handlers, what they read
from the request, and what verifies it."""

from __future__ import annotations

import re

import tree_sitter

from reviewbot.analyzers.go.syntax import (
    arguments,
    call_chain,
    callee_name,
    function_name,
    parameters,
    receiver_type,
    string_value,
)
from reviewbot.analyzers.treesitter.nodes import node_text
from reviewbot.analyzers.treesitter.rule import FileContext

Node = tree_sitter.Node

# A handler's request parameter types, per framework.
_HANDLER_TYPES = re.compile(
    r"^(\*http\.Request|\*gin\.Context|echo\.Context|\*fiber\.Ctx|fiber\.Ctx|\*fasthttp\.RequestCtx|\*chi\.Context)$"
)
# Header reads: `r.Header.Get("X")`, `c.GetHeader("X")`, `c.Request().Header.Get("X")`, fiber's `c.Get("X")`.
HEADER_READS = frozenset({"GetHeader", "Get", "Values", "Peek"})
# Body reads.
_BODY_READ = re.compile(
    r"io\.ReadAll|ioutil\.ReadAll|GetRawData|ShouldBind\w*|BindJSON|\.Bind\(|\.Body\(\)|json\.NewDecoder\(\s*\w+\.Body|"
    r"\.BodyParser\(|\.Request\.Body|\.Body\)|MaxBytesReader\(\s*\w+,\s*\w+\.Body|PostForm|ParseForm|FormValue"
)
# Calls that verify a webhook (or authenticate its sender): stripe-go's webhook package, HMAC, constant-time
# compares, signature libraries, a provider client's `VerifyWebhookSignature`, basic auth.
VERIFY_CALL = re.compile(
    r"ConstructEvent|ValidatePayload|hmac\.New|hmac\.Equal|ConstantTimeCompare|ed25519\.Verify|VerifyPKCS1v15|"
    r"VerifyPSS|ecdsa\.Verify|Verif\w*|\w*Signature\w*|Authenticat\w*|ValidateWebhook\w*|ValidateRequest|"
    r"CheckSignature|BasicAuth|svix|standardwebhooks|jwt\.Parse|ParseWithClaims|webhook\.New",
)
_WEBHOOK_NAME = re.compile(r"webhook|Webhook|WebHook|WEBHOOK")
# Handlers that manage webhook endpoints or send webhooks out, rather than receive a PSP's.
_MANAGEMENT = re.compile(r"Outbound|Endpoint|Subscription|Retry|Resend|Replay|^(Create|List|Get|Update|Delete|Test|Register|Enable|Disable)|Dashboard|Config|Setting")
# Route registrations: `r.POST("/webhooks/stripe", h.Stripe)`, `mux.HandleFunc("/webhook", handle)`.
_ROUTE_METHODS = frozenset({"POST", "Post", "Handle", "HandleFunc", "Any", "Add", "Route", "Match", "Put", "PUT"})


def is_handler(function: Node) -> bool:
    """An HTTP handler: it takes a request or a framework context."""
    return any(_HANDLER_TYPES.match(p.type.replace(" ", "")) for p in parameters(function))


def routes(ctx: FileContext) -> dict[str, str]:
    """Handler name -> path, for the routes this file registers (`r.POST("/webhooks/stripe", h.HandleStripe)`)."""
    return ctx.fact(_routes)


def _routes(ctx: FileContext) -> dict[str, str]:
    found: dict[str, str] = {}
    for call in ctx.all_of("call_expression"):
        if callee_name(call) not in _ROUTE_METHODS:
            continue
        args = arguments(call)
        path = string_value(args[0]) if args else None
        if path is None or len(args) < 2:
            continue
        for handler in args[1:]:
            name = node_text(handler).rsplit(".", 1)[-1]
            if re.fullmatch(r"\w+", name):
                found[name] = path
    return found


def middleware_verifies(ctx: FileContext, function: Node) -> bool:
    """A route for this handler is registered behind a middleware whose name says it verifies signatures."""
    name = function_name(function)
    for call in ctx.all_of("call_expression"):
        if callee_name(call) not in _ROUTE_METHODS and callee_name(call) != "Use":
            continue
        args = arguments(call)
        names = [node_text(a) for a in args]
        if (callee_name(call) == "Use" or any(n.rsplit(".", 1)[-1] == name for n in names)) and any(
            re.search(r"[Vv]erif|[Ss]ignature|[Hh]mac|[Ww]ebhookAuth", n) for n in names
        ):
            return True
    return False


def webhook_reason(ctx: FileContext, function: Node) -> str | None:
    """Why `function` is a webhook handler: its name or its route says so; None otherwise."""
    if not is_handler(function):
        return None
    name = function_name(function)
    if _MANAGEMENT.search(name):
        return None
    path = routes(ctx).get(name)
    if path is not None and _WEBHOOK_NAME.search(path) and not re.search(r"webhooks?/?$", path, re.I):
        return f"the route `{path}`"
    if _WEBHOOK_NAME.search(name):
        return f"the handler `{name}`"
    if _WEBHOOK_NAME.search(receiver_type(function)) and name.startswith(("Handle", "handle", "Receive", "Process")):
        return f"the handler `{receiver_type(function)}.{name}`"
    package = _package_name(ctx)
    if _WEBHOOK_NAME.search(package) and (name == "ServeHTTP" or name.startswith(("Handle", "handle", "Receive"))):
        return f"the handler `{package}.{receiver_type(function) or name}`"
    return None


def _package_name(ctx: FileContext) -> str:
    """The file's package (`package webhooks`), or ''."""
    for clause in ctx.root.named_children:
        if clause.type == "package_clause":
            return node_text(clause).removeprefix("package").strip()
    return ""


def reads_body(function: Node) -> bool:
    return bool(_BODY_READ.search(node_text(function)))


def header_reads(ctx: FileContext, scope: Node) -> list[tuple[Node, str]]:
    """The request header reads in `scope`: (call, header name)."""
    found: list[tuple[Node, str]] = []
    for call in ctx.descendants(scope, "call_expression"):
        parts = call_chain(call)
        if not parts or parts[-1] not in HEADER_READS:
            continue
        args = arguments(call)
        header = string_value(args[0]) if len(args) == 1 else None
        if header is None:
            continue
        joined = ".".join(parts)
        if parts[-1] == "GetHeader" or "Header" in joined or (parts[-1] == "Get" and len(parts) == 2 and parts[0] in ("c", "ctx")):
            found.append((call, header))
    return found


def is_signature_header(header: str) -> bool:
    return bool(re.search(r"sig|signature|hmac|mac|verif|token|auth|secret|api[-_]?key", header, re.I))


def verification_calls(ctx: FileContext, scope: Node) -> list[Node]:
    """Calls in `scope` that verify the request (see VERIFY_CALL)."""
    found: list[Node] = []
    for call in ctx.descendants(scope, "call_expression"):
        function = call.child_by_field_name("function")
        name = callee_name(call)
        text = node_text(function) if function is not None else ""
        if name in ("GetHeader", "Get", "Set", "Header", "SetHeader") or "Header.Get" in text:
            continue  # reading the signature header is not verifying it
        if VERIFY_CALL.search(text):
            found.append(call)
    return found
