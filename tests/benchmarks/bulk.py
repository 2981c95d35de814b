"""Fast bulk generation of synthetic targets for benchmarks (500,000 rows in seconds).

Rows go straight into the migrated SQLite file with ``executemany``: the services would
need minutes for half a million rows (ORM plus per-name pinyin), which is not what a
search benchmark measures. Names are composed from parts whose pinyin initials are
computed once, so every row carries the same ``name_initials`` the service would store.
"""

from __future__ import annotations

import random
import sqlite3
import uuid
from datetime import UTC, datetime
from pathlib import Path

from app.services.identifiers import uscc_check_char
from app.services.pinyin import initials

REGIONS = (
    "城关镇",
    "城东街道",
    "城西街道",
    "河口镇",
    "新桥镇",
    "石门乡",
    "白沙镇",
    "青山乡",
    "马集镇",
    "柳林镇",
    "高庙乡",
    "双河镇",
    "王家店镇",
    "李庄乡",
    "花园街道",
    "南关街道",
)
INDUSTRIES = (
    "餐饮",
    "食品销售",
    "药品零售",
    "加油站",
    "宾馆",
    "校外培训",
    "建筑工地",
    "汽车维修",
    "美容美发",
    "网吧",
    "超市",
    "建材",
    "五金",
    "农资",
    "印刷",
    "物流",
)
INDUSTRY_WORDS = {
    "餐饮": ("饭店", "餐馆", "小吃店", "火锅店", "面馆"),
    "食品销售": ("食品店", "副食店", "粮油店", "食品商行"),
    "药品零售": ("大药房", "药店", "医药连锁"),
    "加油站": ("加油站", "石化加油站"),
    "宾馆": ("宾馆", "酒店", "旅馆", "招待所"),
    "校外培训": ("培训学校", "教育咨询", "艺术培训"),
    "建筑工地": ("建筑工程", "建设工程", "路桥工程"),
    "汽车维修": ("汽车修理厂", "汽修店", "汽车服务"),
    "美容美发": ("美发店", "美容院", "理发店"),
    "网吧": ("网吧", "网络会所"),
    "超市": ("超市", "便利店", "购物中心"),
    "建材": ("建材经营部", "装饰材料", "建材商行"),
    "五金": ("五金店", "五金交电"),
    "农资": ("农资店", "种子站", "农机服务"),
    "印刷": ("印刷厂", "图文广告"),
    "物流": ("物流", "快递服务", "货运"),
}
BRAND_CHARS = "华盛兴隆鑫源泰丰祥瑞福康宏达金银嘉和顺昌明远新荣锦恒通利永安宝佳美德信诚益众民乐"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰红梅建国志军海燕德胜"
SUFFIXES = (
    ("有限公司", "enterprise"),
    ("有限责任公司", "enterprise"),
    ("店", "individual"),
    ("经营部", "individual"),
    ("专业合作社", "cooperative"),
)
RISKS = ("A", "B", "B", "B", "C", "C", "D")
COUNTY = "青川县"

_COLUMNS = (
    "id",
    "code",
    "code_kind",
    "name",
    "name_initials",
    "kind",
    "legal_rep",
    "phone",
    "address",
    "reg_authority",
    "jurisdiction",
    "region",
    "industry",
    "risk_class",
    "status",
    "active",
    "note",
    "uid",
    "created_at",
    "updated_at",
    "version",
)


def _uscc(rng: random.Random, serial: int) -> str:
    # 91 (enterprise) + 6-digit division code + 9-character organisation code, check character last.
    body = f"91510822{serial:08d}"[:16] + rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY")
    return body + uscc_check_char(body)


def generate_rows(count: int, *, seed: int = 7, start_id: int = 1) -> list[tuple[object, ...]]:
    """Synthetic target rows (tuples in ``_COLUMNS`` order) with unique, valid 统一社会信用代码."""
    rng = random.Random(seed)
    cache: dict[str, str] = {}

    def ini(part: str) -> str:
        got = cache.get(part)
        if got is None:
            got = cache[part] = initials(part)
        return got

    now = datetime.now(UTC).replace(tzinfo=None).isoformat(sep=" ")
    rows: list[tuple[object, ...]] = []
    for n in range(count):
        region = rng.choice(REGIONS)
        industry = rng.choice(INDUSTRIES)
        brand = rng.choice(BRAND_CHARS) + rng.choice(BRAND_CHARS)
        word = rng.choice(INDUSTRY_WORDS[industry])
        suffix, kind = rng.choice(SUFFIXES)
        place = region[:2]
        name = f"{COUNTY}{place}{brand}{word}{suffix}"
        name_ini = ini(COUNTY) + ini(place) + ini(brand[0]) + ini(brand[1]) + ini(word) + ini(suffix)
        rep = rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
        status = "active" if rng.random() < 0.95 else rng.choice(("deregistered", "revoked", "moved_out"))
        rows.append(
            (
                start_id + n,
                _uscc(rng, start_id + n),
                "uscc",
                name,
                name_ini,
                kind,
                rep,
                f"13{rng.randrange(10**9):09d}",
                f"{COUNTY}{region}{rng.randrange(1, 300)}号",
                f"{COUNTY}市场监督管理局",
                f"{COUNTY}市场监督管理局{place}市场监管所",
                region,
                industry,
                rng.choice(RISKS),
                status,
                1 if rng.random() < 0.98 else 0,
                "",
                str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                now,
                now,
                1,
            )
        )
    return rows


def bulk_insert_targets(db_file: Path, count: int, *, seed: int = 7, batch: int = 50_000) -> int:
    """Append ``count`` synthetic targets to a migrated LianCha SQLite file; returns rows inserted."""
    conn = sqlite3.connect(str(db_file))
    try:
        start = int(conn.execute("SELECT COALESCE(MAX(id), 0) FROM targets").fetchone()[0]) + 1
        sql = f"INSERT INTO targets ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
        done = 0
        with conn:
            while done < count:
                size = min(batch, count - done)
                conn.executemany(sql, generate_rows(size, seed=seed + done, start_id=start + done))
                done += size
        conn.execute("ANALYZE")
        return done
    finally:
        conn.close()
