"""Properties of edited letters: whatever the borrower types, the HTML shows exactly that text
(paragraph by paragraph, every character escaped), and cleaning is stable."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st

from xieshang.documents.letters import (
    MAX_TITLE_CHARS,
    REQUEST_LETTER,
    Letter,
    clean_text,
    edited_letter,
    letter_html,
    paragraphs,
)

# Any characters, with the ones that matter to HTML and to paragraphs made likely.
TYPED = st.text(
    alphabet=st.one_of(
        st.sampled_from("<>&\"'\n\r\t \u3000/=;#x"),
        st.characters(codec="utf-8"),
    ),
    max_size=300,
)


class _LetterText(HTMLParser):
    """The text of ``<h1>`` and of each ``<p class="letter">``, as a browser would read it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.heading: list[str] = []
        self.paragraphs: list[str] = []
        self.tags: list[str] = []
        self._into: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        if tag == "h1":
            self._into = self.heading
        elif tag == "p" and ("class", "letter") in attrs:
            self.paragraphs.append("")
            self._into = self.paragraphs

    def handle_endtag(self, tag: str) -> None:
        self._into = None

    def handle_data(self, data: str) -> None:
        if self._into is self.heading:
            self.heading.append(data)
        elif self._into is self.paragraphs:
            self.paragraphs[-1] += data


@given(title=TYPED.map(lambda s: s[:MAX_TITLE_CHARS]), body=TYPED)
def test_the_html_shows_exactly_the_typed_paragraphs_and_no_typed_markup(title, body):
    letter = Letter(REQUEST_LETTER, "zh", title or "申请", body)
    parsed = _LetterText()
    parsed.feed(letter_html(letter))
    assert parsed.paragraphs == paragraphs(body)
    assert "".join(parsed.heading) == edited_letter(letter).title
    # Only the page's own elements: nothing typed became a tag.
    assert set(parsed.tags) <= {"html", "head", "meta", "title", "style", "body", "h1", "p"}


@given(TYPED)
def test_cleaning_is_idempotent_and_paragraphs_survive_a_round_trip(body):
    once = clean_text(body)
    assert clean_text(once) == once
    assert "\r" not in once
    assert paragraphs("\n\n".join(paragraphs(body))) == paragraphs(body)


@given(TYPED)
def test_no_visible_character_is_lost_between_the_text_and_its_paragraphs(body):
    visible = [c for c in clean_text(body) if not c.isspace()]
    assert [c for c in "".join(paragraphs(body)) if not c.isspace()] == visible
