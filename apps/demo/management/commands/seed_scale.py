from django.core.cache import cache
from django.core.management.base import BaseCommand, CommandError

from apps.demo.scale import DEFAULT_SEED, database_problem, plan_problem, scale_plan, scale_seed


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with scale data for benchmarks: one large office (20,000 "
        "students, 5,000 volunteers, 200,000 contacts, 100,000 interviews at --scale 1) and "
        "two offices of a hundredth of it. Every person's password is 'fieldnotes-scale'. "
        "See docs/performance.md, 'Scale data'. Clears the cache (CACHE_URL) once done: "
        "what it holds described a database that was empty."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale", type=float, default=1.0, help="multiply the default sizes (0.1: a tenth)"
        )
        parser.add_argument("--students", type=int, help="students of the large office")
        parser.add_argument("--volunteers", type=int, help="volunteers of the large office")
        parser.add_argument("--contacts", type=int, help="contacts of the large office")
        parser.add_argument("--interviews", type=int, help="interviews of the large office")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="random seed")
        parser.add_argument("--batch-size", type=int, default=5000, help="rows per write")

    def handle(self, *args, **options):
        if options["scale"] <= 0:
            raise CommandError("--scale must be above 0.")
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1.")
        plans = scale_plan(
            scale=options["scale"],
            students=options["students"],
            volunteers=options["volunteers"],
            contacts=options["contacts"],
            interviews=options["interviews"],
        )
        problem = plan_problem(plans) or database_problem()
        if problem:
            raise CommandError(problem)
        for plan in plans:
            self.stdout.write(
                f"{plan.slug}: {plan.students:,} students, {plan.volunteers:,} volunteers, "
                f"{plan.contacts:,} contacts, {plan.interviews:,} interviews, "
                f"{plan.advisors:,} advisors"
            )
        result = scale_seed(
            plans=plans,
            seed=options["seed"],
            batch_size=options["batch_size"],
            progress=self._progress(),
        )
        # The ids start again at 1, so what a cache kept for an earlier database (a
        # user's copy version, an office's field choices, a student's "no comment
        # thread") would be read as this one's, for up to its lifetime: the cache
        # belongs to the database, which was empty.
        cache.clear()
        self.stdout.write("")
        self.stdout.write("The cache was cleared: it held entries of an earlier database.")
        for table, count in sorted(result.counts.items()):
            self.stdout.write(f"  {table:<32} {count:>10,}")
        self.stdout.write(f"Password of every seeded person: '{result.password}'. Sign in as:")
        for slug, logins in result.logins.items():
            self.stdout.write(f"  {slug}:")
            for role, email in vars(logins).items():
                self.stdout.write(f"    {role.replace('_', ' '):<24} {email}")
        self.stdout.write(self.style.SUCCESS(f"Scale data ready in {result.seconds:.0f} s."))

    def _progress(self):
        """A one-line progress bar on a terminal; a line every 10% elsewhere."""
        tty = hasattr(self.stdout, "isatty") and self.stdout.isatty()
        last = {"shown": -1}

        def show(done: int, total: int) -> None:
            percent = 100 * done // max(total, 1)
            if percent == last["shown"]:
                return
            if not tty and percent % 10 and done != total:
                return
            last["shown"] = percent
            bar = "#" * (percent // 4)
            line = f"[{bar:<25}] {percent:3}%  {done:,}/{total:,} students"
            if tty:
                self.stdout.write(f"\r{line}", ending="")
                self.stdout.flush()
            else:
                self.stdout.write(line)

        return show
