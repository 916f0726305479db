"""Every default of the method in one place (domain.md). Each one is an
assumption: it is shown to the client in the summary and can be changed
without touching code (the shell may load overrides from configuration)."""

from __future__ import annotations

from decimal import Decimal

from pydantic import BaseModel, ConfigDict, Field


class Assumptions(BaseModel):
    model_config = ConfigDict(frozen=True)

    # Dependants (5.2)
    child_support_end_age: int = Field(22, ge=1, le=40)  # university graduation
    parent_support_until_age: int = Field(85, ge=50, le=120)
    support_years_if_dependants: int = Field(5, ge=0, le=60)  # no young child, spouse or parents depend
    # Life / income protection
    # Education fund per child still under the support-end age, when the
    # client does not give one (quick depth; the default at full depth).
    education_per_child: Decimal = Decimal(300_000)
    final_expenses: Decimal = Decimal(50_000)
    # Critical illness
    ci_treatment: Decimal = Decimal(300_000)
    ci_income_years: int = Field(3, ge=0, le=10)
    # Retirement
    life_expectancy: int = Field(85, ge=50, le=120)
    retirement_age: int = Field(60, ge=40, le=80)
    # Quick diagnosis only: wished retirement spending as a share of today's
    # monthly living expenses (a common replacement-rate rule of thumb).
    retirement_spending_ratio: Decimal = Decimal("0.7")
    # Four accounts, shares of family yearly income
    income_account_rate: Decimal = Decimal("0.05")
    income_cover_multiple_low: int = 5
    income_cover_multiple_high: int = 7
    health_account_rate_low: Decimal = Decimal("0.05")
    health_account_rate_high: Decimal = Decimal("0.10")
    annuity_rate_young: Decimal = Decimal("0.10")
    annuity_rate_older: Decimal = Decimal("0.15")
    annuity_age_threshold: int = 40
    # Household ratios (seed 000, bank plan)
    emergency_months_low: int = 3
    emergency_months_high: int = 6
    saving_ratio_target: Decimal = Decimal("0.60")
    solvency_ratio_strong: Decimal = Decimal("0.50")
    debt_service_ratio_max: Decimal = Decimal("0.60")
    # Lead tiers by financial assets (seed 002)
    tier_bounds: tuple[Decimal, Decimal, Decimal] = (Decimal(200_000), Decimal(1_000_000), Decimal(5_000_000))


DEFAULT_ASSUMPTIONS = Assumptions()
