"""The semgrep rule pack (YAML); installed as the package `reviewbot.pack`."""
