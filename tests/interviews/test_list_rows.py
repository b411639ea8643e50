"""The inbox's and the conversations list's rows, worked out in their views, are the
rows the templates wrote before from the model instances: each page's rows are
compared, byte for byte, with the old row markup rendered from the old selectors'
instances, for a row in every state."""

import re
import zoneinfo
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.paginator import Paginator
from django.http import QueryDict
from django.template import engines
from django.urls import reverse
from django.utils import timezone

from apps.accounts.models import User
from apps.interviews import selectors
from apps.interviews.enums import State
from apps.interviews.models import Interview
from apps.interviews.views_inbox import INBOX_GROUPS
from apps.interviews.views_requests import (
    GROUPS,
    HISTORY_KEYS,
    HISTORY_PAGE_SIZE,
    HISTORY_PREVIEW,
)
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory
from tests.factories.interviews import InterviewFactory
from tests.factories.students import student_profile_set

NOW = datetime(2026, 12, 3, 17, 41, 20, tzinfo=UTC)
ZONE = "Asia/Kolkata"

# The rows as templates/interviews/inbox.html and interview_list.html wrote them
# until the views worked them out (commit f8fdd9c), whitespace and all.
OLD_INBOX_ROWS = """{% load i18n tz %}{% get_current_timezone as TZ %}\
    {% for interview in items %}
    <a class="list-group-item list-group-item-action" href="{{ interview.url }}">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <div class="me-auto"><strong>{{ interview.student.full_name }}</strong>{% with p=interview.student.student_profile %}{% if p.programme %}<span class="text-body-secondary"> · {{ p.programme }}{% if p.graduation_year %} {{ p.graduation_year }}{% endif %}</span>{% endif %}{% endwith %}
          <div class="small text-body-secondary">{% if interview.starts_at %}<time datetime="{{ interview.starts_at|date:'c' }}">{{ interview.starts_at|date:"D j M Y, H:i" }}</time> <span class="text-body-secondary small">({{ TZ }})</span>{% else %}{% blocktranslate with when=interview.requested_at|timesince %}asked {{ when }} ago{% endblocktranslate %}{% endif %}</div>
        </div>
        <div><span class="badge state state-{{ interview.state }}">{{ interview.get_state_display }}</span></div>
      </div>
    </a>
    {% endfor %}
"""  # noqa: E501

OLD_CONVERSATION_ROWS = """{% load humanize i18n tz %}{% get_current_timezone as TZ %}\
    {% for interview in items %}
    <a class="list-group-item list-group-item-action" href="{{ interview.url }}">
      <div class="d-flex flex-wrap justify-content-between gap-2">
        <div class="me-auto"><strong>{{ interview.contact.full_name }}</strong>{% if interview.contact.organisation %}<span class="text-body-secondary"> · {{ interview.contact.organisation }}</span>{% endif %}
          <div class="small text-body-secondary">{% if interview.state == "draft" %}{% blocktranslate with when=interview.updated_at|naturaltime %}not sent; saved {{ when }}{% endblocktranslate %}{% elif interview.state == "accepted" %}{% translate "they said yes: pick one of their times" %}{% elif interview.starts_at %}<time datetime="{{ interview.starts_at|date:'c' }}">{{ interview.starts_at|date:"D j M Y, H:i" }}</time> <span class="text-body-secondary small">({{ TZ }})</span>{% elif interview.requested_at %}{% blocktranslate with when=interview.requested_at|timesince %}asked {{ when }} ago{% endblocktranslate %}{% endif %}</div>
        </div>
        <div><span class="badge state state-{{ interview.state }}">{{ interview.get_state_display }}</span></div>
      </div>
    </a>
    {% endfor %}
"""  # noqa: E501


def _old_rows(source: str, items) -> str:
    with timezone.override(zoneinfo.ZoneInfo(ZONE)):
        return engines["django"].from_string(source).render({"items": items})


def _at(interview, **values):
    Interview.objects.filter(pk=interview.pk).update(**values)


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def test_inbox_rows_are_the_old_templates_rows_in_every_state(
    frozen, login_as, office, student, student2, volunteer
):
    User.objects.filter(pk=volunteer.user.pk).update(time_zone=ZONE)
    student_profile_set(student, programme="Economics & <Law>", graduation_year=2027)
    student_profile_set(student2, programme="History")
    bare = UserFactory(office=office, email="bare@northfield.test", full_name="Al <b>Bare</b>")
    students = [student, student2, bare]
    contacts = [
        ContactFactory(student=who, volunteer=volunteer, full_name=volunteer.user.full_name)
        for who in students
    ]
    made = []
    for n, state in enumerate(State):
        if state == State.DRAFT:
            continue
        interview = InterviewFactory(
            student=students[n % 3], contact=contacts[n % 3], volunteer=volunteer, state=state
        )
        _at(interview, requested_at=NOW - timedelta(days=n, hours=n, minutes=7 * n))
        made.append(interview)
    # A meeting time in every past state that can have one, and none in another.
    _at(made[-1], starts_at=NOW - timedelta(days=40, minutes=13))
    _at(made[-2], starts_at=None)

    page = login_as(volunteer.user).get(reverse("inbox")).content.decode()

    shown = 0
    for _key, _label, states in INBOX_GROUPS:
        items = list(
            selectors.interview_inbox_rows_for_volunteer(user=volunteer.user, states=states)
        )
        for interview in items:
            interview.url = reverse("inbox_detail", args=[interview.pk])
        old = _old_rows(OLD_INBOX_ROWS, items)
        assert f'<div class="list-group">\n{old}  </div>' in page
        shown += len(items)
    assert shown == len(made) == len(State) - 1
    assert "Economics &amp; &lt;Law&gt; 2027" in page
    assert "Al &lt;b&gt;Bare&lt;/b&gt;" in page
    assert f"({ZONE})" in page
    assert "asked 1\xa0day, 1\xa0hour ago" in page


def test_conversation_rows_are_the_old_templates_rows_in_every_state(
    frozen, login_as, office, student, volunteer
):
    User.objects.filter(pk=student.pk).update(time_zone=ZONE)
    made = []
    for n, state in enumerate(State):
        contact = ContactFactory(
            student=student, full_name=f"Pat <{n}>", organisation="R&D" if n % 2 else ""
        )
        interview = InterviewFactory(student=student, contact=contact, state=state)
        _at(
            interview,
            requested_at=NOW - timedelta(days=n, hours=2 * n, minutes=n),
            updated_at=NOW - timedelta(hours=n, minutes=3 * n),
        )
        made.append(interview)
    to_volunteer = InterviewFactory(student=student, volunteer=volunteer, state=State.DRAFT)
    _at(to_volunteer, updated_at=NOW - timedelta(days=2))
    made.append(to_volunteer)
    withdrawn = made[list(State).index(State.WITHDRAWN)]
    _at(withdrawn, requested_at=None, starts_at=None)
    _at(made[list(State).index(State.CANCELLED)], starts_at=NOW + timedelta(days=3, minutes=5))

    page = login_as(student).get(reverse("interview_list")).content.decode()

    shown = 0
    for _key, _label, states in GROUPS:
        items = list(selectors.interview_list_for_student(student=student, states=states))
        for interview in items:
            if interview.state != State.DRAFT:
                interview.url = reverse("interview_detail", args=[interview.pk])
            elif interview.volunteer_id:
                interview.url = reverse(
                    "interview_request_volunteer", args=[interview.volunteer_id]
                )
            else:
                interview.url = reverse("interview_request_contact", args=[interview.contact_id])
        old = _old_rows(OLD_CONVERSATION_ROWS, items)
        assert f'<div class="list-group">\n{old}  </div>' in page
        shown += len(items)
    assert shown == len(made) == len(State) + 1
    assert 'Pat &lt;1&gt;</strong><span class="text-body-secondary"> · R&amp;D</span>' in page
    assert "not sent; saved 2\xa0days ago" in page
    assert "they said yes: pick one of their times" in page


def _orm_group_rows(student, states, limit=None):
    rows = list(selectors.interview_rows_for_student(student=student, states=states))
    return rows[:limit] if limit else rows


@pytest.mark.parametrize("history", [0, 1, 11, 12])
def test_conversation_overview_is_the_three_old_queries(
    frozen, login_as, student, student2, history
):
    """The list's one query (views_requests._overview_rows) gives each group the rows
    the three queries it replaced gave, in their order: the open groups whole, the
    latest 11 held and closed (one more than shown, for "see all"), ties on the
    time broken by id; nobody else's conversations; and for a second student the
    same kept statement bound with their id."""
    from apps.core import statements
    from apps.interviews.views_requests import HISTORY_PREVIEW, OVERVIEW_BUCKETS, _overview_rows

    statements.statements_clear()
    same_time = NOW - timedelta(hours=5)
    for who in (student, student2):
        for n, state in enumerate(State):
            for i in range(history if state in OVERVIEW_BUCKETS["closed"] else 1):
                interview = InterviewFactory(
                    student=who, contact=ContactFactory(student=who), state=state
                )
                _at(interview, updated_at=same_time if i % 3 == 0 else NOW - timedelta(hours=n + i))
        for i in range(history):
            interview = InterviewFactory(
                student=who, contact=ContactFactory(student=who), state=State.COMPLETED
            )
            _at(interview, updated_at=same_time if i % 2 else NOW - timedelta(minutes=i))

    for who in (student, student2):
        found = _overview_rows(who)

        assert found["current"] == _orm_group_rows(who, OVERVIEW_BUCKETS["current"])
        for key in ("held", "closed"):
            assert found[key] == _orm_group_rows(who, OVERVIEW_BUCKETS[key], HISTORY_PREVIEW + 1)
    kept = statements._statements("default")
    assert [shape[1] for shape in kept] == ["interviews.overview_for_student"]
    statements.statements_clear()


# The page as interview_list.html wrote it before the view wrote its content, with
# its rows' loop as it was before the view wrote them (OLD_CONVERSATION_ROWS).
OLD_PAGE = (Path(__file__).parent / "interview_list_before_page.html").read_text()
# The CSRF token is masked afresh each time a page asks for it.
_TOKEN = re.compile(r'(csrfmiddlewaretoken" value="|"X-CSRFToken": ")[^"]+')


def _old_context(student, group, page) -> dict:
    """The old view's context, from Interview instances as its ORM queries read them
    (the open groups whole, the latest 10 held and closed with "more", or one
    group's page of 25), each with the link its row shows."""
    only = group if group in HISTORY_KEYS else None
    current_states = [
        s for key, _label, states in GROUPS if key not in HISTORY_KEYS for s in states
    ]
    current = (
        []
        if only
        else list(selectors.interview_list_for_student(student=student, states=current_states))
    )
    groups = []
    for key, label, states in GROUPS:
        if key not in HISTORY_KEYS:
            if not only:
                items = [i for i in current if i.state in states]
                groups.append({"key": key, "label": label, "items": items, "count": len(items)})
            continue
        if only and key != only:
            continue
        rows = selectors.interview_list_for_student(student=student, states=states)
        if only:
            shown = Paginator(rows, HISTORY_PAGE_SIZE).get_page(page)
            items = list(shown)
            groups.append(
                {
                    "key": key,
                    "label": label,
                    "items": items,
                    "count": shown.paginator.count,
                    "page": shown,
                }
            )
        else:
            items = list(rows[: HISTORY_PREVIEW + 1])
            groups.append(
                {
                    "key": key,
                    "label": label,
                    "items": items[:HISTORY_PREVIEW],
                    "more": len(items) > HISTORY_PREVIEW,
                }
            )
    for found in groups:
        for interview in found["items"]:
            if interview.state != State.DRAFT:
                interview.url = reverse("interview_detail", args=[interview.pk])
            elif interview.volunteer_id:
                interview.url = reverse(
                    "interview_request_volunteer", args=[interview.volunteer_id]
                )
            else:
                interview.url = reverse("interview_request_contact", args=[interview.contact_id])
    return {
        "groups": groups,
        "only": only,
        "has_any": any(g["items"] for g in groups),
        "open_count": sum(1 for i in current if i.state in (State.REQUESTED, State.ACCEPTED)),
        "limit": student.office.max_open_requests,
    }


@pytest.mark.parametrize("held", [0, 1, 12, 30])
@pytest.mark.parametrize(
    "query", ["", "?group=held", "?group=closed&page=2", "?group=held&page=x&a=%22%3C%26%27"]
)
def test_conversations_page_is_the_html_its_old_template_wrote(
    frozen, login_as, student, volunteer, held, query
):
    """The page's content written in the view (views_requests._content_html and
    conversation_rows_html) is the page the old template wrote from Interview
    instances, byte for byte: no conversation, one in every state (a draft to a
    volunteer and to a contact, names and organisations to escape), and enough
    held and closed ones for "see all" and a second page, with a query string to
    escape in the pager's links."""
    User.objects.filter(pk=student.pk).update(time_zone=ZONE)
    if held:
        for n, state in enumerate(State):
            contact = ContactFactory(
                student=student,
                full_name=f'Pat <{n}> "O\'Neil"',
                organisation="R&D 'x'" if n % 2 else "",
            )
            interview = InterviewFactory(student=student, contact=contact, state=state)
            _at(
                interview, requested_at=NOW - timedelta(days=n), updated_at=NOW - timedelta(hours=n)
            )
        InterviewFactory(student=student, volunteer=volunteer, state=State.DRAFT)
    for n in range(held):
        for state in (State.COMPLETED, State.DECLINED):
            interview = InterviewFactory(
                student=student, contact=ContactFactory(student=student), state=state
            )
            _at(
                interview,
                updated_at=NOW - timedelta(days=1, minutes=n),
                # Held at a time; declined without one ("asked … ago").
                starts_at=NOW - timedelta(days=3, hours=n) if state == State.COMPLETED else None,
                requested_at=NOW - timedelta(days=9, minutes=7 * n),
            )

    response = login_as(student).get(reverse("interview_list") + query)

    params = QueryDict(query.lstrip("?"))
    student.refresh_from_db()
    with timezone.override(zoneinfo.ZoneInfo(ZONE)):
        context = _old_context(student, params.get("group"), params.get("page"))
        old = engines["django"].from_string(OLD_PAGE).render(context, response.wsgi_request)
    assert _TOKEN.sub("", old) == _TOKEN.sub("", response.content.decode())
    assert ("list-group-item" in old) is bool(held)
