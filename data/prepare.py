"""Derive the workshop's two data-set versions (v1.0 and v1.1) from data/raw/wdbc.csv.

Run ``python data/prepare.py`` to (re)write the versions and data/manifest.json; the output is
byte-identical on every run and machine. ``python data/prepare.py --check`` only compares.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import sys
from pathlib import Path

DATA = Path(__file__).resolve().parent
RAW = DATA / "raw" / "wdbc.csv"
MANIFEST = DATA / "manifest.json"

LABEL = "malignant"
SEED = 20240501  # part of the hash that orders rows for the split: change it and the split changes
TEST_FRACTION = 0.2
EXPECTED_COUNTS = {"1": 212, "0": 357}  # malignant, benign

MEASUREMENTS = (
    "radius", "texture", "perimeter", "area", "smoothness",
    "compactness", "concavity", "concave_points", "symmetry", "fractal_dimension",
)
MEAN = [f"{m}_mean" for m in MEASUREMENTS]
SE = [f"{m}_se" for m in MEASUREMENTS]
WORST = [f"{m}_worst" for m in MEASUREMENTS]

VERSIONS = {
    "v1.0": ("The 10 mean measurements of each cell-nucleus image.", MEAN),
    "v1.1": ("All 30 measurements: mean, standard error and worst of each.", MEAN + SE + WORST),
}


def read_raw() -> tuple[list[str], list[dict[str, str]]]:
    """The raw file's header and rows, values kept as their original text (no float round trip)."""
    with RAW.open(newline="") as f:
        reader = csv.DictReader(f)
        header = list(reader.fieldnames or [])
        rows = list(reader)
    expected = MEAN + SE + WORST + [LABEL]
    if header != expected:
        sys.exit(f"{RAW} has unexpected columns {header}: restore it from git.")
    counts = {k: sum(r[LABEL] == k for r in rows) for k in EXPECTED_COUNTS}
    if counts != EXPECTED_COUNTS:
        sys.exit(f"{RAW} has {counts} rows per label instead of {EXPECTED_COUNTS}: restore it from git.")
    return header, rows


def split(rows: list[dict[str, str]]) -> tuple[list[int], list[int]]:
    """Stratified train/test row numbers: the same for every version.

    Within each class, rows are ordered by sha256 of ``"<SEED>:<row number>"`` (stable on every
    Python and NumPy version, unlike a random generator), and the first ones go to the test split;
    each class gets its share of ``round(TEST_FRACTION * n)`` test rows. Both lists are sorted so the
    files keep the raw file's row order.
    """
    n_test = round(TEST_FRACTION * len(rows))
    test: list[int] = []
    for label in sorted(EXPECTED_COUNTS):
        members = [i for i, r in enumerate(rows) if r[LABEL] == label]
        share = round(n_test * len(members) / len(rows))
        members.sort(key=lambda i: hashlib.sha256(f"{SEED}:{i}".encode()).hexdigest())
        test.extend(members[:share])
    test_set = set(test)
    return [i for i in range(len(rows)) if i not in test_set], sorted(test)


def to_csv(rows: list[dict[str, str]], index: list[int], features: list[str]) -> bytes:
    """CSV bytes: header, then label first and the features, with '\\n' line ends."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([LABEL] + features)
    for i in index:
        writer.writerow([rows[i][LABEL]] + [rows[i][c] for c in features])
    return buf.getvalue().encode("ascii")


def build() -> dict[Path, bytes]:
    """Every output file's path and bytes, the manifest last."""
    _, rows = read_raw()
    train, test = split(rows)
    raw_bytes = RAW.read_bytes()
    files: dict[str, dict] = {
        "raw/wdbc.csv": {
            "sha256": hashlib.sha256(raw_bytes).hexdigest(),
            "rows": len(rows),
            "columns": MEAN + SE + WORST + [LABEL],
        }
    }
    outputs: dict[Path, bytes] = {}
    versions: dict[str, dict] = {}
    for version, (description, features) in VERSIONS.items():
        names = []
        for part, index in (("train", train), ("test", test)):
            rel = f"{version}/{part}.csv"
            content = to_csv(rows, index, features)
            outputs[DATA / rel] = content
            files[rel] = {
                "sha256": hashlib.sha256(content).hexdigest(),
                "rows": len(index),
                "malignant": sum(rows[i][LABEL] == "1" for i in index),
                "columns": [LABEL] + features,
            }
            names.append(rel)
        versions[version] = {"description": description, "label": LABEL, "features": features,
                             "files": names}
    manifest = {
        "dataset": "Breast Cancer Wisconsin (Diagnostic), UCI ML repository, CC BY 4.0",
        "made_by": "python data/prepare.py",
        "split": {"seed": SEED, "test_fraction": TEST_FRACTION, "stratified_by": LABEL},
        "versions": versions,
        "files": files,
    }
    outputs[MANIFEST] = (json.dumps(manifest, indent=2) + "\n").encode("ascii")
    return outputs


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 if a file differs from what this script makes")
    args = parser.parse_args(argv)
    outputs = build()
    stale = [p for p, content in outputs.items() if not p.exists() or p.read_bytes() != content]
    if args.check:
        for p in stale:
            print(f"differs: {p.relative_to(DATA.parent)}")
        print("data is up to date" if not stale else "run: python data/prepare.py")
        return 1 if stale else 0
    for path, content in outputs.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        print(f"wrote {path.relative_to(DATA.parent)} ({hashlib.sha256(content).hexdigest()[:12]})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
