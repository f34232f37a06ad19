#!/usr/bin/env python3
"""Validates Quorum's JSON output against the schema files in docs/schema.

Usage: validate-json.py SCHEMA_DIR SCHEMA=FILE [SCHEMA=FILE ...]

Each FILE is checked against SCHEMA (a file name in SCHEMA_DIR, such as
command-list.json). With SCHEMA given as NAME.json:lines, every non-empty
line of FILE is one document (the post-receive notification lines). Every
failure is printed, with where in the document it is; the exit status is 0
when all hold, 1 when one does not, 2 for bad usage.

It uses the jsonschema package (Debian: python3-jsonschema), the reference
implementation for Python, so that the schema files mean what the JSON
Schema specification (draft 2020-12) says they mean.
"""
import json
import os
import sys

try:
    import jsonschema
except ImportError:
    sys.stderr.write("validate-json: the jsonschema package is missing\nhint: make deps (installs python3-jsonschema)\n")
    sys.exit(2)


def load_schemas(directory):
    schemas = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".json"):
            with open(os.path.join(directory, name), encoding="utf-8") as f:
                schemas[name] = json.load(f)
    return schemas


def validator_for(schemas, name):
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    format_checker = cls.FORMAT_CHECKER if hasattr(cls, "FORMAT_CHECKER") else jsonschema.FormatChecker()
    try:
        # jsonschema 4.18 and later: references resolved from a registry.
        from referencing import Registry, Resource
        registry = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc)) for doc in schemas.values())
        return cls(schema, registry=registry, format_checker=format_checker)
    except ImportError:
        store = {doc["$id"]: doc for doc in schemas.values()}
        resolver = jsonschema.RefResolver.from_schema(schema, store=store)
        return cls(schema, resolver=resolver, format_checker=format_checker)


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    schemas = load_schemas(argv[1])
    failures = 0
    checked = 0
    for pair in argv[2:]:
        name, _, path = pair.partition("=")
        lines = name.endswith(":lines")
        name = name[: -len(":lines")] if lines else name
        if name not in schemas or not path:
            sys.stderr.write(f"validate-json: no schema {name} in {argv[1]} (or no file in '{pair}')\n")
            return 2
        validator = validator_for(schemas, name)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        documents = [line for line in text.splitlines() if line.strip()] if lines else [text]
        if not documents:
            print(f"{path}: no documents to check against {name}")
            failures += 1
        for number, document in enumerate(documents, 1):
            where = f"{path}" + (f" line {number}" if lines else "")
            try:
                value = json.loads(document)
            except ValueError as error:
                print(f"{where}: not JSON ({error})")
                failures += 1
                continue
            checked += 1
            for error in sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path)):
                location = "/".join(str(p) for p in error.absolute_path) or "(top)"
                print(f"{where}: {name}: at {location}: {error.message}")
                failures += 1
    print(f"validate-json: {checked} documents checked, {failures} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
