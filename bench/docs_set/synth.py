"""Synthesised pages for the scale bench: many Markdown files, one ``##`` section per page.

Each page is about one printed page of text (~900 characters in Japanese, ~1,500 in
English), half the files Japanese and half English, made of templated shop-floor facts
with varied numbers. Every page carries one *key fact* no other page has (the torque of a
bolt size at a line and station), so a query for it has exactly one right page; the other
facts on the page repeat the same words with other numbers (near misses). Deterministic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

PAGES_PER_FILE = 50
BOLTS = (6, 8, 10, 12, 16)
LINES = 99
STATIONS = 30


@dataclass(frozen=True)
class SynthQuery:
    """A query for one page's key fact."""

    text: str
    lang: str
    file: str
    heading: str
    answer: str


_JA_FILLER = (
    "作業開始前に保護具（保護めがね、安全靴、手袋）を着用していることを確認する。",
    "異常を発見した場合は直ちに作業を中止し、班長に報告すること。",
    "工具は所定の位置に戻し、使用後は清掃して点検表に記録する。",
    "品質記録は3年間保管し、監査の際に提示できるようにしておく。",
    "作業手順を変更する場合は、生産技術課の承認を得てから実施する。",
    "通路には物を置かず、非常口の前は常に空けておくこと。",
    "新任者には認定者が付き添い、作業要領を口頭で説明する。",
    "設備の清掃は電源を切り、ロックアウトを行ってから実施する。",
)
_EN_FILLER = (
    "Before starting work, check that safety glasses, safety shoes and gloves are worn.",
    "If anything abnormal is found, stop work at once and report it to the team leader.",
    "Return tools to their place after use, clean them and record the check on the sheet.",
    "Quality records are kept for three years and shown on request during audits.",
    "Changes to this procedure need the approval of production engineering first.",
    "Keep the aisles clear and never block an emergency exit.",
    "New operators work alongside a certified operator until they are signed off.",
    "Clean the machine only after switching it off and locking it out.",
)
_DEFECTS_JA = ("打痕", "擦り傷", "塗装タレ", "錆", "バリ", "異物", "色むら")
_DEFECTS_EN = ("dent", "scratch", "paint sag", "rust", "burr", "inclusion", "colour mismatch")


def _ja_facts(rng: random.Random, line: int) -> list[str]:
    return [
        f"ライン{line} ステーション{rng.randint(1, STATIONS)} の M{rng.choice(BOLTS)} ボルトは"
        f" {rng.randint(5, 120)} N·m で締め付ける。",
        f"設備 MC-{rng.randint(1, 60):02d} の作動油温度の上限は {rng.randint(40, 70)} °C である。",
        f"欠陥コード D{rng.randint(10, 99)} は{rng.choice(_DEFECTS_JA)}を示し、"
        f"許容値は {rng.randint(1, 9) / 10} mm 以下とする。",
        f"治具 J-{rng.randint(100, 999)} の点検周期は {rng.randint(1, 30)} 日ごととする。",
        f"緊急時の連絡先は内線 {rng.randint(1000, 9999)} である。",
    ]


def _en_facts(rng: random.Random, line: int) -> list[str]:
    return [
        f"On line {line}, station {rng.randint(1, STATIONS)}, M{rng.choice(BOLTS)} bolts are"
        f" fastened to {rng.randint(5, 120)} N·m.",
        f"The hydraulic oil of machine MC-{rng.randint(1, 60):02d} must stay below"
        f" {rng.randint(40, 70)} °C.",
        f"Defect code D{rng.randint(10, 99)} means {rng.choice(_DEFECTS_EN)}; the limit is"
        f" {rng.randint(1, 9) / 10} mm.",
        f"Fixture J-{rng.randint(100, 999)} is checked every {rng.randint(1, 30)} days.",
        f"In an emergency call extension {rng.randint(1000, 9999)}.",
    ]


def _page(
    rng: random.Random, lang: str, *, line: int, station: int, bolt: int, torque: int
) -> list[str]:
    """The page's sentences: the key fact among near-miss facts and general rules."""
    if lang == "ja":
        key = (
            f"ライン{line} ステーション{station} の M{bolt} ボルトの"
            f"締付トルクは {torque} N·m とする。"
        )
        facts = [f for _ in range(4) for f in _ja_facts(rng, line)] + list(_JA_FILLER)
    else:
        key = f"On line {line}, station {station}, M{bolt} bolts are fastened to {torque} N·m."
        facts = [f for _ in range(3) for f in _en_facts(rng, line)] + list(_EN_FILLER)
    facts.insert(rng.randrange(len(facts) + 1), key)
    rng.shuffle(facts)
    return facts


def make_pages(out: Path, pages: int, *, queries: int, seed: int = 17) -> list[SynthQuery]:
    """Write ``pages`` pages as Markdown files into ``out``; return ``queries`` queries for
    key facts of randomly chosen pages (half Japanese, half English by page language)."""
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    combos = rng.sample(range(LINES * STATIONS * len(BOLTS)), pages)
    keys: list[SynthQuery] = []
    for start in range(0, pages, PAGES_PER_FILE):
        number = start // PAGES_PER_FILE
        lang = "ja" if number % 2 == 0 else "en"
        name = f"synth_{number:04d}_{lang}.md"
        lines: list[str] = []  # no "# title": every section is one page, the title is the stem
        for index in range(start, min(start + PAGES_PER_FILE, pages)):
            combo = combos[index]
            line, rest = divmod(combo, STATIONS * len(BOLTS))
            station, bolt_index = divmod(rest, len(BOLTS))
            line, station, bolt = line + 1, station + 1, BOLTS[bolt_index]
            torque = rng.randint(5, 120)
            heading = f"{number:04d}-{index - start + 1:02d}"
            facts = _page(rng, lang, line=line, station=station, bolt=bolt, torque=torque)
            lines += [f"## {heading}", "", *facts, ""]
            text = (
                f"ライン{line} ステーション{station} の M{bolt} ボルトの締付トルクは？"
                if lang == "ja"
                else f"What torque for M{bolt} bolts on line {line}, station {station}?"
            )
            keys.append(SynthQuery(text, lang, name, heading, f"{torque} N·m"))
        (out / name).write_text("\n".join(lines), encoding="utf-8")
    return rng.sample(keys, min(queries, len(keys)))
