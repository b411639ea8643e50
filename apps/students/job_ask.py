"""Does what a student wrote ask the reader for a job? The single biggest mistake of
an informational interview, so the request checker (apps.interviews.request_check)
refuses to send a request that does without an explicit "send anyway", and the
pitch editor warns. It lives here, left of interviews, because both apps read it.

Rules only: no external service sees the text. Each sentence is read on its own; a
phrase is not an ask when it is denied in its own clause ("I am not looking for a
job") or when the sentence is a general question about the field that neither
mentions the student nor the reader's openings ("How do people find job openings
in consulting?"). tests/students/test_job_ask.py holds the table of phrasings.
"""

import re

from django.utils.translation import gettext as _

_JOB = r"(?:jobs?|internships?|positions?|roles?|posts?|placements?)"
_OPENING = r"(?:openings?|vacanc(?:y|ies))"
_ORG = (
    r"(?:company|firm|team|organi[sz]ation|department|office|group|agency|lab|studio"
    r"|practice|bank|business|start-?up|employer)"
)
_CV = r"(?:cv|c\.v\.|r[eé]sum[eé]s?)"
_HIRING_PEOPLE = r"(?:recruiters?|recruiting|recruitment|hiring\s+(?:managers?|team)|hr|talent)"

_ASKS = [
    # Hiring: "are you hiring?", "is your team hiring", "does Acme hire graduates?"
    r"\b(?:you|you're|your\s+" + _ORG + r"|anyone|anybody|they)\s+(?:(?:are|is)\s+)?"
    r"(?:(?:currently|still|now|actively)\s+)?(?:hiring|recruiting)\b",
    r"\b(?:is|are)\s+(?!not\b)\w+\s+(?:(?:currently|still|now|actively)\s+)?(?:hiring|recruiting)\b",
    r"\b(?:do|does|will|would)\s+(?:you|your\s+" + _ORG + r")\s+(?:ever\s+)?hire\b",
    r"\b(?:you|your\s+" + _ORG + r")\s+(?:would|will|could|might)\s+(?:ever\s+)?"
    r"(?:hire|take\s+on)\b",
    r"\b(?:hire|hiring|employ|recruit)\s+me\b",
    r"\b(?:hire|employ)\s+(?:someone|somebody|a\s+student)\s+like\s+me\b",
    r"\bfoot\s+in\s+the\s+door\b",
    r"\btake\s+me\s+on\b",
    # Openings: "any openings", "open positions", "job opportunities", "do you have an internship"
    r"\b(?:any|open|available|current|upcoming)\s+" + _OPENING + r"\b",
    r"\b(?:open|available)\s+" + _JOB + r"\b",
    r"\b(?:job|internship|position|role|placement|work)\s+(?:"
    + _OPENING
    + r"|offers?|opportunit(?:y|ies))\b",
    r"\b(?:are\s+there|is\s+there|do\s+you\s+have|have\s+you\s+got|do\s+you\s+know\s+of)\s+"
    r"(?:any\s+|an?\s+)?(?:[\w-]+\s+)?" + _OPENING + r"\b",
    # "Are there internships you would recommend?" asks about the field: only the
    # reader's own count ("do you have", "available", "at your firm").
    r"\b(?:do\s+you\s+have|have\s+you\s+got|do\s+you\s+know\s+of)\s+"
    r"(?:any\s+|an?\s+)?(?:[\w-]+\s+)?(?:positions?|internships?|placements?)\b",
    r"\b(?:are|is)\s+there\s+(?:any\s+|an?\s+)?(?:[\w-]+\s+)?" + _JOB + r"\s+(?:available|open)\b",
    r"\b(?:" + _OPENING + r"|" + _JOB + r")\s+(?:do|does)\s+(?:you|your\s+" + _ORG + r")\s+have\b",
    r"\b" + _JOB + r"\s+(?:at|with|on|in)\s+your\s+(?:[\w-]+\s+)?" + _ORG + r"\b",
    r"\blet\s+me\s+know\s+(?:if|when|whether|about|of)\s+(?:\w+\s+){0,3}?(?:"
    + _OPENING
    + r"|"
    + _JOB
    + r")\b",
    r"\b(?:consider|keep)\s+me\s+(?:in\s+mind\s+)?for\b",
    r"\b(?:" + _JOB + r"|" + _OPENING + r")\s+(?:opens|open|comes|come)\s+up\b",
    r"\bopportunit(?:y|ies)\s+(?:for\s+me|(?:at|with|in|on)\s+your\s+(?:[\w-]+\s+)?"
    + _ORG
    + r")\b",
    # A referral for a position: "recommend me for the analyst position", "a good word"
    r"\b(?:refer|recommend|nominate|put)\s+me\s+(?:forward\s+)?(?:for|to)\s+(?:\w+\s+){0,3}?(?:"
    + _JOB
    + r"|"
    + _OPENING
    + r"|"
    + _HIRING_PEOPLE
    + r")\b",
    r"\b(?:put\s+in|say)\s+a\s+good\s+word\b",
    r"\breferral\s+(?:for|to)\s+(?:\w+\s+){0,3}?(?:" + _JOB + r"|" + _OPENING + r"|"
    r"" + _HIRING_PEOPLE + r")\b",
    r"\b(?:connect|introduce)\s+me\s+(?:to|with)\s+(?:\w+\s+){0,2}?" + _HIRING_PEOPLE + r"\b",
    # A résumé review or a CV passed on: "look over my résumé", "my CV is attached"
    r"\b(?:my|attached|enclosed)\s+" + _CV + r"(?!\w)",
    r"\b(?:attached|enclosed)\b[^.!?\n]{0,30}\b" + _CV + r"(?!\w)",
    r"\b(?:support|review|forward|pass\s+on|flag|help\s+with)\s+my\s+application\b",
    # Asking outright: "get me an internship", "looking for a job", "apply for the role"
    r"\b(?:give|offer|find|get)\s+me\s+(?:a|an|the|some)\s+(?:[\w-]+\s+){0,2}?"
    r"(?:job|internship|position|role|placement|work|interview)\b",
    r"\bhelp\s+me\s+(?:to\s+)?(?:get|find|land|secure)\s+(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?"
    + _JOB
    + r"\b",
    r"\b(?:land|get|secure)\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}?" + _JOB + r"\s+(?:at|with)\s+"
    r"(?:you|your)\b",
    r"\b(?:looking|searching|hunting|applying|asking)\s+for\s+(?:a|an)\s+(?:[\w-]+\s+){0,2}?"
    + _JOB
    + r"\b",
    r"\blooking\s+for\s+work\b",
    r"\bappl(?:y|ied|ying|ication)\s+(?:for|to)\s+(?:(?:a|an|the)\s+(?:[\w-]+\s+){0,2}?(?:"
    + _JOB
    + r"|"
    + _OPENING
    + r"|schemes?)\b|your\b)",
    # Wanting to work there: "I'd love to work for your company", "join your team"
    r"(?:\bwould|'d)\s+(?:really\s+|so\s+|very\s+much\s+)?(?:love|like)\s+to\s+"
    r"(?:work|intern)\s+(?:for|at|with|on)\s+(?:you|your)\b",
    r"\b(?:want|wish|hope|hoping|keen|eager|interested|dream|dreaming|plan|planning|aim|aiming)"
    r"\s+(?:\w+\s+){0,2}?(?:work|working|intern|interning)\s+(?:for|at|with|on)\s+(?:you|your)\b",
    r"\b(?:join|joining)\s+(?:you\b|your\s+(?:[\w-]+\s+)?" + _ORG + r"\b)",
    r"\bbe\s+(?:a\s+)?part\s+of\s+your\s+(?:[\w-]+\s+)?" + _ORG + r"\b",
]
_ASK = re.compile("|".join(f"(?:{p})" for p in _ASKS), re.IGNORECASE)

# A denial in the same clause, up to four words before the phrase.
_DENIED = re.compile(
    r"\b(?:not|never|no|nor|without|\w+n't|rather\s+than|instead\s+of)\s+(?:[\w']+\s+){0,4}$",
    re.IGNORECASE,
)
_CLAUSE_BREAK = re.compile(r".*[,;:()\u2013\u2014]|.*\s-\s", re.DOTALL)
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")
_QUESTION_WORD = re.compile(r"^\W*(?:how|what|which|where|when|why|who|whom|whose)\b", re.I)
# A general question still asks for a job when it is about the student or about
# what the reader has to give: "What openings do you have?", "Where should I send my CV?"
_PERSONAL = re.compile(
    r"\b(?:me|my)\b|\bdo\s+you\s+(?:have|know\s+of)\b|\byou\s+(?:have|know\s+of|got)\s+(?:any|an?|open)\b",
    re.IGNORECASE,
)


def _normal(text: str) -> str:
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _denied(before: str) -> bool:
    clause = _CLAUSE_BREAK.sub("", before)
    return bool(_DENIED.search(clause))


_WORD_BEFORE = re.compile(r"[\w']*$")
_WORD_AFTER = re.compile(r"^\s+[\w'-]+")
_ENDS_OPEN = re.compile(r"\b(?:your|the|a|an|my|you)$", re.IGNORECASE)


def _shown(sentence: str, start: int, end: int) -> str:
    """The phrase as the student wrote it, in whole words: "I'd love to work for
    your company" rather than "'d love to work for your"."""
    start -= len(_WORD_BEFORE.search(sentence[:start]).group(0))
    if _ENDS_OPEN.search(sentence[start:end]):
        after = _WORD_AFTER.match(sentence[end:])
        end += len(after.group(0)) if after else 0
    return " ".join(sentence[start:end].split())


def job_ask_phrases(text: str) -> list[str]:
    """The phrases of the text read as asking the reader for a job, an internship, a
    referral to one, a résumé review, openings or hiring, in order; empty when none."""
    found: list[str] = []
    for sentence in _SENTENCE.finditer(_normal(text or "")):
        sentence = sentence.group(0)
        general = bool(_QUESTION_WORD.search(sentence)) and not _PERSONAL.search(sentence)
        if general:
            continue
        for match in _ASK.finditer(sentence):
            phrase = _shown(sentence, match.start(), match.end())
            if not _denied(sentence[: match.start()]) and phrase.lower() not in (
                f.lower() for f in found
            ):
                found.append(phrase)
    return found


def text_asks_for_a_job(text: str) -> bool:
    return bool(job_ask_phrases(text))


def job_ask_warning(phrases: list[str]) -> str:
    """What the student reads when their text asks for a job, naming what read so."""
    quoted = ", ".join(f"“{p}”" for p in phrases[:3])
    return _(
        "This reads like a request for a job, an internship or a referral to one "
        "(%(phrases)s). Informational interviews are for advice and information; people "
        "feel used when asked for a job. Ask about their work and path instead."
    ) % {"phrases": quoted}
