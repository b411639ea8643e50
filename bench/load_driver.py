"""The load generator of bench/load.py, run by it as a separate process.

    python bench/load_driver.py --port 8001 --path /contacts/ --cookie 'sessionid=…' \\
        --connections 20 --seconds 5

Keeps `--connections` requests in flight for `--seconds` (each of them asks again as
soon as its answer is complete), then lets the last ones finish and prints one JSON
object: the requests answered within the window and the window's seconds (their
ratio is the throughput, as wrk counts it), the latency of every request in ms
(those that finished after the window too), and the errors by kind (any status
but 200, a refused or reset connection, a timeout).

One asyncio loop on plain sockets, standard library only: on a 2-CPU machine the
generator shares the CPUs with gunicorn and PostgreSQL, and this costs far less
per request than threads with http.client or locust (gevent, its own statistics
and web machinery). Every request goes on a new connection and says
`Connection: close`: gunicorn's sync workers close the connection after each
answer anyway, so the answer ends where the stream ends and needs no HTTP parser.
"""

import argparse
import asyncio
import json
import sys
import time

TIMEOUT_SECONDS = 60.0


def build_request(*, host: str, port: int, path: str, cookie: str = "") -> bytes:
    lines = [
        f"GET {path} HTTP/1.1",
        f"Host: {host}:{port}",
        "User-Agent: fieldnotes-bench-load",
        "Accept: text/html,*/*",
        "Connection: close",
    ]
    if cookie:
        lines.append(f"Cookie: {cookie}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def response_status(data: bytes) -> int:
    """The status code of a raw HTTP/1.x answer; 0 when there is none."""
    if not data.startswith(b"HTTP/1."):
        return 0
    try:
        return int(data[9:12])
    except ValueError:
        return 0


def error_kind(status: int) -> str | None:
    return None if status == 200 else f"HTTP {status}" if status else "no HTTP answer"


async def _request(host: str, port: int, request: bytes) -> tuple[str | None, float]:
    start = time.perf_counter()
    try:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(request)
            data = await reader.read()
        finally:
            writer.close()
        kind = error_kind(response_status(data))
    except OSError as exc:
        kind = type(exc).__name__
    return kind, (time.perf_counter() - start) * 1000


async def drive(*, host: str, port: int, request: bytes, connections: int, seconds: float):
    latencies: list[float] = []
    errors: dict[str, int] = {}
    in_window = 0
    deadline = time.perf_counter() + seconds

    async def connection():
        nonlocal in_window
        while time.perf_counter() < deadline:
            try:
                kind, ms = await asyncio.wait_for(
                    _request(host, port, request), timeout=TIMEOUT_SECONDS
                )
            except TimeoutError:
                kind, ms = "timeout", TIMEOUT_SECONDS * 1000
            latencies.append(ms)
            if time.perf_counter() <= deadline:
                in_window += 1
            if kind:
                errors[kind] = errors.get(kind, 0) + 1

    await asyncio.gather(*(connection() for _ in range(connections)))
    return {
        "requests": in_window,
        "seconds": seconds,
        "latencies_ms": latencies,
        "errors": errors,
    }


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--path", required=True)
    parser.add_argument("--cookie", default="")
    parser.add_argument("--connections", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args(argv)
    request = build_request(host=args.host, port=args.port, path=args.path, cookie=args.cookie)
    result = asyncio.run(
        drive(
            host=args.host,
            port=args.port,
            request=request,
            connections=args.connections,
            seconds=args.seconds,
        )
    )
    json.dump(result, sys.stdout)


if __name__ == "__main__":
    main()
