"""The Go money family's rules, listed explicitly and sorted by code."""

from __future__ import annotations

from reviewbot.analyzers.go.rule import GoRule
from reviewbot.analyzers.go.rules.money.float_amount_to_minor_units import FloatAmountToMinorUnits
from reviewbot.analyzers.go.rules.money.hardcoded_minor_unit_factor_go import HardcodedMinorUnitFactorGo

MONEY_RULES: tuple[type[GoRule], ...] = (FloatAmountToMinorUnits, HardcodedMinorUnitFactorGo)
