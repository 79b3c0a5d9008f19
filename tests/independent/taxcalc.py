"""An independent federal tax computation for one simple sale of depreciated
property, written from the IRS forms by the auditor. It does NOT import
recapture and shares no table with it: every figure below was typed in from
the auditor's own reading of the sources named beside it.

Scope (what the randomized comparison in test_independent.py generates): an
individual of any filing status, or a C corporation, tax years 2018-2026, wages
(ordinary income), optional qualified dividends, other long- and short-term
capital gain or loss, collectibles (28%) gain, capital loss carryovers, itemized
deductions, other net investment income and nonrecaptured §1231 losses of earlier
years; and the sale of one property held by the taxpayer alone: a residential
rental building (land included in cost) or one piece of 5- or 7-year equipment
placed in service in the first three quarters of a year (half-year convention),
optionally with a bonus depreciation amount; and optionally the property's
passive activity (current-year net, suspended losses, active participation):
§469(g)(1)(A) on the sale, Form 8582 Part II (§469(i)) without it.
Also: the 28% Rate Gain Worksheet and the Unrecaptured Section 1250 Gain
Worksheet (Schedule D instructions), §1231(c), §291(a)(1), §11(b), §1211.

Sources
- Ordinary brackets, 0%/15% capital gain breakpoints, standard deduction:
  Rev. Proc. 2018-18 (2018, as modified after P.L. 115-97), 2018-57 (2019),
  2019-44 (2020), 2020-45 (2021), 2021-45 (2022), 2022-38 (2023), 2023-34
  (2024), 2024-40 (2025; standard deduction as raised by P.L. 119-21 §70102),
  2025-32 (2026). Surviving spouse = joint figures (§1(j)(2)(A)).
- Rates 10/12/22/24/32/35/37: §1(j)(2). 25% and 28%: §1(h)(1)(E), (F).
  0/15/20: §1(h)(1)(B)-(D), §1(j)(5).
- Schedule D Tax Worksheet (2018 and later instructions, 47 lines).
- NIIT: §1411(a)(1), (b): 3.8% of the smaller of NII or MAGI over 200,000 /
  250,000 (joint, surviving spouse) / 125,000 (separate).
- Depreciation: Pub 946 Appendix A, Table A-1 (5- and 7-year, half-year),
  Table A-6 (27.5-year residential, mid-month); disposition-year rules of
  Pub 946 ch. 4 ("Figuring the Deduction"): mid-month property gets the year's
  percentage x (month - 0.5)/12; half-year property half the year's amount,
  nothing in a year after the recovery period.
- Character: Form 4797 Part III (§1245 recapture of all depreciation; MACRS
  straight-line §1250 property: no additional depreciation, the depreciation is
  unrecaptured §1250 gain, §1(h)(6)); Part II for property held one year or
  less (ordinary); §1231 netting (Part I).
"""
from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal as D

CENT = D("0.01")


def cents(x) -> D:
    return D(x).quantize(CENT, rounding=ROUND_HALF_UP)


STATUSES = ("single", "married_joint", "married_separate", "head_of_household", "qualifying_surviving_spouse")
RATES = [D("0.10"), D("0.12"), D("0.22"), D("0.24"), D("0.32"), D("0.35"), D("0.37")]

# year -> status -> the six taxable-income amounts where the 12%..37% rates begin
_BRACKETS = {
    2018: {"single": (9525, 38700, 82500, 157500, 200000, 500000),
           "married_joint": (19050, 77400, 165000, 315000, 400000, 600000),
           "married_separate": (9525, 38700, 82500, 157500, 200000, 300000),
           "head_of_household": (13600, 51800, 82500, 157500, 200000, 500000)},
    2019: {"single": (9700, 39475, 84200, 160725, 204100, 510300),
           "married_joint": (19400, 78950, 168400, 321450, 408200, 612350),
           "married_separate": (9700, 39475, 84200, 160725, 204100, 306175),
           "head_of_household": (13850, 52850, 84200, 160700, 204100, 510300)},
    2020: {"single": (9875, 40125, 85525, 163300, 207350, 518400),
           "married_joint": (19750, 80250, 171050, 326600, 414700, 622050),
           "married_separate": (9875, 40125, 85525, 163300, 207350, 311025),
           "head_of_household": (14100, 53700, 85500, 163300, 207350, 518400)},
    2021: {"single": (9950, 40525, 86375, 164925, 209425, 523600),
           "married_joint": (19900, 81050, 172750, 329850, 418850, 628300),
           "married_separate": (9950, 40525, 86375, 164925, 209425, 314150),
           "head_of_household": (14200, 54200, 86350, 164900, 209400, 523600)},
    2022: {"single": (10275, 41775, 89075, 170050, 215950, 539900),
           "married_joint": (20550, 83550, 178150, 340100, 431900, 647850),
           "married_separate": (10275, 41775, 89075, 170050, 215950, 323925),
           "head_of_household": (14650, 55900, 89050, 170050, 215950, 539900)},
    2023: {"single": (11000, 44725, 95375, 182100, 231250, 578125),
           "married_joint": (22000, 89450, 190750, 364200, 462500, 693750),
           "married_separate": (11000, 44725, 95375, 182100, 231250, 346875),
           "head_of_household": (15700, 59850, 95350, 182100, 231250, 578100)},
    2024: {"single": (11600, 47150, 100525, 191950, 243725, 609350),
           "married_joint": (23200, 94300, 201050, 383900, 487450, 731200),
           "married_separate": (11600, 47150, 100525, 191950, 243725, 365600),
           "head_of_household": (16550, 63100, 100500, 191950, 243700, 609350)},
    2025: {"single": (11925, 48475, 103350, 197300, 250525, 626350),
           "married_joint": (23850, 96950, 206700, 394600, 501050, 751600),
           "married_separate": (11925, 48475, 103350, 197300, 250525, 375800),
           "head_of_household": (17000, 64850, 103350, 197300, 250500, 626350)},
    2026: {"single": (12400, 50400, 105700, 201775, 256225, 640600),
           "married_joint": (24800, 100800, 211400, 403550, 512450, 768700),
           "married_separate": (12400, 50400, 105700, 201775, 256225, 384350),
           "head_of_household": (17700, 67450, 105700, 201750, 256200, 640600)},
}
# year -> status -> (maximum zero rate amount, maximum 15-percent rate amount)
_CG = {
    2018: {"single": (38600, 425800), "married_joint": (77200, 479000),
           "married_separate": (38600, 239500), "head_of_household": (51700, 452400)},
    2019: {"single": (39375, 434550), "married_joint": (78750, 488850),
           "married_separate": (39375, 244425), "head_of_household": (52750, 461700)},
    2020: {"single": (40000, 441450), "married_joint": (80000, 496600),
           "married_separate": (40000, 248300), "head_of_household": (53600, 469050)},
    2021: {"single": (40400, 445850), "married_joint": (80800, 501600),
           "married_separate": (40400, 250800), "head_of_household": (54100, 473750)},
    2022: {"single": (41675, 459750), "married_joint": (83350, 517200),
           "married_separate": (41675, 258600), "head_of_household": (55800, 488500)},
    2023: {"single": (44625, 492300), "married_joint": (89250, 553850),
           "married_separate": (44625, 276900), "head_of_household": (59750, 523050)},
    2024: {"single": (47025, 518900), "married_joint": (94050, 583750),
           "married_separate": (47025, 291850), "head_of_household": (63000, 551350)},
    2025: {"single": (48350, 533400), "married_joint": (96700, 600050),
           "married_separate": (48350, 300000), "head_of_household": (64750, 566700)},
    2026: {"single": (49450, 545500), "married_joint": (98900, 613700),
           "married_separate": (49450, 306850), "head_of_household": (66200, 579600)},
}
# year -> (single, joint, separate, head of household)
_STD = {
    2018: (12000, 24000, 12000, 18000), 2019: (12200, 24400, 12200, 18350),
    2020: (12400, 24800, 12400, 18650), 2021: (12550, 25100, 12550, 18800),
    2022: (12950, 25900, 12950, 19400), 2023: (13850, 27700, 13850, 20800),
    2024: (14600, 29200, 14600, 21900), 2025: (15750, 31500, 15750, 23625),
    2026: (16100, 32200, 16100, 24150),
}
NIIT_THRESHOLD = {"single": 200000, "married_joint": 250000, "married_separate": 125000,
                  "head_of_household": 200000, "qualifying_surviving_spouse": 250000}
NIIT_RATE = D("0.038")


def _status(status):
    return "married_joint" if status == "qualifying_surviving_spouse" else status


def standard_deduction(year, status):
    s = _status(status)
    return D(_STD[year][("single", "married_joint", "married_separate", "head_of_household").index(s)])


def bracket_tax(year, status, income) -> D:
    """Tax on `income` at the §1(j) rates, exactly (no tax-table steps), to the cent."""
    income = D(income)
    if income <= 0:
        return D(0)
    starts = (0,) + _BRACKETS[year][_status(status)]
    tax = D(0)
    for i, rate in enumerate(RATES):
        lo = D(starts[i])
        hi = D(starts[i + 1]) if i + 1 < len(starts) else None
        if income <= lo:
            break
        top = income if hi is None else min(income, hi)
        tax += (top - lo) * rate
    return cents(tax)


def schedule_d_tax_worksheet(year, status, taxable_income, qualified_dividends, sch_d_15, sch_d_16,
                             unrecaptured_1250, rate_28_gain=D(0)):
    """The 47-line worksheet (2018+ Schedule D instructions); no Form 4952. Returns (line 47, lines)."""
    L = {}
    s = _status(status)
    zero_max, fifteen_max = (D(x) for x in _CG[year][s])
    top_24 = D(_BRACKETS[year][s][3])   # where the 32% rate starts (line 19)
    L[1] = D(taxable_income)
    L[2] = D(qualified_dividends)
    L[3] = L[4] = D(0)
    L[5] = max(L[3] - L[4], D(0))
    L[6] = max(L[2] - L[5], D(0))
    L[7] = max(min(D(sch_d_15), D(sch_d_16)), D(0))
    L[8] = min(L[3], L[4])
    L[9] = max(L[7] - L[8], D(0))
    L[10] = L[6] + L[9]
    L[11] = D(rate_28_gain) + D(unrecaptured_1250)
    L[12] = min(L[9], L[11])
    L[13] = L[10] - L[12]
    L[14] = max(L[1] - L[13], D(0))
    L[15] = zero_max
    L[16] = min(L[1], L[15])
    L[17] = min(L[14], L[16])
    L[18] = max(L[1] - L[10], D(0))
    L[19] = min(L[1], top_24)
    L[20] = min(L[14], L[19])
    L[21] = max(L[18], L[20])
    L[22] = L[16] - L[17]
    L[23] = min(L[1], L[13])
    L[24] = L[22]
    L[25] = max(L[23] - L[24], D(0))
    L[26] = fifteen_max
    L[27] = min(L[1], L[26])
    L[28] = L[21] + L[22]
    L[29] = max(L[27] - L[28], D(0))
    L[30] = min(L[25], L[29])
    L[31] = cents(L[30] * D("0.15"))
    L[32] = L[24] + L[30]
    L[33] = L[23] - L[32]
    L[34] = cents(L[33] * D("0.20"))
    L[35] = min(L[9], D(unrecaptured_1250))
    L[36] = L[10] + L[21]
    L[37] = L[1]
    L[38] = max(L[36] - L[37], D(0))
    L[39] = max(L[35] - L[38], D(0))
    L[40] = cents(L[39] * D("0.25"))
    if D(rate_28_gain) > 0:
        L[41] = L[21] + L[22] + L[30] + L[33] + L[39]
        L[42] = L[1] - L[41]
        L[43] = cents(L[42] * D("0.28"))
    else:
        L[41] = L[42] = L[43] = D(0)
    L[44] = bracket_tax(year, status, L[21])
    L[45] = L[31] + L[34] + L[40] + L[43] + L[44]
    L[46] = bracket_tax(year, status, L[1])
    L[47] = min(L[45], L[46])
    return L[47], L


# ---- depreciation (Pub 946 Appendix A) ----
# Table A-1, half-year convention, percent per recovery year
A1 = {5: [D(x) for x in ("20.00", "32.00", "19.20", "11.52", "11.52", "5.76")],
      7: [D(x) for x in ("14.29", "24.49", "17.49", "12.49", "8.93", "8.92", "8.93", "4.46")]}
# Table A-6, 27.5-year residential rental, mid-month: first-year row by month placed in service
_A6_Y1 = [D(x) for x in ("3.485", "3.182", "2.879", "2.576", "2.273", "1.970",
                         "1.667", "1.364", "1.061", "0.758", "0.455", "0.152")]
_A6_Y28 = [D(x) for x in ("1.970", "2.273", "2.576", "2.879", "3.182", "3.485",
                          "3.636", "3.636", "3.636", "3.636", "3.636", "3.636")]
_A6_Y29 = [D(x) for x in ("0", "0", "0", "0", "0", "0", "0.152", "0.455", "0.758", "1.061", "1.364", "1.667")]


def a6(recovery_year, month):
    """Table A-6 percentage for recovery year n (1-based) and month placed in service (1-12)."""
    m = month - 1
    if recovery_year == 1:
        return _A6_Y1[m]
    if 2 <= recovery_year <= 9:
        return D("3.636")
    if 10 <= recovery_year <= 27:
        # even years 10..26: 3.637 for months 1-6, 3.636 for 7-12; odd years the other way round
        even = recovery_year % 2 == 0
        first_half = month <= 6
        return D("3.637") if even == first_half else D("3.636")
    if recovery_year == 28:
        return _A6_Y28[m]
    if recovery_year == 29:
        return _A6_Y29[m]
    return D(0)


def residential_depreciation(basis, placed: date, sold: date):
    """Allowable depreciation on a 27.5-year building (A-6) through the month of sale."""
    basis = D(basis)
    total = D(0)
    month = placed.month
    if sold.year == placed.year:
        # Pub 946 ch. 1 "What Property Cannot Be Depreciated?" and Pub 527 ch. 2 "Excepted property":
        # property placed in service and disposed of in the same year (the IRS's reading; see the
        # auditor's report: Treas. Reg. 1.168(d)-1(b)(3)(ii) itself speaks only of the 40% test)
        return D(0)
    for n, year in enumerate(range(placed.year, sold.year + 1), start=1):
        pct = a6(n, month)
        if year < sold.year:
            total += cents(basis * pct / 100)
        else:
            # months the row covers: 12 except in the short last row; the whole recovery is 330 months
            months_before = (12 - month + D("0.5")) + 12 * (n - 2) if n >= 2 else D(0)
            covers = min(D(12), D(330) - months_before) if n >= 2 else (12 - month + D("0.5"))
            in_service = (D(sold.month) - D("0.5")) if n >= 2 else (D(sold.month) - D(month))
            # multiply before dividing: the exact product, rounded once (2.5/12 has no exact decimal)
            full = basis * pct / 100
            part = full if covers <= 0 or in_service >= covers else full * in_service / covers
            total += cents(part if covers > 0 else D(0))
    return min(total, basis)


def equipment_depreciation(basis_after_bonus, life, placed: date, sold: date):
    """Allowable depreciation on half-year 5/7-year property (A-1) through the year of sale
    (sale in the placed-in-service year: nothing, Pub 946 'property placed in service and
    disposed of in the same year')."""
    basis = D(basis_after_bonus)
    rows = A1[life]
    total = D(0)
    if sold.year == placed.year:
        return D(0)
    for n, year in enumerate(range(placed.year, sold.year + 1), start=1):
        if n > len(rows):
            break
        pct = rows[n - 1]
        if year == sold.year and n < len(rows):
            total += cents(basis * pct / 100 / 2)
        else:   # full years, and the last row (the recovery period ends at mid-year anyway)
            total += cents(basis * pct / 100)
    return min(total, basis)


def long_term(acquired: date, sold: date):
    """More than one year (§1222): held long term if sold after the anniversary date."""
    try:
        anniv = acquired.replace(year=acquired.year + 1)
    except ValueError:   # Feb 29
        anniv = date(acquired.year + 1, 3, 1)
    return sold > anniv


def compute(case):
    """case: dict with year, status (or entity 'c_corporation'), wages, and optionally qd, ltcg, stcg,
    collectibles, st_carryover, lt_carryover, itemized, other_nii, lookback {year: loss};
    kind ('residential' | 'equipment'), life, acquired, sold, cost, land, bonus, price, expenses.
    Returns a dict of figures."""
    year = case["year"]
    corp = case.get("entity") == "c_corporation"
    status = case.get("status")
    cost, land = D(case["cost"]), D(case.get("land", 0))
    acquired, sold = case["acquired"], case["sold"]
    if case["kind"] == "residential":
        dep = residential_depreciation(cost - land, acquired, sold)
    else:
        bonus = D(case.get("bonus", 0))
        dep = bonus + equipment_depreciation(cost - bonus, case["life"], acquired, sold)
    adjusted = cost - dep
    realized = D(case["price"]) - D(case.get("expenses", 0))
    gain = realized - adjusted
    lt = long_term(acquired, sold)
    ordinary_recapture = unrecap = s1231 = short_ordinary = s291 = D(0)
    if not lt:
        short_ordinary = gain                       # Form 4797 Part II, gain or loss
    elif gain <= 0:
        s1231 = gain                                # §1231 loss, no recapture
    elif case["kind"] == "equipment":
        ordinary_recapture = min(gain, dep)         # §1245(a)(1)
        s1231 = gain - ordinary_recapture
    elif corp:
        s291 = cents(D("0.20") * min(gain, dep))    # §291(a)(1): 20% of what §1245 would recapture
        s1231 = gain - s291
    else:
        unrecap = min(gain, dep)                    # §1(h)(6)(A)
        s1231 = gain - unrecap
    net_1231 = unrecap + s1231                      # Form 4797 line 7
    # §1231(c) lookback: the nonrecaptured net §1231 losses of the five preceding years
    nonrecaptured = sum((D(v) for y, v in case.get("lookback", {}).items() if year - 5 <= int(y) <= year - 1), D(0))
    lookback = min(net_1231, nonrecaptured) if net_1231 > 0 else D(0)
    ordinary_from_sale = ordinary_recapture + s291 + short_ordinary + (net_1231 if net_1231 < 0 else 0) + lookback
    lt_from_sale = net_1231 - lookback if net_1231 > 0 else D(0)
    # Unrecaptured Section 1250 Gain Worksheet lines 4-9
    unrecap_line_9 = max(min(unrecap, max(net_1231, D(0))) - lookback, D(0))

    # Passive activity of the property (Form 8582): with the sale of the entire interest to an
    # unrelated buyer, fully taxable, the activity's current and suspended losses are not passive
    # (§469(g)(1)(A)); without it, a net loss is allowed up to the special allowance (§469(i)).
    current, suspended = D(case.get("current", 0)), D(case.get("suspended", 0))
    special = {"married_separate": (D(12500), D(50000)) if case.get("lived_apart") else (D(0), D(0))}
    max_allowance, phase_start = special.get(status, (D(25000), D(100000)))

    half_cent = []

    def tax_for(with_sale):
        wages = D(case["wages"])
        qd = D(case.get("qd", 0))
        collectibles = D(case.get("collectibles", 0))
        st_carry, lt_carry = D(case.get("st_carryover", 0)), D(case.get("lt_carryover", 0))
        line_7 = D(case.get("stcg", 0)) - st_carry
        line_15 = D(case.get("ltcg", 0)) + collectibles + (lt_from_sale if with_sale else 0) - lt_carry
        line_16 = line_7 + line_15
        ordinary = wages + (ordinary_from_sale if with_sale else 0)
        if corp:
            # §1211(a): capital losses only against capital gains; §11(b) 21%
            ti = max(ordinary + max(line_16, D(0)), D(0))
            return {"agi": ti, "taxable_income": ti, "regular_tax": cents(ti * D("0.21")), "niit": D(0),
                    "total_tax": cents(ti * D("0.21"))}
        limit = D(1500) if status == "married_separate" else D(3000)
        cap_in_income = line_16 if line_16 >= 0 else -min(-line_16, limit)
        net_passive = current - suspended
        if with_sale or net_passive >= 0:
            passive = net_passive
        else:
            # Form 8582 lines 4-10: MAGI is AGI without the passive activity loss
            magi = ordinary + qd + cap_in_income
            # line 7 = 150,000 (75,000) - MAGI; line 8 = 50% of it, at most 25,000 (12,500), rounded
            # to the cent as the form's line is (not the reduction: 25,000 - round(50% x excess) can
            # differ from it by a cent)
            f8582_line_7 = max(phase_start + 2 * max_allowance - magi, D(0))
            f8582_line_8 = min(cents(f8582_line_7 * D("0.5")), max_allowance)
            passive = -min(-net_passive, f8582_line_8)
            if f8582_line_8 < max_allowance and -net_passive > f8582_line_8 \
                    and (f8582_line_7 * D("0.5")) != cents(f8582_line_7 * D("0.5")):
                half_cent.append("special allowance with a half cent (Form 8582 line 8)")
        ordinary += passive
        agi = ordinary + qd + cap_in_income
        deduction = max(standard_deduction(year, status), D(case.get("itemized", 0)))
        ti = max(agi - deduction, D(0))
        # 28% Rate Gain Worksheet line 7; Unrecaptured §1250 Gain Worksheet lines 14-18
        rate_28 = max(collectibles - lt_carry + min(line_7, D(0)), D(0))
        line_17 = max(-(collectibles + min(line_7, D(0)) - lt_carry), D(0))
        urec = max((unrecap_line_9 if with_sale else D(0)) - line_17, D(0))
        regular, _ = schedule_d_tax_worksheet(year, status, ti, qd, line_15, line_16, urec, rate_28)
        # Form 8960: line 1 interest etc. (other NII), line 2 dividends; line 5a the gain or loss of
        # Form 1040 line 7 (capital, after the §1211(b) limit) and of Form 4797 (ordinary recapture,
        # §1231 loss or lookback ordinary); a loss beyond the gains is a properly allocable deduction,
        # Treas. Reg. §1.1411-4(f)(4); NII is "the excess (if any)", §1411(c)(1)
        # the rental's allowed income or loss is investment income or a deduction (§1411(c)(1)(A)(i),
        # Treas. Reg. 1.1411-4(f)(2)(iv) for suspended losses allowed this year)
        nii = max(D(case.get("other_nii", 0)) + qd + cap_in_income + (ordinary_from_sale if with_sale else 0)
                  + passive, D(0))
        niit = cents(NIIT_RATE * max(min(nii, agi - NIIT_THRESHOLD[status]), D(0)))
        return {"agi": agi, "taxable_income": ti, "regular_tax": regular, "niit": niit,
                "total_tax": regular + niit, "unrecaptured_gain": urec}

    w = tax_for(True)
    wo = tax_for(False)
    return {"allowable": dep, "adjusted_basis": adjusted, "realized_gain": gain,
            "ordinary_recapture": ordinary_recapture, "section_291": s291, "unrecaptured_1250": unrecap,
            "section_1231": s1231, "short_term_ordinary": short_ordinary, "lookback": lookback,
            **w, "total_tax_without": wo["total_tax"], "tax_due": w["total_tax"] - wo["total_tax"],
            "disputed": half_cent}
