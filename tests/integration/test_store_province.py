"""The province column on real databases (SQLite and PostgreSQL): migration 0005, the data
mapper's single and bulk paths, and a change under the optimistic lock."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, inspect, text

from cases import services
from cases.bootstrap import Context
from cases.store import db as store_db
from cases.store.db import make_engine
from cases.vocabulary import EventKind
from tests.integration.test_store import T, new_case


def _case_columns(engine: Engine) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns("cases")}


def test_0005_adds_an_empty_province_to_existing_cases_and_can_be_undone(
    db_url: str, home: Path, ctx: Context
) -> None:
    engine = make_engine(db_url)
    store_db.upgrade(engine, "0004")
    assert "province" not in _case_columns(engine)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO cases (ref, platform, order_no, product, amount, currency, channel,"
                " reason, paid_at, zone, rule_overrides, stage, tickets, filings, refunded,"
                " head_hash, event_count, created_at, updated_at, version) VALUES"
                " ('RF-2026-0042', '115卡盟', 'OLD', '旧订单', '99.00', 'CNY', 'alipay', 'other',"
                " :t, 'Asia/Shanghai', '{}', 'draft', '[]', '{}', '0.00', :h, 0, :t, :t, 1)"
            ),
            {"t": T("2026-09-01T02:00:00+00:00"), "h": "0" * 64},
        )
    engine.dispose()

    old = services.get_case(ctx, "RF-2026-0042")  # the context upgrades on first use
    assert store_db.current_revision(ctx.engine) == store_db.HEAD
    assert old.province is None and old.product == "旧订单"
    changed = services.set_province(ctx, old.ref, "Jiangsu")
    assert changed.province == "江苏"
    assert services.get_case(ctx, old.ref).province == "江苏"
    assert services.verify_case(ctx, old.ref).ok
    ctx.engine.dispose()

    engine = make_engine(db_url)
    _downgrade(engine, "0004")
    assert "province" not in _case_columns(engine)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT product FROM cases")).scalar() == "旧订单"
    store_db.upgrade(engine)
    assert "province" in _case_columns(engine)
    engine.dispose()


def _downgrade(engine: Engine, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(store_db.MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_the_province_round_trips_through_the_mapper_and_the_bulk_insert(ctx: Context) -> None:
    single = services.add_case(ctx, new_case("P1", province="上海市")).ref
    bulk = services.import_cases(
        ctx, [new_case(f"B{i}", province=p) for i, p in enumerate(["浙江", None, "hunan"])]
    )
    assert services.get_case(ctx, single).province == "上海"
    assert [services.get_case(ctx, c.ref).province for c in bulk] == ["浙江", None, "湖南"]

    services.set_province(ctx, single, "重庆")
    again = services.get_case(ctx, single)
    assert again.province == "重庆" and again.events[-1].kind == EventKind.PROVINCE_CHANGED
    assert again.events[-1].data == {"province": "重庆", "was": "上海"}
    with ctx.engine.connect() as conn:
        version = conn.execute(
            text("SELECT version FROM cases WHERE ref = :r"), {"r": single}
        ).scalar()
    assert version == 2  # one write, under the optimistic lock
    services.set_province(ctx, single, None)
    assert services.get_case(ctx, single).province is None
    assert services.verify_case(ctx, single).ok
