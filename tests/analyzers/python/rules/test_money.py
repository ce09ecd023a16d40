"""Money rules (RB1xx) on realistic payments code: what they report, and the look-alikes they leave alone."""

from __future__ import annotations

import re
import textwrap
from collections import Counter
from pathlib import Path

import pytest

from reviewbot.analyzers.python.engine import analyze_source
from reviewbot.analyzers.python.rules.money import MONEY_RULES
from reviewbot.config import Config

REGRESSIONS = Path(__file__).parents[3] / "regressions" / "money"
STRICT = Config(test_policy="strict")


def findings_for(source: str, path: str = "payments/service.py", config: Config = STRICT):
    return analyze_source(path, textwrap.dedent(source).encode(), config, rule_types=MONEY_RULES)


def codes(source: str, **kwargs) -> list[str]:
    return sorted(f.rule for f in findings_for(source, **kwargs))


def expected_per_line(text: str) -> Counter[tuple[int, str]]:
    expected: Counter[tuple[int, str]] = Counter()
    for number, line in enumerate(text.splitlines(), start=1):
        match = re.search(r"# expect: ((?:RB\d{3} ?)+)$", line)
        if match:
            for code in match.group(1).split():
                expected[(number, code)] += 1
    return expected


def test_safe_lookalikes_file_yields_no_money_finding():
    source = (REGRESSIONS / "safe_lookalikes.py").read_text()
    assert findings_for(source, path="payments/safe_lookalikes.py") == []


def test_float_money_file_reports_exactly_the_codes_marked_on_each_line():
    source = (REGRESSIONS / "float_money.py").read_text()
    found = Counter((f.line, f.rule) for f in findings_for(source, path="payments/float_money.py"))
    assert found == expected_per_line(source)


SAFE_SNIPPETS = {
    "fee rate annotated float": "fee_rate: float = 0.029\n",
    "tax percentage": "def as_fraction(tax_pct: float) -> float:\n    return tax_pct / 100\n",
    "latency in ms divided": "def seconds(latency_ms: int) -> float:\n    return latency_ms / 1000\n",
    "exchange rate float": "def convert(fx_rate: float, exchange_rate: float) -> float:\n    return fx_rate * exchange_rate\n",
    "floor division of minor units": "def half(amount_minor: int) -> int:\n    return amount_minor // 2\n",
    "divmod of cents": "def parts(amount_cents: int):\n    return divmod(amount_cents, 3)\n",
    "Decimal of minor units then divided": (
        "from decimal import Decimal\n\ndef major(amount_minor: int) -> Decimal:\n"
        "    return Decimal(amount_minor) / 100\n"
    ),
    "division by a Decimal": (
        "from decimal import Decimal\n\ndef major(amount_cents: int) -> Decimal:\n"
        "    return amount_cents / Decimal(100)\n"
    ),
    "name known to be Decimal in the function": (
        "from decimal import Decimal\n\ndef split(raw: str, parts: int) -> Decimal:\n"
        "    total = Decimal(raw)\n    return total / parts\n"
    ),
    "pydantic Decimal amount": (
        "from decimal import Decimal\nfrom pydantic import BaseModel\n\n"
        "class Charge(BaseModel):\n    amount: Decimal\n    currency: str\n"
    ),
    "Decimal from a string literal": 'from decimal import Decimal\n\nFEE = Decimal("0.10")\n',
    "Decimal from str of a value": "from decimal import Decimal\n\ndef d(x):\n    return Decimal(str(x))\n",
    "Decimal of an exact float literal": "from decimal import Decimal\n\nZERO = Decimal(0.0)\n",
    "round of a Decimal-typed value": (
        "from decimal import Decimal\n\ndef r(amount: Decimal) -> Decimal:\n    return round(amount, 2)\n"
    ),
    "round of a percentage": "def pct(refunded, total):\n    return round(refunded / total * 100, 1)\n",
    "money divided by money is a ratio": (
        "def share(refunded_cents: int, captured_cents: int) -> float:\n"
        "    return refunded_cents / captured_cents\n"
    ),
    "float of a ratio": "def f(order):\n    refund_ratio = float(order.refunded) / float(order.total)\n",
    "infinity as an unlimited total": "def f():\n    max_total = float('inf')\n    return max_total\n",
    "float in a log call": "def f(order):\n    logger.info('total %s', float(order.total))\n",
    "float in a metrics call": "def f(order):\n    statsd.gauge('checkout.total', float(order.total))\n",
    "comparison with 0.0": "def ok(payment):\n    return payment.amount > 0.0\n",
    "probability and score floats": "risk_score = 0.87\nprobability = 0.5\nweight = 1.5\n",
    "coordinates": "lat = 52.52\nlng = 13.405\n",
    "count named total divided": "def pages(items, per_page):\n    total = len(items)\n    return total / per_page\n",
    "Decimal formatted with .2f": (
        "from decimal import Decimal\n\ndef show(amount_cents: int) -> str:\n"
        "    value = Decimal(amount_cents) / 100\n    return f'{value:.2f}'\n"
    ),
    "percentage formatted": "def show(success_rate: float) -> str:\n    return f'{success_rate:.1f}%'\n",
    "mapping-style printf left alone": "def show(total):\n    return '%(total).2f' % {'total': total}\n",
    "Django FloatField on a rate": (
        "from django.db import models\n\nclass Plan(models.Model):\n    fee_rate = models.FloatField()\n"
    ),
    "SQLAlchemy Float on latency": "from sqlalchemy import Column, Float\n\nlatency_ms = Column(Float)\n",
    "Alembic migration column (RB108's job)": (
        "import sqlalchemy as sa\nfrom alembic import op\n\ndef upgrade():\n"
        "    op.add_column('payments', sa.Column('amount', sa.Float()))\n"
    ),
    "margin tuple return": (
        "def costs(product) -> tuple[Money, tuple[float, float]]:\n    return product.cost, (0, 0)\n"
    ),
    "string concatenation with total": "def label(total):\n    return 'Total: ' + total\n",
    "reassigned to Decimal before dividing": (
        "from decimal import Decimal\n\ndef major(amount_cents: int) -> Decimal:\n"
        "    amount_cents = Decimal(amount_cents)\n    return amount_cents / 100\n"
    ),
}


@pytest.mark.parametrize("source", SAFE_SNIPPETS.values(), ids=SAFE_SNIPPETS.keys())
def test_safe_lookalike_is_silent(source):
    assert findings_for(source) == []


BAD_SNIPPETS = {
    "float money parameter": ("def pay(amount: float) -> None: ...\n", ["RB101"]),
    "float field in attrs class": (
        "import attrs\n\n@attrs.define\nclass Payout:\n    payout_amount: float\n",
        ["RB101"],
    ),
    "string annotation": ("refund_total: 'float'\n", ["RB101"]),
    "float of a PSP payload amount": ("def f(data):\n    return float(data['amount'])\n", ["RB102"]),
    "float keyword into money": ("def f(s):\n    charge(amount=float(s))\n", ["RB102"]),
    "money default float": ("def f(fee=0.3): ...\n", ["RB103"]),
    "float accumulator": ("def f(lines):\n    total = 0.0\n    return total\n", ["RB103"]),
    "augmented float add": ("def f(balance):\n    balance += 0.01\n    return balance\n", ["RB103"]),
    "ratio word in the function name does not hide the division": (
        "def split_payout(total_cents: int, parts: int):\n    return total_cents / parts\n",
        ["RB104"],
    ),
    "str.format positional": ("def f(s):\n    price = float(s)\n    return '{:.2f}'.format(price)\n", ["RB102", "RB109"]),
    "minor units split": ("def f(total_cents: int, n: int):\n    return total_cents / n\n", ["RB104"]),
    "int() money divided": ("def f(p):\n    amount = int(p.amount)\n    return amount / 2\n", ["RB104"]),
    "sum of cents divided": (
        "def f(items):\n    return sum(i.amount_cents for i in items) / 100\n",
        ["RB104"],
    ),
    "Decimal from a float parameter": (
        "from decimal import Decimal\n\ndef f(amount: float):\n    return Decimal(amount)\n",
        ["RB101", "RB105"],
    ),
    "Decimal aliased from float()": (
        "from decimal import Decimal as D\n\ndef f(s):\n    return D(float(s))\n",
        ["RB105"],
    ),
    "round of a money value": ("def f(order):\n    return round(order.total * 1, 2)\n", ["RB106"]),
    "round into a money name": ("def f(x):\n    refund = round(x * 3, 2)\n    return refund\n", ["RB106"]),
    "mapped_column Float": (
        "from sqlalchemy import Float\nfrom sqlalchemy.orm import mapped_column\n\n"
        "class W(Base):\n    credit = mapped_column(Float)\n",
        ["RB107"],
    ),
    "marshmallow Float": (
        "from marshmallow import Schema, fields\n\nclass S(Schema):\n    price = fields.Float()\n",
        ["RB107"],
    ),
    "format() of a float money value": (
        "def f(total: str):\n    amount = float(total)\n    return format(amount, '.2f')\n",
        ["RB102", "RB109"],
    ),
    "printf of a plain division": ("def f(order):\n    return '%.2f' % (order.amount / 100)\n", ["RB109"]),
}


@pytest.mark.parametrize(("source", "expected"), BAD_SNIPPETS.values(), ids=BAD_SNIPPETS.keys())
def test_float_money_is_reported(source, expected):
    assert codes(source) == expected


def test_message_names_the_money_value():
    [finding] = findings_for("def split(total_cents: int, parts: int):\n    return total_cents / parts\n")
    assert finding.message == "integer money `total_cents` is divided with `/`, giving a float"
    assert (finding.line, finding.span.column) == (2, 12)


def test_test_files_are_out_of_scope_under_the_relaxed_policy():
    source = "def test_refund():\n    amount = 19.99\n    assert float(amount) == 19.99\n"
    assert findings_for(source, path="tests/test_refunds.py", config=Config()) == []
    assert findings_for(source, path="tests/test_refunds.py", config=STRICT) != []


def test_extra_money_names_from_config_are_recognised():
    source = "def quote(premium: float) -> None: ...\n"
    assert codes(source) == []
    assert codes(source, config=Config(test_policy="strict", extend_money_names=("premium",))) == ["RB101"]


def test_non_money_words_from_config_silence_a_name():
    source = "def quote(amount_estimate: float) -> None: ...\n"
    assert codes(source) == ["RB101"]
    config = Config(test_policy="strict", non_money_words=("estimate",))
    assert codes(source, config=config) == []


def test_flow_follows_assignment_order_within_a_function():
    source = """\
    from decimal import Decimal

    def convert(amount_cents: int):
        first = amount_cents / 100
        amount_cents = Decimal(amount_cents)
        second = amount_cents / 100
        return first, second
    """
    assert [(f.rule, f.line) for f in findings_for(source)] == [("RB104", 4)]


def test_facts_of_one_file_do_not_leak_into_the_next():
    minor = "def payout(p):\n    total = 0\n    total += p.amount_cents\n    return total / 100\n"
    decimal = (
        "from decimal import Decimal\n\ndef payout(p):\n    total = Decimal(0)\n"
        "    total += p.amount_cents\n    return total / 100\n"
    )
    assert codes(minor) == ["RB104"]
    assert codes(decimal) == []
    assert codes(minor) == ["RB104"]


def test_model_field_types_in_the_file_inform_attribute_access():
    source = """\
    from django.db import models

    class Order(models.Model):
        total = models.DecimalField(max_digits=12, decimal_places=2)
        total_cents = models.IntegerField()

    def summary(order):
        return round(order.total, 2), order.total_cents / 100
    """
    assert [(f.rule, f.line) for f in findings_for(source)] == [("RB104", 8)]


# What the rules saw decides the confidence: a float that reaches money is high, a display-only one low,
# a money name alone medium. Each case is (source, rule, line, confidence).
CONFIDENCE_CASES = {
    "export row rounds a Decimal through float, sums stay Decimal": (
        """\
        def invoice_rows(invoice):
            rows = []
            for line in invoice.lines.all():
                rows.append({"net": round(float(line.net_value), 2), "gross": round(float(line.gross_value), 2)})
            return rows
        """,
        "RB102", 4, "medium",
    ),
    "chart points serialised to JSON": (
        """\
        def revenue_chart(days):
            data = []
            running = 0
            for day in days:
                running += float(day.revenue)
                data.append({"day": day.date.isoformat(), "revenue": round(running, 2)})
            return json.dumps(data)
        """,
        "RB106", 6, "low",
    ),
    "minor units divided as float then made the Decimal amount": (
        """\
        def amount_to_decimal(self, cents):
            return quantize_decimal(float(cents) / 100, self.currency)
        """,
        "RB102", 2, "high",
    ),
    "float compared with the amount due": (
        """\
        def is_paid(order, payment):
            return float(payment.amount_received) >= order.amount_due
        """,
        "RB102", 2, "high",
    ),
    "float stored on a record that is then saved": (
        """\
        def apply_refund(payment, raw):
            payment.refunded_amount = float(raw)
            payment.save()
        """,
        "RB102", 2, "high",
    ),
    "float returned to a caller in this module that sends it to the PSP": (
        """\
        def parse_amount(raw):
            return float(raw)

        def refund(charge_id, raw):
            stripe.Refund.create(charge=charge_id, amount=parse_amount(raw))
        """,
        "RB102", 2, "high",
    ),
    "a money name alone is medium": (
        """\
        def unit_price(line):
            price = float(line.price)
            return price
        """,
        "RB102", 2, "medium",
    ),
    "a float price literal in an ORM create is stored as written": (
        """\
        def sample_product(event):
            return event.items.create(name="Preview", default_price=12.5)
        """,
        "RB103", 2, "low",
    ),
    "a float price literal passed to the PSP": (
        """\
        def tip(customer):
            gateway.charge(customer, amount=2.50)
        """,
        "RB103", 2, "high",
    ),
    "a float column on an order model": (
        """\
        from django.db import models

        class OrderLine(models.Model):
            price = models.FloatField()
        """,
        "RB107", 4, "high",
    ),
    "int(total * 100) sent to the PSP": (
        """\
        def charge(order):
            stripe.Charge.create(amount=int(order.total * 100), currency=order.currency)
        """,
        "RB118", 2, "high",
    ),
}


@pytest.mark.parametrize(("source", "rule", "line", "level"), CONFIDENCE_CASES.values(), ids=CONFIDENCE_CASES.keys())
def test_confidence_follows_where_the_value_goes(source, rule, line, level):
    found = [(f.rule, f.line, f.confidence.value) for f in findings_for(source) if f.rule == rule]
    assert (rule, line, level) in found, found


def test_the_message_says_where_the_float_goes():
    (finding,) = [
        f for f in findings_for(
            """\
            def refund(request):
                amount = float(request.POST["amount"])
                return refunds.create(payment_id=request.POST["payment"], amount=amount)
            """
        )
        if f.rule == "RB102"
    ]
    assert finding.message == "money value `request.POST[\"amount\"]` is converted to float; it reaches `refunds.create`"


COUNT_NAMES = {
    "votes": "def ratio(review):\n    total_votes = float(review.up + review.down)\n    return review.up / total_votes\n",
    "halved count": "def up_votes(self):\n    return int((self.total_votes + self.delta_votes) / 2)\n",
    "remaining seats": "def fill(event):\n    remaining_seats = float(event.capacity)\n    return remaining_seats\n",
}


@pytest.mark.parametrize("source", COUNT_NAMES.values(), ids=COUNT_NAMES.keys())
def test_a_quantifier_before_a_counted_plural_is_a_count_not_money(source):
    assert findings_for(source) == []


def test_the_quantifier_after_its_noun_is_still_money():
    assert codes("def f(order):\n    order_total = float(order.sum)\n    return order_total\n") == ["RB102"]


MINOR_UNIT_LOOKALIKES = {
    "percentage of two amounts": "def pct(refunded_total, captured_total):\n    return int(refunded_total / captured_total * 100)\n",
    "cents scaled again is not major units": "def f(amount_cents):\n    return int(amount_cents * 100)\n",
    "exponent looked up": (
        "def to_minor(amount, currency):\n    places = CURRENCY_PLACES.get(currency, 2)\n"
        "    return int(amount * 10 ** places)\n"
    ),
    "zero-decimal currencies handled": (
        "def to_minor(amount, currency):\n    if currency in ZERO_DECIMAL_CURRENCIES:\n        return int(amount)\n"
        "    return int(amount * 100)\n"
    ),
    "scaled but not made whole nor sent": "def show(total):\n    return total * 100\n",
    "a progress bar": "def progress(done, total_jobs):\n    return round(done / total_jobs * 100)\n",
}


@pytest.mark.parametrize("source", MINOR_UNIT_LOOKALIKES.values(), ids=MINOR_UNIT_LOOKALIKES.keys())
def test_minor_unit_factor_lookalikes_are_silent(source):
    assert [f for f in findings_for(source) if f.rule == "RB118"] == []
