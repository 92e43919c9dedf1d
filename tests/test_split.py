from summarize.data import Article
from summarize.split import PunktSplitter

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
    assert all(s.article_length == 5 for s in sentences)


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
