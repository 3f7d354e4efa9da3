"""The one normalisation of index and query: NFKC, case, whole words, CJK bigrams."""

from __future__ import annotations

from engine.docs.terms import MAX_QUERY_TERMS, fts_query, query_terms, terms


def test_full_width_and_case_fold_to_the_same_terms() -> None:
    assert terms("Ｍ８ Flange") == terms("m8 FLANGE") == ["m8", "flange"]
    assert terms("ｶﾀｶﾅ") == terms("カタカナ")  # half-width katakana


def test_cjk_runs_become_overlapping_bigrams() -> None:
    assert terms("締付トルク") == ["締付", "付ト", "トル", "ルク"]
    assert terms("温度") == ["温度"]
    assert terms("熱") == ["熱"]
    assert terms("M8ボルト") == ["m8", "ボル", "ルト"]


def test_a_pdf_line_break_inside_a_japanese_word_is_joined() -> None:
    assert "温度" in terms("金型温\n度は")
    assert "⾦型" not in terms("⾦型") and "金型" in terms("⾦型")  # Kangxi radical ⾦ → 金


def test_query_drops_hiragana_bigrams_stop_words_and_duplicates() -> None:
    assert query_terms("What is the torque of the torque wrench?") == ["torque", "wrench"]
    assert query_terms("温度はどのくらいですか") == ["温度", "度は"]


def test_query_terms_are_capped() -> None:
    assert len(query_terms(" ".join(f"word{i}" for i in range(100)))) == MAX_QUERY_TERMS


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('torque" OR NEAR(x*') == '"torque" OR "near" OR "x"'
    assert fts_query("の ですか ?") is None
