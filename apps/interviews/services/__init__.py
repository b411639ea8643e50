"""Every write of the interviews app, one module per topic; reads are in
apps.interviews.selectors. Callers import from here (`from apps.interviews
import services`), or from the topic module.

- lifecycle: what every change shares: transitions and the timeline, the row
  lock, announcing what happened (apps.core.events), telling each side
- requests: drafts, a request sent or logged, withdrawn, messages
- answers: accepted with times, declined, a reply recorded
- meetings: booked, rescheduled, cancelled, held, no-show
- sweeps: the nudge to a volunteer who has not answered, expiry
- notes: quick notes, A.I.R. notes, referrals
- questions: the question bank, prepared lists, sharing them
- bank: office admins curating the question bank
- request_templates: the office's request wording
- feeds: the secret calendar feed
"""

from apps.interviews.services.answers import (
    MAX_SLOTS,
    interview_accept,
    interview_decline,
    interview_record_reply,
)
from apps.interviews.services.bank import (
    bank_question_add,
    bank_question_move,
    bank_question_restore,
    bank_question_retire,
    bank_question_update,
)
from apps.interviews.services.feeds import (
    calendar_feed_get_or_create,
    calendar_feed_reset,
)
from apps.interviews.services.lifecycle import (
    TransitionError,
)
from apps.interviews.services.meetings import (
    interview_book_slot,
    interview_cancel,
    interview_complete,
    interview_no_show,
    interview_reschedule,
)
from apps.interviews.services.notes import (
    MAX_REFERRALS_AT_ONCE,
    NOTES_FIELDS,
    ReferralOutcome,
    interview_notes_save,
    interview_quick_notes_save,
    referrals_add,
)
from apps.interviews.services.questions import (
    DEFAULT_QUESTIONS,
    interview_questions_share,
    prepared_question_add,
    prepared_question_move,
    prepared_question_remove,
    prepared_question_set_asked,
    prepared_questions_add_from_bank,
    prepared_questions_reorder,
    question_bank_ensure,
)
from apps.interviews.services.request_templates import (
    request_template_archive,
    request_template_create,
    request_template_ensure_default,
    request_template_restore,
    request_template_update,
)
from apps.interviews.services.requests import (
    JobAskRefused,
    interview_draft_discard,
    interview_draft_save,
    interview_log_outreach,
    interview_message,
    interview_request_volunteer,
    interview_withdraw,
)
from apps.interviews.services.sweeps import (
    interview_expire,
    interview_nudge,
)

__all__ = [
    "DEFAULT_QUESTIONS",
    "JobAskRefused",
    "MAX_REFERRALS_AT_ONCE",
    "MAX_SLOTS",
    "NOTES_FIELDS",
    "ReferralOutcome",
    "TransitionError",
    "bank_question_add",
    "bank_question_move",
    "bank_question_restore",
    "bank_question_retire",
    "bank_question_update",
    "calendar_feed_get_or_create",
    "calendar_feed_reset",
    "interview_accept",
    "interview_book_slot",
    "interview_cancel",
    "interview_complete",
    "interview_decline",
    "interview_draft_discard",
    "interview_draft_save",
    "interview_expire",
    "interview_log_outreach",
    "interview_message",
    "interview_no_show",
    "interview_notes_save",
    "interview_nudge",
    "interview_questions_share",
    "interview_quick_notes_save",
    "interview_record_reply",
    "interview_request_volunteer",
    "interview_reschedule",
    "interview_withdraw",
    "prepared_question_add",
    "prepared_question_move",
    "prepared_question_remove",
    "prepared_question_set_asked",
    "prepared_questions_add_from_bank",
    "prepared_questions_reorder",
    "question_bank_ensure",
    "referrals_add",
    "request_template_archive",
    "request_template_create",
    "request_template_ensure_default",
    "request_template_restore",
    "request_template_update",
]
