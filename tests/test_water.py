"""黑臭水体 domain: classification edges, rounds and their checks, the lifecycle to sign-off, relapse, evidence."""

from __future__ import annotations

import hashlib
from datetime import date, datetime

import geopandas as gpd
import pandas as pd
import pytest
import shapely

import layers
from geo import water
from geo.errors import InputError, PortalError
from geo.permissions import Actor, PermissionDenied
from geo.settings import update_setting
from geo.store import audit
from geo.store.db import Store
from geo.store.features import VersionConflict, read_layer, write_layer
from tests.conftest import ADMIN
from tests.stores import state

TH = water.Thresholds()
EDITOR = Actor("ed", "编辑甲", frozenset({"water_editor"}))
EDITOR2 = Actor("ed2", "编辑乙", frozenset({"water_editor"}))
REVIEWER = Actor("rv", "审核丙", frozenset({"water_reviewer"}))
BOTH = Actor("both", "编辑兼审核", frozenset({"water_editor", "water_reviewer"}))
NOW = datetime(2025, 6, 1, 9, 0)
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"\x00" * 64
# A 1.8 km east-west channel at 39°N; the points below lie on it.
LINE = shapely.LineString([(117.60, 39.00), (117.62, 39.00)])


# -- classification at every edge (thresholds as the guide writes them) ------------------------------


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("transparency_cm", 25.01, "clean"),
        ("transparency_cm", 25.0, "light"),
        ("transparency_cm", 10.0, "light"),
        ("transparency_cm", 9.99, "heavy"),
        ("dissolved_oxygen_mg_l", 2.01, "clean"),
        ("dissolved_oxygen_mg_l", 2.0, "light"),
        ("dissolved_oxygen_mg_l", 0.2, "light"),
        ("dissolved_oxygen_mg_l", 0.19, "heavy"),
        ("orp_mv", 50.1, "clean"),
        ("orp_mv", 50.0, "light"),
        ("orp_mv", -200.0, "light"),
        ("orp_mv", -200.1, "heavy"),
        ("nh3n_mg_l", 7.99, "clean"),
        ("nh3n_mg_l", 8.0, "light"),
        ("nh3n_mg_l", 15.0, "light"),
        ("nh3n_mg_l", 15.01, "heavy"),
    ],
)
def test_each_indicator_is_classed_at_the_guides_edges(column, value, expected):
    assert water.classify_indicator(column, value, TH).cls == expected


def test_the_reason_names_value_threshold_and_class():
    finding = water.classify_indicator("nh3n_mg_l", 16.2, TH)
    assert finding.zh == "氨氮 16.2 > 15 mg/L → 重度黑臭"
    assert finding.en == "NH3-N 16.2 > 15 mg/L → Heavily black-odorous"


def test_a_point_takes_its_worst_indicator_and_a_body_its_worst_point():
    clean = {"transparency_cm": 40, "dissolved_oxygen_mg_l": 5, "orp_mv": 100, "nh3n_mg_l": 2}
    light = {**clean, "dissolved_oxygen_mg_l": 1.5}
    heavy = {**light, "orp_mv": -250}
    assert water.classify_point(clean, TH).cls == "clean"
    assert water.classify_point(light, TH).cls == "light"
    result = water.classify_point(heavy, TH)
    assert result.cls == "heavy" and result.reason("zh") == "氧化还原电位 -250 < -200 mV → 重度黑臭"
    assert water.classify_body([water.classify_point(p, TH) for p in (clean, light, clean)]) == "light"


def test_points_classed_together_read_as_one_at_a_time():
    # Every edge value of every indicator, values beside them, and missing ones, in all combinations
    # that matter: classify_points (the whole table at once) must say what classify_point says.
    import itertools

    import numpy as np

    edges = {
        "transparency_cm": [40, 25.01, 25.0, 10.0, 9.99, np.nan],
        "dissolved_oxygen_mg_l": [5, 2.0, 0.2, 0.19, np.nan],
        "orp_mv": [100, 50.0, -200.0, -200.1, np.nan],
        "nh3n_mg_l": [2, 8.0, 15.0, 15.01, np.nan],
    }
    frame = pd.DataFrame(list(itertools.product(*edges.values())), columns=list(edges))
    found = water.classify_points(frame, TH)
    for row, (_, got) in zip(frame.to_dict("records"), found.iterrows(), strict=True):
        one = water.classify_point(row, TH)
        assert (got["cls"], got["reason_zh"], got["reason_en"]) == (one.cls, one.reason("zh"), one.reason("en"))
    assert set(found["cls"]) == {"clean", "light", "heavy"}
    assert water.classify_points(frame.iloc[:0], TH).empty


def test_changed_thresholds_change_the_class(empty_store):
    update_setting(empty_store, ADMIN, "water.nh3n_heavy_mg_l", 16, reason="试行")
    th = water.thresholds(empty_store)
    assert water.classify_indicator("nh3n_mg_l", 15.5, th).cls == "light"
    assert water.classify_indicator("nh3n_mg_l", 16.5, th).cls == "heavy"


def test_sustained_needs_n_clean_rounds_in_a_row_over_m_months():
    rounds = pd.DataFrame(
        {
            "sampled_on": [
                date(2023, 2, 15),
                date(2023, 5, 15),
                date(2023, 8, 15),
                date(2023, 11, 15),
                date(2024, 2, 15),
            ],
            "cls": ["light", "clean", "clean", "clean", "clean"],
        }
    )
    # Clean run: 2023-05-15 … 2024-02-15 = 9 calendar months, 4 rounds.
    assert water.sustained_ready(rounds, 4, 9.0)[0]
    ok, zh, _ = water.sustained_ready(rounds, 4, 12.0)
    assert not ok and "目前连续 4 轮，跨度 9.0 个月" in zh
    assert not water.sustained_ready(rounds, 5, 1.0)[0]


def test_quarter_ends():
    assert water.quarter_ends(date(2024, 2, 1), date(2024, 12, 30)) == [
        date(2024, 3, 31),
        date(2024, 6, 30),
        date(2024, 9, 30),
    ]


# -- a tiny store: one body at 治理中 with three stored points ----------------------------------------


def _body(store: Store, stage: str = "remediating", listed_year: int = 2020, body_id: str = "WB-T1") -> None:
    spec = layers.get_spec("water_bodies")
    frame = gpd.GeoDataFrame(
        {
            "id": [body_id],
            "name": ["测试河"],
            "water_type": ["channel"],
            "river_system": ["海河水系"],
            "town": ["新河街道"],
            "severity": ["light"],
            "stage": [stage],
            "listed_year": [listed_year],
        },
        geometry=[LINE],
        crs="EPSG:4326",
    )
    with store.transaction() as s:
        write_layer(s, spec, frame.assign(valid_from=datetime(2020, 1, 1)), "append", datetime(2020, 1, 1), "system")
        s.execute(
            "INSERT INTO water_points VALUES (?, 1, 117.603, 39.0, ?, 'system'), "
            "(?, 2, 117.610, 39.0, ?, 'system'), (?, 3, 117.617, 39.0, ?, 'system')",
            [body_id, datetime(2020, 1, 1)] * 3,
        )
        s.execute(
            "INSERT INTO water_body_info VALUES (?, '新河街道办事处', '王建国', NULL, ?, 'system')",
            [body_id, datetime(2020, 1, 1)],
        )


def _points(nh3n=(2.0, 2.0, 2.0), **extra) -> pd.DataFrame:
    n = len(nh3n)
    return pd.DataFrame(
        {
            "point_no": list(range(1, n + 1)),
            "lon": [None] * n,
            "lat": [None] * n,
            "transparency_cm": [40.0] * n,
            "dissolved_oxygen_mg_l": [5.0] * n,
            "orp_mv": [100.0] * n,
            "nh3n_mg_l": list(nh3n),
            "sampler": [None] * n,
            **extra,
        }
    )


@pytest.fixture
def store(empty_store) -> Store:
    _body(empty_store)
    return empty_store


def _version(store: Store) -> int:
    return int(store.scalar("SELECT version FROM water_bodies WHERE id = 'WB-T1'"))


def test_a_clean_round_uses_stored_points_and_is_audited(store):
    result = water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points(), sampler="张三", now=NOW)
    assert (result.cls, result.points, result.relapsed) == ("clean", 3, False)
    rows = store.query("SELECT point_no, lon, lat, sampler, recorded_by FROM water_samples ORDER BY point_no")
    assert list(rows["lon"]) == [117.603, 117.610, 117.617] and set(rows["sampler"]) == {"张三"}
    assert set(rows["recorded_by"]) == {"ed"}
    row = audit.entries(store, limit=1).iloc[0]
    assert (row["action"], row["username"], row["entity_id"]) == ("water.round", "ed", "WB-T1")


def test_the_overview_reads_each_bodys_latest_round_known_at_the_date(store):
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points((2.0, 9.0, 16.0)), now=NOW)
    water.record_round(store, EDITOR, "WB-T1", date(2025, 8, 1), _points(), now=datetime(2025, 8, 2))
    latest = water.samples(store, latest_round_only=True)
    assert set(latest["sampled_on"]) == {pd.Timestamp(2025, 8, 1)} and len(latest) == 3
    earlier = water.samples(store, as_of=date(2025, 7, 1), latest_round_only=True)
    assert set(earlier["sampled_on"]) == {pd.Timestamp(2025, 5, 1)}
    first = water.rounds(earlier).iloc[0]
    assert (first["points"], first["cls"]) == (3, "heavy")
    assert first["reason_zh"] == "点位3：氨氮 16 > 15 mg/L → 重度黑臭"  # only the points of the body's class
    assert water.bodies(store, as_of=date(2025, 7, 1)).iloc[0]["cls"] == "heavy"
    now = water.bodies(store).iloc[0]
    assert (now["cls"], now["reason_zh"]) == ("clean", "全部 3 个点位均非黑臭")


def test_bad_rounds_are_refused_naming_row_and_field_and_nothing_is_saved(store):
    cases = [
        (_points().assign(dissolved_oxygen_mg_l=[5.0, -1.0, 5.0]), date(2025, 5, 1), "第 2 行 溶解氧"),
        (
            _points().assign(transparency_cm=[9999.0, 40.0, 40.0]),
            date(2025, 5, 1),
            "第 1 行 透明度: 9999 cm 超出合理范围",
        ),
        (_points().assign(orp_mv=[100.0, 100.0, -5000.0]), date(2025, 5, 1), "第 3 行 氧化还原电位"),
        (_points(), date(2025, 6, 2), "晚于今天"),
        (_points(), date(2019, 12, 31), "早于列入清单的年份 2020"),
        (_points((2.0, 2.0)), date(2025, 5, 1), "至少需要 3 个点位"),
        (_points().assign(point_no=[1, 2, 2]), date(2025, 5, 1), "第 3 行 点位编号: 点位 2 与第 2 行重复"),
        (
            _points().assign(lon=[117.603, 117.61, 117.70], lat=[39.0, 39.0, 39.0]),
            date(2025, 5, 1),
            "第 3 行 经度: 点位距水体 6.9 km",
        ),  # 0.08° × 111.32 km × cos 39° = 6.92 km
    ]
    before = state(store)
    for points, day, words in cases:
        with pytest.raises(InputError) as err:
            water.record_round(store, EDITOR, "WB-T1", day, points, now=NOW)
        assert words in err.value.report("zh"), (words, err.value.report("zh"))
        assert err.value.en
    assert store.scalar("SELECT count(*) FROM water_samples") == 0
    assert state(store) == before


def test_a_new_point_number_with_a_position_becomes_a_stored_point(store):
    points = pd.concat([_points(), _points((3.0,)).assign(point_no=[4], lon=[117.619], lat=[39.001])])
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), points, now=NOW)
    assert store.scalar("SELECT count(*) FROM water_points WHERE water_body_id = 'WB-T1'") == 4


def test_a_gbk_csv_with_chinese_headers_reads_and_a_missing_column_is_named():
    text = "点位,透明度(cm),溶解氧(mg/L),氧化还原电位(mV),氨氮(mg/L),采样人\n1,40,5,100,2,李四\n2,41,5,100,2,李四\n3,42,5,100,2,李四\n"
    table = water.read_round_file("round.csv", text.encode("gbk"))
    assert list(table["transparency_cm"]) == ["40", "41", "42"] and set(table["sampler"]) == {"李四"}
    broken = "点位,透明度,溶解氧,氨氮\n1,40,5,2\n".encode("gbk")
    with pytest.raises(InputError) as err:
        water.read_round_file("round.csv", broken)
    assert "缺少列 氧化还原电位" in err.value.zh and "missing column ORP" in err.value.en


def test_an_xlsx_round_reads(tmp_path):
    frame = pd.DataFrame(
        {
            "点位编号": [1, 2, 3],
            "透明度": [40, 41, 42],
            "溶解氧": [5, 5, 5],
            "氧化还原电位": [100, 90, 80],
            "氨氮": [1, 2, 3],
        }
    )
    path = tmp_path / "r.xlsx"
    frame.to_excel(path, index=False)
    table = water.read_round_file("r.xlsx", path.read_bytes())
    assert list(table["orp_mv"]) == ["100", "90", "80"]


# -- lifecycle -----------------------------------------------------------------------------------------


def _complete(store: Store) -> int:
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points(), now=NOW)
    return water.propose_stage(
        store, EDITOR, "WB-T1", "completed", "工程完工", _version(store), [water.EvidenceFile("现场.png", PNG)], now=NOW
    )


def test_editor_proposes_and_another_reviewer_approves_completion(store):
    event = _complete(store)
    frame = water.bodies(store).set_index("id")
    assert (frame.loc["WB-T1", "stage"], frame.loc["WB-T1", "pending_stage"]) == ("remediating", "completed")
    assert water.decide_proposal(store, REVIEWER, event, True, "同意销号", now=datetime(2025, 6, 2)) == "completed"
    frame = water.bodies(store).set_index("id")
    assert frame.loc["WB-T1", "stage"] == "completed" and frame.loc["WB-T1", "pending_stage"] is None
    assert pd.Timestamp(frame.loc["WB-T1", "completed_on"]).date() == date(2025, 6, 2)
    # As of the day before the approval the body was still 治理中, with the proposal pending.
    before = water.bodies(store, as_of=date(2025, 6, 1)).set_index("id")
    assert (before.loc["WB-T1", "stage"], before.loc["WB-T1", "pending_stage"]) == ("remediating", "completed")
    actions = list(audit.entries(store, entity="WB-T1")["action"])
    assert actions[:3] == ["water.stage.approve", "water.stage.propose", "water.round"]
    evidence = store.query("SELECT file_name, media_type, sha256 FROM water_evidence").iloc[0]
    assert (evidence["media_type"], evidence["sha256"]) == ("image/png", hashlib.sha256(PNG).hexdigest())


def test_self_approval_is_refused_even_with_both_roles(store):
    water.record_round(store, BOTH, "WB-T1", date(2025, 5, 1), _points(), now=NOW)
    event = water.propose_stage(
        store, BOTH, "WB-T1", "completed", "完工", _version(store), [water.EvidenceFile("a.pdf", PDF)], now=NOW
    )
    with pytest.raises(PermissionDenied, match="不能审核自己提交的申请"):
        water.decide_proposal(store, BOTH, event, True, "", now=NOW)
    with pytest.raises(PermissionDenied):
        water.decide_proposal(store, EDITOR, event, True, "", now=NOW)  # an editor is no reviewer
    assert water.bodies(store).set_index("id").loc["WB-T1", "stage"] == "remediating"


def test_a_rejection_needs_a_reason_and_keeps_the_stage(store):
    event = _complete(store)
    with pytest.raises(PortalError, match="退回申请需要填写原因"):
        water.decide_proposal(store, REVIEWER, event, False, " ", now=NOW)
    assert water.decide_proposal(store, REVIEWER, event, False, "照片不清楚", now=NOW) == "remediating"
    with pytest.raises(PortalError, match="已由 rv 处理"):
        water.decide_proposal(store, REVIEWER, event, True, "", now=NOW)


def test_stages_move_only_in_the_guides_order_with_a_note(store):
    with pytest.raises(PortalError, match="治理中 之后是 完成治理"):
        water.propose_stage(
            store, EDITOR, "WB-T1", "sustained", "跳级", _version(store), [water.EvidenceFile("a.png", PNG)], now=NOW
        )
    with pytest.raises(PortalError, match="需要填写说明"):
        water.propose_stage(
            store, EDITOR, "WB-T1", "completed", "  ", _version(store), [water.EvidenceFile("a.png", PNG)], now=NOW
        )
    with pytest.raises(PortalError, match="需要上传证明材料"):
        water.propose_stage(store, EDITOR, "WB-T1", "completed", "完工", _version(store), [], now=NOW)


def test_completion_needs_the_latest_round_clean_at_every_point(store):
    with pytest.raises(PortalError, match="至少一轮采样"):
        water.propose_stage(
            store, EDITOR, "WB-T1", "completed", "完工", _version(store), [water.EvidenceFile("a.png", PNG)], now=NOW
        )
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points((2.0, 9.0, 2.0)), now=NOW)
    with pytest.raises(PortalError, match="点位 2 仍为黑臭"):
        water.propose_stage(
            store, EDITOR, "WB-T1", "completed", "完工", _version(store), [water.EvidenceFile("a.png", PNG)], now=NOW
        )


def test_sustained_clean_needs_the_settings_rounds_and_months(empty_store):
    _body(empty_store, stage="effective")
    for day in (date(2024, 2, 15), date(2024, 5, 15), date(2024, 8, 15)):
        water.record_round(empty_store, EDITOR, "WB-T1", day, _points(), now=NOW)
    proof = [water.EvidenceFile("report.pdf", PDF)]
    with pytest.raises(PortalError, match="连续 4 轮"):
        water.propose_stage(empty_store, EDITOR, "WB-T1", "sustained", "长效", _version(empty_store), proof, now=NOW)
    update_setting(empty_store, ADMIN, "water.sustained_rounds", 3)
    update_setting(empty_store, ADMIN, "water.sustained_months", 6)
    event = water.propose_stage(
        empty_store, EDITOR, "WB-T1", "sustained", "长效", _version(empty_store), proof, now=NOW
    )
    assert water.decide_proposal(empty_store, REVIEWER, event, True, "", now=NOW) == "sustained"


def test_concurrent_edits_of_one_body_the_second_is_refused(store):
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points(), now=NOW)
    seen = _version(store)
    proof = [water.EvidenceFile("a.png", PNG)]
    water.propose_stage(store, EDITOR, "WB-T1", "completed", "甲提交", seen, proof, now=NOW)
    with pytest.raises(PortalError, match="已有待审核"):
        water.propose_stage(store, EDITOR2, "WB-T1", "completed", "乙提交", seen, proof, now=NOW)
    # Two reviewers deciding the same proposal: the second finds it decided.
    event = int(store.scalar("SELECT max(event_id) FROM water_stage_events"))
    water.decide_proposal(store, REVIEWER, event, True, "", now=NOW)
    other = Actor("rv2", "审核丁", frozenset({"water_reviewer"}))
    with pytest.raises(PortalError, match="已由 rv 处理"):
        water.decide_proposal(store, other, event, False, "不同意", now=NOW)
    # A proposal based on a version someone changed since is refused.
    with pytest.raises(VersionConflict, match="已被 rv"):
        water.propose_stage(store, EDITOR2, "WB-T1", "effective", "见效", seen, [], now=NOW)


def test_a_black_round_relists_a_completed_body_as_relapsed_by_the_system(store):
    event = _complete(store)
    water.decide_proposal(store, REVIEWER, event, True, "", now=NOW)
    result = water.record_round(
        store, EDITOR, "WB-T1", date(2025, 5, 20), _points((16.2, 2.0, 2.0)), now=datetime(2025, 6, 3)
    )
    assert result.relapsed and result.cls == "heavy"
    assert result.reason_zh == "点位1：氨氮 16.2 > 15 mg/L → 重度黑臭"
    assert water.bodies(store).set_index("id").loc["WB-T1", "stage"] == "relapsed"
    row = audit.entries(store, action="water.relapse").iloc[0]
    assert (row["username"], row["client"]) == ("system", "system") and "16.2" in row["reason"]
    assert list(water.relapsed(store)["id"]) == ["WB-T1"]
    # From 反弹 the next stage is 治理中 again.
    assert water.NEXT_STAGE["relapsed"] == "remediating"


def test_a_black_round_at_remediation_is_no_relapse(store):
    result = water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points((20.0, 2.0, 2.0)), now=NOW)
    assert result.cls == "heavy" and not result.relapsed
    assert water.bodies(store).set_index("id").loc["WB-T1", "stage"] == "remediating"


def test_evidence_is_checked_by_content_and_size(store):
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points(), now=NOW)
    exe = water.EvidenceFile("photo.jpg", b"MZ\x90\x00" + b"\x00" * 64)
    with pytest.raises(InputError, match="photo.jpg: 内容不是 JPEG/PNG"):
        water.propose_stage(store, EDITOR, "WB-T1", "completed", "完工", _version(store), [exe], now=NOW)
    big = water.EvidenceFile("report.pdf", b"%PDF-1.7\n" + b"\x00" * (60 * 1024 * 1024))
    with pytest.raises(InputError, match="report.pdf: 60.0 MB，超过上限 20 MB"):
        water.propose_stage(store, EDITOR, "WB-T1", "completed", "完工", _version(store), [big], now=NOW)
    assert store.scalar("SELECT count(*) FROM water_stage_events") == 0
    assert water.evidence_type(JPEG) == "image/jpeg" and water.evidence_type(PDF) == "application/pdf"


def test_the_public_list_holds_nothing_internal(store):
    _complete(store)
    public, day = water.public_list(store)
    assert set(public.columns) == {
        "id",
        "name",
        "town",
        "river_system",
        "responsible_unit",
        "river_chief",
        "stage",
        "completed_on",
    }
    assert public.iloc[0]["stage"] == "remediating"  # the pending proposal is not shown
    assert day == date(2025, 6, 1)


def test_quarterly_counts_follow_the_stage_history(store):
    event = _complete(store)
    water.decide_proposal(store, REVIEWER, event, True, "", now=datetime(2025, 7, 10))
    counts = water.quarterly_stage_counts(store, date(2025, 4, 1), date(2025, 9, 30)).set_index("quarter_end")
    assert counts.loc[date(2025, 6, 30), "remediating"] == 1 and counts.loc[date(2025, 6, 30), "completed"] == 0
    assert counts.loc[date(2025, 9, 30), "completed"] == 1 and counts.loc[date(2025, 9, 30), "remediating"] == 0


def test_layer_history_keeps_the_stage_versions(store):
    event = _complete(store)
    water.decide_proposal(store, REVIEWER, event, True, "", now=datetime(2025, 7, 10))
    spec = layers.get_spec("water_bodies")
    assert read_layer(store, spec, as_of=date(2025, 7, 9))["stage"].iloc[0] == "remediating"
    assert read_layer(store, spec)["stage"].iloc[0] == "completed"


# -- migration 8 on a store made before it -------------------------------------------------------------


def test_migration_8_places_points_and_gives_old_samples_positions_with_values_unchanged(new_store, monkeypatch):
    from geo.store import migrations
    from geo.store.history import columns_of
    from geo.store.tables import write_water_samples

    before_8 = [m for m in migrations.MIGRATIONS if m[0] != 8]
    monkeypatch.setattr(migrations, "MIGRATIONS", before_8)
    store = new_store
    store.migrate(layers.all_specs())
    with store.session() as s:
        assert "lon" not in columns_of(s, "water_samples")
    spec = layers.get_spec("water_bodies")
    body = gpd.GeoDataFrame(
        {"id": ["WB-T1"], "name": ["测试河"], "stage": ["completed"], "listed_year": [2018]},
        geometry=[LINE],
        crs="EPSG:4326",
    )
    old = pd.DataFrame(
        {
            "water_body_id": ["WB-T1"] * 3,
            "sampled_on": ["2024-05-15"] * 3,
            "point_no": [1, 2, 3],
            "transparency_cm": [31.7, 28.2, 40.0],
            "dissolved_oxygen_mg_l": [2.47, 2.1, 3.0],
            "orp_mv": [67.0, 55.0, 80.0],
            "nh3n_mg_l": [7.73, 6.5, 2.0],
            "source": ["示意数据 (illustrative sample)"] * 3,
        }
    )
    with store.transaction() as s:
        write_layer(s, spec, body, "append", datetime(2024, 1, 1), "system")
        write_water_samples(s, old)
    values_before = store.query("SELECT * FROM water_samples ORDER BY point_no")

    monkeypatch.undo()  # the full list again: migration 8 runs
    store.migrate(layers.all_specs())
    after = store.query("SELECT * FROM water_samples ORDER BY point_no")
    pd.testing.assert_frame_equal(after[values_before.columns], values_before)
    # Three points at 1/6, 3/6 and 5/6 of the line from 117.60 to 117.62.
    points = store.query("SELECT point_no, lon, lat FROM water_points ORDER BY point_no")
    assert list(points["lon"]) == pytest.approx([117.603333, 117.61, 117.616667])
    assert list(after["lon"]) == list(points["lon"]) and set(after["lat"]) == {39.0}
    assert 8 in set(store.query("SELECT version FROM schema_version")["version"])


def test_a_second_round_on_the_same_day_is_refused(store):
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points(), now=NOW)
    with pytest.raises(InputError, match="已有一轮采样记录"):
        water.record_round(store, EDITOR2, "WB-T1", date(2025, 5, 1), _points((3.0, 3.0, 3.0)), now=NOW)
    assert store.scalar("SELECT count(*) FROM water_samples") == 3


def test_a_relapse_withdraws_the_proposal_awaiting_review(empty_store):
    _body(empty_store, stage="completed")
    water.record_round(empty_store, EDITOR, "WB-T1", date(2025, 5, 1), _points(), now=NOW)
    event = water.propose_stage(empty_store, EDITOR, "WB-T1", "effective", "见效", _version(empty_store), now=NOW)
    water.record_round(
        empty_store, EDITOR, "WB-T1", date(2025, 5, 20), _points((2.0, 2.0, 9.0)), now=datetime(2025, 6, 3)
    )
    status = empty_store.scalar("SELECT status FROM water_stage_events WHERE event_id = ?", [event])
    assert status == "withdrawn"
    with pytest.raises(PortalError, match="已由 system 处理"):
        water.decide_proposal(empty_store, REVIEWER, event, True, "", now=datetime(2025, 6, 4))
    timeline = water.body_record(empty_store, "WB-T1").events
    assert list(timeline["to_stage"]) == ["effective", "relapsed"] and timeline["status"].iloc[-1] == "system"


def test_points_in_a_polygon_lie_inside_it_and_points_on_a_line_are_evenly_spread():
    from geo.store.water import place_points

    square = shapely.box(0, 0, 4, 4)
    placed = place_points(square, 4)
    assert len(placed) == 4 and all(square.contains(shapely.Point(p)) for p in placed)
    # The outline starts at (4,0) and is 16 long: points at 2, 6, 10, 14 along it are (4,2), (2,4), (0,2),
    # (2,0); each pulled 60 % of the way to the inside point (2,2): 2 + 0.4 × (4 − 2) = 2.8, …
    flat = [v for p in placed for v in p]
    assert flat == pytest.approx([2.8, 2.0, 2.0, 2.8, 1.2, 2.0, 2.0, 1.2])
    line = place_points(shapely.LineString([(0, 0), (6, 0)]), 3)
    assert line == [(1.0, 0.0), (3.0, 0.0), (5.0, 0.0)]


def test_filters_counts_and_counts_by_year_of_listing():
    frame = pd.DataFrame(
        {
            "town": ["甲镇", "甲镇", "乙街道", "乙街道"],
            "river_system": ["海河水系", "蓟运河水系", "海河水系", "海河水系"],
            "stage": ["remediating", "completed", "completed", "relapsed"],
            "cls": ["heavy", "clean", "clean", "light"],
            "listed_year": [2019, 2018, 2018, 2017],
            "pending_stage": ["completed", None, None, None],
        }
    )
    assert len(water.filter_bodies(frame, towns=["甲镇"])) == 2
    assert len(water.filter_bodies(frame, systems=["海河水系"], classes=["clean"])) == 1
    counts = water.stage_counts(frame)
    assert (counts["completed"], counts["remediating"], counts["planning"], counts["pending"]) == (2, 1, 0, 1)
    by_year = water.counts_by_listing_year(frame)
    assert list(by_year.columns) == ["remediating", "completed", "relapsed"]
    assert by_year.loc[2018, "completed"] == 2 and by_year.loc[2017, "relapsed"] == 1


def test_a_bodys_record_reads_its_own_row_on_one_connection(store, connections):
    _body(store, stage="completed", body_id="WB-T2")
    water.record_round(store, EDITOR, "WB-T1", date(2025, 5, 1), _points((2.0, 9.0, 16.0)), now=NOW)
    water.propose_stage(store, EDITOR, "WB-T2", "effective", "见效", 1, now=NOW)
    every = water.bodies(store).set_index("id", drop=False)
    for body_id in ("WB-T1", "WB-T2"):  # the same row as in the overview of every body
        one = water.bodies(store, body_id=body_id)
        assert list(one["id"]) == [body_id] and list(one.columns) == list(every.columns)
        for column, value in one.iloc[0].items():  # a missing value may be None here and NaT/NaN there
            other = every.loc[body_id, column]
            if pd.api.types.is_scalar(value) and pd.isna(value):
                assert pd.isna(other), column
            else:
                assert value == other, column
    opened = connections(store)
    record = water.body_record(store, "WB-T2")
    assert len(opened) == 1
    assert (record.body["id"], record.body["pending_stage"]) == ("WB-T2", "effective")
    assert record.rounds.empty and list(record.events["to_stage"]) == ["effective"]
    with pytest.raises(PortalError, match="没有水体 WB-T9"):
        water.body_record(store, "WB-T9")
