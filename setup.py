"""Ships the top-level rules/ (the semgrep pack) as the package reviewbot.pack; metadata is in pyproject.toml."""

from setuptools import find_namespace_packages, find_packages, setup

PACK_FAMILIES = [f"reviewbot.pack.{name}" for name in find_namespace_packages(where="rules")]

setup(
    packages=[*find_packages(include=["reviewbot*"]), "reviewbot.pack", *PACK_FAMILIES],
    package_dir={"reviewbot.pack": "rules"},
)
