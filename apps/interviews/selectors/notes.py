"""Reads of what the student took away: their notes, the referrals of a meeting,
and the map of who led to whom (laid out here, drawn as SVG by the template).
Nothing here is ever read for the volunteer."""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.contacts.enums import Stage
from apps.contacts.models import Contact
from apps.interviews.models import Interview, InterviewNotes, Referral

# What an advisor reads of notes the student shared with them: the A.I.R. write-up
# and the field-fit score, never the quick notes typed during the meeting.
SHARED_NOTES_FIELDS = ("advice", "information", "referrals", "reflection", "field_fit")


def interview_notes_shared() -> QuerySet[InterviewNotes]:
    """Notes their students shared with their advisors, only the fields an advisor
    reads. The filter is in the query, so notes not shared never leave the
    database."""
    return InterviewNotes.objects.filter(shared_with_advisor=True).only(
        "pk", "interview", *SHARED_NOTES_FIELDS
    )


def interview_notes_get(*, interview: Interview) -> InterviewNotes | None:
    return InterviewNotes.objects.filter(interview=interview).first()


def referral_list_for_interview(*, interview: Interview) -> QuerySet[Referral]:
    return Referral.objects.filter(interview=interview).select_related("contact")


# The pipeline colours of static/css/fieldnotes.css (.stage-*), as SVG fills.
STAGE_COLOURS = {
    Stage.IDENTIFIED: ("#e9ecef", "#343a40"),
    Stage.REQUESTED: ("#cfe2ff", "#084298"),
    Stage.SCHEDULED: ("#e0cffc", "#3d0a91"),
    Stage.MET: ("#d1e7dd", "#0a3622"),
    Stage.THANKED: ("#a3cfbb", "#0a3622"),
    Stage.KEEPING_IN_TOUCH: ("#198754", "#ffffff"),
    Stage.DECLINED: ("#f8d7da", "#58151c"),
    Stage.NO_RESPONSE: ("#fff3cd", "#664d03"),
}


ROOT_COLOURS = ("#1d4e89", "#ffffff")


NODE_WIDTH = 176


NODE_HEIGHT = 36


COLUMN_GAP = 48


ROW_GAP = 14


PADDING = 12


LABEL_CHARS = 22


@dataclass
class MapNode:
    contact: Contact | None
    label: str
    title: str
    url: str
    fill: str
    text_colour: str
    depth: int = 0
    x: int = 0
    y: int = 0
    children: list["MapNode"] = field(default_factory=list)
    # The one node standing for the people drawn as a count (ReferralMap.hidden).
    summary: bool = False

    @property
    def text_x(self) -> int:
        return self.x + 10

    @property
    def text_y(self) -> int:
        return self.y + NODE_HEIGHT // 2 + 5


@dataclass
class MapEdge:
    path: str


@dataclass
class OutlineItem:
    node: MapNode
    depth: int
    has_children: bool
    closes: range


@dataclass
class ReferralMap:
    root: MapNode
    nodes: list[MapNode]
    edges: list[MapEdge]
    outline: list[OutlineItem]
    width: int
    height: int
    node_width: int = NODE_WIDTH
    node_height: int = NODE_HEIGHT
    hidden: int = 0

    @property
    def contact_count(self) -> int:
        return len(self.nodes) - 1 - (1 if self.hidden else 0) + self.hidden


# Beyond this many people with no referral either way (found by the student, nobody
# referred by them), the map draws them as one node with their count: the map is
# about who led to whom, and a book of 2,000 contacts drew 2,000 boxes (890 KB,
# 2 s). The contact book lists them all.
MAP_ALONE_MAX = 20


def _short(text: str) -> str:
    return text if len(text) <= LABEL_CHARS else text[: LABEL_CHARS - 1].rstrip() + "…"


def referral_map_for_student(*, student) -> ReferralMap:
    """Who led to whom, laid out as a tidy tree in depth columns: the student at the
    left, each contact right of whoever referred them. One query."""
    contacts = list(
        Contact.objects.filter(owner=student, archived_at__isnull=True)
        .only("pk", "full_name", "organisation", "stage", "referred_by_id")
        .order_by("full_name", "pk")
    )
    stage_labels = dict(Stage.choices)
    root = MapNode(
        contact=None,
        label=_("You"),
        title=student.full_name,
        url=reverse("contact_list"),
        fill=ROOT_COLOURS[0],
        text_colour=ROOT_COLOURS[1],
    )
    nodes = {}
    for contact in contacts:
        fill, text_colour = STAGE_COLOURS.get(contact.stage, STAGE_COLOURS[Stage.IDENTIFIED])
        stage = stage_labels.get(contact.stage, contact.stage)
        title = (
            f"{contact.full_name}, {contact.organisation} ({stage})"
            if (contact.organisation)
            else f"{contact.full_name} ({stage})"
        )
        nodes[contact.pk] = MapNode(
            contact=contact,
            label=_short(contact.full_name),
            title=title,
            url=reverse("contact_detail", args=[contact.pk]),
            fill=fill,
            text_colour=text_colour,
        )
    # A referrer that is archived (not in the map) leaves its people with the student.
    parent_of = {
        c.pk: (c.referred_by_id if c.referred_by_id in nodes and c.referred_by_id != c.pk else None)
        for c in contacts
    }
    children: dict[int | None, list[int]] = {}
    for pk in nodes:
        children.setdefault(parent_of[pk], []).append(pk)
    alone = [pk for pk in children.get(None, []) if pk not in children]
    hidden = 0
    if len(alone) > MAP_ALONE_MAX:
        hidden = len(alone)
        for pk in alone:
            del nodes[pk]
        gone = set(alone)
        children[None] = [pk for pk in children[None] if pk not in gone]

    placed: set[int] = set()

    def attach(parent: MapNode, pk: int) -> None:
        # Iterative, so a long chain of referrals cannot exhaust the stack.
        stack = [(parent, pk)]
        while stack:
            up, key = stack.pop()
            if key in placed:
                continue
            placed.add(key)
            node = nodes[key]
            up.children.append(node)
            stack.extend((node, child) for child in reversed(children.get(key, [])))

    for pk in children.get(None, []):
        attach(root, pk)
    # Contacts referring each other in a circle reach no root. Walk up from one of
    # them until a person repeats: that person is on the circle, and hangs from the
    # student with everyone below them, so nobody is lost or drawn twice.
    for pk in nodes:
        if pk in placed:
            continue
        seen, key = set(), pk
        while key not in seen:
            seen.add(key)
            key = parent_of[key]
        attach(root, key)
    if hidden:
        root.children.append(
            MapNode(
                contact=None,
                label=_short(_("+ %(count)s more") % {"count": hidden}),
                title=_("%(count)s more people you found yourself, who referred nobody")
                % {"count": hidden},
                url=reverse("contact_list"),
                fill=STAGE_COLOURS[Stage.IDENTIFIED][0],
                text_colour=STAGE_COLOURS[Stage.IDENTIFIED][1],
                summary=True,
            )
        )

    ordered, edges, outline = [], [], []
    next_row = 0
    max_depth = 0
    # Post-order placement: a leaf takes the next row, a parent sits midway between
    # its first and last child.
    stack: list[tuple[MapNode, int, bool]] = [(root, 0, False)]
    while stack:
        node, depth, done = stack.pop()
        if not done:
            node.depth = depth
            node.x = PADDING + depth * (NODE_WIDTH + COLUMN_GAP)
            max_depth = max(max_depth, depth)
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in reversed(node.children))
            continue
        if node.children:
            node.y = (node.children[0].y + node.children[-1].y) // 2
        else:
            node.y = PADDING + next_row * (NODE_HEIGHT + ROW_GAP)
            next_row += 1

    # Pre-order for drawing and for the text outline.
    walk = [root]
    while walk:
        node = walk.pop()
        ordered.append(node)
        walk.extend(reversed(node.children))
        for child in node.children:
            x1, y1 = node.x + NODE_WIDTH, node.y + NODE_HEIGHT // 2
            x2, y2 = child.x, child.y + NODE_HEIGHT // 2
            mid = (x1 + x2) // 2
            edges.append(MapEdge(path=f"M{x1} {y1} C{mid} {y1} {mid} {y2} {x2} {y2}"))
    for i, node in enumerate(ordered):
        next_depth = ordered[i + 1].depth if i + 1 < len(ordered) else 0
        outline.append(
            OutlineItem(
                node=node,
                depth=node.depth,
                has_children=next_depth > node.depth,
                closes=range(max(0, node.depth - next_depth)),
            )
        )
    width = 2 * PADDING + max_depth * (NODE_WIDTH + COLUMN_GAP) + NODE_WIDTH
    height = 2 * PADDING + max(next_row, 1) * (NODE_HEIGHT + ROW_GAP) - ROW_GAP
    return ReferralMap(
        root=root,
        nodes=ordered,
        edges=edges,
        outline=outline,
        width=width,
        height=height,
        hidden=hidden,
    )
