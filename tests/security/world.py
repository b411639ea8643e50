"""One world for the authorisation matrix and the fuzz tests: two offices with the
same cast, and at least one of every object a URL names, made through the app's
own services and the shared factories.

Personas (the matrix's columns, in this order):

    anon      not signed in
    owner     the student whose records these are (Sam)
    student2  another student of the same office
    alumni2   a volunteer of the same office who is on none of the owner's requests
    vol       the volunteer on the owner's requests
    advisor   the owner's assigned advisor
    admin     the office admin (an advisor role, not assigned to the owner)
    o_student, o_alumni, o_advisor, o_admin   the same roles in another office
    su        a platform superuser (no office)
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from apps.accounts.enums import Approval, Role
from apps.accounts.models import User
from apps.accounts.services import invitation_create
from apps.advising.rights import erasure_request
from apps.advising.services import assignments_add
from apps.advising.services_comments import coaching_note_add, comment_thread_start
from apps.advising.services_import import people_import_parse
from apps.contacts.services import contact_create, contact_target_add
from apps.contacts.transfer import contact_import_parse
from apps.core.models import OutboundEmail
from apps.followups.enums import Topic
from apps.followups.notifications import unsubscribe_token
from apps.followups.services import keep_in_touch_start
from apps.interviews.enums import State
from apps.interviews.models import RequestTemplate
from apps.interviews.services.bank import bank_question_add
from apps.interviews.services.feeds import calendar_feed_get_or_create
from apps.students.selectors import student_profile_get
from apps.students.services import field_save, research_note_save, student_profile_update
from tests.factories.accounts import PASSWORD, OfficeFactory, UserFactory
from tests.factories.contacts import make_volunteer
from tests.factories.interviews import InterviewFactory, add_questions, mark_held

PERSONAS = (
    "anon",
    "owner",
    "student2",
    "alumni2",
    "vol",
    "advisor",
    "admin",
    "o_student",
    "o_alumni",
    "o_advisor",
    "o_admin",
    "su",
)


@dataclass
class World:
    people: dict = field(default_factory=dict)
    # URL kwargs the matrix names: "contact" -> world.objects["contact"], etc.
    objects: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.objects[name]


def _cast(office, prefix):
    def person(name, **kw):
        return UserFactory(office=office, email=f"{name}@{prefix}.test", full_name=name, **kw)

    return {
        "owner": person("owner"),
        "student2": person("student2"),
        "alumni2": person("alumni2", role=Role.ALUMNI),
        "vol": person("vol", role=Role.ALUMNI),
        "advisor": person("advisor", role=Role.ADVISOR),
        "admin": person("admin", role=Role.ADVISOR, is_office_admin=True),
    }


def _csv(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def build_world() -> World:
    # Names no other fixture uses: the world stays uncommitted for a whole module, and
    # a parallel test inserting the same unique slug or address would wait on it.
    office = OfficeFactory(name="Northfield", slug="matrix-north", time_zone="America/New_York")
    other = OfficeFactory(name="Southbank", slug="matrix-south", time_zone="Europe/London")
    home, away = _cast(office, "north"), _cast(other, "south")
    w = World()
    w.people.update(home)
    w.people.update(
        o_student=away["owner"],
        o_alumni=away["vol"],
        o_advisor=away["advisor"],
        o_admin=away["admin"],
        su=User.objects.create_superuser(email="root@platform.test", password="x-Long-pass-1"),
    )
    owner, vol, admin, advisor = home["owner"], home["vol"], home["admin"], home["advisor"]
    o = w.objects
    o["office"] = office
    o["office_slug"] = office.slug

    consulting = field_save(admin=admin, name="Consulting")
    o["field"] = consulting
    o["volunteer"] = make_volunteer(vol, fields=[consulting])
    o["alumni2_volunteer"] = make_volunteer(home["alumni2"])
    make_volunteer(away["vol"])
    o["pending"] = UserFactory(
        office=office, email="pending@north.test", role=Role.ALUMNI, approval=Approval.PENDING
    )
    assignments_add(admin=admin, advisor_id=advisor.pk, student_ids=[owner.pk])

    contact = contact_create(student=owner, full_name="Jordan Lee", organisation="Harbour")
    contact_target_add(student=owner, contact=contact)
    o["contact"] = contact
    # A second contact of the owner: the merge page names two.
    o["contact2"] = contact_create(student=owner, full_name="Jo Lee", organisation="Harbour")
    o["followup"] = keep_in_touch_start(contact=contact, at=timezone.now(), what="Coffee")

    # One open request per volunteer and student: the held one first, then the open one.
    met = InterviewFactory(student=owner, volunteer=o["volunteer"], state=State.SCHEDULED)
    o["thank_you"] = mark_held(student=owner, interview=met)
    o["met"] = met
    interview = InterviewFactory(
        student=owner, volunteer=o["volunteer"], state=State.SCHEDULED, contact=met.contact
    )
    o["interview"] = interview
    o["question"] = add_questions(interview, "How did you start?", "What next?")[0]

    o["note"] = research_note_save(student=owner, title="Harbour", body="Notes", field=None)
    o["bank_question"] = bank_question_add(admin=admin, topic="path", text="How did you start?")
    o["template"] = RequestTemplate.objects.create(
        office=office, name="Warm", subject="Hello", body="Hello {volunteer_first_name}"
    )
    o["invitation"], o["invitation_token"] = invitation_create(
        inviter=admin, email="new@north.test", role=Role.STUDENT
    )
    o["outbound"] = OutboundEmail.objects.create(
        dedupe_key="matrix:1",
        kind="test",
        recipient=owner,
        from_email="x@y",
        to=[owner.email],
        subject="S",
        text="t",
        due_at=timezone.now() - timedelta(hours=1),
        status=OutboundEmail.Status.FAILED,
        attempts=6,
    )
    student_profile_update(
        profile=student_profile_get(user=owner),
        programme="Economics",
        graduation_year=2027,
        fields=[consulting],
        interest_tags=[],
        target_companies=[],
        pitch="I study economics and want to learn about consulting.",
    )
    o["thread"] = comment_thread_start(advisor=advisor, student=owner, on="pitch", body="Nice")
    o["coaching_note"] = coaching_note_add(advisor=advisor, student=owner, body="Coached")
    o["contact_import"] = contact_import_parse(
        student=owner,
        upload=_csv("c.csv", "name,email,organisation\nAda Byron,ada@example.org,Acme\n"),
    )
    o["people_import"] = people_import_parse(
        admin=admin, upload=_csv("p.csv", "email,name,role\nzed@new.test,Zed,student\n")
    )
    o["feed_token"] = calendar_feed_get_or_create(user=owner).token
    o["unsubscribe_token"] = unsubscribe_token(user_id=owner.pk, topic=Topic.ALL)
    o["owner"] = owner
    # A student of the office who asked for their account to be erased: the office
    # admin's "delete now" page names them.
    leaver = UserFactory(office=office, email="leaver@north.test", full_name="Lee Leaver")
    erasure_request(user=leaver, password=PASSWORD)
    o["leaver"] = leaver
    # What allauth's keyed pages and the key list are given: no such thing.
    o["missing"] = 999_999
    o["bad_key"] = "no-such-key"
    o["bad_uid"] = "zz"
    o["advisor"] = advisor
    return w
