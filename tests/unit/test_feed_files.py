"""Which files a feed fetch asks for (``feed_fetch.feed_files``): NVD's yearly files at
the first fetch, for a year not imported yet and after a week without a good fetch,
else only its change files; EPSS and KEV their one file, named by the URL's last part."""

from __future__ import annotations

from datetime import datetime, timedelta

from depvault.ingest.knowledge.feed_fetch import feed_files

NOW = datetime(2026, 12, 6, 12, 0)
BASE = "https://nvd.example/feeds/json/cve/2.0/"
YEARS = [f"nvdcve-2.0-{y}.json.gz" for y in range(2002, 2027)]
CHANGES = ["nvdcve-2.0-modified.json.gz", "nvdcve-2.0-recent.json.gz"]


def names(imported: list[str], last_success: datetime | None, now: datetime = NOW) -> list[str]:
    return [f.name for f in feed_files("nvd", BASE, imported, last_success, now)]


def test_nvd_reads_every_year_first_then_only_its_change_files() -> None:
    first = feed_files("nvd", BASE, [], None, NOW)
    assert [f.name for f in first] == [*YEARS, *CHANGES]  # the years first: changes win
    assert first[0].location == "https://nvd.example/feeds/json/cve/2.0/nvdcve-2.0-2002.json.gz"
    assert names([*YEARS, *CHANGES], NOW - timedelta(hours=6)) == CHANGES


def test_a_new_year_and_a_long_gap_bring_the_yearly_files_back() -> None:
    new_year = datetime(2027, 1, 1, 6, 0)
    assert names([*YEARS, *CHANGES], new_year - timedelta(hours=7), new_year) == [
        "nvdcve-2.0-2027.json.gz",
        *CHANGES,
    ]
    assert names([*YEARS, *CHANGES], NOW - timedelta(days=7)) == CHANGES  # still covered
    assert names([*YEARS, *CHANGES], NOW - timedelta(days=7, seconds=1)) == [*YEARS, *CHANGES]
    # a year with no fetch state (never imported) is asked for
    assert names([n for n in YEARS if n != "nvdcve-2.0-2010.json.gz"], NOW) == [
        "nvdcve-2.0-2010.json.gz",
        *CHANGES,
    ]


def test_epss_and_kev_fetch_the_file_their_location_names() -> None:
    [epss] = feed_files(
        "epss", "https://epss.example/epss_scores-current.csv.gz?x=1", [], None, NOW
    )
    assert (epss.name, epss.location) == (
        "epss_scores-current.csv.gz",
        "https://epss.example/epss_scores-current.csv.gz?x=1",
    )
    [kev] = feed_files("kev", "/srv/feeds/known_exploited_vulnerabilities.json", [], NOW, NOW)
    assert kev.name == "known_exploited_vulnerabilities.json"
    [bare] = feed_files("kev", "https://kev.example/", [], None, NOW)
    assert bare.name == "kev"
