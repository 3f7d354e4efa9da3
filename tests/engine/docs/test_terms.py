"""The one normalisation of index and query: NFKC, case, whole words, CJK bigrams."""

from __future__ import annotations

from engine.docs.rank import joints, proximity, question_joints
from engine.docs.terms import MAX_QUERY_TERMS, fts_query, query_terms, query_units, terms


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


def test_query_drops_hiragana_stop_words_and_duplicates() -> None:
    assert query_terms("What is the torque of the torque wrench?") == ["torque", "wrench"]
    assert query_terms("温度はどのくらいですか") == ["温度"]


def test_query_units_follow_the_script_of_each_word() -> None:
    # katakana words whole (a phrase), kanji compounds as their bigrams, particles dropped
    assert query_units("ボルトの締付トルクは？") == [
        ("ボル", "ルト"), ("締付",), ("トル", "ルク")
    ]
    assert query_units("金型温度") == [("金型",), ("型温",), ("温度",)]
    # a lone kanji is found through its bigrams with the kana next to it
    assert query_units("締め付け") == [("締め",), ("め付",), ("付け",)]
    assert query_units("熱") == [("熱",)]
    assert query_units("M8 の") == [("m8",)]


def test_query_terms_are_capped() -> None:
    assert len(query_terms(" ".join(f"word{i}" for i in range(100)))) == MAX_QUERY_TERMS


def test_fts_query_quotes_every_term() -> None:
    assert fts_query('torque" OR NEAR(x*') == '"torque" OR "near" OR "x"'
    assert fts_query("トルク M8") == '"トル ルク" OR "m8"'
    assert fts_query("の ですか ?") is None


def test_joints_are_where_tokens_meet() -> None:
    assert joints("line 11, station 9") == {("line", "11"), ("11", "station"), ("station", "9")}
    assert joints("ライン11 ステーション9") == {("イン", "11"), ("11", "ステ"), ("ョン", "9")}
    question = question_joints("M8 bolts on line 11, station 9")
    exact = proximity(question, "On line 11, station 9, M8 bolts are fastened to 40 N·m.")
    near_miss = proximity(question, "On line 11, station 25, M8 bolts are fastened to 40 N·m.")
    assert exact > near_miss


def test_proximity_by_substring_agrees_with_the_joints() -> None:
    texts = [
        "On line 11, station 9, M8 bolts are fastened to 40 N·m.",
        "ライン11 ステーション9 の M8 ボルトの締付トルクは 40 N·m とする。",
        "ライン111 ステーション9の M8 ボルト", "温度 は 熱 の 金型温度", "の熱m8 11ステ",
    ]
    for question in ["ライン11 ステーション9 の M8 ボルトの締付トルクは？", "熱 の m8",
                     "line 11, station 9", "金型温度 11 ステーション"]:
        wanted = joints(question)
        for text in texts:
            expected = len(wanted & joints(text)) / len(wanted)
            assert proximity(question_joints(question), text) == expected, (question, text)
