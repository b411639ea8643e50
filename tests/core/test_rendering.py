"""render_list: a list page's template may not query (the test settings turn the
check on; production renders whatever happens)."""

import pytest
from django.test import RequestFactory, override_settings
from zen_queries import QueriesDisabledError

from apps.accounts.models import User
from apps.core.rendering import render_list

pytestmark = pytest.mark.django_db

LOCMEM = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "OPTIONS": {
            "loaders": [
                (
                    "django.template.loaders.locmem.Loader",
                    {"rows.html": "{% for u in rows %}{{ u.email }};{% endfor %}"},
                )
            ]
        },
    }
]


@override_settings(TEMPLATES=LOCMEM)
def test_a_query_from_the_template_fails_under_the_test_settings(student):
    request = RequestFactory().get("/")

    with pytest.raises(QueriesDisabledError):
        render_list(request, "rows.html", {"rows": User.objects.all()})


@override_settings(TEMPLATES=LOCMEM)
def test_rows_loaded_by_the_view_render(student, django_assert_num_queries):
    request = RequestFactory().get("/")
    rows = list(User.objects.all())

    with django_assert_num_queries(0):
        response = render_list(request, "rows.html", {"rows": rows}, status=201)

    assert (response.status_code, response.content.decode()) == (201, f"{student.email};")


@override_settings(TEMPLATES=LOCMEM, TEMPLATE_QUERIES_FORBIDDEN=False)
def test_production_renders_a_template_that_queries(student):
    request = RequestFactory().get("/")

    response = render_list(request, "rows.html", {"rows": User.objects.all()})

    assert response.content.decode() == f"{student.email};"
