"""Ships the top-level rules/ (the semgrep pack) as the package reviewbot.pack; metadata is in pyproject.toml."""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["reviewbot*"]), "reviewbot.pack"],
    package_dir={"reviewbot.pack": "rules"},
)
