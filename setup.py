"""Build script: the import package `recapture` is the source folder `engine/`,
and the law it runs (rules/, tables/, schemas/) travels inside it as package
data, so an installed wheel finds its law wherever the command is run.

The folders of law are listed by walking them, so a new tax year folder (made by
`recapture rules new-year`) is packaged without editing this file.

Speed (issue 10): the engine's hot modules (engine/native.py lists them) are
also compiled by Cython into twins in `recapture/_compiled/`, with a manifest of
the sha256 of each source compiled (its .py, its .pxd if it has one, and the
modules whose .pxd it cimports). `engine/native.py` loads a twin only when its
sources are still those very files and what it was compiled against runs
compiled too; everything else, and every module whose build failed, runs as the
Python it is. The .py files stay the one source: the twins are compiled from
them unchanged, a .pxd beside one only declaring its classes as C types. No
Cython, no compiler that can build it, or RECAPTURE_PURE_PYTHON=1 at build time:
a pure-Python package, the same results."""
import hashlib
import json
import os
import re
import shutil
import sys
from importlib.machinery import EXTENSION_SUFFIXES
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = Path(__file__).resolve().parent
LAW = ("rules", "tables", "schemas")
DATA = ["*.yaml", "*.yml", "*.json", "*.md", "*.html", "*.css", "*.j2"]

package_dir = {"recapture": "engine"}
packages = ["recapture"]
# the .pxd files travel with the package: engine/native.py checks each twin against them
package_data = {"recapture": [f"templates/{p}" for p in DATA] + [f"labels/{p}" for p in DATA] + ["*.pxd"]}
for top in LAW:
    folders = [HERE / top] + sorted(p for p in (HERE / top).rglob("*") if p.is_dir() and p.name != "__pycache__")
    for folder in folders:
        rel = folder.relative_to(HERE).as_posix()
        name = "recapture." + rel.replace("/", ".")
        package_dir[name] = rel
        packages.append(name)
        package_data[name] = DATA


def _compiled_modules() -> list[str]:
    """engine/native.py's COMPILED, read without importing the package."""
    import ast
    tree = ast.parse((HERE / "engine" / "native.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "COMPILED" for t in node.targets):
            return list(ast.literal_eval(node.value))
    raise SystemExit("setup.py: engine/native.py has no COMPILED list")


def _abi() -> str:
    """This interpreter's extension suffix without dots: cpython-311-x86_64-linux-gnu.so."""
    return EXTENSION_SUFFIXES[0].lstrip(".")


def _declarations(module: str) -> tuple[bytes | None, list[str]]:
    """engine/<module>.pxd (the C declarations its twin is compiled with: its classes as
    extension types) and the modules whose declarations it cimports; (None, []) without one."""
    path = HERE / "engine" / f"{module}.pxd"
    if not path.exists():
        return None, []
    text = path.read_bytes()
    return text, sorted({m.decode() for m in re.findall(rb"^from recapture\.(\w+) cimport", text, re.M)})


def _declarations_folder(build_temp) -> str:
    """A folder holding engine/*.pxd as recapture/*.pxd, for Cython's include path: the
    package is `recapture` but its source folder is engine/, and `from recapture.workbook
    cimport Entity` is looked up by the package's name."""
    root = os.path.join(os.path.abspath(build_temp), "declarations")
    folder = os.path.join(root, "recapture")
    os.makedirs(folder, exist_ok=True)
    for pxd in (HERE / "engine").glob("*.pxd"):
        shutil.copyfile(pxd, os.path.join(folder, pxd.name))
    return root


class build_compiled_twins(build_ext):
    """Cython twins of the hot modules, each optional: one that does not build is
    left out (with a warning) and that module runs as Python."""

    def finalize_options(self):
        super().finalize_options()
        if self.parallel is None:
            self.parallel = os.cpu_count() or 1

    def get_ext_filename(self, fullname):
        # recapture.formula -> recapture/_compiled/formula.<abi>: beside the package, never
        # where the import system would find it by itself (engine/native.py does)
        folder, file = os.path.split(super().get_ext_filename(fullname))
        return os.path.join(folder, "_compiled", file)

    def _get_inplace_equivalent(self, build_py, ext):
        # an editable install (`pip install -e .`): the twin goes to engine/_compiled/ too
        inplace_file, regular_file = super()._get_inplace_equivalent(build_py, ext)
        folder, file = os.path.split(inplace_file)
        return os.path.join(folder, "_compiled", file), regular_file

    def run(self):
        if not self.extensions:
            return
        try:
            from Cython.Build import cythonize
            made = cythonize(
                self.extensions, build_dir=os.path.join(self.build_temp, "cython"), quiet=True,
                nthreads=self.parallel if self.parallel > 1 else 0,
                compiler_directives={"language_level": 3, "binding": True},
                include_path=[_declarations_folder(self.build_temp)])
            for ext, c in zip(self.extensions, made):  # keep setuptools' own Extension objects
                ext.sources = c.sources
        except Exception as e:  # noqa: BLE001 - no Cython, or it refused: the package stays pure Python
            print(f"setup.py: the engine stays pure Python (Cython: {type(e).__name__}: {e})", file=sys.stderr)
            return
        for ext in self.extensions:
            ext.optional = True  # a module that fails to compile runs as Python
        inplace, self.inplace = self.inplace, False
        try:
            super().run()  # into build_lib
        finally:
            self.inplace = inplace
        manifest = self._write_manifest()
        if inplace:
            self.copy_extensions_to_source()
            build_py = self.get_finalized_command("build_py")
            folder = os.path.join(build_py.get_package_dir("recapture"), "_compiled")
            self.copy_file(manifest, os.path.join(folder, os.path.basename(manifest)), level=self.verbose)

    def copy_extensions_to_source(self):
        build_py = self.get_finalized_command("build_py")
        for ext in self.extensions:
            self.mkpath(os.path.dirname(self._get_inplace_equivalent(build_py, ext)[0]))
        super().copy_extensions_to_source()

    def _write_manifest(self) -> str:
        """build_lib/recapture/_compiled/<abi>.json: {compiled: {module: {file, sha256 of its
        source, pxd: sha256 of its declarations or null, needs: the modules whose declarations
        it was compiled against}}} for each twin that was built."""
        built = {}
        for ext in self.extensions:
            path = os.path.join(self.build_lib, self.get_ext_filename(self.get_ext_fullname(ext.name)))
            if os.path.exists(path):
                module = ext.name.rsplit(".", 1)[1]
                source = (HERE / "engine" / f"{module}.py").read_bytes()
                pxd, needs = _declarations(module)
                built[module] = {"file": os.path.basename(path), "sha256": hashlib.sha256(source).hexdigest(),
                                 "pxd": None if pxd is None else hashlib.sha256(pxd).hexdigest(), "needs": needs}
        folder = os.path.join(self.build_lib, "recapture", "_compiled")
        self.mkpath(folder)
        manifest = os.path.join(folder, _abi() + ".json")
        with open(manifest, "w", encoding="utf-8") as fh:
            json.dump({"compiled": built}, fh, indent=1, sort_keys=True)
            fh.write("\n")
        return manifest


ext_modules = []
if os.environ.get("RECAPTURE_PURE_PYTHON", "") in ("", "0"):
    # -g0: no debug information (Python's own CFLAGS ask for -g): a third of the build time, a sixth of the size
    ext_modules = [Extension(f"recapture.{m}", [f"engine/{m}.py"], optional=True, extra_compile_args=["-g0"])
                   for m in _compiled_modules()]

setup(packages=packages, package_dir=package_dir, package_data=package_data,
      ext_modules=ext_modules, cmdclass={"build_ext": build_compiled_twins})
