"""Where the signed-in floor's time goes: the floor page of bench/load.py (the
scale student's research notes, `/me/research/`) sent through Django's WSGI
handler in this process, with the production settings, and every request's time
split into its parts.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/fieldnotes_scale \\
    CELERY_BROKER_URL=redis://127.0.0.1:6379/0 CACHE_URL=redis://127.0.0.1:6379/1 \\
    .venv/bin/python bench/floor.py [--path /me/research/ --as student] [--requests 300]

Each part is timed exclusive of the parts it calls (the SQL a part runs is shown as
that part's SQL): the session read, the user read (allauth's backend, the office
with it), the view's own work, the templates, the SQL under each, and the rest,
which is the handler and the middleware chain. Beside them, what the bare
reference's view does (one primary-key query and a five-line template) measured
the same way in the same process, so that the difference is read from one run on
one machine. Figures are medians of `--rounds` rounds.
"""

import argparse
import io
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import load  # noqa: E402

# The parts in the order a request meets them; "rest" is what no part claims.
PARTS = (
    ("session", "session read"),
    ("user", "user read (with the office)"),
    ("view", "the view's own work"),
    ("template", "templates (layout and page)"),
    ("rest", "handler and middleware chain"),
)


class PartClock:
    """Exclusive time per part: a part's time leaves out the parts it calls; SQL is
    charged to the part that ran it, as `<part>:sql`."""

    def __init__(self):
        self.totals = defaultdict(float)
        self._stack: list[list] = []

    def wrap(self, name: str, function):
        clock = self

        def timed(*args, **kwargs):
            clock._stack.append([name, 0.0])
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                _, children = clock._stack.pop()
                clock.totals[name] += elapsed - children
                if clock._stack:
                    clock._stack[-1][1] += elapsed

        return timed

    def sql(self, execute, sql, params, many, context):
        owner = self._stack[-1][0] if self._stack else "rest"
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed = time.perf_counter() - started
            self.totals[f"{owner}:sql"] += elapsed
            if self._stack:
                self._stack[-1][1] += elapsed

    def reset(self):
        self.totals.clear()
        self._stack.clear()


def wsgi_environ(path: str, cookie: str) -> dict:
    path, _, query = path.partition("?")
    return {
        "REQUEST_METHOD": "GET",
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_COOKIE": cookie,
        "HTTP_ACCEPT": "text/html",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


def instrument(clock: PartClock) -> None:
    """Wrap the parts where Django calls them, for this process only."""
    from django.conf import settings
    from django.contrib import auth
    from django.template.backends.django import Template
    from django.utils.module_loading import import_string

    store = import_string(settings.SESSION_ENGINE + ".SessionStore")
    store.load = clock.wrap("session", store.load)
    # Fieldnotes' session middleware reads the session (and the user's version
    # tokens with it) in its process_request; the store's load then only takes it.
    from apps.accounts.middleware import SessionMiddleware

    SessionMiddleware.process_request = clock.wrap("session", SessionMiddleware.process_request)
    auth.get_user = clock.wrap("user", auth.get_user)
    # AuthenticationMiddleware looked get_user up at import: wrap it there too.
    from django.contrib.auth import middleware as auth_middleware

    auth_middleware.auth.get_user = auth.get_user
    Template.render = clock.wrap("template", Template.render)
    from django.urls import resolvers

    original_resolve = resolvers.URLResolver.resolve

    def resolve(self, path):
        match = original_resolve(self, path)
        if not getattr(match.func, "_bench_timed", False):
            timed = clock.wrap("view", match.func)
            timed._bench_timed = True
            match.func = timed
        return match

    resolvers.URLResolver.resolve = resolve


def run(args) -> None:
    env = load.production_env(
        database_url=args.database_url, port=8000, cache_url=args.cache_url or None
    )
    load.setup_django(env)
    from django.core.handlers.wsgi import WSGIHandler
    from django.core.management import call_command
    from django.db import connection
    from django.template import engines
    from django.test import Client

    # The production settings serve static files from the manifest, which a fresh
    # clone does not have yet (as bench/load.py).
    call_command("collectstatic", interactive=False, verbosity=0)
    users, ids = load.resolve_targets()
    client = Client()
    client.force_login(users[args.who])
    load.record_second_factor(client, users[args.who])
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    path = args.path.format(**ids)
    handler = WSGIHandler()
    statuses = []
    csrf_cookies = []

    def request():
        def start_response(status, headers, exc_info=None):
            statuses.append(status)
            csrf_cookies.extend(
                value.strip().split(";")[0]
                for name, value in headers
                if name == "Set-Cookie" and value.strip().startswith("csrftoken=")
            )

        body = handler(wsgi_environ(path, cookie), start_response)
        try:
            for _ in body:
                pass
        finally:
            body.close()

    # A browser keeps the CSRF cookie its first page sets and sends it from then on
    # (as bench/load.py's sign-in does); without it every page would make a new one.
    request()
    if csrf_cookies:
        cookie = f"{csrf_cookies[-1]}; {cookie}"
    for _ in range(20):  # warm: templates parsed, connections open, URLs reversed
        request()
    if not statuses[-1].startswith("200"):
        sys.exit(f"{path} answered {statuses[-1]} to {args.who}; is this a seed_scale database?")

    if args.profile:
        profile_requests(request, args.requests, args.profile, args.callers)
        return

    clock = PartClock()
    instrument(clock)
    rounds_total, rounds_parts = [], defaultdict(list)
    with connection.execute_wrapper(clock.sql):
        for _ in range(args.rounds):
            clock.reset()
            started = time.perf_counter()
            for _ in range(args.requests):
                request()
            total = (time.perf_counter() - started) * 1000 / args.requests
            rounds_total.append(total)
            claimed = 0.0
            for key, seconds in clock.totals.items():
                rounds_parts[key].append(seconds * 1000 / args.requests)
                claimed += seconds * 1000 / args.requests
            rounds_parts["rest"].append(total - claimed)

    # The reference's view, the same way: one primary-key query and a short template.
    from apps.accounts.models import User

    template = engines["django"].from_string(
        "<!doctype html>\n<title>{{ person.email }}</title>\n<h1>{{ person.first_name }}</h1>\n"
        "<p>{{ person.last_name }}</p>\n<p>{{ person.date_joined }}</p>\n"
    )
    pk = users[args.who].pk
    reference = []
    for _ in range(args.rounds):
        started = time.perf_counter()
        for _ in range(args.requests):
            template.render({"person": User.objects.get(pk=pk)})
        reference.append((time.perf_counter() - started) * 1000 / args.requests)

    total = statistics.median(rounds_total)
    print(
        f"{path} as {args.who}: {args.requests} requests × {args.rounds} rounds, "
        f"{total:.2f} ms a request (median of rounds; "
        f"a 1M-step loop {load.reference_loop_ms():.0f} ms)"
    )
    print(format_parts(rounds_parts, total))
    print(
        f"the reference view's own work (a primary-key query and a five-line template): "
        f"{statistics.median(reference):.2f} ms"
    )


def profile_requests(request, count: int, top: int, callers: str | None = None) -> None:
    """cProfile over `count` requests: the functions with the most own time, then
    the most cumulative time, to find what a page's milliseconds are made of; with
    `callers`, also who calls the functions whose names match it."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        request()
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)
    if callers:
        stats.print_callers(callers)
        stats.print_callees(callers)


def format_parts(rounds_parts: dict, total: float) -> str:
    lines = ["| part | ms | of which SQL ms | share |", "| --- | ---: | ---: | ---: |"]
    for key, label in PARTS:
        own = statistics.median(rounds_parts.get(key) or [0.0])
        sql = statistics.median(rounds_parts.get(f"{key}:sql") or [0.0])
        spent = own + sql
        share = spent / total * 100 if total else 0.0
        lines.append(f"| {label} | {spent:.2f} | {sql:.2f} | {share:.0f}% |")
    lines.append(f"| total | {total:.2f} | | 100% |")
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=load.database_url_default())
    parser.add_argument("--cache-url", default="", help="default: CACHE_URL or Redis db 1")
    parser.add_argument("--path", default="/me/research/")
    parser.add_argument("--as", dest="who", default="student", choices=sorted(load.LOGINS))
    parser.add_argument("--requests", type=int, default=300, help="requests per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead of the parts, profile --requests requests and print the top N functions",
    )
    parser.add_argument(
        "--callers",
        metavar="PATTERN",
        help="with --profile, also print who calls the functions matching PATTERN",
    )
    args = parser.parse_args(argv)
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        sys.exit("Set DATABASE_URL (or --database-url) to a PostgreSQL database seed_scale filled.")
    run(args)


if __name__ == "__main__":
    main()
