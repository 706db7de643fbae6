"""Rebuild the built-in Zhengzhou catalogue JSON from the notice's text extraction.

The text came out of a PDF: names and descriptions wrap across lines, and a reviewer's
margin notes (范小洁) are mixed in. This script joins wrapped lines with nothing added,
keeps the source's wording and typos, and moves the margin notes into annotations.

    python scripts/extract_catalog.py ../shared/sources/zhengzhou_civil_affairs_catalog_2020.txt \
        -o toolkit/data/zhengzhou_civil_affairs_2020.json
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

CODE_LINE = re.compile(r"^(033[A-Z](?:\d{2}){0,2})(?:\s+(\S+))?(?:\s+(.+))?$")
REVIEWER = "范小洁"

METADATA = {
    "id": "zhengzhou-civil-affairs-2020",
    "title": "郑州市民政局政府购买服务指导性目录",
    "issuers": ["郑州市财政局", "郑州市民政局"],
    "document_number": "郑财社〔2020〕34号",
    "issue_date": "2020-09-11",
    "supersedes": ["郑财预〔2015〕1030号"],
    "department_code": "033",
    "department": "郑州市民政局",
    "version": "2020",
}


def _blocks(lines: list[str]) -> list[list[str]]:
    """Split lines into blocks separated by blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in lines:
        if line.strip():
            current.append(line.strip())
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    return blocks


def extract(text: str) -> dict:
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("序号"))
    body = lines[start + 1 :]

    # Pull out margin notes: "范小洁" then "范小洁:" then note lines up to a blank line.
    kept: list[str] = []
    notes: list[tuple[int, str]] = []  # (index in kept where the note sat, text)
    i = 0
    while i < len(body):
        line = body[i].strip()
        if line == REVIEWER:
            i += 1
            continue
        if line in (REVIEWER + ":", REVIEWER + "："):
            i += 1
            note: list[str] = []
            while i < len(body) and body[i].strip():
                note.append(body[i].strip())
                i += 1
            notes.append((len(kept), "\n".join(note)))
            continue
        kept.append(body[i])
        i += 1

    entries: list[dict] = []
    line_of_entry: list[int] = []
    idx = 0
    while idx < len(kept):
        line = kept[idx].strip()
        m = CODE_LINE.match(line)
        if not m:
            idx += 1
            continue
        code, name, rest = m.group(1), m.group(2), m.group(3)
        level = 1 + (len(code) - 4) // 2
        start_idx = idx
        idx += 1
        if name is None:
            # Bare code: the name is the next block of lines, joined.
            while idx < len(kept) and not kept[idx].strip():
                idx += 1
            name_parts = []
            while idx < len(kept) and kept[idx].strip():
                name_parts.append(kept[idx].strip())
                idx += 1
            name = "".join(name_parts)
        desc_parts = [rest] if rest else []
        while idx < len(kept) and not CODE_LINE.match(kept[idx].strip()):
            if kept[idx].strip():
                desc_parts.append(kept[idx].strip())
            idx += 1
        entry: dict = {
            "code": code,
            "name": name,
            "level": level,
            "parent": None if level == 1 else code[:-2],
        }
        if level == 3:
            entry["description"] = "".join(desc_parts)
        elif desc_parts:
            raise ValueError(f"{code}: unexpected text under a category: {desc_parts}")
        entries.append(entry)
        line_of_entry.append(start_idx)

    for position, note in notes:
        # A margin note belongs to the last entry that starts before it.
        owner = max(j for j, s in enumerate(line_of_entry) if s < position)
        entries[owner].setdefault("annotations", []).append({"author": REVIEWER, "text": note})
    return {**METADATA, "entries": entries}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("source", type=Path)
    parser.add_argument("-o", "--output", type=Path)
    args = parser.parse_args(argv)
    data = extract(args.source.read_text(encoding="utf-8"))
    out = json.dumps(data, ensure_ascii=False, indent=2) + "\n"
    if args.output:
        args.output.write_text(out, encoding="utf-8")
    else:
        sys.stdout.write(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
