#!/usr/bin/env python3
"""The layering check: fails on any #include that points up the layers, or sideways between two layers of
the same rank, and on any cycle between the capability folders of one layer.

Usage: tools/layers.py [SRC_DIR]   (default: the src/ beside tools/). Prints one line per violation and
exits 1 when there is any, 0 otherwise (with a one-line summary).

The layers, bottom up (a file may include its own layer and the layers of a lower rank only):
  0 core  1 store, model  2 domain  3 demo, http  4 web, api  5 app  6 src/main.c
Inside model, domain, web and api, the capability folders (kernel, accounts, places, ...) may use one
another, but never in a cycle; kernel, the bottom of each layer, uses no other capability of its layer.
"""
import os
import re
import sys

RANK = {
    "core": 0,
    "store": 1,
    "model": 1,
    "domain": 2,
    "demo": 3,
    "http": 3,
    "web": 4,
    "api": 4,
    "app": 5,
    "main.c": 6,
}
# The bottom capability of every layer: it includes no other capability folder of its layer.
KERNEL = "kernel"
ROOT = "."  # files directly in a layer's folder (web/web.c, api/api.c)
INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)
SOURCES = (".c", ".h")


def layer_of(rel):
    """The layer and the capability folder of a path relative to src/ ("web/places/places.c")."""
    parts = rel.split("/")
    if len(parts) == 1:
        return parts[0], ROOT
    return parts[0], parts[1] if len(parts) > 2 else ROOT


def scan(src):
    """Yields (file, line number, included path), paths relative to SRC, for every quoted include."""
    for dirpath, dirnames, filenames in os.walk(src):
        dirnames.sort()
        for name in sorted(filenames):
            if not name.endswith(SOURCES):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src).replace(os.sep, "/")
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            for m in INCLUDE.finditer(text):
                target = m.group(1)
                # A header beside the file ("foo.h") is resolved in its folder, the others from src/.
                if "/" not in target and os.path.exists(os.path.join(dirpath, target)):
                    target = os.path.relpath(os.path.join(dirpath, target), src).replace(os.sep, "/")
                yield rel, text.count("\n", 0, m.start()) + 1, target


def cycles(edges):
    """The strongly connected components of more than one node of the graph EDGES {node: {node: where}}."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, {})):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def check(src):
    """The violations found under SRC, as lines of text."""
    bad = []
    edges = {}  # layer -> {capability: {capability: "file:line"}}
    nincludes = 0
    for rel, line, target in scan(src):
        layer, cap = layer_of(rel)
        where = f"{rel}:{line}"
        if layer not in RANK:
            bad.append(f"{where}: {layer}/ is not a known layer (add it to RANK in tools/layers.py)")
            continue
        tlayer, tcap = layer_of(target)
        if tlayer not in RANK or not os.path.exists(os.path.join(src, target)):
            continue  # a system, library or generated header
        nincludes += 1
        if tlayer == layer:
            if cap != tcap:
                if cap == KERNEL and tcap != ROOT:
                    bad.append(f"{where}: {layer}/{KERNEL} includes {target}: kernel uses no other capability")
                edges.setdefault(layer, {}).setdefault(cap, {}).setdefault(tcap, where)
            continue
        if RANK[tlayer] > RANK[layer]:
            bad.append(f"{where}: includes {target}: {layer} (rank {RANK[layer]}) may not use {tlayer} "
                       f"(rank {RANK[tlayer]}), a layer above it")
        elif RANK[tlayer] == RANK[layer]:
            bad.append(f"{where}: includes {target}: {layer} and {tlayer} are side by side and may not use "
                       "each other")
    for layer in sorted(edges):
        for comp in cycles(edges[layer]):
            links = [f"{a} -> {b} ({edges[layer][a][b]})" for a in comp for b in comp
                     if b in edges[layer].get(a, {})]
            bad.append(f"cycle between capability folders of {layer}/: {', '.join(comp)}: " + "; ".join(links))
    return bad, nincludes


def main(argv):
    src = argv[1] if len(argv) > 1 else os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
    if not os.path.isdir(src):
        print(f"layers: {src} is not a directory", file=sys.stderr)
        return 2
    bad, n = check(src)
    for b in bad:
        print(b)
    if n == 0:
        print("layers: no include found: wrong folder?")
        return 1
    print(f"layers: {n} includes checked, {len(bad)} violation(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
