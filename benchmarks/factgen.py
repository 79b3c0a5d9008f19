"""Seeded synthetic fact sets for the benchmark and the fidelity test.

    from factgen import fact_set, fact_sets
    fact_set(7)                 # the 8th fact set of the default stream (a dict)
    list(fact_sets(500))        # the first 500

Each fact set is drawn from its own `random.Random(f"{seed}:{index}")`, so the
i-th fact set is the same whatever N is asked for, on any machine and Python.
The sets cover all nine tax years (2018-2026), 1-3 properties, every asset
class, every disposition type (sale, installment sale, like-kind exchange,
death, gift, sale of a former main home, none), improvements, allocations,
ownership shares, passive activities, ADS, conventions, bonus and section 179,
C corporations and every filing status. Most are valid and evaluate; a few are
refused by a rule (outside the encoded law) or by the fact checks, as real
input is: those are part of the workload too.

Values are plain JSON (money as whole dollars or cents strings, dates as ISO
text), so a fact set can be written to a .jsonl line as is. Nothing here is
law: the figures are arbitrary, chosen only to exercise every path.
"""
from __future__ import annotations

import datetime as dt
import json
import random

DEFAULT_SEED = 20261
YEARS = list(range(2018, 2027))
CLASSES = ["residential_rental", "nonresidential_real", "qualified_improvement", "land_improvement",
           "personal_5yr", "personal_7yr", "land"]
REAL = {"residential_rental", "nonresidential_real"}
DISPOSITIONS = ["sale", "sale", "sale", "installment_sale", "like_kind_exchange", "death", "gift",
                "home_sale_121", "none"]
STATUSES = ["single", "married_joint", "married_separate", "head_of_household", "qualifying_surviving_spouse"]


def _date(r: random.Random, lo: dt.date, hi: dt.date) -> dt.date:
    if hi <= lo:
        return lo
    return lo + dt.timedelta(days=r.randrange((hi - lo).days + 1))


def _money(r: random.Random, lo: int, hi: int, cents: float = 0.15):
    """Whole dollars, or now and then a cents string (read exactly as a Decimal)."""
    dollars = r.randint(lo, hi)
    if r.random() < cents:
        return f"{dollars}.{r.randrange(100):02d}"
    return dollars


def _taxpayer(r: random.Random, year: int) -> dict:
    entity = "c_corporation" if r.random() < 0.12 else "individual"
    tp = {"entity": entity, "ordinary_income": _money(r, -40_000, 900_000)}
    if entity == "individual":
        tp["filing_status"] = r.choice(STATUSES)
        if tp["filing_status"] == "married_separate" and r.random() < 0.5:
            tp["lived_apart_from_spouse"] = r.random() < 0.5
    for key, lo, hi, p in (("qualified_dividends", 0, 60_000, 0.4), ("long_term_capital_gain", -30_000, 150_000, 0.4),
                           ("short_term_capital_gain", -20_000, 40_000, 0.3), ("collectibles_gain", 0, 30_000, 0.1),
                           ("itemized_deductions", 0, 80_000, 0.3), ("other_net_investment_income", -5_000, 50_000, 0.3)):
        if r.random() < p:
            tp[key] = _money(r, lo, hi)
    if r.random() < 0.15:
        tp["capital_loss_carryover"] = {"short_term": _money(r, 0, 20_000), "long_term": _money(r, 0, 40_000)}
    if r.random() < 0.1:
        tp["real_estate_professional"] = True
    if r.random() < 0.2:
        tp["section_1231_lookback_losses"] = {str(year - k): _money(r, 1_000, 60_000) for k in sorted(
            r.sample(range(1, 6), r.randint(1, 2)))}
    return tp


def _asset_fields(r: random.Random, cls: str, placed: dt.date, out: dict):
    if r.random() < 0.12 and cls != "land":
        out["recovery_system"] = "ads"
        if cls == "personal_5yr" and r.random() < 0.9:
            out["ads_recovery_years"] = r.choice([5, 9])
    if cls in ("personal_5yr", "personal_7yr", "land_improvement", "qualified_improvement") and r.random() < 0.3:
        out["convention"] = r.choice(["half_year", "mid_quarter"])
    if cls in ("personal_5yr", "personal_7yr") and placed.year >= 2018 and r.random() < 0.2:
        out["bonus_depreciation"] = _money(r, 0, 3_000, 0)
    if cls in ("personal_5yr", "personal_7yr") and r.random() < 0.1:
        out["section_179"] = _money(r, 0, 2_000, 0)
    if r.random() < 0.08:
        out["depreciation_claimed"] = _money(r, 0, 20_000)


def _property(r: random.Random, year: int, index: int, prop_id: str) -> dict:
    kind = r.choice(DISPOSITIONS)
    cls = r.choice(CLASSES) if kind != "home_sale_121" else r.choice(["residential_rental"] * 4 + CLASSES)
    start = dt.date(1987 if cls in REAL else 1995, 1, 1) if r.random() < 0.97 else dt.date(1983, 1, 1)
    if cls == "qualified_improvement" and r.random() < 0.9:
        start = dt.date(2018, 1, 1)
    acquired = _date(r, start, dt.date(year, 6, 30))
    if kind == "home_sale_121" and r.random() < 0.9:  # a former main home, later rented out
        placed = _date(r, acquired, min(acquired + dt.timedelta(days=365 * 6), dt.date(year, 6, 30)))
    else:
        placed = acquired if r.random() < 0.8 else _date(r, acquired, min(acquired + dt.timedelta(days=200), dt.date(year, 6, 30)))
    big = cls in REAL or cls == "land"
    cost = _money(r, 80_000, 2_500_000) if big else _money(r, 2_000, 150_000)
    p = {"id": prop_id, "asset_class": cls, "acquired": acquired.isoformat(), "cost": cost}
    if placed != acquired or r.random() < 0.2:
        p["placed_in_service"] = placed.isoformat()
    if cls in REAL and r.random() < 0.85:
        p["land_value"] = int(float(cost) * r.choice([0.1, 0.15, 0.2, 0.25, 0.3]))
    _asset_fields(r, cls, placed, p)
    if r.random() < 0.15:
        p["ownership_share"] = r.choice(["0.5", "0.25", "0.3333", 0.75, "1"])
    improvements = []
    if cls in REAL and r.random() < 0.35:
        for j in range(r.randint(1, 2)):
            icls = r.choice(["residential_rental", "nonresidential_real", "qualified_improvement", "land_improvement",
                             "personal_5yr", "personal_7yr"])
            lo = max(placed, dt.date(2018, 1, 1)) if icls == "qualified_improvement" else placed
            ipis = _date(r, lo, dt.date(year, 5, 31))
            imp = {"id": f"{prop_id}-imp{j}", "asset_class": icls, "placed_in_service": ipis.isoformat(),
                   "cost": _money(r, 3_000, 90_000)}
            _asset_fields(r, icls, ipis, imp)
            imp.pop("depreciation_claimed", None) if r.random() < 0.5 else None
            improvements.append(imp)
        p["improvements"] = improvements
    if r.random() < 0.45:
        p["activity"] = {"current_year_net": _money(r, -40_000, 40_000), "suspended_losses": _money(r, 0, 90_000, 0)}
        if r.random() < 0.1:
            p["activity"]["active_participation"] = False
    if kind != "none":
        p["disposition"] = _disposition(r, kind, year, placed, acquired, cls, p, improvements)
    elif r.random() < 0.5:
        p["disposition"] = {"type": "none"}
    return p


def _disposition(r, kind, year, placed, acquired, cls, p, improvements) -> dict:
    latest = max([placed] + [dt.date.fromisoformat(i["placed_in_service"]) for i in improvements])
    lo = max(latest, dt.date(year, 1, 1))
    if kind == "installment_sale" and r.random() < 0.3 and lo.year < year:
        sold = _date(r, max(latest, dt.date(year - 2, 1, 1)), dt.date(year - 1, 12, 31))
    else:
        sold = _date(r, lo, dt.date(year, 12, 31))
    if kind in ("death", "gift") and r.random() < 0.1:
        sold = _date(r, dt.date(year, 1, 1), dt.date(year, 12, 31))  # before placed in service is allowed here
    d = {"type": kind, "date": sold.isoformat()}
    cost = float(p["cost"])
    price = int(cost * r.uniform(0.4, 2.6)) if r.random() < 0.97 else 0
    if kind in ("sale", "installment_sale", "like_kind_exchange", "home_sale_121"):
        d["sale_price"] = price
        if r.random() < 0.7:
            d["selling_expenses"] = int(price * r.uniform(0.0, 0.08))
        if r.random() < 0.05:
            d["related_party"] = True
        if r.random() < 0.2 and kind != "home_sale_121":
            parts = ["building"] + (["land"] if p.get("land_value") else []) + [i["id"] for i in improvements]
            if cls not in ("land",) and len(parts) > 1:
                alloc, left = {}, price
                for part in parts[:-1]:
                    take = int(left * r.uniform(0.1, 0.6))
                    alloc[part] = take
                    left -= take
                alloc[parts[-1]] = left
                d["allocation"] = alloc
    if kind == "installment_sale":
        n = r.randint(1, 6)
        first = sold.year + (1 if r.random() < 0.15 else 0)
        each = max(price // max(n, 1), 0)
        d["installment"] = {"payments": [{"year": first + k, "principal": each} for k in range(n)]}
    elif kind == "like_kind_exchange":
        ident = sold + dt.timedelta(days=r.choice([10, 30, 45, 44, 60]))
        recv = sold + dt.timedelta(days=r.choice([90, 150, 180, 179, 200]))
        ex = {"replacement_fmv": int(price * r.uniform(0.6, 1.4)), "identified_date": ident.isoformat(),
              "received_date": recv.isoformat()}
        for key, p_ in (("cash_received", 0.4), ("other_property_received", 0.1), ("liabilities_relieved", 0.3),
                        ("liabilities_assumed", 0.3), ("cash_paid", 0.2)):
            if r.random() < p_:
                ex[key] = int(price * r.uniform(0.0, 0.3))
        d["exchange"] = ex
    elif kind == "death":
        d["fmv_at_death"] = price
    elif kind == "home_sale_121":
        # lived in from the purchase until it was rented out (now and then a later stay, which is refused)
        end = placed if r.random() < 0.95 else sold
        uses = [{"from": acquired.isoformat(), "to": _date(r, acquired, end).isoformat()}]
        if r.random() < 0.2:
            uses[0]["to"] = end.isoformat()
        p["home_use"] = uses
    return d


def fact_set(index: int, seed: int = DEFAULT_SEED) -> dict:
    """The index-th fact set of the stream `seed` (a plain JSON-able dict)."""
    r = random.Random(f"{seed}:{index}")
    year = YEARS[index % len(YEARS)] if r.random() < 0.5 else r.choice(YEARS)
    facts = {"schema_version": 1, "case_id": f"gen-{seed}-{index}", "tax_year": year, "taxpayer": _taxpayer(r, year)}
    props = [_property(r, year, i, f"p{index}-{i}" if r.random() < 0.5 else r.choice(["rental", "office", "shop", "house"]) + f"-{i}")
             for i in range(r.choices([1, 2, 3], weights=[5, 3, 2])[0])]
    facts["properties"] = props
    if r.random() < 0.35:
        facts["activities"] = [{"id": f"other-{k}", "kind": r.choice(["rental_real_estate", "other_passive"]),
                                "current_year_net": _money(r, -30_000, 30_000),
                                "suspended_losses": _money(r, 0, 50_000, 0)} for k in range(r.randint(1, 2))]
    return facts


def fact_sets(n: int, seed: int = DEFAULT_SEED, start: int = 0):
    for i in range(start, start + n):
        yield fact_set(i, seed)


def jsonl_line(facts: dict) -> str:
    return json.dumps(facts, separators=(",", ":"), ensure_ascii=False)


if __name__ == "__main__":  # python benchmarks/factgen.py N > facts.jsonl
    import sys
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    seed = int(sys.argv[2]) if len(sys.argv) > 2 else DEFAULT_SEED
    out = sys.stdout
    for f in fact_sets(n, seed):
        out.write(jsonl_line(f) + "\n")
