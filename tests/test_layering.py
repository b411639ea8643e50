"""The import-linter contracts (pyproject.toml) name views and URL modules one by
one (a wildcard stands for a whole module name): a new views_*.py or urls_*.py
that is not listed would be unprotected without anyone noticing."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _contract(contract_id: str) -> dict:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    return next(c for c in config["contracts"] if c["id"] == contract_id)


def _modules(prefix: str) -> set[str]:
    return {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "apps").glob(f"*/{prefix}*.py")
    }


def _covered(module: str, patterns: list[str]) -> bool:
    app, name = module.rsplit(".", 1)
    return module in patterns or f"apps.*.{name}" in patterns


def test_every_views_module_is_protected_and_forbidden_to_other_apps():
    protected = _contract("views-are-leaves")["protected_modules"]
    forbidden = _contract("no-foreign-views")["forbidden_modules"]

    views = _modules("views")
    assert "apps.interviews.views_inbox" in views
    assert sorted(m for m in views if not _covered(m, protected)) == []
    assert sorted(m for m in views if not _covered(m, forbidden)) == []


def test_every_url_conf_may_import_views():
    allowed = _contract("views-are-leaves")["allowed_importers"]

    urls = _modules("urls")
    assert "apps.interviews.urls_prepare" in urls
    assert sorted(m for m in urls if not _covered(m, allowed)) == []
