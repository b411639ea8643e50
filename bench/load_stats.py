"""The arithmetic and the tables of bench/load.py: no Django, no processes, no I/O,
so tests/test_bench_load.py can check them without running any load."""

import statistics
from dataclasses import dataclass, field

# The aims of issue 10, for the table (not enforced: a run reports what it finds).
FLOOR_SHARE = 0.60  # the signed-in floor page, of the bare reference's req/s
DAILY_SHARE = 0.25  # every other page
P95_MS = 150.0
WORKER_MB = 200.0
GROWTH_SQL = 1.3  # in-process SQL time, full size over a tenth


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0–100), interpolated between the two nearest ranks (as
    numpy's default does). NaN for no values."""
    if not values:
        return float("nan")
    if not 0 <= p <= 100:
        raise ValueError(f"percentile {p} is not between 0 and 100")
    ordered = sorted(values)
    rank = (len(ordered) - 1) * p / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class Sample:
    """What the driver measured in one or more slices of load on one URL: the
    requests answered within the slices' windows and the windows' seconds (the
    rate), every answer's latency and every error (the stragglers too)."""

    requests: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)

    @classmethod
    def from_driver(cls, data: dict) -> "Sample":
        return cls(
            requests=data["requests"],
            seconds=data["seconds"],
            latencies_ms=list(data["latencies_ms"]),
            errors=dict(data["errors"]),
        )

    def add(self, other: "Sample") -> None:
        self.requests += other.requests
        self.seconds += other.seconds
        self.latencies_ms.extend(other.latencies_ms)
        for kind, count in other.errors.items():
            self.errors[kind] = self.errors.get(kind, 0) + count

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def error_count(self) -> int:
        return sum(self.errors.values())


@dataclass
class LoadRow:
    name: str
    who: str
    path: str
    floor: bool
    page: Sample
    reference: Sample
    # Django's own signed-in ceiling, served by the reference: the aims are the
    # pages', not its own.
    ceiling: bool = False

    @property
    def share(self) -> float:
        return self.page.rate / self.reference.rate if self.reference.rate else 0.0

    def missed(self) -> list[str]:
        """The aims this page misses, in words for the table."""
        if self.ceiling:
            return []
        aim = FLOOR_SHARE if self.floor else DAILY_SHARE
        missed = []
        if self.share < aim:
            missed.append(f"share < {aim:.0%}")
        if percentile(self.page.latencies_ms, 95) > P95_MS:
            missed.append(f"p95 > {P95_MS:.0f} ms")
        if self.page.error_count:
            missed.append("errors")
        return missed


def _ms(value: float) -> str:
    return "–" if value != value else f"{value:.0f}" if value >= 10 else f"{value:.1f}"


def _errors(sample: Sample) -> str:
    if not sample.errors:
        return "0"
    kinds = ", ".join(f"{count} {kind}" for kind, count in sorted(sample.errors.items()))
    return f"{sample.error_count} ({kinds})"


def format_load_table(rows: list[LoadRow]) -> str:
    """The per-page table, in Markdown (readable as it is in a terminal)."""
    lines = [
        "| page | signed in as | req/s | reference req/s | share | p50 ms | p95 ms | p99 ms "
        "| errors | aims missed |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for row in rows:
        lat = row.page.latencies_ms
        lines.append(
            f"| {row.name} | {row.who} | {row.page.rate:.1f} | {row.reference.rate:.0f} "
            f"| {row.share:.0%} | {_ms(percentile(lat, 50))} | {_ms(percentile(lat, 95))} "
            f"| {_ms(percentile(lat, 99))} | {_errors(row.page)} "
            f"| {'– (Django itself)' if row.ceiling else '; '.join(row.missed()) or 'none'} |"
        )
    return "\n".join(lines)


def format_reference_summary(rows: list[LoadRow]) -> str:
    """How much the reference moved between pages: the noise the shares correct for."""
    if not rows:
        return "reference: not measured"
    rates = [row.reference.rate for row in rows]
    all_ref = Sample()
    for row in rows:
        all_ref.add(row.reference)
    lat = all_ref.latencies_ms
    return (
        f"reference (bare Django, one query, {len(rows)} measurements next to the pages): "
        f"{min(rates):.0f}–{max(rates):.0f} req/s, median {statistics.median(rates):.0f}; "
        f"p50 {_ms(percentile(lat, 50))} ms, p95 {_ms(percentile(lat, 95))} ms, "
        f"p99 {_ms(percentile(lat, 99))} ms, errors {_errors(all_ref)}"
    )


def format_memory(label: str, rss_mb: list[float]) -> str:
    if not rss_mb:
        return f"{label}: no workers found"
    listed = ", ".join(f"{mb:.0f}" for mb in rss_mb)
    verdict = "within" if max(rss_mb) < WORKER_MB else "OVER"
    return (
        f"{label}: {len(rss_mb)} workers, RSS {listed} MB (largest {max(rss_mb):.0f} MB, "
        f"{verdict} the {WORKER_MB:.0f} MB aim)"
    )


@dataclass
class GrowthRow:
    name: str
    full: dict  # {"sql_ms": …, "total_ms": …, "queries": …}, medians per request
    tenth: dict

    @staticmethod
    def _ratio(a: float, b: float) -> float:
        return a / b if b else float("inf")

    @property
    def sql_ratio(self) -> float:
        return self._ratio(self.full["sql_ms"], self.tenth["sql_ms"])

    @property
    def total_ratio(self) -> float:
        return self._ratio(self.full["total_ms"], self.tenth["total_ms"])


def format_growth_table(rows: list[GrowthRow]) -> str:
    lines = [
        "| page | queries full / tenth | SQL ms full | SQL ms tenth | SQL ratio "
        "| total ms full | total ms tenth | total ratio | SQL aim |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for row in rows:
        met = "met" if row.sql_ratio <= GROWTH_SQL else f"missed (> {GROWTH_SQL}×)"
        lines.append(
            f"| {row.name} | {row.full['queries']} / {row.tenth['queries']} "
            f"| {row.full['sql_ms']:.1f} | {row.tenth['sql_ms']:.1f} | {row.sql_ratio:.2f}× "
            f"| {row.full['total_ms']:.1f} | {row.tenth['total_ms']:.1f} "
            f"| {row.total_ratio:.2f}× | {met} |"
        )
    return "\n".join(lines)


def lowest_medians(passes: list[dict]) -> dict:
    """Per page, the lowest SQL and total medians over several in-process passes (a
    busy machine only ever adds time), the queries of the first pass, and the first
    status that was not 200 (or 200)."""
    combined = {}
    for name in passes[0]:
        runs = [p[name] for p in passes if name in p]
        combined[name] = {
            "sql_ms": min(r["sql_ms"] for r in runs),
            "total_ms": min(r["total_ms"] for r in runs),
            "queries": runs[0]["queries"],
            "status": next((r["status"] for r in runs if r["status"] != 200), 200),
        }
    return combined
