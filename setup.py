"""Package list for setuptools; metadata is in pyproject.toml."""

from setuptools import find_packages, setup

setup(packages=find_packages(include=["reviewbot*"]))
