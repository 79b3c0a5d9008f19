"""The validated law of a tax year, cached on disk, so that a process starts in
milliseconds instead of parsing and validating every rule and table file.

- Where: `$RECAPTURE_CACHE` if set, else the user's cache folder
  (`$XDG_CACHE_HOME/recapture` or `~/.cache/recapture`; `~/Library/Caches/recapture`
  on macOS; `%LOCALAPPDATA%\\recapture\\Cache` on Windows). `--no-cache` (or
  `RECAPTURE_NO_CACHE=1`) neither reads nor writes it.
- Key: the rules folder, the tax year, the sha256 of the content of every rule
  file and of the year's table files, the schemas that validate them, and the
  source of the engine modules that read and check them (or the version when
  the source is not there). A changed file, another folder, another engine
  version: another key, so the law is rebuilt and validated again.
- Safe: the file is plain JSON (no pickle: nothing in it can run code), written
  to a temporary file and renamed into place (atomic), so two processes starting
  together both succeed and neither reads half a file. A file that does not read
  back, or whose header is not exactly this key and format, is ignored and
  rewritten. Any failure to read or write the cache only costs the time to build.
"""
from __future__ import annotations

import hashlib
import json
import os
import sys
import tempfile
from decimal import Decimal
from pathlib import Path

FORMAT = 2
ENV_DIR, ENV_OFF = "RECAPTURE_CACHE", "RECAPTURE_NO_CACHE"
# the modules whose code decides what a loaded, validated year holds
_CODE = ("library.py", "lawcache.py", "yamlio.py", "formula.py", "actions.py", "fastschema.py")
_code_hash: str | None = None


def enabled() -> bool:
    return os.environ.get(ENV_OFF, "") in ("", "0")


def cache_dir() -> Path:
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    home = Path.home()
    if sys.platform == "win32":
        return Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local") / "recapture" / "Cache"
    if sys.platform == "darwin":
        return home / "Library" / "Caches" / "recapture"
    return Path(os.environ.get("XDG_CACHE_HOME") or home / ".cache") / "recapture"


def _engine_code() -> str:
    global _code_hash
    if _code_hash is None:
        from . import __version__
        h = hashlib.sha256(f"recapture {__version__} format {FORMAT}".encode())
        here = Path(__file__).resolve().parent
        for name in _CODE:
            try:
                h.update(name.encode() + b"\0" + (here / name).read_bytes())
            except OSError:
                h.update(name.encode() + b"\0-")
        _code_hash = h.hexdigest()
    return _code_hash


def key(root: Path, year: int, files: list[Path], schemas: list[Path]) -> str | None:
    """The cache key of a year's law; None if a file cannot be read."""
    h = hashlib.sha256()
    h.update(f"{_engine_code()}\0{Path(root).resolve()}\0{year}\0".encode())
    try:
        for path in list(files) + list(schemas):
            h.update(str(path).encode("utf-8", "surrogateescape") + b"\0")
            h.update(hashlib.sha256(Path(path).read_bytes()).digest())
    except OSError:
        return None
    return h.hexdigest()


def _slot(root: Path, year: int) -> str:
    return hashlib.sha256(f"{Path(root).resolve()}\0{year}".encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _path(root, year, k) -> Path:
    return cache_dir() / f"law-{_slot(root, year)}-{k[:32]}.json"


# -- JSON with the few types YAML gives that JSON lacks -------------------------
def _enc(v):
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is Decimal:
        return {"$d": str(v)}
    if t is list:
        if len(v) > 1 and all(type(x) is Decimal for x in v):  # a table row: one tag, not one per figure
            return {"$D": [str(x) for x in v]}
        return [_enc(x) for x in v]
    if t is dict:
        if all(type(k) is str and not k.startswith("$") for k in v):
            return {k: _enc(x) for k, x in v.items()}
        return {"$m": [[_enc(k), _enc(x)] for k, x in v.items()]}
    if t is tuple:
        return {"$t": [_enc(x) for x in v]}
    if t is float:
        return {"$f": repr(v)}
    raise TypeError(f"cannot cache a {t.__name__}")


def _dec(d: dict):
    if len(d) == 1:
        (k, v), = d.items()
        if k == "$d":
            return Decimal(v)
        if k == "$D":
            return [Decimal(x) for x in v]
        if k == "$m":
            return {a: b for a, b in v}
        if k == "$t":
            return tuple(v)
        if k == "$f":
            return float(v)  # float ok: a value that was a float when cached comes back one
    return d


def encode_law(law) -> dict:
    return {
        "year": law.year,
        "tables": [[t.name, t.file, _enc(t.doc)] for t in law.tables.values()],
        "rules": [[_enc(rule), rf.path, rf.sha256] for rule, rf in law.rules],
        "ordering": [[_enc(o), rf.path, rf.sha256] for o, rf in law.ordering],
        "files": law.files,
    }


def decode_law(data: dict, root: Path):
    from .library import RuleFile, Table, YearLaw, table_values
    law = YearLaw(int(data["year"]), Path(root))
    for name, file, doc in data["tables"]:
        law.tables[name] = Table(name, file, table_values(doc), doc)
    files: dict[tuple, RuleFile] = {}

    def rule_file(path, sha):
        rf = files.get((path, sha))
        if rf is None:
            rf = files[(path, sha)] = RuleFile(path, sha, {}, {})
        return rf
    law.rules = [(rule, rule_file(path, sha)) for rule, path, sha in data["rules"]]
    law.ordering = [(o, rule_file(path, sha)) for o, path, sha in data["ordering"]]
    law.files = dict(data["files"])
    return law


def load(root: Path, year: int, k: str | None):
    """The cached law for this key, or None (no cache, another key, unreadable)."""
    if k is None or not enabled():
        return None
    try:
        with open(_path(root, year, k), "rb") as fh:
            data = json.loads(fh.read(), object_hook=_dec)
        if data.get("format") != FORMAT or data.get("key") != k:
            return None
        return decode_law(data["law"], root)
    except Exception:  # noqa: BLE001 - a missing, foreign or corrupt cache file is only a cache miss
        return None


def store(root: Path, year: int, k: str | None, law) -> bool:
    """Write the law atomically under this key; False (and nothing written) on any failure."""
    if k is None or not enabled():
        return False
    try:
        folder = cache_dir()
        folder.mkdir(parents=True, exist_ok=True)
        text = json.dumps({"format": FORMAT, "key": k, "year": year, "root": str(Path(root).resolve()),
                           "law": encode_law(law)}, ensure_ascii=False, separators=(",", ":"))
        target = _path(root, year, k)
        fd, tmp = tempfile.mkstemp(prefix=".law-", suffix=".tmp", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                fh.write(text)
            os.replace(tmp, target)  # atomic: readers see the old file or the whole new one
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
        for old in folder.glob(f"law-{_slot(root, year)}-*.json"):  # earlier versions of this folder's year
            if old != target:
                try:
                    old.unlink()
                except OSError:
                    pass
        return True
    except Exception:  # noqa: BLE001 - a read-only or full disk: work without the cache
        return False
