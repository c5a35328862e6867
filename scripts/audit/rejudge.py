"""Carry audit verdicts over to a newer sheet of the same story (seen figures, not unseen ones).

    python3 scripts/audit/rejudge.py OLD_SHEETS_DIR VERDICTS_DIR NEW_SHEETS_DIR

A claim of the new sheet takes the verdict of the old sheet's claim with the same kind and the
same statement; claims with no such twin are counted as new (unjudged), old claims with none as
removed. Prints per-kind true/false counts of the claims still made and what the change removed.
A verdict set may cover some kinds only (docs/data/audit/attribution-compare-33): new claims are
then counted for those kinds only. `--new` lists the new claims.
"""
import collections
import json
import re
import sys
from pathlib import Path

_LINE = re.compile(r"^- \*\*(C\d+)\*\* \[(\w+)\] (.*)$", re.M)


def claims(sheet: Path) -> list[tuple[str, str, str]]:
    """(id, kind, statement) of every numbered claim of a sheet."""
    return _LINE.findall(sheet.read_text(encoding="utf-8"))


def main(old_dir: str, verdict_dir: str, new_dir: str, show_new: bool = False) -> None:
    kept: dict[str, list[int]] = collections.defaultdict(lambda: [0, 0, 0])
    removed = [0, 0, 0]
    new_claims = 0
    for vpath in sorted(Path(verdict_dir).glob("*.verdicts.json")):
        key = vpath.name.split(".")[0]
        data = json.loads(vpath.read_text(encoding="utf-8"))
        verdicts = {v["id"]: v["verdict"].upper() for v in (data["verdicts"] if isinstance(data, dict) else data)}
        old = collections.defaultdict(list)
        judged_kinds = {kind for cid, kind, _ in claims(Path(old_dir) / f"{key}.claims.md") if cid in verdicts}
        unjudged = collections.Counter()  # a partial set (some kinds only): claims it did not judge
        for cid, kind, text in claims(Path(old_dir) / f"{key}.claims.md"):
            if cid in verdicts:
                old[(kind, text)].append(verdicts[cid])
            else:
                unjudged[(kind, text)] += 1
        new_path = Path(new_dir) / f"{key}.claims.md"
        for cid, kind, text in claims(new_path) if new_path.exists() else []:
            if old.get((kind, text)):
                v = old[(kind, text)].pop()
                kept[kind][("TRUE", "FALSE", "UNCLEAR").index(v)] += 1
            elif unjudged[(kind, text)]:
                unjudged[(kind, text)] -= 1
            elif kind in judged_kinds or len(judged_kinds) > 2:
                new_claims += 1
                if show_new:
                    print(f"NEW {key} {cid} [{kind}] {text[:200]}")
        for left in old.values():
            for v in left:
                removed[("TRUE", "FALSE", "UNCLEAR").index(v)] += 1
    print(f"{'kind':12s} {'true':>5s} {'false':>5s} {'unclear':>7s} precision")
    for kind, (t, f, u) in sorted(kept.items()):
        print(f"{kind:12s} {t:5d} {f:5d} {u:7d} {t / (t + f) if t + f else float('nan'):.3f}")
    t, f, u = (sum(v[i] for v in kept.values()) for i in range(3))
    print(f"{'all kept':12s} {t:5d} {f:5d} {u:7d} {t / (t + f) if t + f else float('nan'):.3f}")
    print(f"removed: {removed[0]} true, {removed[1]} false, {removed[2]} unclear; new (unjudged): {new_claims}")


if __name__ == "__main__":
    main(*sys.argv[1:4], show_new="--new" in sys.argv[4:])
