"""The shape of an elevator pitch, as the practice teaches it: who you are, what you
are exploring, why you asked this person, and the short ask. The profile page ticks
each part as the student writes (through the same htmx check as the job-ask
warning), so the guidance comes from one place, the server.

A part is recognised by plain phrasings, not understood: a tick says "this looks
present", and a missing tick is a prompt, never a refusal. The phrasings are
checked as a table of cases in tests/students/test_pitch_shape.py.
"""

import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class PitchPart:
    key: str
    label: str
    hint: str
    pattern: re.Pattern


def _words(*alternatives: str) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(alternatives) + r")", re.IGNORECASE)


PITCH_PARTS = (
    PitchPart(
        "who",
        _("Who you are"),
        _("Your year and what you study, e.g. “I’m a third-year economics student”."),
        _words(
            r"i am an?\b",
            r"i['’]m an?\b",
            r"my name is",
            r"i (?:study|studied|major|majored)",
            r"i['’]m (?:studying|majoring|finishing|graduating)",
            r"i am (?:studying|majoring|finishing|graduating)",
            r"(?:first|second|third|fourth|final)[- ]year",
            r"(?:freshman|sophomore|junior|senior|undergraduate|graduate student|phd student)",
            r"student (?:at|in|of)\b",
            r"class of \d{4}",
        ),
    ),
    PitchPart(
        "exploring",
        _("What you are exploring"),
        _("The field or question you are looking into, e.g. “I’m exploring health policy”."),
        _words(
            r"explor(?:e|ing)",
            r"interested in",
            r"curious about",
            r"learn(?:ing)? (?:more )?about",
            r"looking into",
            r"consider(?:ing)?\b",
            r"thinking about",
            r"drawn to",
            r"trying to understand",
            r"figur(?:e|ing) out",
        ),
    ),
    PitchPart(
        "why_you",
        _("Why this person"),
        _("What made you ask them, e.g. “I read about your move from consulting to policy”."),
        _words(
            r"your (?:work|experience|path|career|role|team|research|article|talk|post|"
            r"background|journey|move|switch|time at)",
            r"you (?:work|worked|moved|made|led|built|started|wrote|spoke|switched|went)",
            r"because you",
            r"(?:saw|read|heard|noticed|learned) (?:that )?(?:you|about you|your)",
            r"(?:recommended|suggested) (?:that )?i (?:talk|speak|reach)",
        ),
    ),
    PitchPart(
        "ask",
        _("The short ask"),
        _("A brief conversation, with a time, e.g. “Could we talk for 20 minutes?”"),
        _words(
            r"(?:\d{1,2}|ten|fifteen|twenty|thirty)[- ]?(?:minute|min)s?\b",
            r"(?:short|brief|quick) (?:chat|call|conversation|talk|meeting)",
            r"(?:would|could|might) (?:you|we) (?:be (?:open|willing|available) to )?"
            r"(?:chat|talk|speak|meet|have a (?:short |brief |quick )?(?:chat|call|conversation))",
            r"(?:would|could) i (?:ask|have) (?:you|a few)",
            r"grab (?:a )?(?:coffee|virtual coffee)",
        ),
    ),
)


def pitch_shape(text: str) -> list[dict]:
    """Each part of the pitch's shape, in order, with whether it looks present."""
    text = " ".join((text or "").split())
    return [
        {
            "key": part.key,
            "label": part.label,
            "hint": part.hint,
            "present": bool(part.pattern.search(text)),
        }
        for part in PITCH_PARTS
    ]
