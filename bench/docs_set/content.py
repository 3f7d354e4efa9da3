"""The text of the test document set: twelve shop-floor documents, half Japanese, half English.

Every number here is a fact some question in ``questions.toml`` asks about, or a near-miss
distractor for one (line 3's M8 torque is 24 N·m, line 5's is 28 N·m, and each document
mentions the other). The file name's extension decides the format it is written in.
Keep each PDF page short enough to fit on one A4 page: questions name the page.
"""

from __future__ import annotations

from dataclasses import dataclass

Row = tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """A heading, its paragraphs and an optional table (first row = header)."""

    heading: str
    paragraphs: tuple[str, ...] = ()
    table: tuple[Row, ...] = ()
    new_page: bool = False
    """PDF only: this section starts a new page."""


@dataclass(frozen=True)
class Doc:
    """One document: its file name (the extension picks the format), title and language."""

    name: str
    title: str
    lang: str
    sections: tuple[Section, ...]


LINE3_JA = Doc(
    "line3_tightening_ja.pdf",
    "ライン3 締付作業指示書 (WI-L3-012)",
    "ja",
    (
        Section("1. 目的と適用範囲", (
            "本指示書は、ライン3 フロントサブフレーム組立工程におけるボルト締付作業の方法と"
            "管理基準を定める。対象は第2組立ステーションから第5組立ステーションまでとする。",
            "使用工具はナットランナー NR-300 およびプリセット型トルクレンチとする。"
            "トルクレンチの校正周期は6か月とし、校正ラベルの期限が切れた工具は使用しない。",
            "作業者は始業前にナットランナーのトルク確認を行い、点検表 F-L3-03 に記録する。",
        )),
        Section("2. 作業者の資格", (
            "本作業は締付作業の社内認定 (レベル2 以上) を受けた者が行う。"
            "新任者は認定者の立会いのもとで3日間の実習を行うこと。",
        )),
        Section("3. 締付トルク表 (ライン3)", (
            "ライン3 で使用するボルトの締付トルクを下表に示す。締付は対角順に2段階で行い、"
            "1段目は規定トルクの50%で仮締めする。",
        ), (
            ("ボルト", "部位", "締付トルク", "許容範囲"),
            ("M6", "ブラケット", "10 N·m", "±1 N·m"),
            ("M8 フランジボルト", "サブフレーム取付", "24 N·m", "±2 N·m"),
            ("M10", "ロアアーム", "48 N·m", "±4 N·m"),
            ("M12", "エンジンマウント", "82 N·m", "±6 N·m"),
        ), new_page=True),
        Section("4. 締付後の確認", (
            "締付後はマーキングペン (黄色) で合いマークを付ける。"
            "全数のうち1時間に1台をトルクチェッカーで抜取り確認する。",
        )),
        Section("5. 異常時の処置", (
            "トルク不足または締付忘れを発見した場合は、ラインを止めずに該当品へ赤タグを付け、"
            "班長 (内線 3312) に連絡する。再締付は1回までとし、2回目の不良はボルトを交換する。",
            "ナットランナーが NG 表示を3回続けて出した場合は工具を使用停止とし、"
            "保全係に修理を依頼する。",
        ), new_page=True),
        Section("6. 他ラインとの違い (注意)", (
            "ライン5 (リヤアクスル組立) では M8 フランジボルトを 28 N·m で締め付けるが、"
            "この値はライン3 の部品には適用しない。ライン間で工具を持ち出さないこと。",
        )),
    ),
)

LINE5_EN = Doc(
    "line5_fastening_standard_en.pdf",
    "Line 5 Fastening Standard (FS-L5-004)",
    "en",
    (
        Section("1. Scope", (
            "This standard covers all threaded joints on line 5, rear axle assembly, stations "
            "R1 to R8. Fastening is done with DC nutrunners that record torque and angle for "
            "every joint; manual wrenches are for repair only.",
            "A torque audit is made every 2 hours by the team leader with a calibrated "
            "torque checker.",
        )),
        Section("2. Responsibilities", (
            "Operators fasten and mark; the team leader audits; quality engineering owns "
            "this standard and approves every change of a torque value.",
        )),
        Section("3. Torque table (line 5)", (
            "Fasten in a cross pattern. The M12 joints are torque-angle controlled: after "
            "the torque below, turn a further 60 degrees.",
        ), (
            ("Bolt", "Joint", "Torque", "Tolerance"),
            ("M6", "cover screws", "9 N·m", "±1 N·m"),
            ("M8 flange bolt", "axle bracket", "28 N·m", "±2 N·m"),
            ("M10", "damper mount", "52 N·m", "±4 N·m"),
            ("M12", "hub carrier", "90 N·m + 60°", "±6 N·m"),
        ), new_page=True),
        Section("4. Marking", (
            "After fastening, mark every joint with a white paint pen across bolt head and "
            "part. A joint without a mark is treated as not fastened.",
        )),
        Section("5. Thread locker and leak test", (
            "Apply Loctite 243 to the M6 cover screws. The thread locker must cure for "
            "24 hours before the axle leak test.",
        ), new_page=True),
        Section("6. Retorque audit", (
            "Each shift, 5 pieces are taken from the line for a retorque audit. If one joint "
            "is below the tolerance, the shift's production is held for review.",
        )),
        Section("7. Note on line 3", (
            "Line 3 uses 24 N·m for its M8 flange bolts. Do not take line 3 tools or "
            "settings to line 5.",
        )),
    ),
)

PRESS_EN = Doc(
    "press_p200_manual_en.pdf",
    "P-200 Hydraulic Press - Operator Manual (excerpt)",
    "en",
    (
        Section("1. Specifications", (
            "The P-200 is a four-column hydraulic press for blanking and forming steel "
            "sheet up to 3.2 mm thick.",
        ), (
            ("Item", "Value"),
            ("Capacity", "2,000 kN"),
            ("Stroke", "250 mm"),
            ("Maximum speed", "30 strokes per minute"),
            ("Bed size", "1,500 × 1,000 mm"),
        )),
        Section("2. Daily checks and hydraulic oil", (
            "Before the first stroke of the day, check the hydraulic oil level at the sight "
            "glass. Use ISO VG 46 hydraulic oil only.",
            "The operating range of the oil temperature is 30 to 55 °C. The controller "
            "raises an alarm at 60 °C and shuts the pump down at 65 °C.",
            "Change the hydraulic oil every 4,000 operating hours and the return filter "
            "every 2,000 operating hours.",
        ), new_page=True),
        Section("3. Error codes", (
            "The controller shows these codes on the HMI. Reset only after the cause is "
            "removed.",
        ), (
            ("Code", "Meaning", "Action"),
            ("E-101", "light curtain interrupted", "clear the area, press reset"),
            ("E-204", "oil temperature high", "stop, check the cooler fan"),
            ("E-317", "two-hand control mismatch (more than 0.5 s)",
             "press both buttons together"),
            ("E-422", "die clamp pressure low", "call maintenance"),
        ), new_page=True),
        Section("4. Lubrication and accumulator", (
            "Grease the slide gibs every 8 operating hours with lithium grease NLGI 2.",
            "Check the nitrogen precharge of the accumulator every 6 months; the precharge "
            "pressure is 9 MPa.",
        ), new_page=True),
    ),
)

INSPECTION_JA = Doc(
    "visual_inspection_standard_ja.docx",
    "外観検査基準書 (QS-VIS-07)",
    "ja",
    (
        Section("1. 適用範囲", (
            "本基準は、塗装後の外装部品 (ドアパネル、フード、バンパー) の外観検査に適用する。",
        )),
        Section("2. 検査条件", (
            "検査場所の照度は 1000 lx 以上とし、検査距離は 300 mm とする。"
            "1面あたりの検査時間は 5秒 を目安とする。",
            "検査員は年1回の視力検査 (矯正視力 0.7 以上) に合格した者とする。",
        )),
        Section("3. 欠陥コードと判定基準", (
            "欠陥は下表のコードで記録する。判定に迷う場合は限度見本と比較する。",
        ), (
            ("コード", "欠陥", "判定基準"),
            ("D01", "打痕", "直径 0.5 mm 以下かつ 1面に1個まで可"),
            ("D02", "擦り傷", "長さ 10 mm 以下かつ爪に掛からないもの可"),
            ("D03", "塗装タレ", "不可"),
            ("D04", "錆", "不可"),
            ("D05", "バリ", "高さ 0.2 mm 以下可"),
        )),
        Section("4. 限度見本", (
            "限度見本は品質保証課が管理し、12か月ごとに更新する。"
            "破損または汚れた限度見本は直ちに交換する。",
        )),
        Section("5. 不合格品の処置", (
            "不合格品には赤札を付けて不良品置場 (区画 Q-2) に置き、検査記録に欠陥コードを書く。",
        )),
    ),
)

LOTO_EN = Doc(
    "lockout_tagout_en.docx",
    "Lock-out / Tag-out Procedure (SAF-LOTO-02)",
    "en",
    (
        Section("1. Purpose", (
            "This procedure protects people who service or clear machines from the "
            "unexpected release of energy. It applies to every machine on the site.",
        )),
        Section("2. Steps", (
            "Step 1: Tell the operators in the area that the machine will be shut down.",
            "Step 2: Stop the machine with its normal stop button.",
            "Step 3: Isolate every energy source at the isolation points in the table below.",
            "Step 4: Fit your own red personal lock and a signed tag to each isolation point.",
            "Step 5: Release stored energy: bleed pressure, lower or block raised parts.",
            "Step 6: Verify: press the start button and wait 10 seconds; nothing may move.",
            "Step 7: Return the start switch to off before work begins.",
        )),
        Section("3. Energy sources and isolation points", (), (
            ("Energy", "Isolation point", "Check"),
            ("Electrical 400 V", "breaker Q12 in panel MCC-3", "voltage tester"),
            ("Compressed air 0.6 MPa", "lockable valve AV-7", "gauge reads 0"),
            ("Hydraulic accumulator", "bleed valve HV-2", "wait until the gauge reads 0 MPa"),
            ("Gravity", "safety blocks SB-1 under the slide", "visual"),
        )),
        Section("4. Group lock-out", (
            "When more than 3 people work on the same machine, use the group lockbox: "
            "the keys of the isolation locks go into the box and each person locks the box.",
        )),
        Section("5. Removing locks", (
            "Only the person who fitted a lock may remove it. A lock left by someone who "
            "has gone home is removed only with the shift manager's written permission.",
        )),
    ),
)

WELDING_JA = Doc(
    "spot_welding_sop_ja.md",
    "スポット溶接 作業手順書 (SOP-WLD-03)",
    "ja",
    (
        Section("1. 適用", (
            "本手順書は、ボディ工程のスポット溶接ガン SG-4 による"
            "板厚 1.2 mm の鋼板溶接に適用する。",
        )),
        Section("2. 溶接条件", (
            "溶接条件は下表のとおりとする。条件変更は生産技術課の承認を得ること。",
        ), (
            ("項目", "設定値"),
            ("溶接電流", "9.5 kA"),
            ("通電時間", "12 サイクル"),
            ("加圧力", "2.8 kN"),
            ("冷却水流量", "4 L/min 以上"),
            ("冷却水温度", "30 °C 以下"),
        )),
        Section("3. チップの管理", (
            "電極チップは 200 打点ごとにチップドレスを行い、3000 打点で新品に交換する。"
            "チップ先端径が 6 mm を超えた場合も交換する。",
        )),
        Section("4. 品質確認", (
            "始業時に1日1回、テストピースの破壊検査を行い、"
            "ナゲット径が 5.5 mm 以上であることを確認する。"
            "結果は溶接品質記録 F-WLD-01 に記入する。",
        )),
        Section("5. 安全", (
            "溶接中は保護めがねと耐熱手袋を着用する。スパッタ除去は電源を切ってから行うこと。",
        )),
    ),
)

PAINT_EN = Doc(
    "paint_booth_sop_en.md",
    "Paint Booth Operation SOP (SOP-PNT-11)",
    "en",
    (
        Section("1. Booth conditions", (
            "Keep the booth temperature at 23 ± 2 °C and the relative humidity between "
            "60 and 70 %. The downdraft air velocity is 0.3 m/s, measured at 1 m above "
            "the grating every Monday.",
        )),
        Section("2. Film thickness and baking", (
            "The top coat film thickness is 35–45 µm, measured on five points per panel. "
            "Bake in the oven at 140 °C for 20 minutes (metal temperature).",
        )),
        Section("3. Filters", (
            "Change the booth exhaust filters when the differential pressure reaches "
            "250 Pa, or every 3 months, whichever comes first.",
        )),
        Section("4. Paint defect codes", (), (
            ("Code", "Defect", "First action"),
            ("P-01", "crater", "check the air supply for oil"),
            ("P-02", "orange peel", "check viscosity and gun distance"),
            ("P-03", "dust inclusion", "check the filters and the tack-off"),
        )),
        Section("5. Personal protection", (
            "Wear the supplied-air respirator and an antistatic suit in the booth. "
            "Leave the booth by door 2 in an emergency.",
        )),
    ),
)

HANDOVER_JA = Doc(
    "shift_handover_ja.txt",
    "交代時引継ぎ要領 (ADM-SH-01)",
    "ja",
    (
        Section("1. 引継ぎの時期", (
            "引継ぎは交代の 15分前 に開始し、現場で対面にて行う。",
            "引継ぎ記録簿 (様式 F-021) に生産数、不良数、設備の状態を記入する。",
        )),
        Section("2. 勤務時間", (
            "1直: 6:30～15:15",
            "2直: 15:15～24:00",
        )),
        Section("3. 連絡先 (内線)", (
            "品質異常: 品質保証課 内線 2450",
            "設備故障: 保全課 内線 2210",
            "夜間の緊急連絡: 守衛室 内線 1100",
        )),
        Section("4. 注意事項", (
            "未処置の異常がある場合は、次の直の班長が確認のサインをするまで帰らないこと。",
        )),
    ),
)

FORKLIFT_EN = Doc(
    "forklift_traffic_rules_en.txt",
    "Forklift and Pedestrian Traffic Rules (SAF-FL-05)",
    "en",
    (
        Section("1. Speed limits", (
            "Outdoors: 10 km/h.",
            "Indoors: 6 km/h.",
            "At crossings and doors: 3 km/h, and sound the horn at blind corners.",
        )),
        Section("2. Before use", (
            "Drivers do the 12-item daily pre-use check and sign the check card on the truck. "
            "A truck with a failed brake or horn check is tagged out.",
        )),
        Section("3. Loads", (
            "Maximum lift height in the warehouse is 3.5 m. Travel with the forks 15 cm "
            "above the floor and the mast tilted back.",
        )),
        Section("4. Charging area", (
            "No smoking or open flame within 5 m of the battery charging area. Wear a face "
            "shield when topping up battery water.",
        )),
        Section("5. Pedestrians", (
            "Pedestrians walk only on the green walkways, which are 1.2 m wide. Make eye "
            "contact with the driver before crossing a traffic aisle.",
        )),
    ),
)

CMM_JA = Doc(
    "cmm_calibration_ja.html",
    "三次元測定機 (CMM) 校正・運用基準 (QS-CMM-02)",
    "ja",
    (
        Section("1. 測定室の環境", (
            "測定室の室温は 20 ± 1 °C、湿度は 40～60 % に管理する。",
            "ワークは測定前に測定室で 2時間 以上置いて温度を順化させる。",
        )),
        Section("2. 日常点検", (
            "毎日始業時にマスターボール (直径 25.400 mm) を測定し、誤差が ±0.002 mm 以内で"
            "あることを確認する。",
            "プローブの校正は毎日始業時とスタイラス交換時に行う。",
        )),
        Section("3. 定期校正", (
            "定期校正は 12か月 ごとに外部の JCSS 登録事業者に依頼する。"
            "校正期限を過ぎた測定機で測定した結果は出荷判定に使用しない。",
        )),
        Section("4. 測定機の停止", (
            "プローブの衝突を起こした場合は測定を中止し、測定室管理者 (内線 2475) に連絡する。",
        )),
    ),
)

EMERGENCY_EN = Doc(
    "emergency_contacts_en.html",
    "Site Emergency Contacts and First Response (SAF-EM-01)",
    "en",
    (
        Section("1. Emergency numbers", (), (
            ("Situation", "Call", "Extension"),
            ("Fire, injury, any emergency", "site emergency line", "5555"),
            ("First aid (8:00-17:00)", "first aid room", "2300"),
            ("Oil or chemical spill", "environment team", "2810"),
        )),
        Section("2. Equipment", (
            "AEDs are in the main office, the canteen and the press shop at column P12.",
            "Chemical spill kits are in bay C4 and next to paint booth door 2.",
        )),
        Section("3. Evacuation", (
            "On the evacuation alarm, stop your machine if it is safe, leave by the nearest "
            "exit and go to the assembly point at the north parking lot. Team leaders count "
            "their people there.",
        )),
    ),
)

COOLANT_JA = Doc(
    "coolant_management_ja.pdf",
    "切削油剤 (クーラント) 管理基準 (MNT-CL-09)",
    "ja",
    (
        Section("1. 対象設備", (
            "本基準は、機械加工課のマシニングセンタ MC-01 から MC-12 で使用する"
            "水溶性切削油剤 (クーラント) に適用する。",
            "クーラントの管理は各直の設備担当者が行い、保全課が月1回監査する。",
        )),
        Section("2. 濃度と pH の管理", (
            "クーラント濃度の管理範囲は 5～8 % とし、糖度計 (屈折計) で測定する。"
            "濃度は毎日、pH は週1回測定する。",
            "pH の管理範囲は 8.8～9.5 とする。pH が 8.8 を下回った場合は防腐剤を添加する。",
            "補給には濃度 3 % に希釈した補給液を使用する。",
        ), new_page=True),
        Section("3. 全量交換と廃液", (
            "クーラントは 6か月 ごと、または細菌数が 1 mL あたり 10の6乗個 を超えた場合に"
            "全量交換する。",
            "廃液は産業廃棄物として処理し、マニフェストを5年間保管する。",
        ), new_page=True),
    ),
)

DOCS: tuple[Doc, ...] = (
    LINE3_JA, LINE5_EN, PRESS_EN, INSPECTION_JA, LOTO_EN, WELDING_JA,
    PAINT_EN, HANDOVER_JA, FORKLIFT_EN, CMM_JA, EMERGENCY_EN, COOLANT_JA,
)
"""The set, in the order :func:`~bench.docs_set.make_docset.make_docset` writes it."""
