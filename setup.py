"""Build script: the import package `recapture` is the source folder `engine/`,
and the law it runs (rules/, tables/, schemas/) travels inside it as package
data, so an installed wheel finds its law wherever the command is run.

The folders of law are listed by walking them, so a new tax year folder (made by
`recapture rules new-year`) is packaged without editing this file."""
from pathlib import Path

from setuptools import setup

HERE = Path(__file__).resolve().parent
LAW = ("rules", "tables", "schemas")
DATA = ["*.yaml", "*.yml", "*.json", "*.md", "*.html", "*.css", "*.j2"]

package_dir = {"recapture": "engine"}
packages = ["recapture"]
package_data = {"recapture": [f"templates/{p}" for p in DATA] + [f"labels/{p}" for p in DATA]}
for top in LAW:
    folders = [HERE / top] + sorted(p for p in (HERE / top).rglob("*") if p.is_dir() and p.name != "__pycache__")
    for folder in folders:
        rel = folder.relative_to(HERE).as_posix()
        name = "recapture." + rel.replace("/", ".")
        package_dir[name] = rel
        packages.append(name)
        package_data[name] = DATA

setup(packages=packages, package_dir=package_dir, package_data=package_data)
