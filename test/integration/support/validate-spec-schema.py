#!/usr/bin/python3
"""Checks YAML specs against a JSON Schema (draft 2020-12) with python3-jsonschema, as an editor or
CI job would: validate-spec-schema.py SCHEMA SPEC... prints one JSON line per spec,
{"file": ..., "valid": bool, "errors": [...]}; exits 0 when every spec was read."""
import json
import sys

import jsonschema
import yaml

schema_path, *spec_paths = sys.argv[1:]
with open(schema_path, encoding="utf-8") as f:
    schema = json.load(f)
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
for path in spec_paths:
    with open(path, encoding="utf-8") as f:
        document = yaml.safe_load(f)
    errors = ["/".join(map(str, e.absolute_path)) + ": " + e.message for e in validator.iter_errors(document)]
    print(json.dumps({"file": path, "valid": not errors, "errors": errors}))
