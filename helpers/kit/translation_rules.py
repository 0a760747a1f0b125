"""What a translation must keep of the English cell it translates, as a program can check it.

Code blocks byte for byte (a mermaid diagram's graph: its labels may be translated), code spans, link
targets, headings, table shapes and ``<details>`` blocks. :mod:`helpers.kit.translations` refuses a cell
that breaks one, and says which.
"""

from __future__ import annotations

import re
from collections import Counter

FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```", re.M | re.S)
SPAN = re.compile(r"(?<!`)`([^`\n]+)`(?!`)")
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _mermaid_skeleton(body: str) -> str:
    """A diagram without its words: node ids, shapes and arrows (labels may be translated, not the graph).

    Words are quoted node labels, ``|edge labels|`` and a state diagram's ``A --> B: transition label``.
    """
    body = re.sub(r"(-->\s*\S+)\s*:.*$", r"\1:", body, flags=re.M)
    return re.sub(r"\|[^|]*\|", "||", re.sub(r'"[^"]*"', '""', body))


def structure_problems(english: str, translated: str) -> list[str]:
    """What a translation changed that it must keep: code blocks, code spans, links, headings, tables, details."""
    problems = []
    en_blocks, tr_blocks = FENCE.findall(english), FENCE.findall(translated)
    if [b[0] for b in en_blocks] != [b[0] for b in tr_blocks]:
        problems.append(f"code blocks differ: {[b[0] for b in en_blocks]} in English, {[b[0] for b in tr_blocks]} here")
    else:
        for (info, en_body), (_, tr_body) in zip(en_blocks, tr_blocks):
            same = _mermaid_skeleton(en_body) == _mermaid_skeleton(tr_body) if info == "mermaid" else en_body == tr_body
            if not same:
                problems.append(f"a ```{info} block differs from the English one ({'graph' if info == 'mermaid' else 'code'})")
    en_prose, tr_prose = FENCE.sub("", english), FENCE.sub("", translated)
    missing = set(SPAN.findall(en_prose)) - set(SPAN.findall(tr_prose))
    added = set(SPAN.findall(tr_prose)) - set(SPAN.findall(en_prose))
    if missing or added:
        problems.append(f"code spans: missing {sorted(missing)}, added {sorted(added)}")
    if Counter(LINK.findall(en_prose)) != Counter(LINK.findall(tr_prose)):
        problems.append("link targets differ")
    heads = [re.findall(r"^(#+) ", t, re.M) for t in (en_prose, tr_prose)]
    if heads[0] != heads[1]:
        problems.append(f"headings differ: {heads[0]} in English, {heads[1]} here")
    rows = [[line.count("|") for line in t.splitlines() if line.startswith("|")] for t in (en_prose, tr_prose)]
    if rows[0] != rows[1]:
        problems.append("table rows or columns differ")
    for tag in ("<details>", "</details>", "<summary>", "<br/>"):
        if english.count(tag) != translated.count(tag):
            problems.append(f"{tag} count differs")
    return problems
