"""Incident types to the "4C" categories: exact names, then keywords and synonyms (English and Indonesian).

A raw type such as ``"VEHICLE THEFT - AUTO"`` is normalised (upper case, every run of punctuation,
underscores and spaces becomes one space: ``"VEHICLE THEFT AUTO"``), then looked up in order:

1. the user's type map (``--type-map FILE.json``, exact normalised names): it always wins;
2. the user's keyword rules (``--type-keywords FILE.toml``);
3. :data:`DEFAULT_TYPE_MAP` (exact normalised names);
4. :data:`DEFAULT_KEYWORDS`;
5. otherwise ``lainnya`` (unmatched; the data-quality notes report their share).

A keyword rule matches when one of its phrases occurs in the name as whole words (``THEFT`` matches
``VEHICLE THEFT AUTO`` but not ``THEFTWATCH``); the first matching rule wins.

Decisions a planner may want to change (with a type map or a keyword file):

* **Theft from a vehicle** (``BURGLARY-AUTO``, ``THEFT FROM VEHICLE``, car prowl, ``pencurian dalam mobil``) is
  ``curat``: the vehicle is broken into and goods are taken; the vehicle itself is not stolen, so it is
  not ``curanmor``. Its rules come before the vehicle-theft rules.
* **Carjacking** (vehicular hijacking) is ``curanmor`` (the vehicle is taken), **begal** (robbery of a rider
  on the road) is ``curas`` (the violence is what a patrol prevents).
* **Plain theft** is ``curat`` (see :mod:`routeplan.hotspots`).
* Types that name theft but are not one (identity theft, receiving stolen property, a recovered vehicle,
  fraud, embezzlement) are ``lainnya``; their rules come first.

Keyword file format (TOML; rules are tried in file order)::

    [[rules]]
    category = "curanmor"
    phrases = ["maling motor", "curi motor"]
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from routeplan._io import read_text
from routeplan.errors import InputError

#: Incident categories used by routeplan ("4C" plus everything else).
CATEGORIES: tuple[str, ...] = ("curas", "curat", "curanmor", "curhewan", "lainnya")

#: Default mapping from common English (Chicago, Philadelphia, UK police) and Indonesian incident type
#: names to :data:`CATEGORIES`, matched exactly after :func:`normalise_type`.
DEFAULT_TYPE_MAP: dict[str, str] = {
    "ROBBERY": "curas",
    "ROBBERY FIREARM": "curas",
    "ROBBERY NO FIREARM": "curas",
    "ARMED ROBBERY": "curas",
    "STRONG ARM ROBBERY": "curas",
    "CARJACKING": "curanmor",
    "VEHICULAR HIJACKING": "curanmor",
    "BURGLARY": "curat",
    "BURGLARY RESIDENTIAL": "curat",
    "BURGLARY NON RESIDENTIAL": "curat",
    "RESIDENTIAL BURGLARY": "curat",
    "COMMERCIAL BURGLARY": "curat",
    "THEFT": "curat",
    "THEFTS": "curat",
    "LARCENY": "curat",
    "LARCENY/THEFT": "curat",
    "THEFT FROM VEHICLE": "curat",
    "THEFT FROM MOTOR VEHICLE": "curat",
    "THEFT FROM THE PERSON": "curat",
    "OTHER THEFT": "curat",
    "BICYCLE THEFT": "curat",
    "SHOPLIFTING": "curat",
    "MOTOR VEHICLE THEFT": "curanmor",
    "AUTO THEFT": "curanmor",
    "VEHICLE THEFT": "curanmor",
    "VEHICLE CRIME": "curanmor",
    "MOTORCYCLE THEFT": "curanmor",
    "LIVESTOCK THEFT": "curhewan",
    "CATTLE THEFT": "curhewan",
    "ANIMAL THEFT": "curhewan",
    "CURAS": "curas",
    "CURAT": "curat",
    "CURANMOR": "curanmor",
    "CURHEWAN": "curhewan",
    "LAINNYA": "lainnya",
    "PENCURIAN DENGAN KEKERASAN": "curas",
    "PERAMPOKAN": "curas",
    "PENJAMBRETAN": "curas",
    "PENCURIAN DENGAN PEMBERATAN": "curat",
    "PENCURIAN": "curat",
    "PENCURIAN KENDARAAN BERMOTOR": "curanmor",
    "PENCURIAN HEWAN": "curhewan",
    "PENCURIAN TERNAK": "curhewan",
}

#: Keyword rules ``(category, phrases)``, tried in order; a phrase matches whole words of the normalised name.
DEFAULT_KEYWORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    # named like theft, but not one a patrol prevents
    ("lainnya", ("IDENTITY THEFT", "THEFT OF IDENTITY", "RECEIVING STOLEN", "RECEIVE STOLEN", "STOLEN PROPERTY",
                 "RECOVERED", "FRAUD", "FORGERY", "EMBEZZLEMENT", "PENIPUAN", "PENGGELAPAN", "PENADAHAN")),
    ("curhewan", ("CURHEWAN", "LIVESTOCK", "CATTLE", "TERNAK", "PENCURIAN HEWAN", "CURI HEWAN", "SAPI", "KAMBING",
                  "KERBAU", "DOMBA")),
    # theft from a vehicle: broken into, not taken (see the module docstring)
    ("curat", ("BURGLARY AUTO", "BURGLARY FROM VEHICLE", "BURGLARY VEHICLE", "THEFT FROM VEHICLE",
               "THEFT FROM MOTOR VEHICLE", "THEFT FROM AUTO", "THEFT FROM CAR", "LARCENY FROM VEHICLE",
               "LARCENY FROM AUTO", "CAR PROWL", "VEHICLE BREAK IN", "DALAM MOBIL", "DALAM KENDARAAN")),
    ("curas", ("CURAS", "ROBBERY", "ROBBED", "MUGGING", "HOLDUP", "HOLD UP", "PENCURIAN DENGAN KEKERASAN",
               "PERAMPOKAN", "RAMPOK", "PERAMPASAN", "RAMPAS", "BEGAL", "PEMBEGALAN", "JAMBRET", "PENJAMBRETAN",
               "PURSE SNATCHING", "SNATCH")),
    ("curanmor", ("CURANMOR", "RANMOR", "KENDARAAN BERMOTOR", "SEPEDA MOTOR", "MOTOR VEHICLE THEFT",
                  "VEHICLE THEFT", "THEFT OF VEHICLE", "THEFT OF MOTOR VEHICLE", "AUTO THEFT", "CAR THEFT",
                  "MOTORCYCLE THEFT", "STOLEN VEHICLE", "VEHICLE STOLEN", "STOLEN AUTO", "STOLEN CAR",
                  "CARJACKING", "HIJACKING", "CURI MOTOR", "MALING MOTOR", "PENCURIAN MOTOR", "PENCURIAN MOBIL")),
    ("curat", ("CURAT", "BURGLARY", "BURGLARIES", "FORCIBLE ENTRY", "BREAKING AND ENTERING", "BREAK IN",
               "BREAK AND ENTER", "HOUSEBREAKING", "PEMBERATAN", "PEMBOBOLAN", "BOBOL", "THEFT", "THEFTS",
               "LARCENY", "STOLEN", "SHOPLIFTING", "PICKPOCKET", "PENCURIAN", "CURI", "MALING", "PENCOPETAN",
               "COPET")),
)

_PUNCT = re.compile(r"[\W_]+")


def normalise_type(value: Any) -> str:
    """A type name as compared: upper case, every run of punctuation, ``_`` and spaces one space.

    Parameters
    ----------
    value : Any
        A raw type (``"Vehicle theft - AUTO"``).

    Returns
    -------
    str
        ``"VEHICLE THEFT AUTO"``.
    """
    return _PUNCT.sub(" ", str(value).upper()).strip()


def _category(value: Any, key: Any, where: str) -> str:
    cat = str(value).strip().lower()
    if cat not in CATEGORIES:
        raise InputError(f"{where}: type {key!r} maps to {value!r}; use one of {', '.join(CATEGORIES)}")
    return cat


def load_type_map(type_map: Mapping[str, str] | str | Path | None, *, merge_default: bool = True) -> dict[str, str]:
    """Build an exact type mapping (normalised raw type name -> category).

    Parameters
    ----------
    type_map : mapping, str, Path or None
        Extra or overriding entries, either a dict ``{"raw type": "curat", ...}`` or the path of a JSON
        file holding such an object. ``None`` uses :data:`DEFAULT_TYPE_MAP` only.
    merge_default : bool
        Start from :data:`DEFAULT_TYPE_MAP` (entries in ``type_map`` win).

    Returns
    -------
    dict
        Keys normalised (:func:`normalise_type`), values in :data:`CATEGORIES`.

    Raises
    ------
    InputError
        When the JSON file is unreadable or a value is not one of :data:`CATEGORIES`.
    """
    where = "type map"
    if isinstance(type_map, (str, Path)):
        where = str(type_map)
        text = read_text(Path(type_map), "type map")
        try:
            type_map = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON (line {exc.lineno}: {exc.msg})") from None
        if not isinstance(type_map, dict):
            raise InputError(f'{where}: expected a JSON object like {{"THEFT": "curat"}}')
    out = {normalise_type(k): v for k, v in DEFAULT_TYPE_MAP.items()} if merge_default else {}
    for key, value in (type_map or {}).items():
        out[normalise_type(key)] = _category(value, key, where)
    return out


def load_keywords(path: str | Path | None, *, merge_default: bool = True) -> list[tuple[str, tuple[str, ...]]]:
    """The keyword rules: those of a TOML keyword file (see the module docstring) before :data:`DEFAULT_KEYWORDS`.

    Parameters
    ----------
    path : str, Path or None
        The keyword file; ``None`` gives the default rules only.
    merge_default : bool
        Append :data:`DEFAULT_KEYWORDS` after the file's rules.

    Returns
    -------
    list of (category, phrases)
        Phrases normalised (:func:`normalise_type`).

    Raises
    ------
    InputError
        An unreadable file, a rule without ``category`` and ``phrases``, or an unknown category.
    """
    rules: list[tuple[str, tuple[str, ...]]] = []
    if path is not None:
        where = str(path)
        try:
            data = tomllib.loads(read_text(Path(path), "type keywords"))
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"{where}: not valid TOML ({exc})") from None
        items = data.get("rules")
        if not isinstance(items, list) or not items:
            raise InputError(f'{where}: expected [[rules]] tables with category = "curat" and phrases = ["..."]')
        for i, item in enumerate(items):
            phrases = item.get("phrases") if isinstance(item, dict) else None
            if not isinstance(phrases, list) or not all(isinstance(p, str) for p in phrases):
                raise InputError(f"{where}: rules[{i}] needs phrases = [\"...\"] (a list of texts)")
            cat = _category(item.get("category"), f"rules[{i}]", where)
            norm = tuple(p for p in (normalise_type(p) for p in phrases) if p)
            if not norm:
                raise InputError(f"{where}: rules[{i}] has no phrase with a letter or digit")
            rules.append((cat, norm))
    if merge_default:
        rules.extend((cat, tuple(normalise_type(p) for p in phrases)) for cat, phrases in DEFAULT_KEYWORDS)
    return rules


@dataclass(frozen=True)
class TypeMatcher:
    """Matches raw incident types to :data:`CATEGORIES` in stages (see the module docstring for the order).

    Attributes
    ----------
    stages : sequence of (exact, rules)
        Each stage an exact map (normalised name -> category, :func:`load_type_map`) and keyword rules
        (:func:`load_keywords`), tried in that order; the first stage that matches wins.
    """

    stages: Sequence[tuple[Mapping[str, str], Sequence[tuple[str, tuple[str, ...]]]]]

    def match(self, raw: Any) -> tuple[str, bool]:
        """The category of one raw type and whether anything matched it (else ``lainnya``, unmatched).

        Parameters
        ----------
        raw : Any
            The type as written.

        Returns
        -------
        (str, bool)
        """
        key = normalise_type(raw)
        if not key:
            return "lainnya", False
        padded = f" {key} "
        for exact, rules in self.stages:
            if key in exact:
                return exact[key], True
            for cat, phrases in rules:
                if any(f" {p} " in padded for p in phrases):
                    return cat, True
        return "lainnya", False

    def categorise(self, raw_types: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Categories of many raw types (each distinct text matched once) and a mask of the unmatched.

        Parameters
        ----------
        raw_types : pandas.Series
            Types as written (``""`` for none).

        Returns
        -------
        (pandas.Series, pandas.Series)
            Categories, and True where a non-empty type matched nothing.
        """
        found = {v: self.match(v) for v in pd.unique(raw_types.astype(str))}
        cats = raw_types.astype(str).map(lambda v: found[v][0])
        unmatched = raw_types.astype(str).map(lambda v: bool(v.strip()) and not found[v][1]).astype(bool)
        return cats, unmatched


def type_matcher(type_map: Mapping[str, str] | str | Path | None = None,
                 keywords: str | Path | None = None) -> TypeMatcher:
    """A :class:`TypeMatcher` from a type map (dict or JSON file) and a keyword file (TOML), both optional.

    Parameters
    ----------
    type_map : mapping, str, Path or None
        See :func:`load_type_map`.
    keywords : str, Path or None
        See :func:`load_keywords`.

    Returns
    -------
    TypeMatcher
    """
    user = (load_type_map(type_map, merge_default=False), tuple(load_keywords(keywords, merge_default=False)))
    return TypeMatcher(stages=(user, (load_type_map(None), tuple(load_keywords(None)))))
