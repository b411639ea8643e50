"""Every periodic task, in one place. Beat reads this through settings; each entry
finds due rows in the database and fans out one task per row (no ETA tasks)."""

from celery.schedules import crontab

BEAT_SCHEDULE: dict = {
    "outbox-sweep": {
        "task": "apps.core.tasks.outbox_sweep",
        "schedule": 60.0,
    },
    # Unanswered requests (nudge, expiry) run through the follow-ups engine.
    "followups-requests-sweep": {
        "task": "apps.followups.tasks.followups_requests_sweep",
        "schedule": crontab(minute="*/15"),
    },
    "followups-reminders-sweep": {
        "task": "apps.followups.tasks.followups_reminders_sweep",
        "schedule": crontab(minute="*/5"),
    },
    "followups-digest-sweep": {
        "task": "apps.followups.tasks.followups_digest_sweep",
        "schedule": crontab(minute="*/15"),
    },
    "accounts-invitation-reminders-sweep": {
        "task": "apps.accounts.tasks.accounts_invitation_reminders_sweep",
        "schedule": crontab(minute=23),
    },
    "advising-digest-sweep": {
        "task": "apps.advising.tasks.advising_digest_sweep",
        "schedule": crontab(minute="*/15"),
    },
    # Uploaded people and contacts are not kept in previews nobody confirmed.
    "advising-people-imports-discard-unconfirmed": {
        "task": "apps.advising.tasks.people_imports_discard_unconfirmed",
        "schedule": crontab(hour=3, minute=41),
    },
    "contacts-imports-discard-unconfirmed": {
        "task": "apps.contacts.tasks.contact_imports_discard_unconfirmed",
        "schedule": crontab(hour=3, minute=43),
    },
    # Data rights: deletions past their grace period, and each office's retention.
    "advising-data-rights-sweep": {
        "task": "apps.advising.tasks.data_rights_sweep",
        "schedule": crontab(hour=3, minute=47),
    },
    "volunteer-search-rebuild": {
        "task": "apps.contacts.tasks.volunteer_search_rebuild_all",
        "schedule": crontab(minute=7),
    },
}
