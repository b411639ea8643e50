"""Arbitrary values into every form, upload and JSON endpoint (issue 11, item 10):
never a server error, and a refused post (4xx) leaves every table as it was.

The forms are found, not listed: every page of the matrix that answers its rightful
persona 200 is fetched, and each POST form on it is parsed (tests/security/forms.py)
for its fields; a new form is fuzzed without a line here. Each example runs in a
savepoint that is rolled back, so examples do not see each other's writes."""

import copy
import json

from django.apps import apps
from django.db import connection
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.security.conftest import isolated
from tests.security.forms import discover_forms
from tests.security.matrix import ROWS
from tests.security.test_matrix import row_url

# Rows that are written as a side effect of reading or of signing in, not by the post.
NOT_COUNTED = {"django_session", "advising_accessrecord", "account_emailconfirmation"}

HUGE = "x" * 100_000
ODD = [
    "",
    " ",
    "\x00",
    "a\x00b",
    "line\nbreak",
    HUGE,
    "9" * 30,
    "-1",
    "0",
    "1e309",
    "NaN",
    "9999-12-31",
    "0001-01-01",
    "9999-12-31T23:59",
    "2026-02-30",
    "99:99",
    "<script>alert(1)</script>",
    '=HYPERLINK("http://x")',
    "../../etc/passwd",
    "🙂" * 50,
    "\ud7ff\ue000",
]


def value(choices=()):
    options = [st.sampled_from(ODD), st.text(max_size=300), st.integers().map(str)]
    if choices:
        options.append(st.sampled_from(list(choices)))
    return st.one_of(options)


def table_counts() -> dict:
    tables = sorted(
        m._meta.db_table
        for m in apps.get_models()
        if m._meta.managed and not m._meta.proxy and m._meta.db_table not in NOT_COUNTED
    )
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return dict(zip(tables, cursor.fetchone(), strict=True))


def post_and_check(client, url, *, data=None, body=None, content_type=None, method="post"):
    cookies = client.cookies
    client.cookies = copy.deepcopy(cookies)
    try:
        with isolated():
            _post_and_check(client, url, data, body, content_type, method)
    finally:
        client.cookies = cookies


def _post_and_check(client, url, data, body, content_type, method):
    before = table_counts()
    if body is not None:
        response = client.post(url, body, content_type=content_type)
    else:
        response = getattr(client, method)(url, data)
    if response.streaming:
        # Read to the end, as a WSGI server would, so the streamed file (the data
        # export's) is closed.
        b"".join(response.streaming_content)
    status = response.status_code
    assert status < 500, f"{method.upper()} {url}: {status}"
    if method == "post" and 400 <= status < 500:
        after = table_counts()
        changed = {t: (before[t], after[t]) for t in before if before[t] != after[t]}
        assert not changed, f"POST {url} was refused ({status}) but changed {changed}"


def fuzz_form(client, form, examples: int) -> None:
    fields = st.fixed_dictionaries(
        {name: value(choices) for name, choices in form.fields.items()}
        | {name: st.binary(max_size=3000) for name in form.files}
    )

    @settings(max_examples=examples, deadline=None)
    @given(fields)
    def run(data):
        payload = dict(data)
        for name in form.files:
            payload[name] = _upload(name, payload[name])
        post_and_check(client, form.action, data=payload, method=form.method)

    run()


def _upload(name, content):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(f"{name}.csv", content, content_type="text/csv")


def test_every_form_takes_anything(in_world):
    forms = discover_forms(in_world, ROWS, row_url)
    # A floor, so a broken discovery (no forms found) cannot pass quietly.
    assert len(forms) >= 40, [f.action for f in forms]
    for form in forms:
        fuzz_form(in_world.clients[form.persona], form, examples=6)


CSV_CELLS = st.text(alphabet=st.characters(codec="utf-8"), max_size=50)


@settings(max_examples=25, deadline=None)
@given(
    header=st.sampled_from(
        [
            "name,email,organisation",
            "email,name,role",
            "First Name,Last Name,URL,Email Address,Company,Position,Connected On",
            "",
        ]
    ),
    rows=st.lists(st.lists(CSV_CELLS, max_size=8), max_size=5),
    raw=st.binary(max_size=2000),
)
def test_imports_take_any_file(in_world, header, rows, raw):
    text = header + "\n" + "\n".join(",".join(json.dumps(c) for c in row) for row in rows)
    for persona, url in (("owner", "/contacts/import/"), ("admin", "/office/people/import/")):
        client = in_world.clients[persona]
        for content in (text.encode("utf-8", "surrogatepass"), raw):
            post_and_check(client, url, data={"file": _upload("file", content)})


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=8), children, max_size=5)
    ),
    max_leaves=30,
)
ORDERS = st.fixed_dictionaries(
    {"order": st.lists(st.integers() | st.text(max_size=5) | JSON, max_size=6)},
    optional={"field": JSON},
)


def _deep(depth: int) -> str:
    return "[" * depth + "]" * depth


@settings(max_examples=40, deadline=None)
@given(payload=st.one_of(JSON, ORDERS))
def test_json_endpoints_take_any_json(in_world, payload):
    interview = in_world["interview"].pk
    for url in ("/targets/reorder/", f"/interviews/{interview}/prepare/reorder/"):
        client = in_world.clients["owner"]
        post_and_check(client, url, body=json.dumps(payload), content_type="application/json")


def test_json_endpoints_take_deep_nesting_and_garbage(in_world):
    interview = in_world["interview"].pk
    bodies = [_deep(100_000), '{"order": ' + _deep(5000) + "}", "{", "\x00", b"\xff\xfe"]
    for url in ("/targets/reorder/", f"/interviews/{interview}/prepare/reorder/"):
        for body in bodies:
            post_and_check(
                in_world.clients["owner"], url, body=body, content_type="application/json"
            )
