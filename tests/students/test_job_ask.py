"""The job-ask detector (apps/students/job_ask.py), read by the request checker
and the pitch editor: phrasings that ask the reader for a job, and the ones that
only sound like it."""

import pytest

from apps.students.job_ask import job_ask_phrases, text_asks_for_a_job

ASKS = [
    # The ones the issue saw sent.
    "Are you hiring? Could you refer me for a job?",
    "Could you recommend me for the analyst position?",
    "I'd love to work for your company.",
    # Hiring.
    "Are you hiring right now?",
    "Is your team still hiring graduates?",
    "Do you know if anyone is hiring in your department?",
    "Does your firm hire people straight out of university?",
    "Would you consider hiring me for the summer?",
    "Do you think your company would hire someone like me?",
    "Could I shadow you and maybe get a foot in the door?",
    # Openings.
    "Do you have any open positions?",
    "Are there any openings on your team?",
    "What openings do you have on your team?",
    "Do you have an internship available this summer?",
    "Is there an internship available in your group this summer?",
    "I saw a job opening on your website and wondered about it.",
    "Are there internships at your company for second-year students?",
    "Please let me know if any positions open up.",
    "If a position opens up, could you tell me?",
    "I'm writing to ask whether there are opportunities for me at your company.",
    "Could you keep me in mind for future roles?",
    # A referral for a position.
    "Could you refer me to your recruiter?",
    "Could you put in a good word for me with the hiring manager?",
    "Would you give me a referral for the internship programme?",
    "Could you connect me with someone in HR?",
    # A résumé review.
    "Could you look over my résumé before I apply?",
    "Would you review my CV and tell me what to change?",
    "I have attached a copy of my resume for your reference.",
    "Could you forward my CV to the hiring team?",
    # Asking outright.
    "Could you help me get a job at Acme?",
    "Can you get me an internship?",
    "I'm looking for an entry-level analyst role in consulting.",
    "I am hoping to land a job at your company after graduation.",
    "I'm applying for the graduate scheme at your bank and wanted to ask for support.",
    # Wanting to work there.
    "I would really like to work at your firm one day.",
    "I'm very interested in joining your team.",
    "It would be a dream to be part of your design studio.",
    # Curly apostrophes, as phones type them.
    "I\u2019d love to work for your company.",
    # A denial in one clause does not cover the ask in the next.
    "I'm not looking for a job, but could you refer me for the analyst role?",
]

NOT_ASKS = [
    # The right thing to say.
    "I'm not looking for a job, just 15 minutes of your perspective.",
    "I am not asking you for a job or an internship.",
    "I'm not asking you to hire me; I would simply like to learn.",
    "I don\u2019t expect you to refer me for anything.",
    "Rather than asking for a job, I'd like to hear how you got started.",
    "I have no interest in applying for a position right now.",
    # Questions about the field, which are what the conversation is for.
    "What jobs exist in this field?",
    "What kinds of roles do people with an economics degree end up in?",
    "How did you get your first job?",
    "How do people usually find job openings in consulting?",
    "What internship opportunities would you suggest looking for?",
    "How did you apply for the role you have now?",
    "What is it like to work at your firm?",
    "What do you enjoy most about your job?",
    "How does hiring work in your field?",
    "Who else should I talk to?",
    "Could you refer me to someone else I could talk to?",
    "Which professional organisations should I join?",
    "Did you do any internships as a student?",
    "Are there internships or volunteer roles you would recommend?",
    "How did you join your current company?",
    "How did you get your foot in the door?",
    "When positions open up in this field, how do people usually hear about them?",
    "I am curious what you look for when you hire junior analysts.",
    "What is the job market like for new graduates in your field?",
    "How competitive are entry-level positions in this field?",
    # A student's goal, said about themselves.
    "I'd like to work in consulting someday.",
    "I know you are not hiring, and that is fine.",
]


@pytest.mark.parametrize("text", ASKS)
def test_a_job_ask_is_read_as_one(text):
    assert text_asks_for_a_job(text) is True


@pytest.mark.parametrize("text", NOT_ASKS)
def test_a_phrase_that_only_sounds_like_a_job_ask_is_not(text):
    assert job_ask_phrases(text) == []


@pytest.mark.parametrize(
    ("text", "phrases"),
    [
        (
            "Are you hiring? Could you refer me for a job?",
            ["Are you hiring", "refer me for a job"],
        ),
        (
            "Could you recommend me for the analyst position?",
            ["recommend me for the analyst position"],
        ),
        (
            "I'd love to work for your company. I'd love to work for your company.",
            ["I'd love to work for your company"],
        ),
        ("", []),
    ],
)
def test_the_phrases_found_are_named_once_each_in_order(text, phrases):
    assert job_ask_phrases(text) == phrases
