from summarize.data import Article
from summarize.stages.split import PunktSplitter

TEXT = (
    "WASHINGTON\n\n"
    "Mr. Hale met U.S. officials at 9 a.m. on Friday in the capital. He said the talks went well "
    "and that a deal was close.\n\n"
    "Short one.\n\n"
    "Dr. Ana Ruiz, who leads the St. Mary clinic, said the outbreak had peaked in early March."
)


def test_punkt_keeps_abbreviations_inside_sentences():
    sentences, truncated = PunktSplitter(min_words=4).split(Article(0, TEXT, "t.txt"))
    texts = [s.text for s in sentences]
    assert texts == [
        "Mr. Hale met U.S. officials at 9 a.m. on Friday in the capital.",
        "He said the talks went well and that a deal was close.",
        "Dr. Ana Ruiz, who leads the St. Mary clinic, said the outbreak had peaked in early March.",
    ]
    assert not truncated


def test_positions_count_every_sentence_of_the_article():
    sentences, _ = PunktSplitter(min_words=4).split(Article(3, TEXT, "t.txt"))
    # "WASHINGTON" and "Short one." are sentences 0 and 3 but too short to be candidates.
    assert [(s.article, s.position) for s in sentences] == [(3, 1), (3, 2), (3, 4)]


def test_sentence_cap_bounds_a_huge_article():
    huge = " ".join(f"Sentence number {i} talks about the same long story." for i in range(20000))
    sentences, truncated = PunktSplitter(max_sentences_per_article=50).split(Article(0, huge, "x"))
    assert truncated and len(sentences) == 50
    assert sentences[-1].text == "Sentence number 49 talks about the same long story."


def test_overlong_sentences_are_not_candidates():
    run_on = "word " * 100 + "end."
    sentences, _ = PunktSplitter(max_words=70).split(
        Article(0, run_on + "\nA normal sentence of seven words.", "x")
    )
    assert [s.text for s in sentences] == ["A normal sentence of seven words."]


def split_texts(text: str) -> list[str]:
    sentences, _ = PunktSplitter(min_words=1).split(Article(0, text, "x.txt"))
    return [s.text for s in sentences]


def test_a_number_after_no_or_vol_does_not_start_a_sentence():
    text = (
        "The clip became the No. 2 most-watched trailer of the year, the studio said. "
        "It is listed in Vol. 4 of the archive, and Nos. 7 and 8 are missing."
    )
    assert split_texts(text) == [
        "The clip became the No. 2 most-watched trailer of the year, the studio said.",
        "It is listed in Vol. 4 of the archive, and Nos. 7 and 8 are missing.",
    ]


def test_titles_before_names_do_not_end_a_sentence():
    text = "Gov. Ada Brant met Sgt. Ray Perez and Capt. Ivo Hale at the depot on Monday."
    assert split_texts(text) == [text]


def test_a_real_sentence_end_before_a_number_or_after_no_still_splits():
    text = "Asked if she would stay, she said no. The vote was 7 to 2. 40 people watched it."
    assert split_texts(text) == [
        "Asked if she would stay, she said no.",
        "The vote was 7 to 2.",
        "40 people watched it.",
    ]


def test_a_glued_period_between_sentences_splits_but_not_inside_names_or_numbers():
    text = (
        "A delivery drone fell onto a roof in Harwick Vale.The 40-pound drone cracked two tiles. "
        "The U.S. firm paid $2.5 million to settle, its site harwick.example.org said in 2019.In "
        "June the firm moved."
    )
    assert split_texts(text) == [
        "A delivery drone fell onto a roof in Harwick Vale.",
        "The 40-pound drone cracked two tiles.",
        "The U.S. firm paid $2.5 million to settle, its site harwick.example.org said in 2019.",
        "In June the firm moved.",
    ]
