#!/usr/bin/env python3
"""Check the golden files against knack, the library az prints with.

Run from this folder with a Python that has knack, jmespath, PyYAML,
tabulate, wcwidth and pygments (Debian: apt-get install python3-knack
python3-wcwidth), after `go test ./cli/output/ -run TestGolden -update`:

    python3 knack_crosscheck.py

Input objects are loaded with sorted keys, because the Go side receives Go
maps, which do not keep the order the service sent. Error messages of
failed queries come from different JMESPath libraries and are reported as
differences to review, not necessarily bugs.
"""
import json
import os
import sys
from collections import OrderedDict

import jmespath
from knack.output import (format_json, format_json_color, format_table,
                          format_tsv, format_yaml, format_yaml_color)
from knack.util import CLIError, CommandResultItem


def sorted_object(pairs):
    return dict(sorted(pairs))


def group_list(result):
    return [OrderedDict([("Name", r["name"]), ("Location", r["location"]),
                         ("Status", r["properties"]["provisioningState"])]) for r in result]


def resource_list(result):
    rows = []
    for r in result:
        row = OrderedDict([("Name", r["name"]), ("ResourceGroup", r["resourceGroup"]),
                           ("Location", r["location"]), ("Type", r["type"])])
        try:
            row["Status"] = r["properties"]["provisioningStatus"]
        except TypeError:
            row["Status"] = " "
        rows.append(row)
    return rows


def account_list(result):
    return [OrderedDict([("Name", r["name"]), ("CloudName", r["cloudName"]),
                         ("SubscriptionId", r["id"]), ("TenantId", r["tenantId"]),
                         ("State", r.get("state")), ("IsDefault", r["isDefault"])]) for r in result]


TRANSFORMERS = {"group list": group_list, "resource list": resource_list, "account list": account_list}
FORMATTERS = {"json": format_json, "jsonc": format_json_color, "yaml": format_yaml,
              "yamlc": format_yaml_color, "table": format_table, "tsv": format_tsv}


def render(case, fmt):
    with open(os.path.join("input", case["input"]), encoding="utf-8") as f:
        data = json.load(f, object_pairs_hook=sorted_object)
    query = case.get("query")
    if query:
        try:
            compiled = jmespath.compile(query)
        except Exception:  # argparse turns any compile failure into this message
            return "error: argument --query: invalid jmespath_type value: %r\n" % (query,)
        try:
            data = compiled.search(data, jmespath.Options(dict_cls=OrderedDict))
        except jmespath.exceptions.JMESPathError as ex:
            return "error: Invalid jmespath query supplied for `--query`: %s\n" % (ex,)
    if data is None:
        return ""
    item = CommandResultItem(data, table_transformer=TRANSFORMERS.get(case.get("transformer")),
                             is_query_active=bool(query))
    try:
        return FORMATTERS[fmt](item)
    except CLIError as ex:
        return "error: %s\n" % (ex,)


def main():
    with open("cases.json", encoding="utf-8") as f:
        cases = json.load(f)
    failures = 0
    for case in cases:
        for fmt in case.get("formats") or ["json", "jsonc", "yaml", "yamlc", "table", "tsv"]:
            path = os.path.join("golden", "%s.%s" % (case["name"], fmt))
            with open(path, encoding="utf-8", newline="") as f:
                golden = f.read()
            want = render(case, fmt)
            if golden != want:
                failures += 1
                print("DIFF %s\n--- knack ---\n%r\n--- golden ---\n%r\n" % (path, want, golden))
    print("%d differences" % failures)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
