"""The fact fields as a Markdown page, generated from schemas/facts.schema.json
(`recapture schema --format markdown > docs/facts.md`), so the documentation
cannot drift from what the engine validates."""
from __future__ import annotations

import json

HEADER = """# Fact file fields

<!-- Generated from schemas/facts.schema.json by `recapture schema --format markdown > docs/facts.md`.
     Do not edit by hand: tests/test_schema_docs.py fails when this page is stale. -->
"""


def _ref_name(node):
    ref = node.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else None


def _type(node, defs) -> str:
    """A short human type for one field."""
    ref = _ref_name(node)
    if ref == "money":
        return "money"
    if ref == "money_nonnegative":
        return "money ≥ 0"
    if ref == "date":
        return "date"
    if ref == "id":
        return "name"
    if "const" in node:
        return f"`{json.dumps(node['const'])}`"
    if "enum" in node:
        return " | ".join(f"`{json.dumps(v) if v is None else v}`" for v in node["enum"])
    if "anyOf" in node:
        kinds = []
        for alt in node["anyOf"]:
            t = _type(alt, defs)
            if t not in kinds:
                kinds.append(t)
        return " or ".join(kinds)
    t = node.get("type")
    if isinstance(t, list):
        return " or ".join("null" if x == "null" else x for x in t)
    if t == "integer" and "minimum" in node and "maximum" in node:
        return f"integer {node['minimum']}–{node['maximum']}"
    if t == "number":
        lo = ">" if "exclusiveMinimum" in node else "≥"
        bound = node.get("exclusiveMinimum", node.get("minimum"))
        hi = node.get("maximum")
        return "number" + (f" {lo} {bound}" if bound is not None else "") + (f", ≤ {hi}" if hi is not None else "")
    if t == "string":
        return "decimal text" if "pattern" in node else "text"
    if t == "array":
        return "list"
    if t == "object":
        return "mapping"
    return t or "any"


def _cell(text: str) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ")


def _sections(node, path, defs, out, required=()):
    """A table of the fields of the object `node` at `path`, then one section per nested object."""
    props = node.get("properties") or {}
    if not props:
        return
    rows = ["| field | type | required | description |", "|---|---|---|---|"]
    nested = []
    for name, field in props.items():
        kind = _type(field, defs)
        if field.get("type") == "array" and isinstance(field.get("items"), dict) and field["items"].get("properties"):
            kind = f"list of [{name}](#{_anchor(f'{path}{name}[]')})"
            nested.append((field["items"], f"{path}{name}[]"))
        elif field.get("type") == "object" and field.get("properties"):
            kind = f"[mapping](#{_anchor(f'{path}{name}')})"
            nested.append((field, f"{path}{name}"))
        elif field.get("type") == "object" and isinstance(field.get("additionalProperties"), dict):
            inner = field["additionalProperties"]
            if inner.get("properties"):
                kind = "mapping of year to [taxpayer](#taxpayer)" if name == "taxpayer_by_year" else "mapping"
            else:
                kind = f"mapping of {_keys(field)} to {_type(inner, defs)}"
        elif "anyOf" in field and any(a.get("type") == "object" for a in field["anyOf"]):
            obj = next(a for a in field["anyOf"] if a.get("type") == "object")
            kind = f"null or mapping of name to {_type(obj.get('additionalProperties') or {}, defs)}"
        rows.append(f"| `{name}` | {_cell(kind)} | {'yes' if name in required else ''} | {_cell(field.get('description', ''))} |")
    title = path.rstrip(".") or "The fact set"
    out.append(f"\n## {title}\n")
    if path and node.get("description"):
        out.append(node["description"] + "\n")
    if node.get("if") and node.get("then", {}).get("required"):
        cond = node["if"]["properties"]
        (field, spec), = cond.items()
        out.append(f"When `{field}` is `{spec.get('const')}`, also required: "
                   + ", ".join(f"`{r}`" for r in node["then"]["required"]) + ".\n")
    out += rows
    for child, child_path in nested:
        _sections(child, child_path + ".", defs, out, child.get("required", ()))


def _keys(field) -> str:
    pattern = (field.get("propertyNames") or {}).get("pattern", "")
    return "year" if pattern == "^[0-9]{4}$" else "name"


def _anchor(path: str) -> str:
    return "".join(c for c in path.lower() if c.isalnum() or c in "-_ ").replace(" ", "-")


def markdown(schema: dict) -> str:
    defs = schema.get("$defs", {})
    out = [HEADER, schema.get("description", "") + "\n",
           "A fact file is JSON or YAML. Unknown fields are an error, so a typo never passes silently. "
           "Fields not given take the defaults named below.\n",
           "## Values\n",
           "| kind | written as | example |", "|---|---|---|"]
    for name, label in (("money", "money"), ("money_nonnegative", "money ≥ 0"), ("date", "date"), ("id", "name")):
        d = defs.get(name, {})
        ex = ", ".join(f"`{json.dumps(e)}`" for e in d.get("examples", [])) or ("`rental-a`" if name == "id" else "")
        out.append(f"| {label} | {_cell(d.get('description', ''))} | {ex} |")
    _sections(schema, "", defs, out, schema.get("required", ()))
    examples = schema.get("examples") or []
    if examples:
        out += ["\n## Example\n", "The first of the schema's `examples` (the repo's `examples/"
                f"{examples[0].get('case_id', 'example')}.yaml`, as JSON):\n", "```json",
                json.dumps(examples[0], indent=2, ensure_ascii=False), "```"]
    return "\n".join(out) + "\n"
