"""Who gets what: the expected answer of every URL pattern, for every persona, to a
GET and to an empty POST. tests/security/test_matrix.py walks the URLconf and fails
for a pattern with no row here (printing a row to paste) and for a row with no
pattern, then asserts every cell.

A row is one line:

    R("contact_detail", OWN, NO_POST, pk="contact"),

- the URL name (namespace:name; an unnamed pattern by its route),
- what GET answers and what an empty POST answers: a group below, or `E("...")`
  with one code per persona,
- the URL's kwargs, each naming an object of the world (tests/security/world.py);
  its pk is used when it has one.

Codes: 200, 204, 302 (a redirect, not to sign-in), login (302 to sign-in), 400,
401 (allauth's sign-in error page), 403, 404, 405. The persona columns, in order (see world.py):

    anon owner student2 alumni2 vol advisor admin o_student o_alumni o_advisor o_admin su
"""

from dataclasses import dataclass, field

from tests.security.world import PERSONAS

CODES = {"200", "204", "302", "login", "400", "401", "403", "404", "405"}


def E(spec: str) -> dict:
    codes = spec.split()
    assert len(codes) == len(PERSONAS), f"{spec!r}: one code per persona, {len(PERSONAS)}"
    assert set(codes) <= CODES, f"{spec!r}: codes are {sorted(CODES)}"
    return dict(zip(PERSONAS, codes, strict=True))


def same(code: str) -> dict:
    return E(" ".join([code] * len(PERSONAS)))


@dataclass(frozen=True)
class R:
    name: str
    get: dict
    post: dict
    kwargs: dict = field(default_factory=dict)

    def __init__(self, name, get, post, **kwargs):
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "get", get)
        object.__setattr__(self, "post", post)
        object.__setattr__(self, "kwargs", kwargs)


# --- Groups ---------------------------------------------------------------------
# Who a page is for, and what it answers them (`code`); everyone else gets what the
# group says: 403 for a role the page is not for, 404 for someone of the right role
# whose object it is not (another student's contact, another office's question),
# and anonymous visitors are sent to sign in. A refused method (405) is checked
# before the object is looked up, so the right role gets 405 whoever owns it.


LOGIN = "login"


def _cells(code, yes, no_object=(), refused="403", anon="login") -> dict:
    code, anon = str(code), str(anon)
    cells = dict.fromkeys(PERSONAS, refused)
    cells["anon"] = anon
    cells.update(dict.fromkeys(yes, code))
    cells.update(dict.fromkeys(no_object, "405" if code == "405" else "404"))
    assert set(cells.values()) <= CODES, cells
    return cells


def public(code):
    """Anyone, signed in or not (health check, calendar feed, token links)."""
    return dict.fromkeys(PERSONAS, str(code))


def signed_in(code):
    """Anyone signed in (allauth's account pages)."""
    return _cells(code, PERSONAS[1:])


def anon_only(code):
    """Sign-in and sign-up: a signed-in visitor is sent on (302)."""
    return _cells("302", PERSONAS[1:], anon=code)


def own(code):
    """The owner's object (contact, note, interview, follow-up, import)."""
    return _cells(code, ["owner"], ["student2", "o_student"])


def student(code):
    """Every student's own page (their list, their profile)."""
    return _cells(code, ["owner", "student2", "o_student"])


def office_student(code):
    """Students of the office only (the office's volunteer directory)."""
    return _cells(code, ["owner", "student2"], ["o_student"])


def alumni(code):
    """Every volunteer's own page."""
    return _cells(code, ["alumni2", "vol", "o_alumni"])


def participant(code):
    """Students and volunteers, each their own (calendar settings)."""
    return _cells(code, ["owner", "student2", "o_student", "alumni2", "vol", "o_alumni"])


def volunteer_obj(code):
    """The request in the inbox of the volunteer it was sent to."""
    return _cells(code, ["vol"], ["alumni2", "o_alumni"])


def conversation(code):
    """Both sides of the conversation: its student and its volunteer."""
    return _cells(code, ["owner", "vol"], ["student2", "o_student", "alumni2", "o_alumni"])


def advisor(code):
    """Every advisor and office admin, each about their own office."""
    return _cells(code, ["advisor", "admin", "o_advisor", "o_admin"])


def advisee(code):
    """A student's record, for the office's advisors (theirs) and its admin."""
    return _cells(code, ["advisor", "admin"], ["o_advisor", "o_admin"])


def author(code):
    """A coaching note, for the advisor who wrote it only."""
    return _cells(code, ["advisor"], ["o_advisor", "o_admin"])


def thread(code):
    """A comment thread: its student, the office's advisors and admin."""
    return _cells(
        code, ["owner", "advisor", "admin"], ["student2", "o_student", "o_advisor", "o_admin"]
    )


def office_admin(code):
    """Office admins, each about their own office."""
    return _cells(code, ["admin", "o_admin"])


def office_obj(code):
    """An office's object (invitation, field, question, import), for its admin."""
    return _cells(code, ["admin"], ["o_admin"])


# --- Rows ---------------------------------------------------------------------------
# Irregular rows are spelled out with E(); the columns are
#    anon owner student2 alumni2 vol advisor admin o_student o_alumni o_advisor o_admin su

ROWS = [
    R("healthz", public(200), public(405)),
    R("favicon.ico", public(302), public(405)),
    R("account_login", anon_only(200), anon_only(200)),
    R("account_logout", signed_in(200), public(LOGIN)),
    R("account_inactive", public(200), public(405)),
    R("account_signup", anon_only(200), anon_only(200)),
    R("account_reauthenticate", signed_in(200), signed_in(200)),
    # The platform superuser has no email code to ask for.
    R(
        "account_request_reauthentication_code",
        E("login 200 200 200 200 200 200 200 200 200 200 302"),
        E("login 200 200 200 200 200 200 200 200 200 200 302"),
    ),
    R("account_confirm_reauthentication_code", signed_in(302), signed_in(302)),
    R("account_email", signed_in(200), signed_in(302)),
    R("account_email_verification_sent", public(200), public(405)),
    R("account_change_password", signed_in(200), signed_in(200)),
    R("account_set_password", signed_in(302), signed_in(302)),
    R("account_reset_password", public(200), public(200)),
    R("account_confirm_login_code", signed_in(302), signed_in(302)),
    R("account_reset_password_from_key_done", public(200), public(405)),
    R("account_reset_password_done", public(200), public(405)),
    R("account_request_login_code", anon_only(200), anon_only(200)),
    R("account_confirm_email", public(200), public(404), key="bad_key"),
    R("account_reset_password_from_key", public(200), public(200), uidb36="bad_uid", key="bad_key"),
    R("mfa_index", signed_in(200), signed_in(405)),
    R("mfa_authenticate", signed_in(302), signed_in(302)),
    # Staff have an authenticator app (their offices require it); others have none.
    R(
        "mfa_reauthenticate",
        E("login 302 302 302 302 200 200 302 302 200 200 302"),
        E("login 302 302 302 302 200 200 302 302 200 200 302"),
    ),
    R("mfa_activate_totp", signed_in(302), signed_in(302)),
    R(
        "mfa_deactivate_totp",
        E("login 404 404 404 404 302 302 404 404 302 302 404"),
        E("login 404 404 404 404 302 302 404 404 302 302 404"),
    ),
    R("mfa_view_recovery_codes", signed_in(404), signed_in(405)),
    R("mfa_generate_recovery_codes", signed_in(302), signed_in(302)),
    R("mfa_download_recovery_codes", signed_in(404), signed_in(404)),
    R("mfa_list_webauthn", signed_in(200), signed_in(405)),
    R("mfa_add_webauthn", signed_in(302), signed_in(302)),
    R("mfa_reauthenticate_webauthn", signed_in(302), signed_in(302)),
    R("mfa_remove_webauthn", signed_in(302), signed_in(302), pk="missing"),
    R("mfa_edit_webauthn", signed_in(302), signed_in(302), pk="missing"),
    R("home", signed_in(302), signed_in(302)),
    R("alumni_pending", alumni(302), alumni(302)),
    R("advisor_home", advisor(302), advisor(302)),
    R("profile", signed_in(200), signed_in(400)),
    R("two_factor_required", signed_in(302), signed_in(302)),
    R("invitation_accept", anon_only(200), anon_only(400), token="invitation_token"),
    R("volunteer_signup", anon_only(200), anon_only(400), slug="office_slug"),
    R("office_home", office_admin(200), office_admin(200)),
    R("office_settings", office_admin(200), office_admin(400)),
    R("office_sign_on", office_admin(200), office_admin(400)),
    # The campus sign-in box lives on the sign-in page; /sso/ itself sends there.
    R("sso_find", same(LOGIN), same(LOGIN)),
    # The world's office has no campus sign-in configured: every way in is a 404
    # (tests/accounts/test_sso_*.py sign in through real local providers).
    R("sso_office", same("404"), same("404"), slug="office_slug"),
    R("openid_connect_login", same("404"), same("404"), provider_id="office_slug"),
    R("openid_connect_callback", same("404"), same("404"), provider_id="office_slug"),
    R("saml_login", same("404"), same("404"), organization_slug="office_slug"),
    # allauth's ACS keeps the post and sends on to its finish page, which is the 404.
    R("saml_acs", same("302"), same("302"), organization_slug="office_slug"),
    R("saml_finish_acs", same("404"), same("404"), organization_slug="office_slug"),
    R("saml_sls", same("404"), same("404"), organization_slug="office_slug"),
    R("saml_metadata", same("404"), same("404"), organization_slug="office_slug"),
    R("socialaccount_login_cancelled", public(200), public(405)),
    R("socialaccount_login_error", public(401), public(405)),
    # Only in the middle of a campus sign-in; otherwise back to sign in.
    R("socialaccount_signup", same(LOGIN), same(LOGIN)),
    R("socialaccount_connections", signed_in(200), signed_in(200)),
    # allauth's old addresses, redirected to the new ones.
    R("accounts/social/login/cancelled/", public(302), public(302)),
    R("accounts/social/login/error/", public(302), public(302)),
    R("accounts/social/signup/", public(302), public(302)),
    R("accounts/social/connections/", public(302), public(302)),
    R("office_erasures", office_admin(200), office_admin(405)),
    R("office_erasure_carry_out", office_obj(200), office_obj(302), pk="leaver"),
    R("profile_export", participant(200), participant(200)),
    R("profile_delete", participant(200), participant(400)),
    R("office_deliverability", office_admin(200), office_admin(200)),
    R("office_deliverability_retry", office_admin(405), office_obj(302), pk="outbound"),
    R("office_invitations", office_admin(200), office_admin(400)),
    R("office_invitation_revoke", office_admin(405), office_obj(302), pk="invitation"),
    R("office_invitation_resend", office_admin(405), office_obj(302), pk="invitation"),
    R("office_volunteers", office_admin(200), office_admin(200)),
    R("office_volunteer_decide", office_admin(405), office_obj(302), pk="pending"),
    R("office_member_active", office_admin(405), office_obj(302), pk="owner"),
    R("student_profile", student(200), student(400)),
    R("student_pitch_check", student(200), own(405)),
    R("research_note_list", student(200), student(200)),
    R("research_note_create", student(200), student(400)),
    R("research_note_detail", own(200), own(200), pk="note"),
    R("research_note_edit", own(200), own(400), pk="note"),
    R("research_note_delete", own(405), own(302), pk="note"),
    R("office_fields", office_admin(200), office_admin(400)),
    R("office_field_edit", office_obj(200), office_obj(400), pk="field"),
    R("office_fields_seed", office_admin(405), office_admin(302)),
    R("contact_list", student(200), student(200)),
    R("contact_create", student(200), student(400)),
    R("contact_detail", own(200), own(200), pk="contact"),
    R("contact_referrer_search", student(200), student(405)),
    # An empty POST keeps every field of the first contact: a valid merge.
    R("contact_merge", own(200), own(302), pk="contact", other="contact2"),
    R("contacts_vcards", student(200), student(405)),
    R("contact_edit", own(200), own(400), pk="contact"),
    R("contact_archive", own(405), own(302), pk="contact"),
    R("contact_restore", own(405), own(302), pk="contact"),
    R("contact_target_toggle", own(405), own(302), pk="contact"),
    R("contact_target_move", own(405), own(302), pk="contact"),
    R("target_list", student(200), student(200)),
    R("target_board", student(200), student(200)),
    R("target_reorder", own(405), student(400)),
    R("contact_import", student(200), student(400)),
    R("contact_import_template", student(200), own(405)),
    R("contact_import_detail", own(200), own(405), pk="contact_import"),
    R("contact_import_confirm", own(405), own(302), pk="contact_import"),
    R("contact_import_cancel", own(405), own(302), pk="contact_import"),
    R("contact_import_progress", own(200), own(405), pk="contact_import"),
    R("contact_export", student(200), own(405)),
    R("contact_vcard", own(200), own(405), pk="contact"),
    R("volunteer_profile", alumni(200), alumni(400)),
    R("volunteer_pause", alumni(405), alumni(400)),
    R("directory", student(200), own(405)),
    R("directory_detail", office_student(200), own(405), pk="volunteer"),
    R("directory_contact_add", own(405), office_student(302), pk="volunteer"),
    R("office_directory", office_admin(200), office_admin(405)),
    R("office_volunteer_deactivate", office_admin(405), office_obj(302), pk="volunteer"),
    R("office_volunteer_reactivate", office_admin(405), office_obj(302), pk="volunteer"),
    R("alumni_home", alumni(200), alumni(200)),
    R("interview_list", student(200), student(200)),
    R("interview_detail", own(200), own(200), pk="interview"),
    R(
        "interview_request_volunteer",
        office_student(200),
        office_student(400),
        volunteer_pk="volunteer",
    ),
    R("interview_request_contact", own(200), own(400), contact_pk="contact"),
    R("interview_request_check", student(200), own(405)),
    R("interview_draft_discard", own(405), own(302), pk="interview"),
    R("interview_withdraw", own(405), own(302), pk="interview"),
    R("interview_message", participant(405), conversation(302), pk="interview"),
    R("interview_book", own(405), own(302), pk="interview"),
    R("interview_record_reply", own(405), own(404), pk="interview"),
    R("interview_reschedule", participant(405), conversation(302), pk="interview"),
    R("interview_cancel", participant(405), conversation(302), pk="interview"),
    R("interview_complete", own(405), own(302), pk="interview"),
    R("interview_no_show", own(405), own(302), pk="interview"),
    R("inbox", alumni(200), alumni(200)),
    R("inbox_detail", volunteer_obj(200), volunteer_obj(200), pk="interview"),
    R("inbox_accept", alumni(405), volunteer_obj(400), pk="interview"),
    R("inbox_decline", alumni(405), volunteer_obj(302), pk="interview"),
    R("interview_prepare", own(200), own(405), pk="interview"),
    R("interview_question_write", own(405), own(400), pk="interview"),
    R("interview_questions_pick", own(405), own(400), pk="interview"),
    R("interview_questions_reorder", own(405), own(400), pk="interview"),
    R("interview_questions_share", own(405), own(302), pk="interview"),
    R("interview_question_remove", own(405), own(302), pk="interview", question_pk="question"),
    R("interview_question_move", own(405), own(400), pk="interview", question_pk="question"),
    R("interview_meeting", own(200), own(405), pk="interview"),
    R("interview_question_asked", own(405), own(400), pk="interview", question_pk="question"),
    R("interview_quick_notes", own(405), own(302), pk="interview"),
    R("interview_meeting_held", own(405), own(302), pk="interview"),
    R("interview_notes", own(200), own(302), pk="met"),
    R("interview_referrals_add", own(405), own(400), pk="met"),
    R("referral_map", student(200), own(405)),
    # Both sides of the conversation; nobody else learns it exists.
    R(
        "interview_ics",
        E("login 200 404 404 200 404 404 404 404 404 404 404"),
        signed_in(405),
        pk="interview",
    ),
    R("calendar_settings", participant(200), participant(405)),
    R("calendar_reset", participant(200), participant(302)),
    R("calendar_feed", public(200), public(405), token="feed_token"),
    R("office_request_templates", office_admin(200), office_admin(200)),
    R("office_request_template_create", office_admin(200), office_admin(400)),
    R("office_request_template_preview", office_admin(405), office_admin(200)),
    R("office_request_template_edit", office_obj(200), office_obj(400), pk="template"),
    R("office_request_template_archive", office_admin(405), office_obj(302), pk="template"),
    R("office_request_template_restore", office_admin(405), office_obj(302), pk="template"),
    R("office_questions", office_admin(200), office_admin(200)),
    R("office_question_create", office_admin(200), office_admin(400)),
    R("office_question_edit", office_obj(200), office_obj(400), pk="bank_question"),
    R("office_question_retire", office_admin(405), office_obj(302), pk="bank_question"),
    R("office_question_restore", office_admin(405), office_obj(302), pk="bank_question"),
    R("office_question_move", office_admin(405), office_obj(400), pk="bank_question"),
    R("student_home", student(200), student(200)),
    R("followup_list", student(200), student(200)),
    R("followups_badge", student(200), own(405)),
    R("interview_thank_you_panel", own(200), own(405), pk="met"),
    R("followup_thank_you", own(200), own(400), pk="thank_you"),
    R("followup_done", own(405), own(302), pk="followup"),
    R("followup_snooze", own(405), own(302), pk="followup"),
    R("followup_stop", own(405), own(302), pk="followup"),
    R("followup_cadence", own(405), own(302), pk="followup"),
    R("interaction_log", own(200), own(400), pk="contact"),
    # Everyone with an office; the platform superuser has no reminders.
    R(
        "notification_settings",
        E("login 200 200 200 200 200 200 200 200 200 200 403"),
        E("login 400 400 400 400 302 302 400 400 302 302 403"),
    ),
    R("unsubscribe", public(200), public(200), token="unsubscribe_token"),
    R("caseload", advisor(200), advisor(200)),
    R("caseload_csv", advisor(200), advisor(200)),
    R("advising_dashboard", advisor(200), advisor(200)),
    R("advising_dashboard_csv", advisor(404), advisor(404)),
    R("advising_student", advisee(200), advisee(200), pk="owner"),
    R("advising_assign", office_admin(405), office_admin(302)),
    R("advising_unassign", office_admin(405), office_obj(302), pk="owner", advisor_pk="advisor"),
    R("people_import", office_admin(200), office_admin(400)),
    R("people_import_template", office_admin(200), office_admin(405)),
    R("people_import_detail", office_obj(200), office_admin(405), pk="people_import"),
    R("people_import_confirm", office_admin(405), office_obj(302), pk="people_import"),
    R("people_import_progress", office_obj(200), office_admin(405), pk="people_import"),
    R("advising_comment_start", advisor(405), advisee(400), pk="owner"),
    R("advising_coaching_note_add", advisor(405), advisee(400), pk="owner"),
    R("advising_coaching_note_edit", author(200), author(400), pk="coaching_note"),
    R("advising_coaching_note_delete", advisor(405), author(302), pk="coaching_note"),
    R("comment_reply", thread(405), thread(400), pk="thread"),
    R("comment_resolve", thread(405), thread(302), pk="thread"),
    R("comment_reopen", thread(405), thread(302), pk="thread"),
    R("office_audit", office_admin(200), office_admin(405)),
    R("office_audit_csv", office_admin(200), office_admin(405)),
    R("record_access", student(200), own(405)),
    R("office_people", office_admin(200), office_admin(405)),
    R("office_people_bulk", office_admin(405), office_admin(302)),
    R("office_people_rule", office_admin(200), office_admin(400)),
]

# --- The Django admin ---------------------------------------------------------------
# Classified by rule (test_matrix.admin_rule), from this reviewed list: registering a
# model in the admin, or a new admin page, fails the matrix until it is added here.
ADMIN_MODELS = [
    "accounts.office",
    "accounts.user",
    "accounts.invitation",
    "account.emailaddress",
    "auth.group",
    "mfa.authenticator",
    "contacts.volunteerprofile",
    "contacts.contact",
    "contacts.contactimport",
    "followups.followup",
    "followups.interaction",
    "followups.notificationpreference",
    "advising.assignment",
    "advising.accessrecord",
    "accounts.officesignon",
    "socialaccount.socialapp",
    "socialaccount.socialtoken",
    "socialaccount.socialaccount",
]
ADMIN_ACTIONS = {"changelist", "add", "change", "delete", "history"}
ADMIN_ROWS = {
    "admin:index",
    "admin:login",
    "admin:logout",
    "admin:password_change",
    "admin:password_change_done",
    "admin:autocomplete",
    "admin:jsi18n",
    "admin:view_on_site",
    "admin:app_list",
    "admin:auth_user_password_change",
    "django-admin/(?P<url>.*)$",
}
# What the admin's index and each model's list and add pages answer: only the
# platform superuser gets in. Records that are made only by the app's services
# cannot be added in the admin.
ADMIN_GET = E("login login login login login login login login login login login 200")
ADMIN_POST = ADMIN_GET
ADMIN_NO_ADD = E("login login login login login login login login login login login 403")
ADMIN_READ_ONLY = {
    "contacts.contact",
    "contacts.contactimport",
    "contacts.volunteerprofile",
    "followups.followup",
    "followups.interaction",
    "followups.notificationpreference",
    "advising.accessrecord",
}
