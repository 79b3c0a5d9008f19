"""The proof that a kept durable-rules session (engine/adapter.py, `Ruleset.reuse`)
fires exactly what a new session fires. Prints what it compared; exits 1 on any
difference.

    python benchmarks/session_reuse.py [--n 2000] [--fuzz 500] [--seed S]

In one process, every golden case, N generated fact sets (benchmarks/factgen.py)
and F hostile ones (tests/fuzzer.py: refused, faulting, near the limits) are
evaluated first with a new session for every run (`reuse = False`, the adapter
as it was), then twice more with sessions kept, each time in another shuffled
order, and a third time flipping between kept and new sessions at random. Between
runs, at random, a ruleset is also given a batch the engine refuses (a duplicate
fact) and a run is stopped halfway (an exception out of the firing loop), so the
runs after those are compared too. Each result is compared as the full text
`recapture evaluate` writes (figures, warnings and the whole trace) or the fault
lines of a refused input.
"""
from __future__ import annotations

import argparse
import random
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from factgen import DEFAULT_SEED, fact_set, jsonl_line  # noqa: E402


def _inputs(n: int, fuzz: int):
    import yaml

    import fuzzer
    out = []
    for path in sorted((ROOT / "tests" / "golden").glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "example" in case:
            out.append((f"examples/{case['example']}", str(ROOT / "examples" / case["example"])))
        else:
            out.append((path.name, case["facts"]))
    out += [(f"gen:{i}", jsonl_line(fact_set(i, DEFAULT_SEED))) for i in range(n)]
    out += [(f"fuzz:{i}", line.decode("utf-8", "replace")) for i, line in enumerate(fuzzer.lines(fuzz, 8))]
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--fuzz", type=int, default=500)
    ap.add_argument("--seed", type=int, default=7)
    a = ap.parse_args()
    from recapture import adapter, api
    from recapture.evaluate import compiled_law
    from recapture.errors import RecaptureError
    from recapture.result import to_json

    library = api.library()

    def result(name, src) -> str:
        try:
            return to_json(api.evaluate_facts(api.load(src, name), name, library))
        except RecaptureError as e:
            return f"exit {e.code}\n" + "\n".join(e.lines)

    kept = {"runs": 0, "reused": 0}
    run = adapter.Ruleset.run

    def counting(self, facts, ctx):
        kept["runs"] += 1
        kept["reused"] += bool(self.reuse and self._idle)
        return run(self, facts, ctx)

    adapter.Ruleset.run = counting
    items = _inputs(a.n, a.fuzz)
    adapter.Ruleset.reuse = False
    reference = {name: result(name, src) for name, src in items}
    faults = sum(t.startswith("exit ") for t in reference.values())
    rng = random.Random(a.seed)
    years = sorted({y for y in library.years()})
    injected = {"refused": 0, "stopped": 0}

    class Ctx:
        def __init__(self):
            self.errors, self.refusals = [], []

    def disturb():
        """A refused batch or a run stopped halfway, on a random year's ruleset."""
        compiled = compiled_law(library, rng.choice(years))
        rs = compiled.ruleset if compiled.baseline is None or rng.random() < 0.5 else compiled.baseline
        facts = [{"type": "return", "id": "return", "entity": "individual", "filing_status": "single",
                  "disposes": False}]
        if rng.random() < 0.5:
            rs.run(facts + facts, Ctx())  # the same fact twice: refused (MessageObservedException)
            injected["refused"] += 1
            return
        fire = rs._fire

        def stopped(handle, state, session, ctx):
            adapter._dre.start_action_for_state(handle, state)
            raise KeyboardInterrupt

        rs._fire = stopped
        try:
            rs.run(facts, Ctx())
        except KeyboardInterrupt:
            injected["stopped"] += 1
        finally:
            del rs._fire
            assert rs._fire == fire

    differ = []
    for round_ in ("kept, order 1", "kept, order 2", "kept or new at random"):
        order = items[:]
        rng.shuffle(order)
        adapter.Ruleset.reuse = True
        for name, src in order:
            if round_.startswith("kept or new"):
                adapter.Ruleset.reuse = rng.random() < 0.7
            if rng.random() < 0.02:
                disturb()
            if result(name, src) != reference[name]:
                differ.append(f"{round_}: {name}")
    print(f"{len(items)} inputs ({len(items) - a.n - a.fuzz} golden, {a.n} generated, {a.fuzz} hostile; "
          f"{faults} refused or faulting), 1 round with new sessions, 3 with kept ones")
    print(f"engine runs {kept['runs']}, of them in a kept session {kept['reused']}; "
          f"injected: {injected['refused']} refused batches, {injected['stopped']} runs stopped halfway")
    print(f"results differing from a new session's: {len(differ)}")
    for d in differ[:20]:
        print("  " + d)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
