"""Where one document's time goes: each stage of `policylint check` timed in turn, in process."""

from __future__ import annotations

import argparse
import json
import os
import pickle
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import yaml  # noqa: E402

from policylint.load.loader import load_bytes  # noqa: E402
from policylint.run.runner import Checker, CheckOptions, FileResult  # noqa: E402
from policylint.schema.fastvalidate import shipped  # noqa: E402
from policylint.schema.validate import validate  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("corpus", help="a folder of documents (e.g. benchmarks/corpus/n18000)")
    parser.add_argument("--every", type=int, default=18, help="time every Nth document (default 18)")
    args = parser.parse_args(argv)
    files = sorted(os.path.join(folder, name) for folder, _, names in os.walk(args.corpus)
                   for name in names if name.endswith(".yaml"))[:: args.every]
    raws = [open(path, "rb").read() for path in files]
    checker = Checker(CheckOptions(fingerprints=False))
    engine = checker.engine
    first = load_bytes(raws[0], files[0]).document
    engine.evaluate(first, validate(first).invalid)  # first-use costs are start-up, not per document
    stages = dict.fromkeys(("stock C-loader compose, for reference", "load", "validate", "rules",
                            "finish", "result sent from a worker"), 0.0)
    for raw, path in zip(raws, files):
        marks = [time.perf_counter()]
        node = yaml.CSafeLoader(raw.decode("utf-8"))
        node.get_single_node()
        node.dispose()
        marks.append(time.perf_counter())
        loaded = load_bytes(raw, path)
        doc = loaded.document
        marks.append(time.perf_counter())
        validation = validate(doc)
        marks.append(time.perf_counter())
        evaluation = engine.evaluate(doc, validation.invalid)
        marks.append(time.perf_counter())
        findings = checker.finish(doc, [*loaded.findings, *validation.findings, *evaluation.findings],
                                  evaluation.outcomes)
        findings.sort(key=lambda f: (f.line, f.column, f.rule, f.path))
        result = FileResult(doc.file, findings, outcomes=evaluation.outcomes)
        marks.append(time.perf_counter())
        pickle.loads(pickle.dumps(result))
        marks.append(time.perf_counter())
        for name, start, end in zip(stages, marks, marks[1:]):
            stages[name] += end - start
    n = len(files)
    print(f"{n} documents of {args.corpus}")
    for name, seconds in stages.items():
        print(f"{name:40s} {seconds / n * 1e6:8.1f} µs/doc")
    pipeline = sum(stages.values()) - next(iter(stages.values()))
    print(f"{'total (without the reference compose)':40s} {pipeline / n * 1e6:8.1f} µs/doc")

    from jsonschema import Draft202012Validator

    reference = Draft202012Validator(json.loads(open(os.path.join(
        os.path.dirname(HERE), "policylint", "schema", "schemas", "policy.schema.json"), encoding="utf-8").read()))
    data = [load_bytes(raw, path).document.data for raw, path in zip(raws, files)]
    for name, check in (("jsonschema, valid or not", reference.is_valid), ("compiled check", shipped("policy"))):
        start = time.perf_counter()
        for item in data:
            check(item)
        print(f"{name:40s} {(time.perf_counter() - start) / n * 1e6:8.1f} µs/doc")
    return 0


if __name__ == "__main__":
    sys.exit(main())
