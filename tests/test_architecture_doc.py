"""docs/architecture.md's data model names every model of the project and every
relation between two of them, so it cannot fall behind the code unnoticed."""

import re
from pathlib import Path

from django.apps import apps

DOC = Path(__file__).resolve().parents[1] / "docs" / "architecture.md"
RELATION = re.compile(r"^\s*(\w+)\s+\S+--\S+\s+(\w+)\s*:", re.MULTILINE)


def _diagram() -> str:
    text = DOC.read_text()
    return text.split("```mermaid\nerDiagram", 1)[1].split("```", 1)[0]


def _our_models():
    return [m for m in apps.get_models() if m.__module__.startswith("apps.")]


def _related_pairs() -> set[frozenset[str]]:
    pairs = set()
    for model in _our_models():
        for field in model._meta.get_fields():
            if field.is_relation and not field.auto_created and field.related_model:
                other = field.related_model
                if other.__module__.startswith("apps."):
                    pairs.add(frozenset({model.__name__, other.__name__}))
    return pairs


def test_the_diagram_names_every_model():
    named = {name for pair in RELATION.findall(_diagram()) for name in pair}

    assert sorted(m.__name__ for m in _our_models() if m.__name__ not in named) == []
    assert sorted(named - {m.__name__ for m in _our_models()}) == []


def test_the_diagram_draws_every_relation():
    drawn = {frozenset(pair) for pair in RELATION.findall(_diagram())}

    missing = sorted(" - ".join(sorted(pair)) for pair in _related_pairs() - drawn)
    assert missing == []
