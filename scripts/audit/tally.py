"""Per-kind counts of audit verdicts: `python3 scripts/audit/tally.py docs/data/audit/ROUND/*.verdicts.json`.

Precision = TRUE / (TRUE + FALSE); UNCLEAR is counted apart (docs/claims.md, "Audit")."""
import collections
import json
import sys
from pathlib import Path


def main(paths: list[str]) -> None:
    kinds: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    stories = []
    for path in sorted(paths):
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        rows = data["verdicts"] if isinstance(data, dict) else data
        counts = [0, 0, 0]
        for row in rows:
            i = ("TRUE", "FALSE", "UNCLEAR").index(row["verdict"].upper())
            kinds[row["kind"]][i] += 1
            counts[i] += 1
        stories.append((Path(path).name.split(".")[0], counts))

    def prec(t: int, f: int) -> str:
        return f"{t / (t + f):.3f}" if t + f else "-"

    print(f"{'kind':12s} {'claims':>6s} {'true':>5s} {'false':>5s} {'unclear':>7s} {'precision':>9s}")
    for kind, (t, f, u) in sorted(kinds.items()):
        print(f"{kind:12s} {t + f + u:6d} {t:5d} {f:5d} {u:7d} {prec(t, f):>9s}")
    t, f, u = (sum(v[i] for v in kinds.values()) for i in range(3))
    print(f"{'all':12s} {t + f + u:6d} {t:5d} {f:5d} {u:7d} {prec(t, f):>9s}")
    for name, (t, f, u) in stories:
        print(f"  {name:16s} {t + f + u:4d} claims, precision {prec(t, f)}")


if __name__ == "__main__":
    main(sys.argv[1:])
