"""The pure parts of bench/load.py (statistics, tables, the driver's request and
answer handling), so that CI notices when they break without running any load."""

import math
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[1] / "bench"
# Last, so that bench/'s script names never shadow anything else.
sys.path.append(str(BENCH))

import load  # noqa: E402
import load_driver  # noqa: E402
import load_stats  # noqa: E402
from load_stats import GrowthRow, LoadRow, Sample  # noqa: E402


def _sample(rate_requests: int, seconds: float, latencies, errors=None) -> Sample:
    return Sample(rate_requests, seconds, list(latencies), dict(errors or {}))


def test_percentile_interpolates_between_ranks():
    values = [float(v) for v in range(1, 101)]  # 1 … 100

    assert load_stats.percentile(values, 50) == 50.5
    assert load_stats.percentile(values, 95) == pytest.approx(95.05)
    assert load_stats.percentile(values, 99) == pytest.approx(99.01)
    assert load_stats.percentile(values, 0) == 1.0
    assert load_stats.percentile(values, 100) == 100.0
    assert load_stats.percentile([7.0], 95) == 7.0


def test_percentile_ignores_input_order_and_rejects_bad_input():
    assert load_stats.percentile([30.0, 10.0, 20.0], 50) == 20.0
    assert math.isnan(load_stats.percentile([], 50))
    with pytest.raises(ValueError, match="between 0 and 100"):
        load_stats.percentile([1.0], 101)


def test_samples_add_up_slices():
    total = Sample()
    total.add(_sample(100, 2.0, [10.0] * 100, {"HTTP 500": 1}))
    total.add(_sample(50, 3.0, [20.0] * 50, {"HTTP 500": 2, "timeout": 1}))

    assert total.requests == 150
    assert total.rate == 30.0
    assert total.error_count == 4
    assert total.errors == {"HTTP 500": 3, "timeout": 1}
    assert len(total.latencies_ms) == 150


def test_sample_reads_the_drivers_json():
    data = {"requests": 2, "seconds": 0.5, "latencies_ms": [1.0, 3.0], "errors": {}}

    sample = Sample.from_driver(data)

    assert (sample.requests, sample.rate, sample.latencies_ms) == (2, 4.0, [1.0, 3.0])


def test_load_row_names_the_aims_it_misses():
    reference = _sample(1000, 10.0, [20.0] * 1000)  # 100 req/s
    fast = LoadRow("a", "student", "/a/", False, _sample(300, 10.0, [50.0] * 300), reference)
    floor = LoadRow("f", "student", "/f/", True, _sample(500, 10.0, [50.0] * 500), reference)
    slow = LoadRow(
        "b", "student", "/b/", False, _sample(200, 10.0, [200.0] * 200, {"HTTP 500": 2}), reference
    )

    assert fast.share == 0.3
    assert fast.missed() == []
    assert floor.missed() == ["share < 60%"]
    assert slow.missed() == ["share < 25%", "p95 > 150 ms", "errors"]


def test_the_ceiling_row_misses_no_aim_and_says_it_is_django():
    reference = _sample(1000, 10.0, [20.0] * 1000)
    ceiling = LoadRow(
        "ceiling", "student", "/signed-in/", False, _sample(400, 10.0, [200.0] * 400), reference,
        ceiling=True,
    )  # fmt: skip

    assert ceiling.share == 0.4
    assert ceiling.missed() == []
    assert (
        load_stats.format_load_table([ceiling])
        .splitlines()[2]
        .endswith("| 0 | – (Django itself) |")
    )


def test_load_table_has_a_row_per_page_with_its_figures():
    reference = _sample(1000, 10.0, [20.0] * 1000)
    page = _sample(300, 10.0, [40.0] * 290 + [160.0] * 10, {"HTTP 502": 1})
    row = LoadRow("contacts", "student", "/contacts/", False, page, reference)

    table = load_stats.format_load_table([row])

    lines = table.splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("| page | signed in as | req/s | reference req/s | share |")
    assert lines[2] == (
        "| contacts | student | 30.0 | 100 | 30% | 40 | 40 | 160 | 1 (1 HTTP 502) | errors |"
    )


def test_reference_summary_and_memory_lines():
    rows = [
        LoadRow("a", "s", "/a/", False, Sample(), _sample(100, 1.0, [10.0] * 100)),
        LoadRow("b", "s", "/b/", False, Sample(), _sample(300, 1.0, [30.0] * 300)),
    ]

    summary = load_stats.format_reference_summary(rows)
    memory = load_stats.format_memory("app", [120.4, 95.0, 210.0])

    assert "100–300 req/s, median 200" in summary
    assert "errors 0" in summary
    assert memory == "app: 3 workers, RSS 120, 95, 210 MB (largest 210 MB, OVER the 200 MB aim)"
    assert load_stats.format_memory("app", []) == "app: no workers found"


def test_growth_rows_and_table():
    row = GrowthRow(
        "calendar feed",
        {"sql_ms": 26.0, "total_ms": 40.0, "queries": 3},
        {"sql_ms": 10.0, "total_ms": 32.0, "queries": 3},
    )
    flat = GrowthRow(
        "floor",
        {"sql_ms": 2.4, "total_ms": 10.0, "queries": 3},
        {"sql_ms": 2.0, "total_ms": 10.0, "queries": 3},
    )

    table = load_stats.format_growth_table([row, flat]).splitlines()

    assert row.sql_ratio == 2.6
    assert table[2] == (
        "| calendar feed | 3 / 3 | 26.0 | 10.0 | 2.60× | 40.0 | 32.0 | 1.25× | missed (> 1.3×) |"
    )
    assert table[3].endswith("| 1.20× | 10.0 | 10.0 | 1.00× | met |")


def test_lowest_medians_keeps_the_least_disturbed_pass():
    passes = [
        {"p": {"sql_ms": 5.0, "total_ms": 20.0, "queries": 4, "status": 200}},
        {"p": {"sql_ms": 3.0, "total_ms": 25.0, "queries": 4, "status": 500}},
    ]

    assert load_stats.lowest_medians(passes) == {
        "p": {"sql_ms": 3.0, "total_ms": 20.0, "queries": 4, "status": 500}
    }


def test_driver_request_and_status_parsing():
    request = load_driver.build_request(
        host="127.0.0.1", port=8001, path="/contacts/?q=a", cookie="sessionid=abc"
    )

    assert request.startswith(b"GET /contacts/?q=a HTTP/1.1\r\nHost: 127.0.0.1:8001\r\n")
    assert b"\r\nConnection: close\r\n" in request
    assert b"\r\nCookie: sessionid=abc\r\n" in request
    assert request.endswith(b"\r\n\r\n")
    assert b"Cookie" not in load_driver.build_request(host="h", port=1, path="/")
    assert load_driver.response_status(b"HTTP/1.1 200 OK\r\n\r\nbody") == 200
    assert load_driver.response_status(b"HTTP/1.0 502 Bad Gateway\r\n") == 502
    assert load_driver.response_status(b"") == 0
    assert load_driver.error_kind(200) is None
    assert load_driver.error_kind(302) == "HTTP 302"
    assert load_driver.error_kind(0) == "no HTTP answer"


def test_pages_cover_the_issue_and_every_role_signs_in():
    names = [page.name for page in load.PAGES]

    assert len(names) == len(set(names)) == 17
    assert [page.name for page in load.PAGES if page.floor] == ["floor: research notes"]
    # Django's own signed-in ceiling is served by the reference, first.
    assert [page for page in load.PAGES if page.on_reference] == [load.CEILING] == load.PAGES[:1]
    assert load.CEILING.path == "/signed-in/"
    assert {page.who for page in load.PAGES if not page.on_reference} == {None, *load.LOGINS}
    assert load.tenth_url_guess("postgres://u@h:5432/fieldnotes_scale") == (
        "postgres://u@h:5432/fieldnotes_scale_tenth"
    )


def test_driver_counts_answers_and_errors_from_a_local_server():
    import asyncio
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200 if self.path == "/ok" else 404)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    port = server.server_address[1]
    try:
        results = {
            path: asyncio.run(
                load_driver.drive(
                    host="127.0.0.1",
                    port=port,
                    request=load_driver.build_request(host="127.0.0.1", port=port, path=path),
                    connections=2,
                    seconds=0.1,
                )
            )
            for path in ("/ok", "/missing")
        }
    finally:
        server.shutdown()
        server.server_close()

    ok, missing = results["/ok"], results["/missing"]
    assert ok["requests"] > 0
    assert ok["errors"] == {}
    assert ok["seconds"] == 0.1
    # Requests still in flight when the window closes finish and are timed, not counted.
    assert len(ok["latencies_ms"]) >= ok["requests"]
    assert missing["errors"] == {"HTTP 404": len(missing["latencies_ms"])}


@pytest.mark.parametrize("at", [0, 59, 1_764_000_000, 1_764_000_029.9, 2_000_000_000])
def test_the_benchmarks_authenticator_code_is_allauths(at):
    from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value

    from apps.demo.scale import SCALE_TOTP_SECRET

    assert load.TOTP_SECRET == SCALE_TOTP_SECRET
    assert load.totp_now(at=at) == format_hotp_value(hotp_value(SCALE_TOTP_SECRET, int(at // 30)))


def test_floor_clock_charges_each_part_its_own_time_and_sql():
    import floor

    clock = floor.PartClock()
    ticks = iter([0.0, 1.0, 3.0, 3.5, 4.0, 10.0])  # outer in, inner in/out, sql in/out, outer out
    floor.time.perf_counter, real = (lambda: next(ticks)), floor.time.perf_counter
    try:

        def inner():
            return "inner"

        def outer():
            clock.wrap("user", inner)()
            clock.sql(lambda *a: None, "SELECT 1", (), False, {})
            return "outer"

        assert clock.wrap("view", outer)() == "outer"
    finally:
        floor.time.perf_counter = real

    # view: 10 s in all, 2 s in the user part, 0.5 s of SQL it ran itself.
    assert dict(clock.totals) == {"user": 2.0, "view:sql": 0.5, "view": 7.5}


def test_floor_table_adds_each_parts_sql_and_shares():
    import floor

    parts = {"session": [0.5], "user": [0.25], "user:sql": [0.25], "rest": [1.0]}

    table = floor.format_parts(parts, total=2.0).splitlines()

    assert table[2] == "| session read | 0.50 | 0.00 | 25% |"
    assert table[3] == "| user read (with the office) | 0.50 | 0.25 | 25% |"
    assert table[4] == "| the view's own work | 0.00 | 0.00 | 0% |"
    assert table[-2] == "| handler and middleware chain | 1.00 | 0.00 | 50% |"
    assert table[-1] == "| total | 2.00 | | 100% |"


def _scripted_server(monkeypatch, answers):
    """`load.http_get` answering from a script: (method, path) -> (status, cookies,
    body); records what each request sent as its Cookie header."""
    sent = []

    def fake(port, path, cookie="", method="GET", body=None, headers=None):
        sent.append((method, path, cookie))
        return answers[(method, path)]

    monkeypatch.setattr(load, "http_get", fake)
    return sent


LOGIN_PAGE = b'<form><input name="csrfmiddlewaretoken" value="masked1"></form>'


def test_sign_in_returns_the_cookies_a_browser_sends_after_signing_in(monkeypatch):
    sent = _scripted_server(
        monkeypatch,
        {
            ("GET", "/accounts/login/"): (200, {"csrftoken": "before"}, LOGIN_PAGE),
            # Django rotates the CSRF cookie on sign-in.
            ("POST", "/accounts/login/"): (302, {"csrftoken": "after", "sessionid": "s1"}, b""),
            ("GET", load.TWO_FACTOR_PATH): (302, {}, b""),
        },
    )

    cookie = load.sign_in(8000, "student@scale.test")

    assert cookie == "csrftoken=after; sessionid=s1"
    assert sent[1] == ("POST", "/accounts/login/", "csrftoken=before")
    assert sent[2] == ("GET", load.TWO_FACTOR_PATH, "csrftoken=after; sessionid=s1")


def test_sign_in_keeps_the_cookies_the_second_factor_step_gives(monkeypatch):
    code_page = b'<input name="csrfmiddlewaretoken" value="masked2"><input name="code">'
    _scripted_server(
        monkeypatch,
        {
            ("GET", "/accounts/login/"): (200, {"csrftoken": "before"}, LOGIN_PAGE),
            ("POST", "/accounts/login/"): (302, {"sessionid": "s1"}, b""),
            ("GET", load.TWO_FACTOR_PATH): (200, {}, code_page),
            ("POST", load.TWO_FACTOR_PATH): (302, {"csrftoken": "c2", "sessionid": "s2"}, b""),
        },
    )

    assert load.sign_in(8000, "admin@scale.test") == "csrftoken=c2; sessionid=s2"


def test_sign_in_stops_with_a_message_when_the_password_is_refused(monkeypatch):
    _scripted_server(
        monkeypatch,
        {
            ("GET", "/accounts/login/"): (200, {"csrftoken": "before"}, LOGIN_PAGE),
            ("POST", "/accounts/login/"): (200, {}, b"wrong"),
        },
    )

    with pytest.raises(SystemExit, match="Signing in as student@scale.test failed"):
        load.sign_in(8000, "student@scale.test")
