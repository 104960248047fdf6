"""Where annotators of one document disagree, and how a reviewer settles it.

The spans of a document's annotators are grouped into clusters: two spans
join when they have the same label and overlap, or the same extent and
different labels. A cluster every annotator has exactly (one span, all of
them) is *agreed*; any other cluster is one disagreement:

- **missing**: some annotators have it, the others have nothing there;
- **boundary**: same label, overlapping, different extents;
- **label**: the same text tagged with different labels (this wins over
  boundary when both happen in one cluster);
- **link**: annotators who marked the same claim linked it to different
  sources, figures or dates.

Each disagreement has a key built from what every annotator has in it, so
it stays resolved until somebody changes those spans, and comes back, for
the reviewer to see, when they do. A resolution writes the adjudicated
(gold) layer through ``Store.write_gold``, which records the reviewer and
logs the decision; the key in that log entry is what marks it resolved.
"""

from __future__ import annotations

import gc
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from annotations.model import GOLD, Span
from annotations.normalise import has_norm, normalise_span
from annotations.store import Store, StoreError

AUTO_ACCEPT_SETTING = "review.auto_accept_agreed"
"""When "1", the review screen puts agreed spans into the gold layer by itself."""

FILTER_SETTING = "review.filter:{reviewer}"
"""Where a reviewer's filters are kept between sessions (JSON)."""

KINDS = ("missing", "boundary", "label", "link")
RESOLUTIONS = ("take", "union", "intersection", "edit", "reject")


class Extent(NamedTuple):
    """A label on a stretch of text, whoever put it there (a tuple: cheap to
    hash and sort by the thousand)."""

    start: int
    end: int
    label: str

    def overlaps(self, other: Extent) -> bool:
        return self.start < other.end and other.start < self.end


@dataclass(frozen=True, slots=True, eq=False)
class Disagreement:
    kind: str
    key: str
    start: int
    end: int
    """The stretch of text it covers."""
    labels: tuple[str, ...]
    versions: dict[str, tuple[Extent, ...]]
    """What each annotator of the document said: their spans in the cluster,
    or, for a link disagreement, the targets they linked the claim to (only
    annotators who marked the claim)."""
    claim: Extent | None = None
    """For a link disagreement: the claim whose links differ."""
    resolved: bool = False

    def involves(self, annotator: str) -> bool:
        """Whether this annotator's version differs from somebody else's."""
        mine = self.versions.get(annotator)
        return mine is not None and any(other != mine for other in self.versions.values())


@dataclass(slots=True)
class DocumentReview:
    """Everything the reviewer needs about one document."""

    document_id: int
    annotators: tuple[str, ...]
    spans: dict[str, list[Span]]
    """Each annotator's spans (and the gold layer's, under "gold")."""
    links: dict[str, set[tuple[Extent, Extent]]]
    """Each layer's links as (claim, target) extents."""
    disagreements: list[Disagreement]
    agreed: list[Extent]
    undisputed_links: set[tuple[Extent, Extent]]
    """Links of claims whose annotators agree on them, once both ends are gold."""
    norms: dict[Extent, dict[str, Any] | None] = field(default_factory=dict)

    @property
    def gold(self) -> set[Extent]:
        return {_extent(span) for span in self.spans.get(GOLD, [])}

    @property
    def unresolved(self) -> list[Disagreement]:
        return [d for d in self.disagreements if not d.resolved]

    @property
    def agreed_pending(self) -> list[Extent]:
        gold = self.gold
        return [extent for extent in self.agreed if extent not in gold]

    @property
    def links_pending(self) -> list[tuple[Extent, Extent]]:
        gold = self.gold
        linked = self.links.get(GOLD, set())
        return sorted(
            pair for pair in self.undisputed_links if pair[0] in gold and pair[1] in gold and pair not in linked
        )

    @property
    def left(self) -> int:
        """Decisions still to take here: unresolved disagreements, plus one
        for accepting whatever agreed spans and links are not gold yet."""
        return len(self.unresolved) + (1 if self.agreed_pending or self.links_pending else 0)

    @property
    def severity(self) -> float:
        """Share of the document's clusters in disagreement: the sort key of the queue."""
        clusters = len(self.disagreements) + len(self.agreed)
        return len(self.disagreements) / clusters if clusters else 0.0

    def find(self, key: str) -> Disagreement | None:
        return next((d for d in self.disagreements if d.key == key), None)


def _extent(span: Span) -> Extent:
    return Extent(span.start, span.end, span.label)


# -- analysis ------------------------------------------------------------------


def analyse(
    document_id: int,
    annotators: Sequence[str],
    spans: dict[str, list[Span]],
    links: dict[str, list[tuple[int, int]]],
    resolved_keys: Iterable[str] = (),
) -> DocumentReview:
    """The disagreements and agreed spans of one document.

    ``spans`` and ``links`` (claim id, target id) are per layer, the gold
    layer under "gold"; ``annotators`` are the document's annotators.
    """
    resolved = set(resolved_keys)
    who = tuple(sorted(annotators))
    extent_links: dict[str, set[tuple[Extent, Extent]]] = {}
    if links:
        by_id = {span.id: span for layer in spans.values() for span in layer}
        for layer, pairs in links.items():
            extent_links[layer] = {
                (_extent(by_id[claim]), _extent(by_id[target]))
                for claim, target in pairs
                if claim in by_id and target in by_id
            }

    holders: dict[Extent, set[str]] = {}
    norms: dict[Extent, dict[str, Any] | None] = {}
    for name in who:
        for span in spans.get(name, []):
            extent = _extent(span)
            holders.setdefault(extent, set()).add(name)
            norms.setdefault(extent, span.norm)
    clusters = _clusters(sorted(holders))

    disagreements: list[Disagreement] = []
    agreed: list[Extent] = []
    everyone = set(who)
    for cluster in clusters:
        if len(cluster) == 1 and holders[cluster[0]] == everyone:
            agreed.append(cluster[0])
            continue
        mine: dict[str, list[Extent]] = {name: [] for name in who}
        for e in cluster:
            for name in holders[e]:
                mine[name].append(e)
        versions = {name: tuple(found) for name, found in mine.items()}
        said = {v for v in versions.values() if v}
        labels = tuple(sorted({e.label for e in cluster}))
        if len(said) == 1:
            kind = "missing"
        elif len(labels) > 1:
            kind = "label"
        else:
            kind = "boundary"
        key = "span|" + ";".join(f"{e.label}:{e.start}:{e.end}:{'+'.join(sorted(holders[e]))}" for e in cluster)
        disagreements.append(
            Disagreement(
                kind,
                key,
                min(e.start for e in cluster),
                max(e.end for e in cluster),
                labels,
                versions,
                resolved=key in resolved,
            )
        )

    linked: dict[tuple[str, Extent], list[Extent]] = {}
    for name in who:
        for claim, target in extent_links.get(name, ()):
            linked.setdefault((name, claim), []).append(target)
    undisputed: set[tuple[Extent, Extent]] = set()
    for claim in sorted(e for e in holders if e.label == "claim"):
        marked = sorted(holders[claim])
        targets = {name: tuple(sorted(linked.get((name, claim), ()))) for name in marked}
        if len(set(targets.values())) == 1:
            undisputed.update((claim, target) for target in targets[marked[0]])
            continue
        key = f"link|{claim.label}:{claim.start}:{claim.end}|" + ";".join(
            f"{name}>" + ",".join(f"{t.label}:{t.start}:{t.end}" for t in targets[name]) for name in marked
        )
        every = [claim, *(t for ts in targets.values() for t in ts)]
        disagreements.append(
            Disagreement(
                "link",
                key,
                min(e.start for e in every),
                max(e.end for e in every),
                tuple(sorted({t.label for ts in targets.values() for t in ts})),
                targets,
                claim=claim,
                resolved=key in resolved,
            )
        )
    disagreements.sort(key=lambda d: (d.start, d.end, KINDS.index(d.kind)))
    return DocumentReview(document_id, who, spans, extent_links, disagreements, agreed, undisputed, norms)


def _clusters(extents: list[Extent]) -> list[list[Extent]]:
    """Connected groups: same label and overlapping, or same extent."""
    parent = list(range(len(extents)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(i: int, j: int) -> None:
        parent[root(i)] = root(j)

    by_label: dict[str, list[int]] = {}
    by_place: dict[tuple[int, int], int] = {}
    for i, extent in enumerate(extents):
        by_label.setdefault(extent.label, []).append(i)
        place = (extent.start, extent.end)
        if place in by_place:
            join(i, by_place[place])
        else:
            by_place[place] = i
    for members in by_label.values():
        # sorted by start: a sweep keeping the furthest end joins every overlap chain
        reach, holder = -1, -1
        for i in members:
            if extents[i].start < reach:
                join(i, holder)
            if extents[i].end > reach:
                reach, holder = extents[i].end, i
    groups: dict[int, list[Extent]] = {}
    for i, extent in enumerate(extents):
        groups.setdefault(root(i), []).append(extent)
    return sorted(groups.values(), key=lambda group: (group[0].start, group[0].end))


def load(
    store: Store,
    document_ids: Iterable[int] | None = None,
    annotators: Sequence[str] | None = None,
) -> dict[int, DocumentReview]:
    """Reviews of the documents (default: all) annotated by two or more of
    ``annotators`` (default: every human annotator), with a few bulk queries."""
    # hundreds of thousands of small objects, none of them cyclic: the
    # cyclic collector would only rescan them over and over (4x slower)
    paused = gc.isenabled()
    gc.disable()
    try:
        return _load(store, document_ids, annotators)
    finally:
        if paused:
            gc.enable()


def _load(
    store: Store,
    document_ids: Iterable[int] | None,
    annotators: Sequence[str] | None,
) -> dict[int, DocumentReview]:
    ids = None if document_ids is None else sorted(set(document_ids))
    team = set(annotators) if annotators is not None else {a.name for a in store.annotators()}
    layers: dict[int, dict[str, list[Span]]] = {}
    for span in store.all_spans(ids):
        if span.annotator in team or span.annotator == GOLD:
            layers.setdefault(span.document_id, {}).setdefault(span.annotator, []).append(span)
    annotated: dict[int, set[str]] = {
        doc: {name for name in layer if name != GOLD} for doc, layer in layers.items()
    }
    wanted = None if ids is None else set(ids)
    for status in store.all_statuses():
        if status.status == "done" and status.annotator in team and (wanted is None or status.document_id in wanted):
            annotated.setdefault(status.document_id, set()).add(status.annotator)
    shared = sorted(doc for doc, names in annotated.items() if len(names) >= 2)
    if not shared:
        return {}
    links: dict[int, dict[str, list[tuple[int, int]]]] = {}
    owner = {span.id: span.annotator for layer in layers.values() for spans in layer.values() for span in spans}
    for doc, claim, target in store.all_links(shared if ids is not None else None):
        if claim in owner:
            links.setdefault(doc, {}).setdefault(owner[claim], []).append((claim, target))
    resolved: dict[int, set[str]] = {}
    for action in store.adjudications(shared if ids is not None else None):
        if action.payload.get("key") and action.document_id is not None:
            resolved.setdefault(action.document_id, set()).add(action.payload["key"])
    return {
        doc: analyse(doc, sorted(annotated[doc]), layers.get(doc, {}), links.get(doc, {}), resolved.get(doc, ()))
        for doc in shared
    }


def queue(
    reviews: Iterable[DocumentReview],
    *,
    label: str | None = None,
    annotator: str | None = None,
    unresolved_only: bool = False,
) -> list[DocumentReview]:
    """The documents to review, the worst disagreement first, filtered:
    ``label`` keeps documents with a disagreement on that label,
    ``annotator`` those that annotator annotated, ``unresolved_only`` those
    with a decision left."""
    chosen = []
    for review in reviews:
        if annotator is not None and annotator not in review.annotators:
            continue
        if label is not None and not any(label in d.labels or _claim_label(d) == label for d in review.disagreements):
            continue
        if unresolved_only and not review.left:
            continue
        chosen.append(review)
    return sorted(chosen, key=lambda r: (-r.severity, -len(r.disagreements), r.document_id))


def visible(review: DocumentReview, *, label: str | None = None, annotator: str | None = None) -> list[Disagreement]:
    """The disagreements of a review that pass the label and annotator filters."""
    return [
        d
        for d in review.disagreements
        if (label is None or label in d.labels or _claim_label(d) == label)
        and (annotator is None or d.involves(annotator))
    ]


def _claim_label(disagreement: Disagreement) -> str | None:
    return None if disagreement.claim is None else disagreement.claim.label


# -- resolutions -------------------------------------------------------------------


def proposal(
    review: DocumentReview,
    disagreement: Disagreement,
    how: str,
    *,
    annotator: str | None = None,
    extent: tuple[int, int] | None = None,
    label: str | None = None,
) -> list[Extent]:
    """What the gold layer would hold for this disagreement under a resolution
    (for a link disagreement: the claim's link targets)."""
    if how not in RESOLUTIONS:
        raise StoreError(f"unknown resolution {how!r} (resolutions: {', '.join(RESOLUTIONS)})")
    versions = disagreement.versions
    if how == "take":
        if annotator not in versions:
            if annotator in review.annotators:
                return []  # they did not mark the claim: no links
            raise StoreError(f"{annotator!r} is not an annotator of this document")
        return list(versions[annotator])
    if how == "reject":
        return []
    if how == "edit":
        if disagreement.kind == "link":
            raise StoreError("a link disagreement has no extent to edit: take a version, the union, the intersection or reject")
        if extent is None:
            raise StoreError("an edited resolution needs an extent")
        start, end = extent
        if not 0 <= start < end:
            raise StoreError(f"[{start}, {end}) is not an extent")
        if label is None:
            if len(disagreement.labels) != 1:
                raise StoreError(f"choose the label of the edited span ({', '.join(disagreement.labels)})")
            label = disagreement.labels[0]
        return [Extent(start, end, label)]
    if disagreement.kind == "link":
        # the claim's targets: in any version (union) or in every version (intersection)
        targets = [set(v) for v in versions.values()]
        return sorted(set.union(*targets) if how == "union" else set.intersection(*targets))
    # extents, label by label, over the annotators who have that label here
    result: list[Extent] = []
    for name in disagreement.labels:
        coverages = [_merge([(e.start, e.end) for e in v if e.label == name]) for v in versions.values()]
        coverages = [c for c in coverages if c]
        if not coverages:
            continue
        if how == "union":
            pieces = _merge([piece for c in coverages for piece in c])
        else:
            pieces = coverages[0]
            for other in coverages[1:]:
                pieces = _intersect(pieces, other)
        result.extend(Extent(start, end, name) for start, end in pieces)
    return sorted(result)


def resolve(
    store: Store,
    review: DocumentReview,
    disagreement: Disagreement,
    reviewer: str,
    how: str,
    *,
    annotator: str | None = None,
    extent: tuple[int, int] | None = None,
    label: str | None = None,
) -> int:
    """Settle one disagreement in the gold layer; returns the logged action's id.

    ``how``: "take" (``annotator``'s version), "union" or "intersection" of
    the extents, "edit" (``extent``, and ``label`` when the disagreement has
    several), or "reject" (nothing of it goes to gold).
    """
    target = proposal(review, disagreement, how, annotator=annotator, extent=extent, label=label)
    gold_spans = review.spans.get(GOLD, [])
    resolution = f"take:{annotator}" if how == "take" else how
    if disagreement.kind == "link":
        claim = disagreement.claim
        assert claim is not None
        have = {_extent(span) for span in gold_spans}
        # the claim and the chosen targets must be gold for the links to exist;
        # rejecting every link brings nothing in
        add = [e for e in ([claim, *target] if target else []) if e not in have]
        gold_ids = {_extent(span): span.id for span in gold_spans}
        claim_id = gold_ids.get(claim)
        unlink = [
            (claim_id, gold_ids[t])
            for c, t in review.links.get(GOLD, set())
            if c == claim and t not in target and claim_id is not None and t in gold_ids
        ]
        return store.write_gold(
            review.document_id,
            reviewer,
            add=[(e.label, e.start, e.end, _norm(store, review, e, annotator)) for e in add],
            link=[((claim.label, claim.start, claim.end), (t.label, t.start, t.end)) for t in target],
            unlink=unlink,
            key=disagreement.key,
            resolution=resolution,
        )
    involved: dict[str, list[Extent]] = {}
    for version in disagreement.versions.values():
        for e in version:
            involved.setdefault(e.label, []).append(e)
    keep = set(target)
    remove = [
        span.id
        for span in gold_spans
        if _extent(span) not in keep
        and any(_extent(span).overlaps(e) for e in involved.get(span.label, []))
    ]
    have = {_extent(span) for span in gold_spans if span.id not in remove}
    return store.write_gold(
        review.document_id,
        reviewer,
        remove=remove,
        add=[(e.label, e.start, e.end, _norm(store, review, e, annotator)) for e in target if e not in have],
        key=disagreement.key,
        resolution=resolution,
    )


def accept_agreed(store: Store, review: DocumentReview, reviewer: str) -> int | None:
    """Put every agreed span of the document, and every undisputed link whose
    ends are gold, into the gold layer in one decision; None if nothing was left."""
    spans = review.agreed_pending
    gold = review.gold | set(spans)
    linked = review.links.get(GOLD, set())
    links = sorted(p for p in review.undisputed_links if p[0] in gold and p[1] in gold and p not in linked)
    if not spans and not links:
        return None
    return store.write_gold(
        review.document_id,
        reviewer,
        add=[(e.label, e.start, e.end, review.norms.get(e)) for e in spans],
        link=[((c.label, c.start, c.end), (t.label, t.start, t.end)) for c, t in links],
        resolution="accept_agreed",
    )


@dataclass(frozen=True, slots=True)
class Filters:
    """What the review queue shows: one label, one annotator, only unresolved."""

    label: str | None = None
    annotator: str | None = None
    unresolved: bool = False

    def describe(self) -> str:
        parts = []
        if self.label:
            parts.append(f"label {self.label}")
        if self.annotator:
            parts.append(f"annotator {self.annotator}")
        if self.unresolved:
            parts.append("unresolved only")
        return ", ".join(parts) or "none"


def load_filters(store: Store, reviewer: str) -> Filters:
    try:
        saved = json.loads(store.setting(FILTER_SETTING.format(reviewer=reviewer)) or "{}")
    except ValueError:
        saved = {}
    labels = {label.name for label in store.labels()}
    names = {a.name for a in store.annotators()}
    label = saved.get("label")
    annotator = saved.get("annotator")
    return Filters(
        label if label in labels else None,
        annotator if annotator in names else None,
        bool(saved.get("unresolved", False)),
    )


def save_filters(store: Store, reviewer: str, filters: Filters) -> None:
    value = {"label": filters.label, "annotator": filters.annotator, "unresolved": filters.unresolved}
    store.set_setting(FILTER_SETTING.format(reviewer=reviewer), json.dumps(value))


def auto_accept(store: Store) -> bool:
    return store.setting(AUTO_ACCEPT_SETTING, "0") == "1"


def set_auto_accept(store: Store, on: bool) -> None:
    store.set_setting(AUTO_ACCEPT_SETTING, "1" if on else "0")


def _norm(store: Store, review: DocumentReview, extent: Extent, annotator: str | None) -> dict[str, Any] | None:
    """The normalised value of a span going to gold: the chosen annotator's,
    else the one annotators gave that exact span, else (a new extent from a
    union, an intersection or an edit) computed as for a span tagged by hand."""
    if annotator is not None:
        for span in review.spans.get(annotator, []):
            if _extent(span) == extent:
                return span.norm
    if extent in review.norms:
        return review.norms[extent]
    if not has_norm(extent.label):
        return None
    document = store.document(review.document_id)
    published = document.meta.get("published")
    return normalise_span(extent.label, document.text[extent.start : extent.end], str(published) if published else None)


def _merge(pieces: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(pieces):
        # overlapping pieces join; pieces that only touch stay apart
        if merged and start < merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _intersect(a: list[tuple[int, int]], b: list[tuple[int, int]]) -> list[tuple[int, int]]:
    result: list[tuple[int, int]] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start, end = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if start < end:
            result.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return result
