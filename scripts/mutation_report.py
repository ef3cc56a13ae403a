"""Print what `mutmut run` left behind: each module's score and every surviving mutant
as a diff (see docs/testing.md for how to read them).

`mutmut results` lists survivors by name only and `mutmut show` prints one diff per
process start (seconds each on a loaded machine); this reads mutmut's result files once.
Run from the repository root after `mutmut run`; arguments are module paths under src/
(default: every module the run checked).
"""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code


def checked_modules() -> list[str]:
    """The source modules with at least one mutant the last run checked."""
    found = []
    for meta in sorted(Path("mutants").glob("src/**/*.py.meta")):
        module = meta.relative_to("mutants").with_suffix("")
        data = SourceFileMutationData(path=module)
        data.load()
        if any(code is not None for code in data.exit_code_by_key.values()):
            found.append(str(module))
    return found


def report(modules: list[str]) -> int:
    """Print the survivors and the scores; returns the number of survivors."""
    rows = []
    survivors: list[tuple[str, Path]] = []
    for module in modules:
        path = Path(module)
        data = SourceFileMutationData(path=path)
        data.load()
        statuses = Counter(status_by_exit_code[code] for code in data.exit_code_by_key.values())
        tested = sum(statuses.values()) - statuses["no tests"] - statuses["not checked"]
        score = 100 * statuses["killed"] / tested if tested else 0.0
        rows.append((module, sum(statuses.values()), statuses, score))
        survivors += [
            (name, path)
            for name, code in sorted(data.exit_code_by_key.items())
            if status_by_exit_code[code] in {"survived", "no tests", "timeout", "suspicious"}
        ]
    for name, path in survivors:
        print(f"# {name}")
        print(get_diff_for_mutant(name, path=path), end="\n\n")
    print(f"{len(survivors)} mutants not killed (survived, no tests, timeout or suspicious)\n")
    print(f"{'module':45} {'mutants':>7} {'killed':>6} {'survived':>8} {'no tests':>8} score")
    for module, total, statuses, score in rows:
        print(
            f"{module:45} {total:7} {statuses['killed']:6} {statuses['survived']:8}"
            f" {statuses['no tests']:8} {score:5.1f} %"
        )
    return len(survivors)


if __name__ == "__main__":
    report(sys.argv[1:] or checked_modules())  # a habit, not a gate: always exit 0
