"""How often a briefing opens on a quotation or a pronoun, per run folder.

    python scripts/first_sentence.py OUT_DIR/summaries.jsonl [MORE/summaries.jsonl ...]

Prints one Markdown row per file: briefings, the share whose first sentence opens with a
quotation mark, with a pronoun, and either, plus ROUGE from the run's manifest.json when it is
there. The pronoun list is written out here, separately from
``summarize.stages.order.context``, so the measure does not grade the code with its own rule.
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

QUOTE = re.compile(r"^\s*(?:[\"“‘'«]|``)")
PRONOUN = re.compile(
    r"^\W*(?:he|she|they|them|it|its|his|her|their|him|we|us|our|i|this|that|these|those)\b",
    re.IGNORECASE,
)
TIME = re.compile(r"^\W*(?:this|that|these)\s+(?:week|year|month|morning|night|day|time)\b", re.I)


def first_sentences(path: Path) -> list[str]:
    firsts = []
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, 1):
            record = json.loads(line)
            sentences = record.get("sentences")
            if not isinstance(sentences, list):
                raise ValueError(f"{path}:{number}: no 'sentences' list in this record")
            if sentences:
                firsts.append(sentences[0]["text"])
    return firsts


def opens_with_pronoun(text: str) -> bool:
    return bool(PRONOUN.match(text)) and not TIME.match(text)


def row(path: Path) -> str:
    firsts = first_sentences(path)
    n = max(len(firsts), 1)
    quote = sum(bool(QUOTE.match(t)) for t in firsts)
    pronoun = sum(opens_with_pronoun(t) for t in firsts)
    either = sum(bool(QUOTE.match(t)) or opens_with_pronoun(t) for t in firsts)
    rouge = ""
    manifest = path.with_name("manifest.json")
    if manifest.exists():
        metrics = json.loads(manifest.read_text(encoding="utf-8")).get("metrics") or {}
        if "rouge1_f" in metrics:
            rouge = " | ".join(
                f"{metrics[k]:.2f}" for k in ("rouge1_f", "rouge2_f", "rouge1_r", "rouge2_r")
            )
    return (
        f"| {path.parent.name} | {len(firsts)} | {quote / n:.1%} | {pronoun / n:.1%} | "
        f"{either / n:.1%} | {rouge} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("summaries", nargs="+", type=Path)
    args = parser.parse_args()
    print("| run | briefings | quote first | pronoun first | either | R1 F | R2 F | R1 R | R2 R |")
    print("|---|---|---|---|---|---|---|---|---|")
    for path in args.summaries:
        print(row(path))


if __name__ == "__main__":
    main()
