"""Every periodic task, in one place. Beat reads this through settings; each entry
finds due rows in the database and fans out one task per row (no ETA tasks)."""

BEAT_SCHEDULE: dict = {}
