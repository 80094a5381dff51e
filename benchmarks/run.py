"""Time `policylint check` on 1, 350, 2,000 and 18,000 documents, in every output format,
beside the parse floor and peers, with the peak memory of the whole process tree."""

from __future__ import annotations

import argparse
import gc
import glob
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from typing import Callable, Sequence

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
SIZES = (1, 350, 2_000, 18_000)
#: Output formats timed at each size: (label, arguments after the files; {out} is a file).
FORMAT_RUNS = (
    ("-f text -o FILE", ["-f", "text", "-o", "{out}.txt"]),
    ("-f json -o FILE", ["-f", "json", "-o", "{out}.json"]),
    ("-f sarif -o FILE", ["-f", "sarif", "-o", "{out}.sarif"]),
    ("-f junit:FILE", ["-f", "junit:{out}.xml"]),
    ("-f gitlab:FILE", ["-f", "gitlab:{out}.gitlab.json"]),
    ("-f markdown:FILE", ["-f", "markdown:{out}.md"]),
    ("-f concise (terminal)", ["-f", "concise"]),
    ("-f github (log and $GITHUB_STEP_SUMMARY)", ["-f", "github"]),
    ("all of the above in one run", ["-f", "text", "-f", "json:{out}.json", "-f", "sarif:{out}.sarif",
                                     "-f", "junit:{out}.xml", "-f", "gitlab:{out}.gitlab.json",
                                     "-f", "markdown:{out}.md", "-f", "github"]),
)


@dataclass
class Row:
    """One measured command."""

    label: str
    docs: int
    seconds: float
    peak_mib: float | None = None
    note: str = ""
    cpu: float | None = None  # processor seconds of the whole process tree

    def cells(self, floor: Row | None) -> list[str]:
        per_doc = self.seconds / self.docs * 1e6 if self.docs else 0.0
        ratio = f"{self.seconds / floor.seconds:.2f}" if floor else "–"
        cpu_ratio = f"{self.cpu / floor.cpu:.2f}" if floor and floor.cpu and self.cpu is not None else "–"
        peak = f"{self.peak_mib:.0f}" if self.peak_mib is not None else "–"
        rate = f"{self.docs / self.seconds:,.0f}" if self.seconds else "–"
        cpu = f"{self.cpu:.2f}" if self.cpu is not None else "–"
        return [self.label, f"{self.seconds:.3f}", rate, f"{per_doc:,.0f}", ratio, cpu, cpu_ratio, peak,
                self.note]


# -- measuring --------------------------------------------------------------------------------


def _tree_memory_kib(root: int) -> int:
    """Memory of ``root`` and every process below it (Linux /proc), in KiB.

    Proportional set size where the kernel reports it: forked workers share the pages
    they inherited, and summing their resident sizes would count those pages once per
    worker.  Resident size otherwise.
    """
    children: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as fh:
                parent = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(parent, []).append(int(name))
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += _memory_kib(pid)
        stack.extend(children.get(pid, ()))
    return total


def _memory_kib(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
            for line in fh:
                if line.startswith(b"Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm", "rb") as fh:
            return int(fh.read().split()[1]) * (os.sysconf("SC_PAGE_SIZE") // 1024)
    except (OSError, IndexError, ValueError):
        return 0


def timed(command: Sequence[str], env: dict[str, str] | None = None,
          cwd: str | None = None) -> tuple[float, float | None, int, float]:
    """Wall seconds, peak memory (MiB, whole process tree, sampled every 20 ms), exit code and
    processor seconds of the tree (a pool's workers are waited for, so they count)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.Popen(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            env=env, cwd=cwd)
    peak = 0
    sampling = os.path.isdir("/proc")
    while proc.poll() is None:
        if sampling:
            peak = max(peak, _tree_memory_kib(proc.pid))
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    stderr = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({proc.returncode}):\n{stderr[-2000:]}")
    return seconds, (peak / 1024 if sampling else None), proc.returncode, cpu


def median_of(runs: int, command: Sequence[str], env: dict[str, str] | None = None,
              before: Callable[[int], None] | None = None) -> float:
    """Median wall time of ``runs`` runs (no memory sampling: it would add to short runs);
    ``before(n)`` runs untimed before run ``n``."""
    times = []
    for n in range(runs):
        if before is not None:
            before(n)
        start = time.perf_counter()
        subprocess.run(list(command), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_edited(runs: int, path: str, command: Sequence[str], env: dict[str, str]) -> float:
    """Median wall time of ``command`` on ``runs`` edits of ``path``: each run checks the file
    with one more comment line, as a pre-commit hook meets a file just saved.  The results
    cache misses; what an earlier run validated (the rule files) is reused, as in real use."""
    folder = tempfile.mkdtemp(prefix="policylint-bench-edit-")
    target = os.path.join(folder, os.path.basename(path))
    with open(path, encoding="utf-8") as fh:
        text = fh.read()

    def edit(n: int) -> None:
        with open(target, "w", encoding="utf-8") as fh:
            fh.write(f"{text}# edit {n}\n")

    try:
        return median_of(runs, [*command, target], env, before=edit)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def compose_floor(files: list[str], passes: int) -> tuple[float, float]:
    """Seconds to read and compose every file with PyYAML's C loader (marks), one process.

    The floor the issue names: any linter that reports positions from PyYAML pays at
    least this.  Best of ``passes`` passes, collector off as in a tuned linter.
    """
    import yaml

    loader = yaml.CSafeLoader
    best, best_cpu = float("inf"), float("inf")
    for _ in range(passes):
        gc.collect()
        gc.disable()
        start, start_cpu = time.perf_counter(), time.process_time()
        for path in files:
            with open(path, "rb") as fh:
                node = loader(fh.read().decode("utf-8"))
            node.get_single_node()
            node.dispose()
        best = min(best, time.perf_counter() - start)
        best_cpu = min(best_cpu, time.process_time() - start_cpu)
        gc.enable()
    return best, best_cpu


def corpus_files(root: str) -> list[str]:
    out = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        out.extend(os.path.join(folder, f) for f in sorted(files) if f.endswith(".yaml"))
    return out


def ensure_corpus(root: str, size: int, seed: int) -> str:
    """The corpus of ``size`` documents (Massachusetts for 350, the whole US otherwise)."""
    target = os.path.join(root, f"n{size}")
    if len(corpus_files(target)) != size:
        shutil.rmtree(target, ignore_errors=True)
        sys.path.insert(0, HERE)
        from gen_corpus import write_corpus

        write_corpus(size, target, seed=seed, state="MA" if size == 350 else None)
    return target


def flat_copy(root: str) -> str:
    """The corpus again as links in one folder (a folder's cache entries are kept together)."""
    target = root.rstrip(os.sep) + "-flat"
    files = corpus_files(root)
    if len(corpus_files(target)) != len(files):
        shutil.rmtree(target, ignore_errors=True)
        os.makedirs(target)
        for path in files:
            os.symlink(os.path.abspath(path), os.path.join(target, os.path.basename(path)))
    return target


# -- the report -------------------------------------------------------------------------------


def table(title: str, rows: list[Row], floor: Row | None) -> str:
    head = ["command", "wall s", "docs/s", "µs/doc", "× floor", "CPU s", "CPU × floor", "peak MiB (PSS)",
            "note"]
    lines = [f"### {title}", "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r.cells(floor)) + " |" for r in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="corpus sizes to run (default 1,350,2000,18000)")
    parser.add_argument("--corpus", default=os.path.join(HERE, "corpus"),
                        help="where generated corpora live (made when missing)")
    parser.add_argument("--seed", type=int, default=7)
    installed = os.path.join(os.path.dirname(sys.executable), "policylint")
    parser.add_argument("--policylint",
                        default=installed if os.path.exists(installed) else f"{sys.executable} -m policylint",
                        help="the command to time (default: the `policylint` installed beside this "
                             "Python, else its -m policylint); it runs this checkout's code")
    parser.add_argument("--jobs", default="1,0", help="--jobs values to time (0 = one per processor)")
    parser.add_argument("--formats", default="all",
                        help="output formats to time at each size: all (default), none, or a "
                             "comma-separated list of format names (json,sarif)")
    parser.add_argument("--no-cache-rows", dest="cache_rows", action="store_false",
                        help="leave out the results-cache rows (empty cache, then again)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per command below 18,000 docs")
    parser.add_argument("--single-runs", type=int, default=21, help="runs for the one-file timings")
    beside = os.path.join(os.path.dirname(sys.executable), "yamllint")
    parser.add_argument("--yamllint", default=beside if os.path.exists(beside) else shutil.which("yamllint"),
                        help="yamllint command, if any")
    beside = os.path.join(os.path.dirname(sys.executable), "check-jsonschema")
    parser.add_argument("--check-jsonschema", dest="check_jsonschema",
                        default=beside if os.path.exists(beside) else shutil.which("check-jsonschema"),
                        help="check-jsonschema command, if any (validates against the same schema)")
    parser.add_argument("--spectral", default=None,
                        help="spectral command (e.g. /tmp/spectral/node_modules/.bin/spectral)")
    parser.add_argument("--markdown", default=None, help="also write the tables to this file")
    args = parser.parse_args(argv)

    policylint = args.policylint.split()
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # as installed: byte-compiled modules
    env["PYTHONPATH"] = REPO + os.pathsep + env.get("PYTHONPATH", "")
    cache_root = tempfile.mkdtemp(prefix="policylint-bench-cache-")
    env["POLICYLINT_CACHE_DIR"] = cache_root  # every run starts from this empty cache
    out: list[str] = [
        f"Machine: {os.cpu_count()} processors, load average {os.getloadavg()[0]:.2f} at start; "
        f"Python {sys.version.split()[0]}; `{' '.join(policylint)}`.\n"]
    print(out[0])
    sizes = [int(s) for s in args.sizes.split(",") if s]
    jobs = [j for j in args.jobs.split(",") if j]
    spectral_rules = os.path.join(HERE, "spectral", "policylint.spectral.yaml")
    try:
        for size in sizes:
            # One document: the first of the Massachusetts corpus.
            root = ensure_corpus(args.corpus, 350 if size == 1 else size, args.seed)
            files = corpus_files(root)
            if size == 1:
                out.append(single_file(files[0], policylint, env, args))
                print(out[-1])
                continue
            floor_wall, floor_cpu = compose_floor(files, 1 if size >= 10_000 else args.repeat)
            floor = Row("C-loader compose floor (1 process, in-process)", size, floor_wall, cpu=floor_cpu)
            rows = [floor]
            for j in jobs:
                rows.append(run_best(f"policylint check --no-cache -j {j}", size, args.repeat,
                                     [*policylint, "check", root, "--no-cache", "-j", j], env))
            if args.formats != "none":
                base = os.path.join(cache_root, "report")
                summary_env = {**env, "GITHUB_STEP_SUMMARY": base + ".step-summary.md"}
                chosen = None if args.formats == "all" else set(args.formats.split(","))
                for label, extra in FORMAT_RUNS:
                    if chosen is not None and (label.startswith("all") or extra[1].split(":")[0] not in chosen):
                        continue
                    command = [*policylint, "check", root, "--no-cache", *(a.format(out=base) for a in extra)]
                    rows.append(run_best(f"policylint check --no-cache {label}", size, args.repeat,
                                         command, summary_env))
                    for name in os.listdir(cache_root):  # a job summary grows with each run
                        if name.startswith("report"):
                            os.unlink(os.path.join(cache_root, name))
            for label, folder in (("", root), (", all in one folder", flat_copy(root))) if args.cache_rows else ():
                shutil.rmtree(os.path.join(cache_root, "v1"), ignore_errors=True)
                rows.append(measure(f"policylint check (empty cache: checks and writes it{label})", size,
                                    [*policylint, "check", folder], env))
                rows.append(measure(f"policylint check (again: unchanged files from the cache{label})",
                                    size, [*policylint, "check", folder], env))
            if args.spectral:
                spectral = [*args.spectral.split(), "lint", "-q", "-f", "json", "-r", spectral_rules,
                            os.path.join(root, "**", "*.yaml")]
                rows.append(measure("Spectral, 10 equivalent rules", size, spectral, env,
                                    note="`spectral lint -r benchmarks/spectral/...`"))
            out.append(table(f"{size:,} documents ({sum(os.path.getsize(f) for f in files) / size:,.0f} "
                             "bytes each)", rows, floor))
            print(out[-1])
    finally:
        shutil.rmtree(cache_root, ignore_errors=True)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as fh:
            fh.write("\n".join(out))
    return 0


def measure(label: str, docs: int, command: list[str], env: dict[str, str], note: str = "") -> Row:
    seconds, peak, _, cpu = timed(command, env)
    return Row(label, docs, seconds, peak, note, cpu)


def run_best(label: str, docs: int, repeat: int, command: list[str], env: dict[str, str]) -> Row:
    """The fastest of ``repeat`` runs (one run at 18,000 documents)."""
    runs = [measure(label, docs, command, env) for _ in range(1 if docs >= 10_000 else repeat)]
    best = min(runs, key=lambda r: r.seconds)
    best.peak_mib = max(r.peak_mib or 0 for r in runs) or None
    best.cpu = min(r.cpu for r in runs if r.cpu is not None)
    return best


def single_file(path: str, policylint: list[str], env: dict[str, str], args: argparse.Namespace) -> str:
    """Whole-process times for one document: a pre-commit hook's view."""
    runs = args.single_runs
    rows = [("python -c pass", median_of(runs, [sys.executable, "-c", "pass"], env))]
    if args.yamllint:
        rows.append(("yamllint (default config)", median_of(runs, [*args.yamllint.split(), path], env)))
    subprocess.run([*policylint, "check", path], env=env, stdout=subprocess.DEVNULL)  # byte-compile, fill caches
    rows.append(("policylint check (file unchanged since the last run: cache hit)",
                 median_of(runs, [*policylint, "check", path], env)))
    rows.append(("policylint check (a changed file: its result is not in the cache)",
                 median_edited(runs, path, [*policylint, "check"], env)))
    rows.append(("policylint check --no-cache (no cache at all: every rule file validated)",
                 median_of(runs, [*policylint, "check", "--no-cache", path], env)))
    if args.check_jsonschema:
        # Schema validation only, no rules: the least a schema-based checker does per file.
        schema = min(glob.glob(os.path.join(REPO, "policylint", "**", "policy.schema.json"), recursive=True))
        rows.append(("check-jsonschema --schemafile policy.schema.json", median_of(
            runs, [*args.check_jsonschema.split(), "--schemafile", schema, path], env)))
    if args.spectral:
        spectral = os.path.join(HERE, "spectral", "policylint.spectral.yaml")
        rows.append(("Spectral, 10 equivalent rules", median_of(
            max(3, runs // 4), [*args.spectral.split(), "lint", "-q", "-r", spectral, path], env)))
    base = dict(rows).get("yamllint (default config)")
    lines = [f"### One document ({os.path.getsize(path):,} bytes), median of {runs} runs", "",
             "| command | ms | × yamllint |", "|---|---|---|"]
    lines += [f"| {label} | {1000 * s:.1f} | {s / base:.2f} |" if base else f"| {label} | {1000 * s:.1f} | – |"
              for label, s in rows]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
