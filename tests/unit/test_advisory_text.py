"""The description reports show for an advisory: its summary, else its details' first
paragraph."""

from __future__ import annotations

from depvault.domain.advisory_text import advisory_description


def test_the_summary_wins_when_there_is_one() -> None:
    assert advisory_description("  Pads wrongly ", "Long text.\n\nMore.") == "Pads wrongly"


def test_else_the_first_paragraph_of_the_details_on_one_line() -> None:
    details = "\n\nA flaw in the parser\r\nlets a crafted header through.\r\n  \r\nUpgrade to 2.0."
    assert (
        advisory_description("", details) == "A flaw in the parser lets a crafted header through."
    )
    assert advisory_description(" ", "Only one paragraph.") == "Only one paragraph."


def test_nothing_said_gives_an_empty_description() -> None:
    assert advisory_description("", "") == ""
    assert advisory_description("", " \n \n") == ""
