"""The Go money family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.money.float64_money_field import Float64MoneyField
from reviewbot.analyzers.go.rules.money.float_amount_to_minor_units import FloatAmountToMinorUnits
from reviewbot.analyzers.go.rules.money.hardcoded_minor_unit_factor_go import HardcodedMinorUnitFactorGo
from reviewbot.analyzers.go.rules.money.strconv_parsefloat_amount import StrconvParseFloatAmount

MONEY_RULES: tuple[type[GoRule], ...] = (
    Float64MoneyField,
    StrconvParseFloatAmount,
    FloatAmountToMinorUnits,
    HardcodedMinorUnitFactorGo,
)
