"""Analyzers: each receives the ChangeSet and returns Findings."""
