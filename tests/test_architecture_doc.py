"""docs/architecture.md names every model of the project and every relation between
them, and every module of apps/, so it cannot fall behind the code unnoticed."""

import re
from collections import defaultdict
from pathlib import Path

from django.apps import apps

ROOT = Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "architecture.md"
RELATION = re.compile(r'^\s*(\w+)\s+\S+--\S+\s+(\w+)\s*:\s*"([^"]*)"', re.MULTILINE)
# The modules of the layout every app may have (docs/architecture.md says which).
STANDARD = {
    "__init__",
    "apps",
    "admin",
    "enums",
    "models",
    "selectors",
    "services",
    "forms",
    "views",
    "urls",
    "tasks",
}


def _diagram() -> str:
    text = DOC.read_text()
    return text.split("```mermaid\nerDiagram", 1)[1].split("```", 1)[0]


def _our_models():
    return [m for m in apps.get_models() if m.__module__.startswith("apps.")]


def _relations() -> dict[frozenset[str], set[str]]:
    """Each pair of our models that a field relates, with the names of those fields."""
    pairs = defaultdict(set)
    for model in _our_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model:
                other = field.related_model
                if other.__module__.startswith("apps."):
                    pairs[frozenset({model.__name__, other.__name__})].add(field.name)
    return pairs


def _drawn() -> dict[frozenset[str], str]:
    """Each pair the diagram relates, with the labels of its lines."""
    labels = defaultdict(str)
    for left, right, label in RELATION.findall(_diagram()):
        labels[frozenset({left, right})] += f" {label}"
    return labels


def test_the_diagram_names_every_model():
    named = {name for pair in _drawn() for name in pair}

    assert sorted(m.__name__ for m in _our_models() if m.__name__ not in named) == []
    assert sorted(named - {m.__name__ for m in _our_models()}) == []


def test_the_diagram_draws_every_relation():
    missing = sorted(" - ".join(sorted(pair)) for pair in _relations().keys() - _drawn().keys())

    assert missing == []


def test_where_two_models_are_related_twice_the_labels_name_each_field():
    # One line would pass the test above for all of Assignment's advisor, student and
    # assigned_by; the labels must name each of them.
    drawn = _drawn()
    unnamed = sorted(
        f"{' - '.join(sorted(pair))}: {name}"
        for pair, names in _relations().items()
        if len(names) > 1
        for name in names
        if not re.search(rf"\b{name}\b", drawn.get(pair, ""))
    )

    assert unnamed == []


def _app_text(text: str, app: str) -> str:
    """The app's row of the table and its entry in "Every module, by app"."""
    blocks = re.split(r"\n(?=\| `|- `)|\n\n", text)
    return "\n".join(b for b in blocks if b.startswith((f"| `{app}` |", f"- `{app}`:")))


def test_every_module_is_named():
    text = DOC.read_text()
    unnamed = []
    for path in sorted((ROOT / "apps").rglob("*.py")):
        parts = path.relative_to(ROOT / "apps").with_suffix("").parts
        app, inner = parts[0], parts[1:]
        if not inner or "migrations" in inner or inner[-1] == "__init__":
            continue
        if len(inner) == 1 and inner[0] in STANDARD:
            continue
        rel = "/".join(inner)
        mine = _app_text(text, app)
        if inner[:2] == ("management", "commands"):
            named = f"`{inner[-1]}`" in text
        else:
            named = (
                f"{app}/{rel}.py" in text
                or f"{app}.{'.'.join(inner)}" in text
                or f"`{rel}.py`" in mine
                or (len(inner) > 1 and f"`{inner[-1]}`" in mine)
            )
        if not named:
            unnamed.append(f"apps/{app}/{rel}.py")

    assert unnamed == []
