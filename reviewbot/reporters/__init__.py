"""Reporters: render a gated run for a terminal, machines (JSON, SARIF) or GitHub."""
