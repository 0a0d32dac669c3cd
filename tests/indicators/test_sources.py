"""The bibliography (data/sources.toml): complete entries, every citation of the package resolves, citations in
Chinese and English, and profiles citing an unknown key are rejected with the file and the key named."""

from __future__ import annotations

import csv
import re
import tomllib
from pathlib import Path

import pytest
from indicator_layouts import SMALL_PROFILE, write_profile

import lifecircle
from lifecircle.errors import LifecircleInputError
from lifecircle.indicators import load_profile
from lifecircle.sources import (
    CONFIDENCE_LEVELS,
    DATED_KINDS,
    KINDS,
    REQUIRED_FIELDS,
    Source,
    load_sources,
    parse_keys,
    read_sources,
    resolve,
)

PACKAGE = Path(lifecircle.__file__).parent
DATA = PACKAGE / "data"
PROFILES = sorted((DATA / "profiles").glob("*.toml"))
#: A bibliography key written in brackets in a comment or a note: ``[gb50180-2018]``.
BRACKETED_KEY = re.compile(r"\[([a-z][a-z0-9]*(?:-[a-z0-9]+)+|[a-z]+\d{4})\]")


def test_every_entry_has_the_required_fields():
    bib = load_sources()
    assert len(bib) >= 30
    raw = tomllib.loads((DATA / "sources.toml").read_text(encoding="utf-8"))
    for key, src in bib.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", key), key
        for field in REQUIRED_FIELDS:
            assert raw[key].get(field), (key, field)
        assert src.kind in KINDS and src.confidence in CONFIDENCE_LEVELS, key
        assert src.reason and len(src.reason) > 20, key  # a one-line reason for the mark
        if src.language != "en":
            assert src.title_en and src.title_en != src.title, key
        if src.language == "zh":
            assert src.author_en and src.author_en != src.author, key
        if src.kind in DATED_KINDS:
            assert src.year and 1900 < src.year < 2100, key
        if src.kind == "standard":
            assert src.number, key
        for url in src.urls:
            assert url.startswith(("http://", "https://")), (key, url)


def test_the_marks_stay_honest_for_what_was_not_read():
    bib = load_sources()
    # the full texts of the three national standards were not consulted
    for key in ("gb50180-2018", "tdt1062-2021", "tdt1063-2021"):
        assert bib[key].confidence == "🟡", key
        assert "not consulted" in bib[key].reason, key
    assert bib["bruno2024"].confidence == "✅" and bib["bruno2024"].doi == "10.1038/s44284-024-00119-4"


def _profile_citations(path: Path) -> list[tuple[str, list[str]]]:
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    out = [("profile", list(parse_keys(raw.get("source"))))]
    out += [(str(ind["id"]), list(parse_keys(ind.get("source")))) for ind in raw["indicators"]]
    return out


@pytest.mark.parametrize("path", PROFILES, ids=lambda p: p.stem)
def test_every_key_a_built_in_profile_cites_resolves(path):
    bib = load_sources()
    for where, keys in _profile_citations(path):
        assert keys, f"{path.name}/{where}: no source key"
        assert set(keys) <= set(bib), f"{path.name}/{where}: unknown key(s) {set(keys) - set(bib)}"
    profile = load_profile(path.stem)  # the loader agrees
    assert all(ind.sources for ind in profile.indicators)


def test_every_key_the_data_tables_cite_resolves():
    bib = load_sources()
    walk = tomllib.loads((DATA / "walk_profiles.toml").read_text(encoding="utf-8"))
    for name, table in walk.items():
        if name != "slope":
            keys = parse_keys(table["source"])
            assert keys and set(keys) <= set(bib), (name, keys)
    for csv_name, required in (("floor_area_per_person.csv", True), ("osm_tags.csv", True), ("categories.csv", False)):
        with open(DATA / csv_name, encoding="utf-8") as f:
            rows = list(csv.DictReader(f))
        assert rows and "source" in rows[0], csv_name
        for row in rows:
            keys = parse_keys(row["source"])
            assert keys or not required, (csv_name, row)
            assert set(keys) <= set(bib), (csv_name, keys)


def test_every_bracketed_key_in_the_data_files_resolves():
    bib = load_sources()
    files = [*DATA.rglob("*.toml"), *DATA.glob("*.csv")]
    found = 0
    for path in files:
        if path.name == "sources.toml":
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            for key in BRACKETED_KEY.findall(line):
                found += 1
                assert key in bib, f"{path.relative_to(PACKAGE)}: [{key}] is not in the bibliography"
    assert found > 20


def test_the_package_cites_no_file_outside_it():
    for path in PACKAGE.rglob("*"):
        if path.is_file() and path.suffix in (".py", ".toml", ".csv", ".j2", ".js", ".css", ".md"):
            text = path.read_text(encoding="utf-8")
            assert "STANDARDS" not in text and "../shared" not in text, path


def test_citations_in_chinese_and_english():
    bib = load_sources()
    gb = bib["gb50180-2018"]
    assert gb.citation("zh") == "中华人民共和国住房和城乡建设部. 城市居住区规划设计标准: GB 50180-2018[S]. 2018."
    assert gb.citation("en") == (
        "Ministry of Housing and Urban-Rural Development of the People's Republic of China (MOHURD) (2018). "
        "GB 50180-2018, 城市居住区规划设计标准 [Standard for urban residential area planning and design]."
    )
    assert gb.short("en") == gb.short("zh") == "GB 50180-2018"
    bruno = bib["bruno2024"]
    assert bruno.citation("en") == (
        "Bruno, M.; Monteiro Melo, H. P.; Campanelli, B.; Loreto, V. (2024). A universal framework for inclusive "
        "15-minute cities. Nature Cities 1, 633–641. https://doi.org/10.1038/s44284-024-00119-4"
    )
    assert bruno.citation("zh").endswith("[J]. Nature Cities 1, 633–641, 2024. DOI: 10.1038/s44284-024-00119-4.")
    assert bruno.short("en") == "Bruno et al. 2024"
    page = bib["hospital-2km-coverage"]  # a web page without a recorded date
    assert page.citation("en").startswith("guoturen.com (planning Q&A site) (n.d.). 市区级医院2公里覆盖率 指标解释 [")
    assert page.citation("zh") == (
        "国土人 guoturen.com. 市区级医院2公里覆盖率 指标解释[EB/OL]. https://guoturen.com/wenti-3173.html."
    )
    with pytest.raises(LifecircleInputError, match="'fr'"):
        gb.citation("fr")


def test_resolve_and_parse_keys():
    assert parse_keys("gb50180-2018; pre2018-radii-sydw, gb50180-2018") == ("gb50180-2018", "pre2018-radii-sydw")
    assert parse_keys(["bruno2024", " moreno2021 "]) == ("bruno2024", "moreno2021")
    assert parse_keys(None) == parse_keys("") == ()
    assert [s.key for s in resolve(["tdt1063-2021", "bruno2024"])] == ["tdt1063-2021", "bruno2024"]
    assert all(isinstance(s, Source) for s in resolve("tdt1062-2021"))
    with pytest.raises(LifecircleInputError, match=r"my\.toml: x cites unknown source key 'gb50180'.*source_text"):
        resolve("gb50180", where="my.toml: x")
    with pytest.raises(LifecircleInputError, match="list of source keys"):
        parse_keys(42)


def test_a_bad_bibliography_entry_is_named(tmp_path):
    path = tmp_path / "bib.toml"
    path.write_text('[my-plan]\nkind = "guideline"\nlanguage = "zh"\nauthor = "区政府"\ntitle = "实施方案"\n'
                    'confidence = "🟡"\nreason = "a district programme, not yet published"\n', encoding="utf-8")
    with pytest.raises(LifecircleInputError, match=r"source 'my-plan' is not in English: it needs the field 'title_en'"):
        read_sources(path)
    path.write_text('[x]\nkind = "paper"\nlanguage = "en"\nauthor = "A"\ntitle = "T"\nconfidence = "✅"\n'
                    'reason = "read"\n', encoding="utf-8")
    with pytest.raises(LifecircleInputError, match=r"source 'x' is a paper: it needs the field 'year'"):
        read_sources(path)


# ------------------------------------------------------------------------------------------------ user profiles


def test_a_profile_citing_an_unknown_key_is_rejected_naming_file_and_key(tmp_path):
    path = write_profile(tmp_path, SMALL_PROFILE.replace('source = "tdt1063-indicator-tree"',
                                                         'source = ["tdt1063-2021", "TD/T 1063 [G1]"]', 1), "bad.toml")
    with pytest.raises(LifecircleInputError) as info:
        load_profile(path)
    msg = str(info.value)
    assert str(path) in msg and "primary_10min" in msg and "'source'" in msg
    assert "unknown source key 'TD/T 1063 [G1]'" in msg and "source_text" in msg


def test_a_user_profile_extending_a_built_in_may_cite_free_text(tmp_path):
    path = write_profile(tmp_path, """
        extends = "cn-health-check"
        [[indicators]]
        id = "market_or_supermarket_10min"
        name_en = "Fresh market or supermarket within 10 min"
        categories = ["fresh_market", "supermarket"]
        threshold = 600
        threshold_kind = "walk_time_s"
        source_text = "District programme 2025, table 2 (local decision)"
        confidence = "🟡"

        [[indicators]]
        id = "health_15min"
        clause = "Appendix B, indicator B.3"
    """, "mine.toml")
    p = load_profile(path)
    mine = p.indicator("market_or_supermarket_10min")
    assert mine.sources == () and mine.source_text.startswith("District programme 2025")
    health = p.indicator("health_15min")
    assert health.sources[0] == "tdt1063-2021" and health.clause == "Appendix B, indicator B.3"
    assert health.source == "; ".join(health.sources)


def test_a_user_override_citing_an_unknown_key_or_nothing_is_rejected(tmp_path):
    path = write_profile(tmp_path, 'extends = "cn-health-check"\n[[indicators]]\nid = "health_15min"\n'
                                   'source = "our-plan"\n', "a.toml")
    with pytest.raises(LifecircleInputError, match=r"a\.toml: indicator #1 'health_15min' key 'source' cites unknown "
                                                   r"source key 'our-plan'"):
        load_profile(path)
    path = write_profile(tmp_path, SMALL_PROFILE.replace('source = "tdt1063-indicator-tree"\n', "", 1), "b.toml")
    with pytest.raises(LifecircleInputError, match=r"b\.toml: indicator #1 'primary_10min' cites no source"):
        load_profile(path)
    path = write_profile(tmp_path, SMALL_PROFILE.replace('source = "tdt1063-indicator-tree"', "source = 3", 1),
                         "c.toml")
    with pytest.raises(LifecircleInputError, match=r"c\.toml: .*'source' must be a source key or a list"):
        load_profile(path)
