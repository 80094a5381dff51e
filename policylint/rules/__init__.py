"""The rule language: rule files and packs, conditions, named checks, and the engine; the law in data/."""
