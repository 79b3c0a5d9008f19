"""The fact fields documented where they are validated: every field of
schemas/facts.schema.json has a description, the schema's examples are the
repo's own example files and valid, and docs/facts.md is generated from the
schema (`recapture schema --format markdown`), so it cannot drift."""
import datetime as dt

import jsonschema
import yaml

from conftest import EXAMPLES, ROOT
from recapture.facts import schema
from recapture.schemadoc import markdown


def _fields(node, path="$"):
    """(path, node) of every field the schema defines, nested objects, lists and maps included."""
    for name, field in (node.get("properties") or {}).items():
        yield f"{path}.{name}", field
        yield from _fields(field, f"{path}.{name}")
    items = node.get("items")
    if isinstance(items, dict):
        yield f"{path}[]", items
        yield from _fields(items, f"{path}[]")
    extra = node.get("additionalProperties")
    if isinstance(extra, dict):
        yield f"{path}.*", extra
        yield from _fields(extra, f"{path}.*")
    for alt in node.get("anyOf") or []:
        yield from _fields(alt, path)


def test_every_field_has_a_description():
    s = schema()
    fields = list(_fields(s))
    assert len(fields) > 100
    missing = [p for p, f in fields if not f.get("description")]
    assert not missing, f"fields without a description: {missing}"


def test_descriptions_cite_the_form_or_the_code_where_there_is_one():
    s = schema()
    money = [(p, f) for p, f in _fields(s) if f.get("$ref", "").endswith(("money", "money_nonnegative"))
             and ".taxpayer_by_year." not in p]
    cited = [p for p, f in money if any(w in f["description"] for w in ("Form", "Schedule", "§", "Pub"))]
    assert len(cited) >= 0.8 * len(money), sorted(set(p for p, _ in money) - set(cited))


def _plain(v):
    if isinstance(v, dict):
        return {str(k): _plain(x) for k, x in v.items()}
    if isinstance(v, list):
        return [_plain(x) for x in v]
    return v.isoformat() if isinstance(v, dt.date) else v


def test_the_schemas_examples_are_the_repos_examples_and_valid():
    s = schema()
    assert s["examples"], "the schema carries examples"
    validator = jsonschema.Draft202012Validator(s, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for example in s["examples"]:
        validator.validate(example)
        on_disk = _plain(yaml.safe_load((EXAMPLES / f"{example['case_id']}.yaml").read_text(encoding="utf-8")))
        assert example == on_disk, f"the schema's example {example['case_id']} differs from examples/"
    for name in ("money", "money_nonnegative", "date"):
        for value in s["$defs"][name]["examples"]:
            jsonschema.validate(value, {**s["$defs"][name], "$defs": s["$defs"]})


def test_docs_facts_md_is_generated_from_the_schema():
    page = (ROOT / "docs" / "facts.md").read_text(encoding="utf-8")
    assert page == markdown(schema()), (
        "docs/facts.md is stale: run `recapture schema --format markdown > docs/facts.md`")


def test_every_field_is_on_the_page():
    page = markdown(schema())
    for path, field in _fields(schema()):
        name = path.rsplit(".", 1)[-1]
        if name in ("*", "") or name.endswith("[]"):
            continue
        assert f"| `{name}` |" in page, path


def test_schema_markdown_from_the_command(cli):
    code, out, _ = cli("schema", "--format", "markdown")
    assert code == 0 and out == markdown(schema())
