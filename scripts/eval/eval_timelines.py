"""Story pages on a three-night dev stream: does every story's page tell its nights right?

    python scripts/eval/story_streams.py ../shared/data /tmp/story_streams
    python scripts/eval/eval_timelines.py /tmp/story_streams/tracking /tmp/timelines

Runs the stream's nights (``night1.jsonl`` ... in order) as nightly stories runs into one
``output.root`` (the default configuration; ``--fast`` uses ``embedder=tfidf``), then checks,
for every story the nights briefed (the ids of each night's ``stories.jsonl``), that its page
``story/<id>.json`` has one entry per night the story had articles, newest first, with that
night's article count and a link to that night's briefing, that the link names the file the
night stored for the story, and that every link of its HTML page (briefings, night indexes,
feed) leads to a file. Prints one JSON line per night and the figures; the continuing stories
(on two nights or more) are the ones a timeline is for.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path

from summarize.cli import compose_config
from summarize.run.driver import run
from summarize.run.following import briefing_file
from summarize.run.store import RunFolder, StoryPages

FIRST_NIGHT = "2031-01-05"


def night_name(number: int) -> str:
    day = int(FIRST_NIGHT[-2:]) + number
    return f"{FIRST_NIGHT[:-2]}{day:02d}"


def run_nights(stream: Path, root: Path, extra: list[str]) -> list[str]:
    nights = []
    for number, inbox in enumerate(sorted(stream.glob("night*.jsonl"))):
        night = night_name(number)
        started = time.perf_counter()
        cfg = compose_config(f"output.dir={root / night}", "experiment=nightly", "group=stories",
                             f"input.path={inbox}", f"output.root={root}", f"night={night}",
                             "run.progress=log", *extra)  # fmt: skip
        report = run(cfg)
        seconds = round(time.perf_counter() - started, 1)
        print(json.dumps({"night": night, "inbox": str(inbox), "stories": report.succeeded,
                          "failed": report.failed, "seconds": seconds}), flush=True)  # fmt: skip
        nights.append(night)
    return nights


def check(root: Path, nights: list[str]) -> dict:
    appeared: dict[str, list[tuple[str, int]]] = {}
    for night in nights:
        for line in (root / night / "stories.jsonl").read_text(encoding="utf-8").splitlines():
            story = json.loads(line)
            appeared.setdefault(story["id"], []).append((night, len(story["articles"])))
    pages = StoryPages(root)
    problems: dict[str, list[str]] = {}
    for story, seen in appeared.items():
        wrong = problems.setdefault(story, [])
        try:
            data = json.loads(pages.path(story, ".json").read_text(encoding="utf-8"))
            html = pages.path(story, ".html").read_text(encoding="utf-8")
        except OSError as error:
            wrong.append(f"no page: {error}")
            continue
        timeline = data["timeline"]
        expected = [night for night, _ in sorted(seen, reverse=True)]
        if [e["night"] for e in timeline] != expected:
            wrong.append(f"nights {[e['night'] for e in timeline]} != {expected}")
            continue
        for entry, (night, articles) in zip(timeline, sorted(seen, reverse=True), strict=True):
            result = RunFolder(root / night).stored(story)
            stored = f"{night}/{briefing_file(result.files)}" if result else None
            if entry["articles"] != articles:
                wrong.append(f"{night}: {entry['articles']} articles, not {articles}")
            if entry["briefing"] != stored or not (root / stored).is_file():
                wrong.append(f"{night}: briefing {entry['briefing']} != {stored}")
            if not entry["new"] and result is not None and json.loads(result.record)["sentences"]:
                wrong.append(f"{night}: nothing new, though its briefing has sentences")
        for href in re.findall(r'href="([^"]+)"', html):
            if not (pages.folder / href).resolve().is_file():
                wrong.append(f"dead link {href}")
    continuing = [s for s, seen in appeared.items() if len(seen) > 1]
    right = [s for s in appeared if not problems[s]]
    return {
        "stories": len(appeared),
        "pages right": len(right),
        "continuing": len(continuing),
        "continuing pages right": sum(1 for s in continuing if not problems[s]),
        "by nights": {n: sum(1 for s in appeared.values() if len(s) == n) for n in (1, 2, 3)},
        "problems": {s: p for s, p in problems.items() if p},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("stream", type=Path, help="a folder of night1.jsonl, night2.jsonl, ...")
    parser.add_argument("root", type=Path, help="output.root for the nights (a fresh folder)")
    parser.add_argument("--fast", action="store_true", help="embedder=tfidf")
    parser.add_argument("--check-only", action="store_true", help="the nights are there")
    args = parser.parse_args()
    extra = ["embedder=tfidf"] if args.fast else []
    if args.check_only:
        nights = sorted(p.name for p in args.root.iterdir() if re.match(r"\d{4}-", p.name))
    else:
        nights = run_nights(args.stream, args.root, extra)
    print(json.dumps(check(args.root, nights), indent=1))


if __name__ == "__main__":
    main()
