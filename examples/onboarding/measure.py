#!/usr/bin/env python3
"""Lines per task of the onboarding service: non-blank lines that are not
comments (`//`, `//!`, `///`), per file of src/. Run from anywhere:
`python3 examples/onboarding/measure.py`."""
import os

TASKS = ["signup.rs", "login.rs", "session.rs", "api_keys.rs", "profile.rs", "webhook.rs", "render.rs"]
WIRING = ["lib.rs", "store.rs", "main.rs"]
SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "src")


def count(name):
    with open(os.path.join(SRC, name), encoding="utf-8") as f:
        return sum(1 for line in f if line.strip() and not line.strip().startswith("//"))


for group, names in (("tasks", TASKS), ("wiring", WIRING)):
    total = 0
    for name in names:
        n = count(name)
        total += n
        print(f"{n:5}  {name}")
    print(f"{total:5}  {group} total\n")
