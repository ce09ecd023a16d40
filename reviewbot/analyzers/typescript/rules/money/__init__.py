"""The TypeScript money family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.typescript.rule import TypeScriptRule
from reviewbot.analyzers.typescript.rules.money.drizzle_float_money_column import DrizzleFloatMoneyColumn
from reviewbot.analyzers.typescript.rules.money.float_parsed_amount import FloatParsedAmount
from reviewbot.analyzers.typescript.rules.money.fractional_amount_schema import FractionalAmountSchema
from reviewbot.analyzers.typescript.rules.money.hardcoded_minor_unit_factor import HardcodedMinorUnitFactor

MONEY_RULES: tuple[type[TypeScriptRule], ...] = (
    FloatParsedAmount,
    DrizzleFloatMoneyColumn,
    FractionalAmountSchema,
    HardcodedMinorUnitFactor,
)
