#!/usr/bin/env python3
"""Draw the precision ledger's judgement sheet: a seeded random sample of each rule's findings.

    tests/ledger/sample.py --bin target/release/golint-guard --seed 20261206 --out sheet.tsv \
        tailscale=/path/to/tailscale@de9ec7ee2 terraform=/path/to/terraform@883c7221ee ...

Each corpus is NAME=DIR@COMMIT: a checkout of a public repository that none of the rules was tuned
on (the commit is recorded in the sheet; the code itself is never committed). The script runs
`check --no-config` on each DIR, pools the findings of each rule at warning or error (the ones the
precision bar is about; `--all-severities` adds info), and draws up to `--per-rule` of them
(all of them when there are fewer) with a seeded random generator, so anyone can redraw the same
sample. The sheet has the ledger's columns with `verdict` and `reason` left empty, plus a `code`
column holding the flagged line, to be judged by reading each finding in its file:

    true       a reviewer would agree it deserves attention
    false      the rule's reasoning is wrong here
    debatable  true by the letter of the rule, but no competent reviewer would change the code

`--write-ledgers RULES_DIR` then takes a judged sheet (`--sheet`) and replaces each judged rule's
rules/<id>/ledger.tsv with its rows, dropping the code column: the ledger keeps only coordinates,
verdicts and one-line reasons.
"""
import argparse
import collections
import json
import os
import random
import subprocess
import sys

COLUMNS = ["repo", "commit", "path", "line", "rule", "severity", "verdict", "reason"]
LEDGER_HEADER = (
    "# Judged findings of this rule: a seeded random sample (tests/ledger/sample.py) of its findings\n"
    "# on real repositories it was not tuned on. Coordinates and verdicts only; no code.\n"
    "# verdict: true | false | debatable (true by the letter, but no reviewer would change the code)\n"
)


def run_corpus(binary, name, directory):
    out = subprocess.run(
        [binary, "check", "--no-config", "--exit-zero", "--quiet", "--format", "json", "./..."],
        cwd=directory, capture_output=True, text=True, check=False,
    )
    if out.returncode != 0:
        sys.exit(f"{name}: golint-guard exited {out.returncode}: {out.stderr.strip()}")
    return json.loads(out.stdout)["findings"]


def flagged_line(directory, path, line):
    try:
        with open(os.path.join(directory, path), encoding="utf-8", errors="replace") as handle:
            for number, text in enumerate(handle, 1):
                if number == line:
                    return text.strip().replace("\t", " ")[:200]
    except OSError:
        pass
    return ""


def sample(args):
    args.bin = os.path.abspath(args.bin)
    pools = collections.defaultdict(list)
    for spec in args.corpora:
        name, _, rest = spec.partition("=")
        directory, _, commit = rest.rpartition("@")
        if not (name and directory and commit):
            sys.exit(f"corpus `{spec}`: expected NAME=DIR@COMMIT")
        for finding in run_corpus(args.bin, name, directory):
            if finding["rule"] in ("syntax-error", "unreadable-file", "invalid-suppression", "unused-suppression"):
                continue
            if not args.all_severities and finding["severity"] == "info":
                continue
            if args.rules and finding["rule"] not in args.rules:
                continue
            pools[finding["rule"]].append((name, commit, directory, finding))
    rows = []
    for rule in sorted(pools):
        pool = sorted(pools[rule], key=lambda item: (item[0], item[3]["path"], item[3]["line"], item[3]["column"]))
        # One generator per rule, so adding a rule never changes another rule's sample.
        chosen = random.Random(f"{args.seed}:{rule}").sample(pool, min(args.per_rule, len(pool)))
        for name, commit, directory, finding in chosen:
            rows.append([name, commit, finding["path"], str(finding["line"]), rule, finding["severity"], "", "",
                         flagged_line(directory, finding["path"], finding["line"])])
        print(f"{rule}: {len(pool)} findings, {len(chosen)} drawn", file=sys.stderr)
    with open(args.out, "w", encoding="utf-8") as handle:
        handle.write("\t".join(COLUMNS + ["code"]) + "\n")
        for row in rows:
            handle.write("\t".join(row) + "\n")


def write_ledgers(args):
    by_rule = collections.defaultdict(list)
    with open(args.sheet, encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        for line in handle:
            cells = dict(zip(header, line.rstrip("\n").split("\t")))
            if cells.get("verdict") not in ("true", "false", "debatable"):
                sys.exit(f"unjudged or malformed row: {line.strip()}")
            if not cells.get("reason"):
                sys.exit(f"row without a reason: {line.strip()}")
            by_rule[cells["rule"]].append([cells[column] for column in COLUMNS])
    for rule, rows in sorted(by_rule.items()):
        path = os.path.join(args.write_ledgers, rule, "ledger.tsv")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(LEDGER_HEADER + "\t".join(COLUMNS) + "\n")
            for row in sorted(rows, key=lambda row: (row[0], row[2], int(row[3]))):
                handle.write("\t".join(row) + "\n")
        print(f"{path}: {len(rows)} rows", file=sys.stderr)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("corpora", nargs="*", help="NAME=DIR@COMMIT")
    parser.add_argument("--bin", default="target/release/golint-guard")
    parser.add_argument("--seed", default="20261206")
    parser.add_argument("--per-rule", type=int, default=20)
    parser.add_argument("--rules", nargs="*", help="only these rules")
    parser.add_argument("--all-severities", action="store_true", help="sample info findings too")
    parser.add_argument("--out", default="sheet.tsv")
    parser.add_argument("--sheet", help="a judged sheet, with --write-ledgers")
    parser.add_argument("--write-ledgers", metavar="RULES_DIR", help="write rules/<id>/ledger.tsv from --sheet")
    args = parser.parse_args()
    if args.write_ledgers:
        if not args.sheet:
            sys.exit("--write-ledgers needs --sheet")
        write_ledgers(args)
    else:
        if not args.corpora:
            sys.exit("name at least one corpus: NAME=DIR@COMMIT")
        sample(args)


if __name__ == "__main__":
    main()
