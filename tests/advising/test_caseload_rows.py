"""The caseload's rows, written by the view in Python (apps.advising.views._rows_html),
are byte for byte what the template's loop over the page wrote before, for rows with
every flag, a stage, no graduation year and text that must be escaped."""

from datetime import UTC, datetime, timedelta

import pytest
from django.template import engines

from apps.advising.services import assignments_add
from apps.contacts.enums import Stage
from apps.interviews.enums import State
from apps.interviews.services import interview_request_volunteer
from apps.students.selectors import student_profile_get
from tests.factories.accounts import UserFactory
from tests.factories.contacts import ContactFactory, make_volunteer
from tests.factories.interviews import InterviewFactory, mark_held

NOW = datetime(2026, 3, 3, 15, 0, tzinfo=UTC)
URL = "/advising/"

# The page's loop as the template had it, every value worked out by template tags.
TEMPLATE_ROWS = """{% load i18n %}
  {% for student in page.object_list %}
  <tr>
    {% if assign_form %}<td><input class="form-check-input" type="checkbox" name="students" value="{{ student.pk }}" id="select-{{ student.pk }}" aria-label="{% blocktranslate with name=student.full_name %}Select {{ name }}{% endblocktranslate %}"></td>{% endif %}
    <th scope="row"><a class="d-block" href="{% url 'advising_student' student.pk %}">{{ student.full_name }}</a><span class="small text-body-secondary">{{ student.email }}</span><span class="d-block caseload-flags">{% if student.is_stalled %}<span class="badge text-bg-warning">{% translate "stalled" %}</span> {% endif %}{% if student.thanks_missing %}<span class="badge text-bg-danger">{% translate "missed thank-you" %}</span> {% endif %}{% if not student.targets %}<span class="badge text-bg-secondary">{% translate "no targets yet" %}</span>{% endif %}{% if student.job_asks %} <span class="badge text-bg-danger" title="{% translate 'A request was sent although the checker read it as asking for a job' %}">{% translate "asked for a job" %}</span>{% endif %}{% if not student.has_advisor %} <span class="badge text-bg-light">{% translate "no advisor" %}</span>{% endif %}</span></th>
    <td>{{ student.programme }}</td>
    <td>{{ student.graduation_year|default_if_none:"" }}</td>
    <td>{{ student.contacts_count }}</td>
    <td>{{ student.targets }}</td>
    <td>{{ student.requests_sent }}</td>
    <td>{{ student.accepted }}</td>
    <td>{{ student.held }}</td>
    <td>{{ student.thanks_on_time }}</td>
    <td>{{ student.thanks_late }}</td>
    <td>{{ student.thanks_missing }}</td>
    <td>{{ student.overdue_followups }}</td>
    <td class="text-nowrap"><time datetime="{{ student.active_at|date:'c' }}">{{ student.active_at|date:"j M Y" }}</time></td>
    <td>{% if student.furthest_stage %}<span class="badge stage stage-{{ student.furthest_stage }}">{{ student.stage_label }}</span>{% endif %}</td>
  </tr>
  {% endfor %}
  """  # noqa: E501


@pytest.fixture
def everyone(student, student2, office, volunteer, alumni, office_admin, advisor, time_machine):
    """Sam: contacts, a request, a meeting held whose thank-you is now missed, a
    request sent despite the job-ask warning, assigned to the advisor. Priya: no
    targets, no advisor, a name, email and programme with characters to escape and
    no graduation year. Quinn: stalled since joining."""
    time_machine.move_to(NOW - timedelta(days=2), tick=False)
    ContactFactory(student=student, full_name="Lee Park", on_target_list=True)
    InterviewFactory(student=student, state=State.REQUESTED, requested_at=NOW - timedelta(days=4))
    meeting = InterviewFactory(
        student=student,
        volunteer=volunteer,
        state=State.SCHEDULED,
        starts_at=NOW - timedelta(days=2, minutes=40),
    )
    mark_held(student=student, interview=meeting)
    interview_request_volunteer(
        student=student,
        volunteer=make_volunteer(alumni),
        message="Are you hiring analysts? Could we talk for 15 minutes?",
        job_ask_reason="My uncle works there and told me to ask.",
    )
    assignments_add(admin=office_admin, advisor_id=advisor.pk, student_ids=[student.pk])
    type(student2).objects.filter(pk=student2.pk).update(
        full_name='Priya "P" <Patel> & Co', email="priya+<x>@northfield.test"
    )
    priya = student_profile_get(user=student2)
    priya.programme, priya.graduation_year = "Law & <Politics>", None
    priya.save()
    quiet = UserFactory(office=office, email="q@northfield.test", full_name="Quinn Quiet")
    type(quiet).objects.filter(pk=quiet.pk).update(date_joined=NOW - timedelta(days=40))
    time_machine.move_to(NOW, tick=False)


def _tbody(html: str) -> str:
    return html.split("<tbody>", 1)[1].split("</tbody>", 1)[0]


@pytest.mark.usefixtures("everyone")
@pytest.mark.parametrize("who", ["advisor", "office_admin"])
@pytest.mark.parametrize("params", [{"scope": "office"}, {"scope": "office", "sort": "-held"}])
def test_the_rows_are_what_the_template_wrote(who, params, request, login_as):
    response = login_as(request.getfixturevalue(who)).get(URL, params)
    rows = response.context["page"].object_list
    stages = dict(Stage.choices)
    for row in rows:
        row.stage_label = stages.get(row.furthest_stage, "")

    expected = (
        engines["django"]
        .from_string(TEMPLATE_ROWS)
        .render({"page": response.context["page"], "assign_form": response.context["assign_form"]})
    )

    flags = {
        (r.full_name, bool(r.is_stalled), r.thanks_missing, r.targets, r.job_asks, r.has_advisor)
        for r in rows
    }
    assert flags == {
        ('Priya "P" <Patel> & Co', False, 0, 0, 0, False),
        ("Quinn Quiet", True, 0, 0, 0, False),
        ("Sam Student", False, 1, 1, 1, True),
    }
    assert _tbody(response.content.decode()) == expected
    assert ("select-" in expected) is (who == "office_admin")
    assert "&lt;Patel&gt; &amp; Co" in expected
    assert "stage stage-" in expected
