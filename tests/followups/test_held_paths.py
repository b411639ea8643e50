"""A meeting marked held has its thank-you due at that moment, whatever path marked
it (issue 12). The paths, and where each is tested:

- the service, `interviews.services.interview_complete`, which announces
  InterviewHeld in its transaction: test_keep_in_touch.py
  (`test_a_meeting_marked_held_has_its_thank_you_due_in_the_same_transaction`);
- the two "Meeting held" buttons, on the interview's page and the meeting page,
  both the interviews app's own views calling that service: test_views.py;
- the demo seed (`seed_demo` and its cohort) calls that service:
  tests/demo/seeded/test_seed.py (`test_every_held_demo_meeting_has_its_thank_you`);
- the scale seed writes the tables directly, with a thank-you for each held
  meeting: tests/demo/test_seed_scale.py;
- nothing else can: no other code moves an interview to held, the Django admin
  does not edit interviews, and no sweep is left to make up for a missed path (the
  tests below). Tasks and management commands are code under apps/ like the rest,
  so the first test reads them too.
"""

import ast
from pathlib import Path

from django.contrib import admin

from apps.interviews.models import Interview, InterviewEvent

APPS = Path(__file__).resolve().parents[2] / "apps"

# Calls that write an interview's state: the transition helper, the scale seed's own,
# and the ORM's writes.
WRITES = {
    "transition",
    "_move",
    "Interview",
    "create",
    "bulk_create",
    "get_or_create",
    "update_or_create",
    "update",
    "save",
}


def _is_held(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "COMPLETED"
        and isinstance(node.value, ast.Name)
        and node.value.id == "State"
    ) or (isinstance(node, ast.Constant) and node.value == "completed")


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _writes_in(source: str, name: str) -> set[tuple[str, str]]:
    """(name, function) of every place in `source` that writes the held state into
    an interview: State.COMPLETED (or "completed") given to a writing call, or
    assigned to `.state`. A filter, a comparison or a list of states is a read."""
    tree = ast.parse(source)
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found = set()
    for node in ast.walk(tree):
        if not _is_held(node):
            continue
        writes = False
        parent = parents.get(node)
        while parent is not None and not isinstance(parent, ast.FunctionDef | ast.Module):
            if isinstance(parent, ast.Call):
                writes = _call_name(parent) in WRITES
                break
            if isinstance(parent, ast.Assign):
                writes = any(
                    isinstance(t, ast.Attribute) and t.attr == "state" for t in parent.targets
                )
                break
            if not isinstance(parent, ast.List | ast.Tuple | ast.Set | ast.keyword):
                break
            parent = parents.get(parent)
        if writes:
            while parent is not None and not isinstance(parent, ast.FunctionDef | ast.Module):
                parent = parents.get(parent)
            found.add((name, parent.name if isinstance(parent, ast.FunctionDef) else "<module>"))
    return found


def _writes_of_held() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(APPS.rglob("*.py")):
        if "migrations" not in path.parts:
            found |= _writes_in(path.read_text(), str(path.relative_to(APPS.parent)))
    return found


def test_only_interview_complete_marks_a_meeting_held():
    # The scale seed is the documented exception (docs/performance.md): it writes the
    # thank-you with the meeting, checked by tests/demo/test_seed_scale.py.
    assert _writes_of_held() == {
        ("apps/interviews/services/meetings.py", "interview_complete"),
        ("apps/demo/scale.py", "_held"),
    }


def test_the_reader_tells_a_write_of_the_held_state_from_a_read():
    # The check above would pass by finding nothing if it could not see a write.
    source = """
def by_update(pk):
    Interview.objects.filter(pk=pk).update(state=State.COMPLETED)

def by_assignment(interview):
    interview.state = "completed"
    interview.save()

def reads(interview):
    held = Interview.objects.filter(state__in=[State.COMPLETED])
    return interview.state == State.COMPLETED or held.exists()
"""

    assert _writes_in(source, "x.py") == {("x.py", "by_update"), ("x.py", "by_assignment")}


def test_the_admin_does_not_edit_interviews():
    registered = set(admin.site._registry)
    inlines = {
        inline.model
        for model_admin in admin.site._registry.values()
        for inline in model_admin.inlines
    }

    assert {Interview, InterviewEvent} & (registered | inlines) == set()


def test_no_sweep_makes_the_thank_yous_a_path_missed():
    # The reconciliation sweeps (thank_yous_reconcile, keep_in_touch_reconcile) made
    # up for a path that skipped the engine; with every path announcing, none is left.
    assert [
        str(path.relative_to(APPS.parent))
        for path in sorted(APPS.rglob("*.py"))
        if "migrations" not in path.parts and "reconcil" in path.read_text()
    ] == []
