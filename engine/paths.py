"""Where the shipped law lives. In an installed wheel, rules/, tables/ and
schemas/ are package data inside `recapture/`; in a source checkout (or an
editable install) they sit beside the source folder `engine/`."""
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
LAW_ROOT = PACKAGE if (PACKAGE / "rules").is_dir() else PACKAGE.parent
SCHEMAS = LAW_ROOT / "schemas"
