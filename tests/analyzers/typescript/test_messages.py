"""Messages name what the reader must change, at the line where it is (issue #14, point 9)."""

from __future__ import annotations

import textwrap

from reviewbot.analyzers.typescript.engine import analyze_source
from reviewbot.config import Config

ROUTE = textwrap.dedent(
    """\
    app.post("/refunds", async (c) => {
      const body = await c.req.json();
      const amount = parseFloat(body.amount);
      await db.insert(refunds).values({ intentId: body.intentId, amount });
      try {
        await stripe.refunds.create({ payment_intent: body.intentId }, { idempotencyKey: body.key });
      } catch (err) {
        // ignore
      }
      return c.json({ ok: true });
    });
    """
)


def findings(code: str):
    return [f for f in analyze_source("src/api/refunds.ts", ROUTE.encode(), Config(select=(code,))) if f.rule == code]


def test_the_float_finding_names_parse_float_on_its_line_not_the_route():
    (finding,) = findings("RB110")
    assert finding.line == 3 and finding.span.column == ROUTE.splitlines()[2].index("parseFloat") + 1
    assert "parseFloat(body.amount)" in finding.message and "app.post" not in finding.message
    assert "insert into refunds" in finding.message


def test_the_swallowing_finding_points_at_the_catch_not_the_try():
    (finding,) = findings("RB210")
    assert finding.line == 7 and ROUTE.splitlines()[6].strip().startswith("} catch (err)")
    assert finding.span.column == ROUTE.splitlines()[6].index("catch") + 1
    assert "stripe.refunds.create" in finding.message


def test_the_idempotency_finding_names_the_call_and_the_connected_account():
    source = b'await stripe.refunds.create({ payment_intent: id }, { stripeAccount: team.accountId });\n'
    (finding,) = analyze_source("src/refunds.ts", source, Config(select=("RB310",)))
    assert finding.message == "`stripe.refunds.create(...)` on connected account `team.accountId` passes no idempotencyKey"
