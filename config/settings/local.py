"""A developer's machine: DEBUG on, SQLite and the filesystem broker unless the
environment says otherwise."""

from config import env as E
from config.settings.base import *  # noqa: F403

DEBUG = E.boolean("DEBUG", True)
# Security keys on http://localhost while developing; never in production.
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG
