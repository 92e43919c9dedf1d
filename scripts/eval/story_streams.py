"""Dev streams of loose articles with gold stories, built from the shared evaluation clusters.

    python scripts/eval/story_streams.py ../shared/data /tmp/story_streams

The clusters of Multi-News and DUC are stories; flattening them gives what a nightly inbox
holds, a pile of articles, with the cluster kept only as the gold ``story`` label. Writes, one
article a line (``id``, ``text``, optional ``title``, ``date``, ``source``, and ``story``):

- ``grouping_dev.jsonl``: every Multi-News validation cluster and the 50 DUC 2006 topics (25
  newswire articles each), flattened, mixed and shuffled (about 15,000 articles): the issue's
  grouping dev stream, the one the method is chosen on;
- ``grouping_mn1000.jsonl``: the first 1,000 Multi-News validation clusters alone (the stream
  of the issue's two baselines, about 2,600 articles);
- ``grouping_mix1000.jsonl``: the same plus the DUC 2006 topics (about 3,800 articles), small
  enough for the full-matrix baselines, with stories of very different sizes;
- ``grouping_duc2006.jsonl``: the 50 DUC 2006 topics alone (newswire articles; an article
  filed under two topics is left out of both);
- ``grouping_ecb.jsonl``: ``stories/ecb_dev.jsonl`` as it is (479 articles, 42 stories: in each
  ECB+ topic two events of one kind), the stream of same-kind merges;
- ``grouping_mixall.jsonl``: one night mixing all three (mn1000, DUC 2006 and ecb_dev as it
  is, about 4,300 articles), small enough for the shared full-matrix baseline;
- ``tracking/night{1,2,3}.jsonl``: validation clusters 1,000 on with at least three articles,
  article k of a cluster on night k mod 3 + 1, plus stories of one night (clusters with fewer
  articles) added to each night;
- ``duc2007/night{1,2}.jsonl``: the DUC 2007 update topics, batch A then batch B;
- ``pairs_train/night{1,2}.jsonl``: the nights the grouper's pair model is fitted on
  (``scripts/train/train_pair_model.py``), from Multi-News validation clusters 3,000 to 4,199
  and the 23 DUC 2007 main topics (no stream the grouping is scored on shares a cluster with
  them: the tracking nights end before cluster 1,800): night 1 holds every article of each,
  night 2 one or two of each (seeded), as a nightly inbox where most stories have one or two
  articles tonight;
- ``ecb_nights/night{1,2}.jsonl``: each ``ecb_dev`` topic's first event on night 1, its
  second on night 2 (every link between the nights glues two events of one kind), and
  ``ecb_halves/night{1,2}.jsonl``: each event's articles in turn over the two nights.

A text whose opening (first ten words, case folded) recurs in several clusters is left out:
Multi-News carries the Wayback Machine's crawl notice and cookie banners in many clusters, and
no grouping can or should put those with their gold story. Multi-News articles get an id from
their content (nothing in it names the cluster); DUC articles keep their newswire id, which
also gives their ``date`` and ``source`` (the agency).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

SEED = 20261203
OPENING_WORDS = 10
BASELINE_CLUSTERS = 1000
TRACKING_STORIES = 300
"""Multi-night stories in the tracking stream (clusters with at least three articles)."""
ONE_NIGHT_STORIES = 150
"""Stories of one night added to each night of the tracking stream."""
PAIR_TRAINING_CLUSTERS = slice(3000, 4200)
"""The Multi-News validation clusters of the pair model's training stream."""


def read_clusters(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as lines:
        return [json.loads(line) for line in lines if line.strip()]


def opening(text: str) -> str:
    return " ".join(text.lower().split()[:OPENING_WORDS])


def content_id(text: str) -> str:
    return "a" + hashlib.sha1(" ".join(text.split()).encode("utf-8")).hexdigest()[:11]


def newswire_fields(doc_id: str) -> dict:
    """``APW19990707.0181`` -> date 1999-07-07, source APW."""
    agency, digits = doc_id[:3], doc_id[3:11]
    return {"date": f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}", "source": agency}


def flatten(cluster: dict, documents: str = "documents", ids: str = "doc_ids") -> list[dict]:
    """The cluster's articles as loose records labelled with the cluster's id."""
    story = cluster["id"].rsplit("-", 1)[0] if cluster["id"].startswith("D07") else cluster["id"]
    records = []
    for number, text in enumerate(cluster[documents]):
        if not text.strip():
            continue
        if ids in cluster:
            doc_id = cluster[ids][number]
            records.append({"id": doc_id, "text": text, **newswire_fields(doc_id)})
        else:
            records.append({"id": content_id(text), "text": text})
        records[-1]["story"] = story
    return records


def without_shared_openings(records: list[dict]) -> list[dict]:
    """Leaves out texts whose opening recurs in several stories, and repeated ids."""
    stories = defaultdict(set)
    for record in records:
        stories[opening(record["text"])].add(record["story"])
    seen: set[str] = set()
    kept = []
    for record in records:
        if len(stories[opening(record["text"])]) > 1 or record["id"] in seen:
            continue
        seen.add(record["id"])
        kept.append(record)
    return kept


def shuffled(records: list[dict], seed: int = SEED) -> list[dict]:
    records = list(records)
    random.Random(seed).shuffle(records)
    return records


def write(path: Path, records: Iterable[dict]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with path.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            count += 1
    print(f"{path}: {count} articles, {len({r['story'] for r in _read(path)})} stories")
    return count


def _read(path: Path) -> list[dict]:
    return read_clusters(path)


def grouping_streams(data: Path, out: Path) -> None:
    validation = read_clusters(data / "multi_news" / "validation_truncated.jsonl")
    duc = [a for c in read_clusters(data / "duc2006" / "main.jsonl") for a in flatten(c)]
    first = [a for c in validation[:BASELINE_CLUSTERS] for a in flatten(c)]
    every = [a for c in validation for a in flatten(c)]
    write(out / "grouping_dev.jsonl", shuffled(without_shared_openings(every + duc)))
    write(out / "grouping_mn1000.jsonl", shuffled(without_shared_openings(first)))
    write(out / "grouping_mix1000.jsonl", shuffled(without_shared_openings(first + duc)))
    ecb = read_clusters(data / "stories" / "ecb_dev.jsonl")
    write(out / "grouping_duc2006.jsonl", shuffled(without_shared_openings(duc)))
    write(out / "grouping_ecb.jsonl", ecb)
    write(out / "grouping_mixall.jsonl", shuffled(without_shared_openings(first + duc) + ecb))


def tracking_stream(data: Path, out: Path) -> None:
    """Clusters from 1,000 on, so the tracking stories are not those of the baselines' stream."""
    validation = read_clusters(data / "multi_news" / "validation_truncated.jsonl")[
        BASELINE_CLUSTERS:
    ]
    articles = [without_shared_openings(flatten(c)) for c in validation]
    articles = _drop_shared(articles)
    long = [a for a in articles if len(a) >= 3][:TRACKING_STORIES]
    short = [a for a in articles if 1 <= len(a) < 3][: 3 * ONE_NIGHT_STORIES]
    nights: list[list[dict]] = [[], [], []]
    for story in long:
        for k, article in enumerate(story):
            nights[k % 3].append(article)
    for number, story in enumerate(short):
        nights[number % 3].extend(story)
    for night, records in enumerate(nights, start=1):
        write(out / "tracking" / f"night{night}.jsonl", shuffled(records, SEED + night))


def _drop_shared(stories: list[list[dict]]) -> list[list[dict]]:
    """Per story, its articles once texts with an opening shared across stories are gone."""
    flat = without_shared_openings([a for story in stories for a in story])
    kept = {id(a) for a in flat}
    return [[a for a in story if id(a) in kept] for story in stories]


def pair_training_streams(data: Path, out: Path) -> None:
    """Newswire with names and dates (DUC 2007's main topics, months long) beside lower-cased
    Multi-News stories of a few articles, each whole (a dense night) and cut to one or two
    articles (a sparse one, where an article's nearest neighbour is often another story): the
    kinds of night the pair model must read."""
    validation = read_clusters(data / "multi_news" / "validation_truncated.jsonl")
    clusters = validation[PAIR_TRAINING_CLUSTERS]
    clusters += read_clusters(data / "duc2007" / "main_pyramid_topics.jsonl")
    stories = _drop_shared([flatten(c) for c in clusters])
    draw = random.Random(SEED)
    sparse = [a for story in stories for a in story[: draw.choice((1, 2))]]
    write(out / "pairs_train" / "night1.jsonl", shuffled([a for s in stories for a in s]))
    write(out / "pairs_train" / "night2.jsonl", shuffled(sparse))


def duc2007_stream(data: Path, out: Path) -> None:
    batch_a = [
        a for c in read_clusters(data / "duc2007" / "update_subsetA.jsonl") for a in flatten(c)
    ]
    batch_b = [a for c in read_clusters(data / "duc2007" / "update_B.jsonl") for a in flatten(c)]
    write(out / "duc2007" / "night1.jsonl", shuffled(batch_a, SEED + 1))
    write(out / "duc2007" / "night2.jsonl", shuffled(batch_b, SEED + 2))


def ecb_night_streams(data: Path, out: Path) -> None:
    """``ecb_dev`` over two nights, twice: each topic's first event on night 1 and its second
    (the same kind, other time, place and people) on night 2, so that every link made between
    the nights glues two events (``ecb_nights/``); and each event's articles taken in turn
    over the two nights, so that every event should keep one id (``ecb_halves/``)."""
    ecb = read_clusters(data / "stories" / "ecb_dev.jsonl")
    events = [[r for r in ecb if not r["story"].endswith("plus")],
              [r for r in ecb if r["story"].endswith("plus")]]  # fmt: skip
    halves: list[list[dict]] = [[], []]
    taken: dict[str, int] = defaultdict(int)
    for record in ecb:
        halves[taken[record["story"]] % 2].append(record)
        taken[record["story"]] += 1
    for night in (1, 2):
        write(out / "ecb_nights" / f"night{night}.jsonl", events[night - 1])
        write(out / "ecb_halves" / f"night{night}.jsonl", halves[night - 1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", type=Path, help="the shared data folder (../shared/data)")
    parser.add_argument("out", type=Path, help="where the streams go (outside the repository)")
    args = parser.parse_args()
    grouping_streams(args.data, args.out)
    tracking_stream(args.data, args.out)
    duc2007_stream(args.data, args.out)
    ecb_night_streams(args.data, args.out)
    pair_training_streams(args.data, args.out)


if __name__ == "__main__":
    main()
