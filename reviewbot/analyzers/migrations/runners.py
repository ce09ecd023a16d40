"""Which runner applies a SQL migration, found from the runner's own configuration, then its conventions.

A runner decides what a file means: whether it runs at all (drizzle runs only what its journal lists),
which part runs (dbmate's `-- migrate:up` section), and whether it runs inside a transaction.
"""

from __future__ import annotations

import json
import posixpath
import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from reviewbot.analyzers.migrations.model import Runner

# Reads a repository-relative path: the changed text, else the working tree; None if absent.
Reader = Callable[[str], str | None]

DRIZZLE_CONFIGS = tuple(f"drizzle.config.{ext}" for ext in ("ts", "js", "mjs", "cjs", "mts", "cts", "json"))
JOURNAL = "meta/_journal.json"
FLYWAY_NAME = re.compile(r"^[VR]\d*[._\d]*__.+\.sql$")
_DRIZZLE_OUT = re.compile(r"""\bout\s*:\s*(['"`])(.+?)\1""")
_ATLAS_DIR = re.compile(r"""\bdir\s*=\s*"file://([^"?]+)""")
_FLYWAY_CONF_LINE = re.compile(r"^\s*flyway\.(\w+)\s*=\s*(.*?)\s*$", re.MULTILINE)
_SQITCH_DIR = re.compile(r"^\s*(top_dir|deploy_dir)\s*=\s*(\S+)\s*$", re.MULTILINE)
DBMATE_UP = re.compile(r"^--\s*migrate:up\b(.*)$", re.MULTILINE)
DRIZZLE_BREAKPOINT = "--> statement-breakpoint"


@dataclass(frozen=True, slots=True)
class RunnerChoice:
    """The runner of one file, the folder it governs, and why we think so."""

    runner: Runner
    folder: str  # the migrations folder, repository-relative ("" is the root)
    reason: str
    # False: the runner never applies this file as a forward migration (a rollback, a verify script,
    # a file its journal does not list is handled by returning psql instead)
    is_migration: bool = True
    # A folder-wide answer to "does the runner wrap the file in a transaction" (None: per file)
    in_transaction: bool | None = None


def _join(*parts: str) -> str:
    joined = posixpath.normpath(posixpath.join(*parts)) if any(parts) else ""
    return "" if joined == "." else joined


def _ancestors(path: str) -> Iterator[str]:
    """The directories containing `path`, nearest first, ending with the root ("")."""
    directory = posixpath.dirname(path)
    while True:
        yield directory
        if not directory:
            return
        directory = posixpath.dirname(directory)


def _is_under(path: str, folder: str) -> bool:
    return folder == "" or path.startswith(folder.rstrip("/") + "/")


class RunnerFinder:
    """Finds runner configuration files above a path; each directory and file is read once per run."""

    def __init__(self, read: Reader) -> None:
        self.read = read
        self._configs: dict[str, tuple[RunnerChoice, ...]] = {}
        self._journals: dict[str, frozenset[str] | None] = {}

    def journal_tags(self, folder: str) -> frozenset[str] | None:
        """The migration tags `folder/meta/_journal.json` lists; None without a readable journal."""
        if folder not in self._journals:
            self._journals[folder] = _journal_tags(self.read(_join(folder, JOURNAL)))
        return self._journals[folder]

    def configured(self, path: str) -> RunnerChoice | None:
        """The runner a configuration file above `path` names for it (nearest configuration first)."""
        for directory in _ancestors(path):
            for choice in self._directory_configs(directory):
                if _is_under(path, choice.folder):
                    return self._refine(path, choice)
        return None

    def _directory_configs(self, directory: str) -> tuple[RunnerChoice, ...]:
        found = self._configs.get(directory)
        if found is None:
            found = self._configs[directory] = tuple(self._read_configs(directory))
        return found

    def _read_configs(self, directory: str) -> Iterator[RunnerChoice]:
        here = directory or "."
        diesel = self.read(_join(directory, "diesel.toml"))
        if diesel is not None:
            folder = _diesel_directory(diesel)
            yield RunnerChoice(Runner.DIESEL, _join(directory, folder), f"{_join(here, 'diesel.toml')} "
                               f"names {folder}/ its migrations directory")
        for name in DRIZZLE_CONFIGS:
            config = self.read(_join(directory, name))
            if config is not None:
                match = _DRIZZLE_OUT.search(config)
                out = match.group(2) if match else "drizzle"
                yield RunnerChoice(Runner.DRIZZLE, _join(directory, out),
                                   f"{_join(here, name)} sets out: {out}" if match else f"{name} (default out: drizzle)")
                break
        for name in ("flyway.conf", "flyway.toml"):
            config = self.read(_join(directory, name))
            if config is not None:
                locations, in_tx = _flyway_settings(config, toml=name.endswith(".toml"))
                for location in locations:
                    yield RunnerChoice(Runner.FLYWAY, _join(directory, location),
                                       f"{_join(here, name)} lists it in locations", in_transaction=in_tx)
        atlas = self.read(_join(directory, "atlas.hcl"))
        if atlas is not None:
            for match in _ATLAS_DIR.finditer(atlas):
                yield RunnerChoice(Runner.ATLAS, _join(directory, match.group(1)),
                                   f"{_join(here, 'atlas.hcl')} names it its migration dir")
        sqitch = self.read(_join(directory, "sqitch.conf"))
        if sqitch is not None or self.read(_join(directory, "sqitch.plan")) is not None:
            settings = dict(_SQITCH_DIR.findall(sqitch or ""))
            top = _join(directory, settings.get("top_dir", ""))
            deploy = _join(top, settings.get("deploy_dir", "deploy"))
            yield RunnerChoice(Runner.SQITCH, deploy, f"sqitch project in {here}: deploy scripts")
            for other in ("revert", "verify"):
                yield RunnerChoice(Runner.SQITCH, _join(top, other), f"sqitch {other} script", is_migration=False)

    def _refine(self, path: str, choice: RunnerChoice) -> RunnerChoice:
        """What the runner does with this particular file of its folder."""
        name = posixpath.basename(path)
        if choice.runner is Runner.DIESEL and name != "up.sql":
            return RunnerChoice(Runner.DIESEL, choice.folder, "diesel runs only <version>/up.sql going forward",
                                is_migration=False)
        if choice.runner is Runner.FLYWAY and not FLYWAY_NAME.match(name):
            return RunnerChoice(Runner.FLYWAY, choice.folder, "not a Flyway V/R migration name", is_migration=False)
        if choice.runner is Runner.DRIZZLE:
            return self.drizzle(path, choice.folder, choice.reason)
        return choice

    def drizzle(self, path: str, folder: str, reason: str) -> RunnerChoice:
        """Drizzle runs only the files its journal lists, all pending ones in one transaction."""
        tags = self.journal_tags(folder)
        if tags is None:
            return RunnerChoice(Runner.DRIZZLE, folder, reason)
        stem = posixpath.basename(path).removesuffix(".sql")
        if posixpath.dirname(path) == folder and stem in tags:
            return RunnerChoice(Runner.DRIZZLE, folder, f"{reason}, listing the file (pending files run in one "
                                                        "transaction)")
        return RunnerChoice(Runner.PSQL, folder, f"{_join(folder, JOURNAL)} does not list the file, so drizzle "
                                                 "never runs it (applied by hand: psql semantics)")

    def conventional(self, path: str, text: str) -> RunnerChoice | None:
        """The runner a file's own folder or content shows (no configuration file); None if none does."""
        directory = posixpath.dirname(path)
        parent = posixpath.dirname(directory)
        name = posixpath.basename(path)
        if self.read(_join(directory, JOURNAL)) is not None:
            return self.drizzle(path, directory, JOURNAL)
        if DRIZZLE_BREAKPOINT in text:
            return RunnerChoice(Runner.DRIZZLE, directory, "drizzle-kit statement-breakpoint markers")
        if DBMATE_UP.search(text):
            return RunnerChoice(Runner.DBMATE, directory, "-- migrate:up section (dbmate)")
        if self.read(_join(directory, "atlas.sum")) is not None:
            return RunnerChoice(Runner.ATLAS, directory, "atlas.sum next to it")
        if name == "migration.sql" and (
            self.read(_join(parent, "migration_lock.toml")) is not None or posixpath.basename(parent) == "migrations"
        ):
            return RunnerChoice(Runner.PRISMA, parent, "<timestamp>_name/migration.sql (Prisma Migrate)")
        if name == "up.sql":
            return RunnerChoice(Runner.DIESEL, parent, "<version>_name/up.sql (diesel)")
        if FLYWAY_NAME.match(name):
            return RunnerChoice(Runner.FLYWAY, directory, "V<version>__name.sql (Flyway)")
        if name.endswith(".up.sql"):
            return RunnerChoice(Runner.GOLANG_MIGRATE, directory, "<version>_name.up.sql (golang-migrate)")
        return None


def _diesel_directory(text: str) -> str:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return "migrations"
    section = data.get("migrations_directory")
    if isinstance(section, dict) and isinstance(section.get("dir"), str):
        return str(section["dir"])
    if isinstance(section, str):
        return section
    return "migrations"


def _flyway_settings(text: str, *, toml: bool) -> tuple[list[str], bool | None]:
    """Filesystem migration locations (relative to the config file) and executeInTransaction."""
    values: dict[str, object] = {}
    if toml:
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError:
            return [], None
        stack: list[object] = [data]
        while stack:
            node = stack.pop()
            if isinstance(node, dict):
                for key, value in node.items():
                    if key in ("locations", "executeInTransaction"):
                        values.setdefault(key, value)
                    stack.append(value)
    else:
        for key, value in _FLYWAY_CONF_LINE.findall(text):
            values.setdefault(key, [v.strip() for v in value.split(",")] if key == "locations" else value)
    raw = values.get("locations")
    locations: list[str] = []
    for entry in raw if isinstance(raw, list) else []:
        text_entry = str(entry)
        if text_entry.startswith("filesystem:"):
            locations.append(text_entry.removeprefix("filesystem:"))
        elif text_entry.startswith("classpath:"):
            locations.append(_join("src/main/resources", text_entry.removeprefix("classpath:")))
        elif ":" not in text_entry:
            locations.append(text_entry)
    in_tx: bool | None = None
    if str(values.get("executeInTransaction", "")).lower() == "false":
        in_tx = False
    return locations, in_tx


def _journal_tags(text: str | None) -> frozenset[str] | None:
    if text is None:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        return None
    return frozenset(str(e["tag"]) for e in entries if isinstance(e, dict) and "tag" in e)
