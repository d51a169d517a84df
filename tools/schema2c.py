#!/usr/bin/env python3
"""Turns the national standard of places (TableSchema, data/standards/schema.json) into a C table.

Usage: schema2c.py SCHEMA.json OUT.c

Each field gives one row of place_fields[] (struct field, model/kernel/entity.h), in the standard's order:
name, French title as the label, type, required, maxLength, unique, then either a controlled vocabulary or a
pattern; every column is exported. A pattern of the form (?:(?:^|\\|)(A|B|…))+$ is a '|'-separated
multi-valued column (FF_MULTI) whose values become a struct vocab (code = label); any other pattern
is translated to POSIX ERE (\\d → [0-9], (?: → (), and a pattern that cannot be translated fails the
build. The output also checks at compile time that the PLACE_F_* indices of model/places/place.h match."""
import json
import re
import sys

TYPES = {"string": "FT_TEXT", "number": "FT_NUMBER", "date": "FT_DATE"}
# What the schema does not say: the free texts that may hold line breaks.
MULTILINE = {"presentation_resume", "presentation_detail"}
VOCAB = re.compile(r"^\(\?:\(\?:\^\|\\\|\)\((.*)\)\)\+\$$")
# Perl-only constructs ERE has no equivalent for (or means something else by).
UNSUPPORTED = [r"(?=", r"(?!", r"(?<", r"\w", r"\W", r"\s", r"\S", r"\b", r"\B", r"*?", r"+?", r"??", r"}?",
               r"\p", r"\u", r"\x", r"\1", r"\2", r"\D", r"\A", r"\Z", r"\z"]


def fail(msg):
    sys.stderr.write(f"schema2c: {msg}\n")
    sys.exit(1)


def c_string(s):
    out = []
    for ch in s.encode("utf-8"):
        c = chr(ch)
        if c in '"\\':
            out.append("\\" + c)
        elif 32 <= ch < 127:
            out.append(c)
        else:
            out.append(f"\\{ch:03o}")
    return '"' + "".join(out) + '"'


def vocab_values(inner, field):
    values, cur, i = [], [], 0
    while i < len(inner):
        c = inner[i]
        if c == "\\":
            if i + 1 >= len(inner) or inner[i + 1] not in "().|\\-/+*?[]{}^$":
                fail(f"{field}: unsupported escape in vocabulary {inner[i:i + 2]!r}")
            cur.append(inner[i + 1])
            i += 2
            continue
        if c == "|":
            values.append("".join(cur))
            cur = []
        elif c in "()[]{}*+?^$":
            fail(f"{field}: a vocabulary value holds the regular-expression character {c!r}")
        else:
            cur.append(c)  # '.' is taken literally: the standard means "ORDI 3.0"
        i += 1
    values.append("".join(cur))
    if any(v == "" for v in values):
        fail(f"{field}: empty vocabulary value")
    return values


def to_ere(pattern, field):
    for bad in UNSUPPORTED:
        if bad in pattern:
            fail(f"{field}: pattern {pattern!r} uses {bad!r}, which POSIX ERE cannot express")
    ere = pattern.replace("(?:", "(").replace(r"\d", "[0-9]")
    if "(?" in ere:
        fail(f"{field}: pattern {pattern!r} uses a (? group that ERE cannot express")
    if not ere.startswith("^"):
        ere = "^(" + ere + ")"
    if not ere.endswith("$") or ere.endswith("\\$"):
        ere = ere + "$"
    return ere


def main():
    if len(sys.argv) != 3:
        fail("usage: schema2c.py SCHEMA.json OUT.c")
    with open(sys.argv[1], encoding="utf-8") as f:
        schema = json.load(f)
    rows, vocabs, checks = [], [], []
    for i, fd in enumerate(schema["fields"]):
        name = fd["name"]
        if not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
            fail(f"field name {name!r} is not a C identifier")
        if fd.get("type") not in TYPES:
            fail(f"{name}: unknown type {fd.get('type')!r}")
        cons = fd.get("constraints", {})
        pattern, vocab = "NULL", "NULL"
        flags = ["FF_EXPORTED"]
        if "pattern" in cons:
            m = VOCAB.match(cons["pattern"])
            if m:
                values = vocab_values(m.group(1), name)
                vocab = f"&vocab_{name}"
                flags.append("FF_MULTI")
                vocabs.append(f"static const struct vocab_item items_{name}[] = {{\n" +
                              "".join(f"\t{{ {c_string(v)}, {c_string(v)} }},\n" for v in values) + "};\n" +
                              f"static const struct vocab vocab_{name} = {{ {c_string(name)}, items_{name}, "
                              f"{len(values)} }};")
            else:
                pattern = c_string(to_ere(cons["pattern"], name))
        if cons.get("unique"):
            flags.append("FF_UNIQUE")
        if name in MULTILINE:
            flags.append("FF_MULTILINE")
        for k in cons:
            if k not in ("required", "pattern", "maxLength", "unique"):
                fail(f"{name}: unsupported constraint {k!r}")
        rows.append(f"\t{{ .name = {c_string(name)}, .label = {c_string(fd.get('title', name))}, "
                    f".type = {TYPES[fd['type']]}, .required = {'true' if cons.get('required') else 'false'}, "
                    f".max_len = {int(cons.get('maxLength', 0))}, .vocab = {vocab}, "
                    f".flags = {' | '.join(flags)}, .pattern = {pattern} }},")
        checks.append(f'_Static_assert(PLACE_F_{name.upper()} == {i}, "model/place.h: PLACE_F_{name.upper()}");')
    out = [
        "/* Generated by tools/schema2c.py from data/standards/schema.json: do not edit. */",
        '#include "model/places/place.h"',
        "",
        f'_Static_assert(PLACE_NFIELDS == {len(rows)}, "model/place.h: PLACE_NFIELDS");',
        *checks,
        "",
        *vocabs,
        "",
        "const struct field place_fields[PLACE_NFIELDS] = {",
        *rows,
        "};",
        'const struct entity entity_place = { "place", "Lieu", place_fields, PLACE_NFIELDS };',
        f"const char place_schema_version[] = {c_string(schema.get('version', ''))};",
        "",
    ]
    with open(sys.argv[2], "w", encoding="utf-8") as f:
        f.write("\n".join(out))


main()
