"""What-if at scale: 1,000 scenarios of one fact file (the limit without
--max-scenarios), time and the size of the JSON the command writes.

    python benchmarks/bench_whatif.py [N]      # N scenarios (default 1000)
"""
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main(n: int = 1000):
    import recapture
    from recapture.api import library
    from recapture.compare import comparison, render
    lib = library()
    prices = ",".join(str(1_500_000 + 1_000 * i) for i in range(n // 10))
    incomes = ",".join(str(100_000 + 50_000 * i) for i in range(10))
    vary = [f"properties.duplex.disposition.sale_price={prices}", f"taxpayer.ordinary_income={incomes}"]
    t = time.perf_counter()
    rows = recapture.whatif(ROOT / "examples/duplex-held-16-years.yaml", vary, keep_results=False,
                            max_scenarios=None)
    t_eval = time.perf_counter() - t
    t = time.perf_counter()
    text = render(comparison(rows, lib, "duplex"), "json")
    t_json = time.perf_counter() - t
    print(f"{len(rows)} scenarios: {t_eval:.1f} s to evaluate ({len(rows) / t_eval:.0f}/s), "
          f"{t_json:.2f} s to write {len(text) / 1e6:.2f} MB of JSON ({len(text) / len(rows) / 1000:.1f} kB each)")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1000)
