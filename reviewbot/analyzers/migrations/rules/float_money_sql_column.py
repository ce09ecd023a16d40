"""RB108 float-money-sql-column: a money-named column typed real, double precision, float or money."""

from __future__ import annotations

from collections.abc import Iterator

from reviewbot.analyzers.migrations.model import Column, ColumnType, Framework, OpKind
from reviewbot.analyzers.migrations.pgtypes import FLOAT_MONEY_TYPES
from reviewbot.analyzers.migrations.rule import POSTGRES_DOCS, MigrationRule, Report
from reviewbot.analyzers.migrations.timeline import Step, Timeline
from reviewbot.core.findings import Confidence
from reviewbot.core.rules import Bad, Evidence, Family, Good

_RENDER = {"float4": "real", "float8": "double precision", "money": "money"}


class FloatMoneySqlColumn(MigrationRule):
    code = "RB108"
    name = "float-money-sql-column"
    family = Family.MONEY
    summary = "A money-named column is stored as real, double precision, float or the money type."
    lock = "None: a data-correctness hazard, not a locking one."
    postgres = "all versions"
    options = ("money-names", "extend-money-names", "non-money-words")
    rationale = (
        "Binary floats cannot hold most decimal fractions: sums of amounts drift and a cent is charged or "
        "refunded wrongly. The `money` type depends on lc_monetary and has fixed fraction digits (no JPY, "
        "no BHD). SQL: `bigint` minor units (`amount_minor bigint`) or `numeric(19,4)`. Alembic: "
        "sa.BigInteger() or sa.Numeric(19, 4). Django: models.BigIntegerField() or "
        "models.DecimalField(max_digits=19, decimal_places=4)."
    )
    help = "Store amounts as bigint minor units or numeric(19,4)."
    recipes = {
        Framework.SQL: "Use bigint minor units (amount_minor bigint) or numeric(19,4).",
        Framework.ALEMBIC: "Use sa.BigInteger() for minor units or sa.Numeric(19, 4).",
        Framework.DJANGO: "Use models.BigIntegerField() for minor units or models.DecimalField(max_digits=19, decimal_places=4).",
    }
    references = (f"{POSTGRES_DOCS}/datatype-numeric.html#DATATYPE-FLOAT", f"{POSTGRES_DOCS}/datatype-money.html")
    on_existing_tables = False
    evidence = (Evidence(
        Confidence.HIGH,
        "a float, real, double precision or money column whose name is a money name (`money-names`) "
        "is created, added or converted to",
    ),)
    examples = (
        Bad("CREATE TABLE refunds (\n  id bigint PRIMARY KEY,\n  amount double precision NOT NULL\n);\n", line=1,
            path="migrations/0042_refunds.sql", confidence=Confidence.HIGH),
        Bad("ALTER TABLE payouts ADD COLUMN fee real;\n", line=1, path="migrations/0043_payout_fee.sql"),
        Bad(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"charges\", sa.Column(\"amount_refunded\", sa.Float(), nullable=True))\n",
            line=6, path="alembic/versions/1a2b_amount_refunded.py",
        ),
        Bad(
            "from django.db import migrations, models\n\n\nclass Migration(migrations.Migration):\n"
            "    operations = [\n        migrations.CreateModel(\n            name=\"Payout\",\n"
            "            fields=[(\"id\", models.BigAutoField(primary_key=True)), (\"total\", models.FloatField())],\n"
            "        ),\n    ]\n",
            line=6, path="payouts/migrations/0001_initial.py",
        ),
        Good("CREATE TABLE refunds (id bigint PRIMARY KEY, amount_minor bigint NOT NULL, fx_rate double precision);\n",
             path="migrations/0042_refunds.sql"),
        Good("ALTER TABLE payouts ADD COLUMN fee numeric(19, 4);\n", path="migrations/0043_payout_fee.sql"),
        Good(
            "import sqlalchemy as sa\nfrom alembic import op\n\n\ndef upgrade():\n"
            "    op.add_column(\"charges\", sa.Column(\"risk_score\", sa.Float(), nullable=True))\n",
            path="alembic/versions/1a2c_risk_score.py",
        ),
    )

    def check(self, timeline: Timeline) -> Iterator[Report]:
        for step in timeline.steps:
            op = step.op
            if op.kind is OpKind.CREATE_TABLE:
                for col in op.columns:
                    yield from self.judge(step, col.name, col.type)
            elif op.kind is OpKind.ADD_COLUMN and op.column is not None:
                column: Column = op.column
                yield from self.judge(step, column.name, column.type)
            elif op.kind is OpKind.ALTER_COLUMN_TYPE and op.column_name:
                yield from self.judge(step, op.column_name, op.new_type)

    def judge(self, step: Step, name: str, ctype: ColumnType | None) -> Iterator[Report]:
        if ctype is None or ctype.name not in FLOAT_MONEY_TYPES or not self.config.is_money_name(name):
            return
        yield Report(step, f"money column {step.op.table}.{name} is {_RENDER[ctype.name]}")
