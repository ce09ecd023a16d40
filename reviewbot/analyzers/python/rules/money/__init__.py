"""The money family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.python.rule import PythonRule
from reviewbot.analyzers.python.rules.money.decimal_from_float import DecimalFromFloat
from reviewbot.analyzers.python.rules.money.float_amount import FloatAmount
from reviewbot.analyzers.python.rules.money.float_conversion_of_amount import FloatConversionOfAmount
from reviewbot.analyzers.python.rules.money.float_formatted_amount import FloatFormattedAmount
from reviewbot.analyzers.python.rules.money.float_literal_amount import FloatLiteralAmount
from reviewbot.analyzers.python.rules.money.float_money_column import FloatMoneyColumn
from reviewbot.analyzers.python.rules.money.hard_coded_minor_unit_factor import HardCodedMinorUnitFactor
from reviewbot.analyzers.python.rules.money.round_on_float_amount import RoundOnFloatAmount
from reviewbot.analyzers.python.rules.money.true_division_of_minor_units import TrueDivisionOfMinorUnits

MONEY_RULES: tuple[type[PythonRule], ...] = (
    FloatAmount,
    FloatConversionOfAmount,
    FloatLiteralAmount,
    TrueDivisionOfMinorUnits,
    DecimalFromFloat,
    RoundOnFloatAmount,
    FloatMoneyColumn,
    FloatFormattedAmount,
    HardCodedMinorUnitFactor,
)
