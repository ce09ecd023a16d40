"""The nouns every stage speaks; no I/O, no imports from the rest of reviewbot."""
