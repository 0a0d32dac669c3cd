"""The bibliography: every standard, paper, data set and web page lifecircle cites, by a stable key.

The entries live in ``src/lifecircle/data/sources.toml`` (one table per key, fields described at the top of that
file). Indicator profiles, ``walk_profiles.toml`` and the data tables cite sources by key (``"tdt1063-2021"``,
``"gb50180-2018"``, ``"bruno2024"``...); the report turns each key into a full citation in Chinese or English.

>>> src = load_sources()["gb50180-2018"]
>>> src.citation("zh")
'中华人民共和国住房和城乡建设部. 城市居住区规划设计标准: GB 50180-2018[S]. 2018.'
>>> [s.key for s in resolve("tdt1063-2021; bruno2024")]
['tdt1063-2021', 'bruno2024']

This module is a base layer: it imports only the standard library and :mod:`lifecircle.errors`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

from lifecircle.errors import LifecircleInputError

#: Confidence marks and the level each stands for.
CONFIDENCE_LEVELS: dict[str, str] = {"✅": "verified", "🟡": "probable", "🔴": "uncertain"}
#: Kinds of source, with the document-type code of GB/T 7714 used in Chinese citations.
KINDS: dict[str, str] = {
    "standard": "S",
    "guideline": "Z",
    "paper": "J",
    "news": "N",
    "book": "M",
    "report": "R",
    "statistics": "M",
    "webpage": "EB/OL",
    "software": "CP",
}
#: Languages an original may be written in.
LANGUAGES = ("zh", "en", "fr")
#: Fields every entry must have.
REQUIRED_FIELDS = ("kind", "language", "author", "title", "confidence", "reason")
#: Kinds whose entries must carry a year (a web page, a draft or a code repository may have none recorded).
DATED_KINDS = frozenset({"standard", "paper", "news", "book", "report", "statistics"})
#: Separators accepted between keys in a single text (``"gb50180-2018; pre2018-radii-sydw"``).
KEY_SEPARATORS = (";", ",")

_FIELDS = {
    "kind", "language", "author", "author_en", "title", "title_en", "number", "year", "published_in", "doi", "url",
    "clause", "confidence", "reason", "note",
}


@dataclass(frozen=True)
class Source:
    """One entry of the bibliography.

    Attributes
    ----------
    key
        Stable identifier cited by profiles and data files (``"gb50180-2018"``).
    kind
        One of :data:`KINDS` (``standard``, ``paper``, ``news``, ``webpage``...).
    language
        Language of the original: ``zh``, ``en`` or ``fr``.
    author, author_en
        Issuing body or authors, in the original language and in English (``author_en`` equals ``author`` unless
        the original is Chinese).
    title, title_en
        Title in the original language and in English (a translation unless the original is English).
    number
        Document number (``"GB 50180-2018"``, ``"自然资办发〔2020〕46号"``), or ``""``.
    year
        Year of publication or issue, or ``None`` when not recorded (web pages, code repositories).
    published_in
        Journal with volume and pages, publisher or web site, or ``""``.
    doi
        Digital object identifier without the resolver (``"10.1038/s44284-024-00119-4"``), or ``""``.
    urls
        Web addresses, the first the main one.
    clause
        The part of the source the package relies on, when it is one part.
    confidence
        ✅ verified, 🟡 probable or 🔴 uncertain: how solid the facts are that the package takes from this source.
    reason
        One line: why this mark.
    note
        Anything else a reader needs to judge the source.
    """

    key: str
    kind: str
    language: str
    author: str
    author_en: str
    title: str
    title_en: str
    number: str = ""
    year: int | None = None
    published_in: str = ""
    doi: str = ""
    urls: tuple[str, ...] = ()
    clause: str = ""
    confidence: str = "🟡"
    reason: str = ""
    note: str = ""

    @property
    def url(self) -> str:
        """The main web address (``https://doi.org/<doi>`` when there is a DOI), or ``""``."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        return self.urls[0] if self.urls else ""

    @property
    def confidence_level(self) -> str:
        """``"verified"``, ``"probable"`` or ``"uncertain"``."""
        return CONFIDENCE_LEVELS[self.confidence]

    def short(self, lang: str = "en", width: int | None = None) -> str:
        """A short label: the document number when there is one (``"TD/T 1063-2021"``), else the authors' names
        and year of a paper, book or report (``"Bruno et al. 2024"``), else the title in ``lang`` (``"zh"`` or
        ``"en"``) cut to ``width`` characters (default 16 in Chinese, 32 in English)."""
        _check_lang(lang)
        if self.number:
            return self.number
        if self.kind in ("paper", "news", "book", "report") and self.language != "zh":
            names = [a.split(",")[0].strip() for a in self.author.split(";") if a.strip()]
            who = f"{names[0]} et al." if len(names) > 2 else " & ".join(names)
            return f"{who} {self.year}" if self.year else who
        title = self.title if lang == "zh" or self.language == "en" else self.title_en
        width = width or (16 if lang == "zh" else 32)
        return title if len(title) <= width else title[: width - 1].rstrip() + "…"

    def citation(self, lang: str = "en") -> str:
        """The full reference in ``lang``.

        ``"zh"``: after GB/T 7714 (author. title: number[type]. publication, year. address), the original's own
        language kept. ``"en"``: author (year). number, original title [English title]. publication. address.
        """
        _check_lang(lang)
        return self._citation_zh() if lang == "zh" else self._citation_en()

    def _citation_zh(self) -> str:
        code = KINDS[self.kind]
        if self.kind == "software" and self.urls:
            code = "CP/OL"
        title = f"{self.title}: {self.number}" if self.number else self.title
        parts = [f"{_end(self.author)} {title}[{code}]."]
        tail = ", ".join(p for p in (self.published_in, str(self.year) if self.year else "") if p)
        if tail:
            parts.append(f"{tail}.")
        if self.doi:
            parts.append(f"DOI: {self.doi}.")
        elif self.urls:
            parts.append(f"{self.urls[0]}.")
        return " ".join(parts)

    def _citation_en(self) -> str:
        year = str(self.year) if self.year else "n.d."
        title = self.title if self.language == "en" else f"{self.title} [{self.title_en}]"
        if self.number:
            title = f"{self.number}, {title}"
        parts = [f"{self.author_en} ({year}).", _end(title)]
        if self.published_in:
            parts.append(_end(self.published_in))
        if self.url:
            parts.append(self.url)
        return " ".join(parts)


def _end(text: str) -> str:
    """``text`` ending with one full stop (none added after ``.``, ``?`` or ``!``)."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise LifecircleInputError(f"Citation language '{lang}' is not available; use 'zh' or 'en'.")


def _text(entry: Mapping[str, Any], field: str, where: str) -> str:
    value = entry.get(field, "")
    if not isinstance(value, str):
        raise LifecircleInputError(f"{where} field '{field}' must be text, got {value!r}.")
    return value.strip()


def _source(key: str, entry: Any, path: str) -> Source:
    where = f"{path}: source '{key}'"
    if not isinstance(entry, dict):
        raise LifecircleInputError(f"{where} must be a table of fields ([\"{key}\"] followed by key = value lines).")
    unknown = set(entry) - _FIELDS
    if unknown:
        raise LifecircleInputError(
            f"{where} has unknown field(s) {', '.join(sorted(unknown))}; allowed: {', '.join(sorted(_FIELDS))}."
        )
    missing = [f for f in REQUIRED_FIELDS if not entry.get(f)]
    if missing:
        raise LifecircleInputError(f"{where} lacks required field(s) {', '.join(missing)}.")
    kind, language, conf = entry["kind"], entry["language"], entry["confidence"]
    if kind not in KINDS:
        raise LifecircleInputError(f"{where} field 'kind' = {kind!r} is not one of {', '.join(KINDS)}.")
    if language not in LANGUAGES:
        raise LifecircleInputError(f"{where} field 'language' = {language!r} is not one of {', '.join(LANGUAGES)}.")
    if conf not in CONFIDENCE_LEVELS:
        raise LifecircleInputError(f"{where} field 'confidence' = {conf!r} is not one of ✅ 🟡 🔴.")
    if language != "en" and not entry.get("title_en"):
        raise LifecircleInputError(f"{where} is not in English: it needs the field 'title_en'.")
    if language == "zh" and not entry.get("author_en"):
        raise LifecircleInputError(f"{where} is in Chinese: it needs the field 'author_en'.")
    year = entry.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise LifecircleInputError(f"{where} field 'year' must be a whole number, got {year!r}.")
    if year is None and kind in DATED_KINDS:
        raise LifecircleInputError(f"{where} is a {kind}: it needs the field 'year'.")
    raw_urls = entry.get("url", [])
    urls = [raw_urls] if isinstance(raw_urls, str) else raw_urls
    if not isinstance(urls, list) or not all(isinstance(u, str) and u for u in urls):
        raise LifecircleInputError(f"{where} field 'url' must be an address or a list of addresses.")
    author = _text(entry, "author", where)
    title = _text(entry, "title", where)
    return Source(
        key=key, kind=kind, language=language, author=author, author_en=_text(entry, "author_en", where) or author,
        title=title, title_en=_text(entry, "title_en", where) or title, number=_text(entry, "number", where),
        year=year, published_in=_text(entry, "published_in", where), doi=_text(entry, "doi", where),
        urls=tuple(urls), clause=_text(entry, "clause", where), confidence=conf,
        reason=_text(entry, "reason", where), note=_text(entry, "note", where),
    )


def read_sources(path: str | Path) -> Mapping[str, Source]:
    """Read and check a bibliography file laid out like ``data/sources.toml``; key → :class:`Source` in file order.

    Raises
    ------
    LifecircleInputError
        The file is not TOML, or an entry lacks a required field or has a bad value (the message names the key).
    """
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except tomllib.TOMLDecodeError as exc:
        raise LifecircleInputError(f"{path}: not valid TOML ({exc}). Fix the syntax of the bibliography.") from exc
    return MappingProxyType({key: _source(key, entry, str(path)) for key, entry in data.items()})


@lru_cache(maxsize=1)
def _builtin() -> Mapping[str, Source]:
    return read_sources(Path(str(resources.files("lifecircle").joinpath("data", "sources.toml"))))


def load_sources() -> Mapping[str, Source]:
    """The package's bibliography (``src/lifecircle/data/sources.toml``): key → :class:`Source`, read once."""
    return _builtin()


def parse_keys(value: object, where: str = "source") -> tuple[str, ...]:
    """Source keys from a text (``"a"``, ``"a; b"``) or a list of texts, in order, without repeats or blanks.

    Raises
    ------
    LifecircleInputError
        ``value`` is neither text nor a list of texts.
    """
    if value is None or value == "":
        return ()
    if isinstance(value, str):
        items: list[str] = [value]
    elif isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        items = list(value)
    else:
        raise LifecircleInputError(
            f"{where} must be a source key or a list of source keys (e.g. \"tdt1063-2021\"), got {value!r}."
        )
    for sep in KEY_SEPARATORS:
        items = [part for item in items for part in item.split(sep)]
    return tuple(dict.fromkeys(k.strip() for k in items if k.strip()))


def resolve(keys: str | Iterable[str], where: str = "",
            sources: Mapping[str, Source] | None = None) -> tuple[Source, ...]:
    """The :class:`Source` of each key (a text with keys separated by ``;`` or ``,``, or an iterable of keys).

    ``where`` (a file and field, e.g. ``"my.toml: indicator 'x' key 'source'"``) starts the error message.

    Raises
    ------
    LifecircleInputError
        A key is not in the bibliography; the message names it and how to fix it.
    """
    bib = load_sources() if sources is None else sources
    wanted = parse_keys(keys if isinstance(keys, str) else list(keys), where or "source")
    out = []
    for key in wanted:
        if key not in bib:
            prefix = f"{where} cites" if where else "Citation of"
            raise LifecircleInputError(
                f"{prefix} unknown source key '{key}'. A key must be one of the bibliography "
                f"(lifecircle/data/sources.toml, e.g. {', '.join(list(bib)[:3])}); put a free-text reference in "
                f"'source_text' instead."
            )
        out.append(bib[key])
    return tuple(out)


__all__ = ["CONFIDENCE_LEVELS", "KINDS", "Source", "load_sources", "parse_keys", "read_sources", "resolve"]
