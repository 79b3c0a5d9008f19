"""Fidelity digests: the exact bytes of every golden case's result and of the
first 500 fact sets of the benchmark's seeded generator, as sha256 digests in
tests/fidelity/digests.json. `test_fidelity.py` recomputes and compares them, so
a speed-up that changes one byte of one result (or of its trace) fails.

An intended change of a figure (a fix of the law, a new rule) changes digests on
purpose: regenerate them in a commit of its own, named as a fidelity change,
with the one command

    python tests/fidelity.py --write

which rewrites the data file and prints which cases changed, and whether only
the rule files' hashes changed or the figures and trace too. Without `--write`
it only compares; `--dump DIR` also writes every case's text into DIR, so two
runs (before and after a change) can be compared with `diff -r`.

Per case, three digests:
- `json`: the result as `recapture evaluate` writes it (`to_json`, indent 2), or
  the fault lines when the input is refused;
- `line`: the line `recapture batch` writes for it (generated sets only; all of
  them come from one batch run of the command line);
- `figures`: the `json` digest with every file hash and rules version masked, so
  a change of rule text alone (a comment, a citation) can be told apart from a
  change of a figure.
"""
from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = HERE / "fidelity" / "digests.json"
GOLDEN = HERE / "golden"
GENERATED = 500
sys.path.insert(0, str(ROOT / "benchmarks"))

from factgen import DEFAULT_SEED, fact_set, jsonl_line  # noqa: E402

_HASHES = re.compile(r'"(sha256:[0-9a-f]{64}|[0-9a-f]{12})"')


def _sha(text: str) -> str:
    """The first 128 bits of the sha256 of the text's UTF-8 bytes, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


DUMP: Path | None = None  # --dump DIR: also write each case's text there, to diff two runs


def _digests(text: str, name: str = "") -> dict:
    if DUMP is not None:
        (DUMP / f"{name}.json").write_text(text, encoding="utf-8")
    return {"json": _sha(text), "figures": _sha(_HASHES.sub('"#"', text))}


def _evaluate(load, name) -> str:
    from recapture import api
    from recapture.errors import RecaptureError
    from recapture.result import to_json
    try:
        return to_json(api.evaluate_facts(load(), name, api.library())) + "\n"
    except RecaptureError as e:
        return f"exit {e.code}\n" + "\n".join(e.lines) + "\n"


def golden_cases() -> dict:
    """name -> digests, for every tests/golden/*.yaml case."""
    import yaml

    from recapture import api
    out = {}
    for path in sorted(GOLDEN.glob("*.yaml")):
        case = yaml.safe_load(path.read_text(encoding="utf-8"))
        if "example" in case:
            src = ROOT / "examples" / case["example"]
            name = f"examples/{case['example']}"
            out[path.stem] = _digests(_evaluate(lambda: api.load(src, name), name), path.stem)
        else:
            out[path.stem] = _digests(_evaluate(lambda: api.load(case["facts"], path.name), path.name), path.stem)
    return out


def generated_cases(n: int = GENERATED, seed: int = DEFAULT_SEED) -> dict:
    """index -> digests, for the generator's first n fact sets, in process and through `recapture batch`."""
    from recapture import api
    out = {}
    lines = [jsonl_line(fact_set(i, seed)) for i in range(n)]
    for i, line in enumerate(lines):
        name = f"facts.jsonl:{i + 1}"
        out[str(i)] = _digests(_evaluate(lambda: api.load(line, name), name), f"gen-{i}")
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "facts.jsonl").write_text("".join(x + "\n" for x in lines), encoding="utf-8")
        p = subprocess.run([sys.executable, "-m", "recapture.cli", "batch", "facts.jsonl", "--output", "out.jsonl"],
                           cwd=tmp, capture_output=True, text=True, timeout=1800)
        if p.returncode != 0:
            raise RuntimeError(f"recapture batch failed ({p.returncode}): {p.stderr}")
        written = (Path(tmp) / "out.jsonl").read_text(encoding="utf-8").splitlines()
    if len(written) != n:
        raise RuntimeError(f"recapture batch wrote {len(written)} lines for {n} inputs")
    for i, text in enumerate(written):
        out[str(i)]["line"] = _sha(text)
        if DUMP is not None:
            (DUMP / f"gen-{i}.line").write_text(text, encoding="utf-8")
    return out


def compute() -> dict:
    return {"about": "sha256 of each result's bytes; regenerate with: python tests/fidelity.py --write",
            "seed": DEFAULT_SEED, "generated": GENERATED,
            "golden": golden_cases(), "generated_cases": generated_cases()}


def stored() -> dict:
    data = json.loads(DATA.read_text(encoding="utf-8"))
    for group in ("golden", "generated_cases"):
        data[group] = {k: dict(zip(("json", "figures", "line"), v.split())) for k, v in data[group].items()}
    return data


def _write(data: dict):
    """One line per case: `"name": "json figures [line]"` (kept small and diff-friendly)."""
    out = ["{", f' "about": {json.dumps(data["about"])},', f' "seed": {data["seed"]},',
           f' "generated": {data["generated"]},']
    for group in ("golden", "generated_cases"):
        rows = [f'  {json.dumps(k)}: "{" ".join(v[x] for x in ("json", "figures", "line") if x in v)}"'
                for k, v in data[group].items()]
        out.append(f' "{group}": {{\n' + ",\n".join(rows) + "\n }" + ("," if group == "golden" else ""))
    DATA.parent.mkdir(parents=True, exist_ok=True)
    DATA.write_text("\n".join(out) + "\n}\n", encoding="utf-8")


def differences(old: dict, new: dict) -> list[str]:
    """One line per case whose digests differ: which kind of change it is."""
    out = []
    for group in ("golden", "generated_cases"):
        for name in sorted(set(old.get(group, {})) | set(new.get(group, {})), key=lambda k: (len(k), k)):
            a, b = old.get(group, {}).get(name), new.get(group, {}).get(name)
            if a == b:
                continue
            if a is None or b is None:
                out.append(f"{group} {name}: {'added' if a is None else 'removed'}")
                continue
            kinds = [k for k in ("json", "line") if a.get(k) != b.get(k)]
            what = "figures or trace changed" if a["figures"] != b["figures"] else "only rule file hashes changed"
            out.append(f"{group} {name}: {', '.join(kinds) or 'figures'} differ ({what})")
    return out


def main(argv=None) -> int:
    global DUMP
    argv = sys.argv[1:] if argv is None else argv
    sys.path.insert(0, str(ROOT))
    if "--dump" in argv:
        DUMP = Path(argv[argv.index("--dump") + 1])
        DUMP.mkdir(parents=True, exist_ok=True)
    new = compute()
    if not DATA.exists():
        _write(new)
        print(f"wrote {DATA.relative_to(ROOT)} (there was none)")
        return 0
    changed = differences(stored(), new)
    if "--write" in argv:
        _write(new)
        print(f"wrote {DATA.relative_to(ROOT)}: {len(new['golden'])} golden cases, {len(new['generated_cases'])} generated")
    print("\n".join(changed) if changed else "no differences from the stored digests")
    print(f"{len(changed)} cases differ")
    return 0 if not changed or "--write" in argv else 1


if __name__ == "__main__":
    sys.exit(main())
