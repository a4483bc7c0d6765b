"""Benchmark: knowledge-base search latency at 10,000 articles, SQLite and PostgreSQL.

Builds 10,000 synthetic articles (English and Chinese, generated from word lists, fixed
seed: each article is about a failure mode whose 30 words of each list make 60 % of its
words, the rest drawn from the whole list with a Zipf-like frequency) in a fresh SQLite
file and in a fresh PostgreSQL schema, indexes them with ``reindex_all``, then times 200
searches (``search_articles``, snippets included; 20 warm-up searches first) and reports
p50/p95/p99 against the 50 ms target. The baseline is an unranked ``LIKE '%q%'`` scan of
title, symptoms and body for the same query text. The 1-minute load average is printed
before and after each back end's searches: on a busy machine the wall times grow with it.

    .venv/bin/python benchmarks/kb_latency.py [--articles 10000] [--queries 200]
        [--postgres postgresql+psycopg://postgres@127.0.0.1:5432/test] [--no-postgres] [--no-sqlite]
        [--body-repeat 8] [--without-indexes]

``--body-repeat`` makes long articles (SQLite stores a long body before ``index_length``,
so without the covering index every length read walks it); ``--without-indexes`` drops
the schema's two covering indexes (``COVERING_INDEXES``, migration 0010) after migrating,
to measure what they bring.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, or_, select, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from qloop.core.db import make_engine, session_scope
from qloop.core.migrate import upgrade
from qloop.kb.index import reindex_all
from qloop.kb.models import Article, ArticleKind, ArticleStatus, IndexTerm
from qloop.kb.search import search_articles

SEED = 9
TARGET_MS = 50.0
#: share of an article's words drawn from its topic's words
TOPIC_SHARE = 0.6
PRODUCTS = [f"P{n:02d}" for n in range(30)] + ["PX9", "WM7", "SPK2", "CNC500", "AC3"]
MODES = ["battery_swelling", "charging_failure", "overheating", "water_leak", "abnormal_noise",
         "screen_crack", "no_power", "vibration", "crash_freeze", "scratch", "display_failure",
         "damaged_packaging", "loose_part", "stuck_part", "connectivity"]  # fmt: skip
EN_WORDS = """battery swelling swollen bulge back cover lifts charging port charger cable does
not charge slowly overheating hot spindle motor bearing noise grinding rattle hum buzz
speaker woofer tweeter volume screen display cracked shattered glass touch unresponsive
freeze crash reboot restart firmware update wifi bluetooth connection drops water leak
door seal drum drain pump hose filter blocked vibration spin cycle unbalanced load
compressor refrigerant cooling fan airflow filter dust sensor thermostat error code alarm
replace clean tighten inspect measure voltage current resistance fuse board connector
solder joint crack housing screw loose hinge latch button switch knob light indicator
flicker black blank power supply adapter plug socket outlet trip breaker smell smoke burn
scorch melt plastic rubber gasket ring valve pressure flow temperature humidity corrosion
rust scratch dent paint packaging box damaged missing part manual instructions customer
reports after weeks months year use daily heavy light normal cold warm storage shipping
transit drop fall impact moisture condensation software app login account settings reset
factory calibration tool fixture torque grease lubricant wear worn belt gear chain pulley
noise level decibel test bench procedure step check verify confirm replace module unit
assembly batch lot supplier cell capacity mah cycle life aging degradation""".split()
ZH_WORDS = """电池 鼓包 膨胀 后盖 顶起 充电 充电口 充电器 数据线 不充电 充电慢 发烫 过热 主轴 电机
轴承 异响 噪音 嗡嗡 咔咔 扬声器 音量 屏幕 显示屏 碎屏 裂纹 玻璃 触摸 失灵 死机 卡顿 重启 固件
升级 无线 蓝牙 连接 断开 漏水 渗水 门封 滚筒 排水泵 水管 过滤网 堵塞 振动 抖动 脱水 不平衡
压缩机 制冷剂 制冷 风扇 风量 灰尘 传感器 温控器 故障码 报警 更换 清洁 紧固 检查 测量 电压 电流
电阻 保险丝 主板 连接器 焊点 开裂 外壳 螺丝 松动 铰链 卡扣 按键 开关 旋钮 指示灯 闪烁 黑屏
电源 适配器 插头 插座 跳闸 焦味 冒烟 烧焦 熔化 塑料 橡胶 密封圈 阀门 压力 流量 温度 湿度 腐蚀
生锈 划痕 凹陷 油漆 包装 纸箱 破损 缺件 说明书 客户 反映 使用 一周 一个月 一年 每天 正常 低温
储存 运输 跌落 冲击 受潮 凝露 软件 应用 登录 账号 设置 恢复出厂 校准 工具 治具 扭矩 润滑脂 磨损
皮带 齿轮 链条 皮带轮 测试 步骤 确认 模块 批次 供应商 电芯 容量 循环 寿命 老化 衰减 的 了 后
时 在 有 无法 不能 没有""".split()


def zipf_pick(rng: random.Random, words: list[str], count: int) -> list[str]:
    weights = [1.0 / (rank + 1) ** 0.8 for rank in range(len(words))]
    return rng.choices(words, weights=weights, k=count)


class Topics:
    """Each failure mode talks about 30 words of each list more than about the others."""

    def __init__(self, rng: random.Random) -> None:
        self.en = {mode: rng.sample(EN_WORDS, 30) for mode in MODES}
        self.zh = {mode: rng.sample(ZH_WORDS, 30) for mode in MODES}

    def words(self, rng: random.Random, mode: str, zh: bool, count: int) -> list[str]:
        own, every = (self.zh[mode], ZH_WORDS) if zh else (self.en[mode], EN_WORDS)
        return [rng.choice(own) if rng.random() < TOPIC_SHARE else zipf_pick(rng, every, 1)[0]
                for _ in range(count)]  # fmt: skip

    def text(self, rng: random.Random, mode: str, zh: bool, low: int, high: int) -> str:
        words = self.words(rng, mode, zh, rng.randint(low, high))
        if not zh:
            return " ".join(words).capitalize() + "."
        out = []
        for number, word in enumerate(words, start=1):
            out.append(word)
            if number % rng.randint(4, 8) == 0:
                out.append("，")
        return "".join(out) + "。"


def article_rows(count: int, seed: int = SEED) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    topics = Topics(random.Random(seed - 1))
    stamp = dt.datetime(2026, 1, 1)
    rows = []
    for number in range(count):
        zh = rng.random() < 0.4
        modes = rng.sample(MODES, rng.randint(1, 2))

        def make(low: int, high: int, mode: str = modes[0], zh: bool = zh) -> str:
            return topics.text(rng, mode, zh, low, high)

        symptoms, cause, fix = make(12, 30), make(8, 20), make(8, 20)
        steps = [make(3, 8) for _ in range(rng.randint(0, 5))]
        heads = ("症状", "根本原因", "解决方法", "步骤") if zh else ("Symptoms", "Root cause",
                                                                    "Fix", "Steps")  # fmt: skip
        body = (f"{make(20, 60)}\n\n## {heads[0]}\n{symptoms}\n\n## {heads[1]}\n{cause}\n\n"
                f"## {heads[2]}\n{fix}\n\n## {heads[3]}\n"
                + "".join(f"{n}. {step}\n" for n, step in enumerate(steps, start=1))
                + f"\n{make(30, 90)}")  # fmt: skip
        code = f"E{rng.randint(1, 99)}" if rng.random() < 0.3 else ""
        rows.append({
            "kind": rng.choice(list(ArticleKind)), "lang": "zh" if zh else "en",
            "title": (make(3, 7).rstrip("。.") + f" {code}").strip()[:300],
            "products": rng.sample(PRODUCTS, rng.randint(1, 2)), "failure_modes": modes,
            "tags": zipf_pick(rng, EN_WORDS[:40], rng.randint(0, 3)),
            "symptoms": symptoms, "root_cause": cause, "fix": fix, "steps": steps, "body": body,
            "status": ArticleStatus.PUBLISHED if rng.random() < 0.85 else ArticleStatus.DRAFT,
            "version": 1, "index_length": 0, "created_at": stamp, "created_by": "bench",
            "updated_at": stamp, "updated_by": "bench", "slug": f"bench-{number}",
        })  # fmt: skip
    return rows


def queries(count: int, seed: int = SEED + 1) -> list[dict[str, Any]]:
    """Short and long, English and Chinese, one-character Chinese, codes, some filtered;
    most about one topic, as a customer describes one problem."""
    rng = random.Random(seed)
    topics = Topics(random.Random(SEED - 1))
    made: list[dict[str, Any]] = []

    def en(size: int) -> str:
        return " ".join(topics.words(rng, rng.choice(MODES), False, size))

    def zh(size: int) -> str:
        return "".join(topics.words(rng, rng.choice(MODES), True, size))

    shapes: list[Callable[[], str]] = [
        lambda: en(1),
        lambda: en(2),
        lambda: en(rng.randint(3, 6)),
        lambda: zh(1),
        lambda: rng.choice("屏电水机充热响裂漏"),
        lambda: zh(2),
        lambda: "客户反映" + zh(rng.randint(2, 5)),
        lambda: f"{rng.choice(PRODUCTS)} {zh(1)}",
        lambda: f"E{rng.randint(1, 99)} {en(1)}",
        lambda: "zzz unknownword",
    ]
    for number in range(count):
        query = {"query": shapes[number % len(shapes)]()}
        if number % 4 == 1:
            query["product"] = rng.choice(PRODUCTS)
        if number % 7 == 3:
            query["failure_mode"] = rng.choice(MODES)
        if number % 5 == 2:
            query["lang"] = rng.choice(["en", "zh"])
        made.append(query)
    return made


def fill(engine: Engine, rows: list[dict[str, Any]]) -> tuple[float, int]:
    started = time.perf_counter()
    with session_scope(engine) as session:
        for start in range(0, len(rows), 1000):
            session.execute(insert(Article), rows[start : start + 1000])
        reindex_all(session)
        postings = session.scalar(select(func.count()).select_from(IndexTerm)) or 0
    return time.perf_counter() - started, postings


def like_baseline(session: Session, query: str) -> int:
    pattern = f"%{query.strip()}%"
    found = session.scalars(
        select(Article.id).where(
            Article.status == ArticleStatus.PUBLISHED,
            or_(
                Article.title.like(pattern),
                Article.symptoms.like(pattern),
                Article.body.like(pattern),
            ),
        )  # fmt: skip
    ).all()
    return len(found)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def measure(
    engine: Engine, asked: list[dict[str, Any]]
) -> tuple[list[float], list[float], list[float], int]:
    """Wall-clock and process CPU ms of each search, ms of each LIKE scan, empty answers."""
    timings, cpu, baseline, empty = [], [], [], 0
    with session_scope(engine) as session:
        for query in asked[:20]:  # warm-up
            search_articles(session, **query)
        for query in asked:
            started, started_cpu = time.perf_counter(), time.process_time()
            hits = search_articles(session, **query)
            timings.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            empty += not hits
            started = time.perf_counter()
            like_baseline(session, query["query"])
            baseline.append((time.perf_counter() - started) * 1000)
    return timings, cpu, baseline, empty


def report(name: str, fill_s: float, postings: int, timings: list[float], cpu: list[float],
           baseline: list[float], empty: int) -> None:  # fmt: skip
    p50, p95, p99 = (percentile(timings, s) for s in (0.5, 0.95, 0.99))
    b50, b95 = percentile(baseline, 0.5), percentile(baseline, 0.95)
    verdict = "meets" if p95 < TARGET_MS else "MISSES"
    print(f"{name}: filled and indexed in {fill_s:.1f} s ({postings:,} index rows)")
    print(f"  search   p50 {p50:6.1f} ms  p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  "
          f"max {max(timings):6.1f} ms  ({verdict} p95 < {TARGET_MS:.0f} ms; "
          f"{empty} of {len(timings)} queries found nothing)")  # fmt: skip
    print(f"  this process's CPU per search: p50 {percentile(cpu, 0.5):6.1f} ms  "
          f"p95 {percentile(cpu, 0.95):6.1f} ms (all of it on SQLite; PostgreSQL works "
          f"in its server)")  # fmt: skip
    print(f"  LIKE '%q%' scan  p50 {b50:6.1f} ms  p95 {b95:6.1f} ms  "
          f"(search / scan at p95: {p95 / b95:.2f})")  # fmt: skip


#: in the schema (migration 0010): postings and scoring read from indexes alone;
#: ``--without-indexes`` drops them
COVERING_INDEXES = ("ix_kb_index_terms_term_postings", "ix_kb_articles_scoring")


def prepare(engine: Engine, rows: list[dict[str, Any]], indexes: bool) -> tuple[float, int]:
    upgrade(engine)
    if not indexes:
        with engine.begin() as connection:
            for name in COVERING_INDEXES:
                connection.execute(text(f"DROP INDEX {name}"))
    fill_s, postings = fill(engine, [dict(row) for row in rows])
    # the steady state: autovacuum has run (PostgreSQL's index-only scans need it)
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text("VACUUM ANALYZE kb_index_terms"))
            connection.execute(text("VACUUM ANALYZE kb_articles"))
        else:
            connection.execute(text("ANALYZE"))
    return fill_s, postings


def run(
    name: str, engine: Engine, rows: list[dict[str, Any]], asked: list[dict[str, Any]],
    indexes: bool,
) -> None:  # fmt: skip
    """Fill and index, time the searches, report; with the 1-minute load average before
    filling, before the searches and after them (filling loads the machine itself)."""
    before = os.getloadavg()[0]
    filled = prepare(engine, rows, indexes)
    searching = os.getloadavg()[0]
    results = measure(engine, asked)
    after = os.getloadavg()[0]
    report(name, *filled, *results)
    print(f"  load average (1 min): {before:.2f} before filling, {searching:.2f} before the "
          f"searches, {after:.2f} after them")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument(
        "--postgres",
        default=os.environ.get(
            "QLOOP_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        ),
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument(
        "--body-repeat",
        type=int,
        default=1,
        help="repeat each body this many times (long articles)",
    )
    parser.add_argument(
        "--without-indexes",
        action="store_true",
        help="drop the schema's two covering indexes (COVERING_INDEXES) to measure their effect",
    )
    args = parser.parse_args()  # fmt: skip
    rows, asked = article_rows(args.articles), queries(args.queries)
    for row in rows:
        row["body"] = "\n\n".join([row["body"]] * args.body_repeat)
    mean_body = sum(len(row["body"]) for row in rows) / len(rows)
    print(f"{args.articles:,} articles (bodies {mean_body:,.0f} characters on average), "
          f"{args.queries} queries (seed {SEED})"
          + (", without the covering indexes" if args.without_indexes else ""))  # fmt: skip
    with tempfile.TemporaryDirectory() as folder:
        if not args.no_sqlite:
            engine = make_engine(f"sqlite:///{Path(folder) / 'kb.db'}")
            run("SQLite", engine, rows, asked, not args.without_indexes)
            engine.dispose()
    if args.no_postgres:
        return
    admin = make_engine(args.postgres)
    schema = f"qloop_bench_kb_{os.getpid()}"
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        url = make_url(args.postgres).update_query_dict({"options": f"-csearch_path={schema}"})
        engine = make_engine(url.render_as_string(hide_password=False))
        run("PostgreSQL", engine, rows, asked, not args.without_indexes)
        engine.dispose()
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
