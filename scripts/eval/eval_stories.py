"""Grouping and tracking quality on the dev streams of ``scripts/eval/story_streams.py``.

    python scripts/eval/story_streams.py ../shared/data /tmp/story_streams
    PYTHONPATH=<earlier checkout>/src python scripts/eval/eval_stories.py /tmp/story_streams \
        --baseline ../shared/tools/story_baseline.py --dump-default /tmp/stories-cache/before.json
    python scripts/eval/eval_stories.py /tmp/story_streams \
        --baseline ../shared/tools/story_baseline.py --before /tmp/stories-cache/before.json

Articles are cleaned by the default cleaner and embedded by the default embedder (MiniLM,
onnx-int8; the vectors are cached under ``--cache`` so a second run embeds nothing). Prints and
writes (``--out``, JSON), per stream (mn1000, DUC 2006, ecb_dev, the mixed night, and each
night of the tracking stream taken alone):

1. the shared baseline (``--baseline``, run as it is in its own process on the stream file),
   its stories scored by our scorer beside its own printout;
2. the default before (a ``--dump-default`` file written by an earlier version of the code)
   and the default now, and for ``ecb_dev`` their ten largest stories with their gold make-up;
3. every variant of ``VARIANTS``, each at the cut ``choose`` gives it (first at least the
   baseline on the one-batch streams, then the largest worst margin on the nights);
4. tracking over three nights (``tracking/``), DUC 2007 A -> B (``duc2007/``) and ``ecb_dev``
   over two nights (``ecb_nights/``: one event of each topic a night, ``ecb_halves/``: each
   event over both): BCubed F1 over all nights with the final story ids as labels, beside the
   same grouper on all nights in one batch, the share of stories seen on several nights that
   kept one id, the share of their later nights that would get an update briefing, and the
   links made to an earlier story of another gold story. The linker is given tonight's articles and
   the open window's, as a nightly run gives it (``--link-thresholds``: again at other cuts).
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from summarize.data import Article
from summarize.run.stories import open_since
from summarize.stages.clean.cleaner import BoilerplateCleaner
from summarize.stages.embed import SentenceTransformerEmbedder
from summarize.stages.group import (
    LooseArticle,
    StoryGrouper,
    StoryLinker,
    digest,
    grouping_scores,
)
from summarize.stages.group.features import NightFeatures, article_vectors
from summarize.stages.group.grouper import canonical_order
from summarize.stages.split import PunktSplitter

THRESHOLDS = [0.1, 0.12, 0.14, 0.16, 0.18, 0.2, 0.22, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5]
COSINE = {"score": "cosine"}
VARIANTS = {
    # name: StoryGrouper settings (the threshold is chosen per variant)
    "learned pair score + story-level check 0.25 (chosen)": {},
    "learned pair score, no story-level check": {"split_below": None},
    "TF-IDF, no story-level check": {**COSINE, "split_below": None},
    "TF-IDF + story-level check 0.25 (the default before)": COSINE,
    "TF-IDF + story-level check 0.35": {**COSINE, "split_below": 0.35},
    "TF-IDF 0.8 + names 0.2, no check": {
        **COSINE,
        "text_weight": 0.8,
        "names_weight": 0.2,
        "split_below": None,
    },
    "TF-IDF 0.8 + names 0.2 + check": {**COSINE, "text_weight": 0.8, "names_weight": 0.2},
    "TF-IDF 0.9 + neural 0.1 + check": {**COSINE, "text_weight": 0.9},
    "check + no year in common x0.5": {**COSINE, "other_years": 0.5},
    "check + articles dated > 30 days apart never linked": {**COSINE, "max_days": 30},
}
STREAMS = {
    "mn1000": "grouping_mn1000",
    "duc2006": "grouping_duc2006",
    "ecb": "grouping_ecb",
    "mixall": "grouping_mixall",
    "tracking-night1": "tracking/night1",
    "tracking-night2": "tracking/night2",
    "tracking-night3": "tracking/night3",
}
"""Every variant is swept on each: one batch of whole stories, and the nights of the tracking
stream, where most stories have one or two articles tonight, as in a nightly inbox."""
ONE_BATCH = ("mn1000", "duc2006", "ecb", "mixall")
"""The issue's streams: a variant's cut keeps each at least at the shared baseline, if it can."""
NIGHTS = ("tracking-night1", "tracking-night2", "tracking-night3")


def read_stream(path: Path, cleaner: BoilerplateCleaner) -> tuple[list[LooseArticle], list[str]]:
    """Cleaned articles (the raw text when cleaning leaves nothing) and their gold stories."""
    articles, gold = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        raw = Article(index=0, text=record["text"], source=record["id"], title=record.get("title"))
        text = cleaner.clean(raw).text.strip() or record["text"]
        articles.append(
            LooseArticle(
                id=record["id"],
                text=text,
                title=record.get("title"),
                date=record.get("date"),
                source=record.get("source"),
            )
        )
        gold.append(record["story"])
    return articles, gold


class Vectors:
    """Article vectors (mean of opening sentences) and whole-article vectors, memoised on disk."""

    def __init__(self, cache: Path) -> None:
        self.cache = cache
        self.embedder = SentenceTransformerEmbedder(
            backend="onnx-int8", cache_dir=str(cache / "embeddings")
        )
        self.splitter = PunktSplitter()

    def _memo(self, name: str, compute) -> np.ndarray:
        path = self.cache / f"{name}.npy"
        if path.exists():
            return np.load(path)
        vectors = compute()
        np.save(path, vectors)
        return vectors

    def opening(self, stream: str, articles: list[LooseArticle], count: int = 5) -> np.ndarray:
        return self._memo(
            f"{stream}-opening{count}",
            lambda: article_vectors(articles, self.embedder, self.splitter, count),
        )

    def whole(self, stream: str, articles: list[LooseArticle]) -> np.ndarray:
        return self._memo(
            f"{stream}-whole", lambda: self.embedder.encode([a.text for a in articles])
        )


def shared_baseline(tool: Path, stream: Path, cache: Path) -> tuple[dict, dict[str, str]]:
    """The shared baseline run as it is (its own process, its own printout) on ``stream``, and
    its story of each article, kept under ``cache`` so a second run costs nothing."""
    stories = cache / f"baseline-{stream.stem}.jsonl"
    printout = cache / f"baseline-{stream.stem}.json"
    if not printout.exists():
        command = [sys.executable, str(tool), str(stream), "--out", str(stories)]
        result = subprocess.run(command, check=True, capture_output=True, text=True)
        printout.write_text(result.stdout, encoding="utf-8")
    story_of = {
        article: record["id"]
        for line in stories.read_text(encoding="utf-8").splitlines()
        for record in (json.loads(line),)
        for article in record["articles"]
    }
    return json.loads(printout.read_text(encoding="utf-8")), story_of


def scored(gold: list[str], labels: list) -> dict:
    """Pair and BCubed P/R/F1 in %, rounded to one decimal, and the number of stories."""
    scores = grouping_scores(gold, labels)
    keys = ("pair_precision", "pair_recall", "pair_f1", "bcubed_precision", "bcubed_recall",
            "bcubed_f1")  # fmt: skip
    return {**{k: round(100 * scores[k], 1) for k in keys}, "stories": scores["stories"]}


def night_features(
    articles: list[LooseArticle], gold: list[str], vectors: np.ndarray
) -> tuple[NightFeatures, list[str | None], list[str]]:
    """A stream as the grouper reads it: its articles' views in the grouper's order (by id),
    with their dates and gold stories in that order."""
    order = canonical_order(articles)
    ordered = [articles[i] for i in order]
    features = NightFeatures.build(ordered, vectors[order])
    return features, [a.date for a in ordered], [gold[i] for i in order]


def sweep(features: NightFeatures, dates: list, gold: list[str], settings: dict) -> dict:
    """Scores per threshold; the neighbour graph is built once for all thresholds."""
    graph = StoryGrouper(**settings).graph(features, dates)
    return {
        threshold: scored(
            gold, StoryGrouper(**{**settings, "threshold": threshold}).cut(graph, features).tolist()
        )
        for threshold in THRESHOLDS
    }


def choose(per_stream: dict[str, dict], baseline: dict[str, dict]) -> float:
    """The cut of a variant: among the cuts that keep every one-batch stream at least at the
    shared baseline on pair and BCubed F1 (the issue's goal), the one with the largest worst
    margin on the tracking nights, then on the one-batch streams; when no cut keeps them all,
    the one with the largest worst margin on every stream."""

    def worst(threshold: float, streams: tuple[str, ...]) -> float:
        return min(
            (
                per_stream[s][threshold][score] - baseline[s][score]
                for s in streams
                if s in per_stream
                for score in ("pair_f1", "bcubed_f1")
            ),
            default=0.0,
        )

    allowed = [t for t in THRESHOLDS if worst(t, ONE_BATCH) >= 0]
    if not allowed:
        return max(THRESHOLDS, key=lambda t: worst(t, tuple(STREAMS)))
    return max(allowed, key=lambda t: (worst(t, NIGHTS), worst(t, ONE_BATCH)))


def variants(streams: dict, baseline: dict[str, dict]) -> list[dict]:
    """Each variant's threshold chosen over the choosing streams, its scores on every stream."""
    rows = []
    for name, settings in VARIANTS.items():
        per_stream = {
            stream: sweep(features, dates, gold, settings)
            for stream, (features, dates, gold) in streams.items()
        }
        best = choose(per_stream, baseline)
        row = {"variant": name, "threshold": best}
        for stream, scores in per_stream.items():
            row[stream] = scores[best]
        row["sweep"] = {
            t: {s: (v[t]["pair_f1"], v[t]["bcubed_f1"]) for s, v in per_stream.items()}
            for t in THRESHOLDS
        }
        rows.append(row)
        print(json.dumps({k: v for k, v in row.items() if k != "sweep"}), flush=True)
    return rows


@dataclass(frozen=True)
class Grouped:
    """A story as another grouping gave it: its id and articles."""

    id: str
    articles: tuple[str, ...]
    title: str = ""


def _stories(story_of: dict[str, str]) -> list[Grouped]:
    members: dict[str, list[str]] = {}
    for article, story in story_of.items():
        members.setdefault(story, []).append(article)
    return [Grouped(story, tuple(articles)) for story, articles in members.items()]


def largest(stories: list, gold: dict[str, str], count: int = 10) -> list[dict]:
    """The ``count`` largest stories with their gold make-up (gold story: articles), and
    whether they glue the two events of one ECB+ topic (``ecb-<topic>-ecb``/``-ecbplus``)."""
    rows = []
    for story in sorted(stories, key=lambda s: (-len(s.articles), s.id))[:count]:
        makeup = Counter(gold[a] for a in story.articles)
        topics = Counter(label.rsplit("-", 1)[0] for label in makeup)
        rows.append({"size": len(story.articles), "title": story.title,
                     "gold": dict(makeup.most_common()),
                     "glued": any(n > 1 for n in topics.values())})  # fmt: skip
    return rows


def track(
    nights: list[tuple[str, list[LooseArticle], list[str], np.ndarray]],
    grouper: StoryGrouper,
    linker: StoryLinker,
) -> dict:
    """Groups and links night after night; scores the ids over all nights."""
    records = []
    gold_all, predicted_all = [], []
    continued_stories = 0
    per_gold: dict[str, list[tuple[str, str, bool]]] = {}
    stored: dict[tuple[str, str], LooseArticle] = {}  # the articles files of the nights so far
    gold_of: dict[str, str] = {}
    wrong_links = 0
    for night, articles, gold, vectors in nights:
        gold_of.update(zip((a.id for a in articles), gold, strict=True))
        stories = grouper.group_vectors(articles, vectors)
        digests = {a.id: digest(a.text) for a in articles}
        stored.update(((night, a.id), a) for a in articles)
        since = open_since(night, linker.close_after_days)
        window = {key: a for key, a in stored.items() if since <= key[0] <= night}
        if "articles" in inspect.signature(linker.link).parameters:
            linking = linker.link(stories, digests, night, records, window)
        else:  # the code before the linker compared articles (a --dump-default of it)
            linking = linker.link(stories, digests, night, records)
        records.extend(linking.records)
        continued_stories += len(linking.continued)
        for story in linking.stories:
            if story.id in linking.continued:
                earlier = linking.continued[story.id].articles
                wrong_links += _main_gold(story.articles, gold_of) != _main_gold(earlier, gold_of)
        story_of = {a: s.id for s in linking.stories for a in s.articles}
        for article in articles:
            gold_all.append(gold_of[article.id])
            predicted_all.append(story_of[article.id])
        by_gold: dict[str, Counter] = {}
        for article in articles:
            by_gold.setdefault(gold_of[article.id], Counter())[story_of[article.id]] += 1
        for story, counts in by_gold.items():
            main = min(counts, key=lambda s: (-counts[s], s))
            per_gold.setdefault(story, []).append((night, main, main in linking.continued))
    spanning = {g: seen for g, seen in per_gold.items() if len(seen) > 1}
    kept = sum(len({main for _, main, _ in seen}) == 1 for seen in spanning.values())
    later = [update for seen in spanning.values() for _, _, update in seen[1:]]
    scores = grouping_scores(gold_all, predicted_all)
    return {
        "articles": len(gold_all),
        "bcubed_f1_all_nights": scores["bcubed_f1"],
        "pair_f1_all_nights": scores["pair_f1"],
        "stories_over_several_nights": len(spanning),
        "kept_one_id": kept / len(spanning) if spanning else None,
        "later_nights_as_update": sum(later) / len(later) if later else None,
        "links_made": continued_stories,
        "links_to_another_story": wrong_links,
    }


def _main_gold(articles: tuple[str, ...], label: dict[str, str]) -> str:
    """The gold story most of ``articles`` belong to (ties: the first by name)."""
    counts = Counter(label[a] for a in articles)
    return min(counts, key=lambda g: (-counts[g], g))


def tracking(
    streams: Path,
    cleaner: BoilerplateCleaner,
    vectors: Vectors,
    grouper: StoryGrouper,
    when: str,
    linker: StoryLinker | None = None,
) -> dict[str, dict]:
    """``track`` on the three Multi-News nights, DUC 2007 A -> B and the two ``ecb_dev`` night
    streams, each beside the same grouper on all nights in one batch (BCubed over all nights
    either way)."""
    linker = linker or StoryLinker()
    rows = {}
    for name, count in (("tracking", 3), ("duc2007", 2), ("ecb_nights", 2), ("ecb_halves", 2)):
        nights = []
        for number in range(1, count + 1):
            articles, gold = read_stream(streams / name / f"night{number}.jsonl", cleaner)
            opening = vectors.opening(f"{name}-night{number}", articles)
            nights.append((f"2026-01-{number:02d}", articles, gold, opening))
        row = track(nights, grouper, linker)
        merged = [a for night in nights for a in night[1]]
        stories = grouper.group_vectors(merged, np.vstack([night[3] for night in nights]))
        story_of = {a: s.id for s in stories for a in s.articles}
        gold_all = [g for night in nights for g in night[2]]
        row["one_batch"] = scored(gold_all, [story_of[a.id] for a in merged])
        rows[f"{name} {when}"] = row
        print(name, when, json.dumps(row), flush=True)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("streams", type=Path, help="folder written by story_streams.py")
    parser.add_argument("--baseline", type=Path, required=True,
                        help="the shared baseline (../shared/tools/story_baseline.py)")  # fmt: skip
    parser.add_argument("--cache", type=Path, default=Path("/tmp/stories-cache"))
    parser.add_argument("--out", type=Path, default=None, help="write all figures as JSON")
    parser.add_argument("--dev", action="store_true", help="also the 15,000-article dev stream")
    parser.add_argument("--only", nargs="*", default=None, help="only these variants")
    parser.add_argument("--tracking-only", action="store_true", help="only the tracking table")
    parser.add_argument("--link-thresholds", nargs="*", type=float, default=[],
                        help="tracking again with the linker's cut at each of these (a "
                        "sensitivity check; the default cut is the grouper's)")  # fmt: skip
    parser.add_argument("--grouper-thresholds", nargs="*", type=float, default=[],
                        help="tracking again with the grouper's cut at each of these")  # fmt: skip
    parser.add_argument("--link-no-check", action="store_true",
                        help="tracking again with the linker's story-level check off")  # fmt: skip
    parser.add_argument(
        "--dump-default",
        type=Path,
        default=None,
        help="write the default grouping of each stream here and stop (run it "
        "with an earlier version of the code for its 'before' figures)",
    )
    parser.add_argument("--before", type=Path, default=None,
                        help="a --dump-default file of the default before, to score")  # fmt: skip
    args = parser.parse_args()
    args.cache.mkdir(parents=True, exist_ok=True)
    cleaner, vectors = BoilerplateCleaner(), Vectors(args.cache)
    results: dict = {"baseline": {}, "before": {}, "after": {}}

    loaded = {}
    names = {**STREAMS, **({"dev": "grouping_dev"} if args.dev else {})}
    for stream, file in () if args.tracking_only else names.items():
        articles, gold = read_stream(args.streams / f"{file}.jsonl", cleaner)
        loaded[stream] = (articles, gold, vectors.opening(stream, articles))
        print(f"{file}: {len(articles)} articles, {len(set(gold))} gold stories", flush=True)

    if args.dump_default:
        dump = {}
        for stream, (articles, _, opening) in loaded.items():
            stories = StoryGrouper().group_vectors(articles, opening)
            dump[stream] = {a: [s.id, s.title] for s in stories for a in s.articles}
        dump["tracking"] = tracking(args.streams, cleaner, vectors, StoryGrouper(), "before")
        args.dump_default.write_text(json.dumps(dump), encoding="utf-8")
        return
    before = json.loads(args.before.read_text(encoding="utf-8")) if args.before else {}
    for stream, (articles, gold, opening) in loaded.items():
        label = {a.id: g for a, g in zip(articles, gold, strict=True)}
        if stream != "dev":
            printout, story_of = shared_baseline(
                args.baseline, args.streams / f"{names[stream]}.jsonl", args.cache
            )
            ours = scored(gold, [story_of.get(a.id, f"single-{a.id}") for a in articles])
            results["baseline"][stream] = {**ours, "its_own_printout": printout}
            print("baseline", stream, json.dumps(results["baseline"][stream]), flush=True)
            if stream == "ecb":
                results["baseline"]["ecb_largest"] = largest(_stories(story_of), label)
        if stream in before:
            story_of = {a: sid for a, (sid, _) in before[stream].items()}
            results["before"][stream] = scored(gold, [story_of[a.id] for a in articles])
            if stream == "ecb":
                results["before"]["ecb_largest"] = largest(_stories(story_of), label)
            print("before", stream, json.dumps(results["before"][stream]), flush=True)
        started = time.perf_counter()
        stories = StoryGrouper().group_vectors(articles, opening)
        seconds = round(time.perf_counter() - started, 1)
        story_of = {a: s.id for s in stories for a in s.articles}
        results["after"][stream] = {**scored(gold, [story_of[a.id] for a in articles]),
                                    "seconds": seconds}  # fmt: skip
        if stream == "ecb":
            results["after"]["ecb_largest"] = largest(stories, label)
        print("after", stream, json.dumps(results["after"][stream]), flush=True)

    streams = {
        stream: night_features(articles, gold, opening)
        for stream, (articles, gold, opening) in loaded.items()
    }
    if streams and args.only != []:
        global VARIANTS
        if args.only:
            VARIANTS = {k: v for k, v in VARIANTS.items() if k in args.only}
        results["variants"] = variants(streams, results["baseline"])

    after = tracking(args.streams, cleaner, vectors, StoryGrouper(), "after")
    for cut in args.link_thresholds:
        linker = StoryLinker(threshold=cut)
        after.update(tracking(args.streams, cleaner, vectors, StoryGrouper(), f"cut {cut}", linker))
    for cut in args.grouper_thresholds:
        grouper = StoryGrouper(threshold=cut)
        after.update(tracking(args.streams, cleaner, vectors, grouper, f"grouper {cut}"))
    if args.link_no_check:
        linker = StoryLinker(split_below=None)
        after.update(tracking(args.streams, cleaner, vectors, StoryGrouper(), "no check", linker))
    results["tracking"] = {**before.get("tracking", {}), **after}

    if args.out:
        args.out.write_text(json.dumps(results, indent=1, default=str) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
