"""How reports print a figure, by what it is (money, a year, a date, days, a
percentage, a rate), never by the look of the number: a selling expense of 2000
is money (2,000.00), a tax year 2000 is a year. What each field is comes from
tables/presentation/labels.yaml (`unit`)."""
from __future__ import annotations

from decimal import Decimal

NONE = "—"
CENT = Decimal("0.01")


def _dec(v) -> Decimal:
    return v if isinstance(v, Decimal) else Decimal(str(v))


def money(v) -> str:
    """1234.5 -> '1,234.50'; -300 -> '-300.00'; None -> '—'. A figure the law has not
    rounded yet (an intermediate in the audit trail) keeps every digit: 5614.61875 ->
    '5,614.61875'. Display never rounds; only the law and the forms do."""
    if v is None:
        return NONE
    d = _dec(v)
    return f"{d:,.2f}" if d == d.quantize(CENT) else f"{d:,}"


def cents(v) -> str:
    """The plain cents text a script or a test compares with the JSON result: 1234.5 ->
    '1234.50'; None -> '' (CSV cells, the HTML report's data attributes)."""
    return "" if v is None else f"{_dec(v):.2f}"


def year(v) -> str:
    return NONE if v is None else str(int(v))


def date(v) -> str:
    """An ISO date (YYYY-MM-DD): the form the facts and the result use."""
    return NONE if v is None else (v.isoformat() if hasattr(v, "isoformat") else str(v))


def number(v) -> str:
    """A plain number as its shortest exact text, whatever form it was written in: 80.00 -> '80'."""
    if v is None:
        return NONE
    if isinstance(v, bool):
        return str(v).lower()
    if not isinstance(v, (int, float, Decimal)):
        return str(v)
    d = _dec(v)
    return str(int(d)) if d == d.to_integral_value() else format(d.normalize(), "f")


def days(v) -> str:
    return NONE if v is None else f"{int(v):,}"


def percent(v) -> str:
    """80 -> '80' (the unit is the percent sign the text writes after it)."""
    return number(v)


def rate(v) -> str:
    """0.038 -> '3.8%'."""
    return NONE if v is None else number(_dec(v) * 100) + "%"


BY_UNIT = {"usd": money, "year": year, "date": date, "days": days, "percent": percent, "rate": rate}


def value(name: str, v, root=None) -> str:
    """A figure printed as what labels.yaml says it is; a field with no unit there
    prints as a plain number or text (never guessed to be money or a year)."""
    from .labels import unit
    return BY_UNIT.get(unit(name, root), number)(v)
