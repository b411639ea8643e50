"""Words are translated when a page is written, in the language it is written in:
a `gettext` call that runs when a module is imported would fix its words in the
language active at start-up (English) for every later request. Module- and
class-level text must be lazy (`gettext_lazy`), or translated inside a function."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EAGER = {"gettext", "ngettext", "pgettext", "npgettext"}


def _eager_names(tree: ast.Module) -> set[str]:
    """The names a module binds to django.utils.translation's eager functions."""
    names = set()
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
            names.update(alias.asname or alias.name for alias in node.names if alias.name in EAGER)
    return names


def import_time_translations(source: str) -> list[tuple[int, str]]:
    """(line, call) of each eager translation a module runs when imported: outside
    every function and lambda (a class body runs at import too)."""
    tree = ast.parse(source)
    eager = _eager_names(tree)
    found = []

    def visit(node, in_function: bool):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(
                child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
            )
            if (
                not in_function
                and isinstance(child, ast.Call)
                and isinstance(child.func, ast.Name)
                and child.func.id in eager
            ):
                found.append((child.lineno, ast.unparse(child)))
            visit(child, inside)

    visit(tree, False)
    return found


def test_the_check_finds_module_and_class_level_calls_and_not_function_ones():
    source = (
        "from django.utils.translation import gettext as _, gettext_lazy\n"
        "HEADINGS = [('a', _('A'))]\n"
        "LAZY = gettext_lazy('B')\n"
        "class Form:\n"
        "    label = _('C')\n"
        "    def words(self):\n"
        "        return _('D')\n"
        "CHOICES = sorted(x for x in [lambda: _('E')])\n"
    )
    assert import_time_translations(source) == [(2, "_('A')"), (5, "_('C')")]


def test_no_module_translates_at_import():
    found = {
        str(path.relative_to(ROOT)): calls
        for path in sorted((ROOT / "apps").rglob("*.py"))
        if "migrations" not in path.parts and (calls := import_time_translations(path.read_text()))
    }
    assert found == {}
