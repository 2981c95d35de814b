"""Realistic sample documents for the printing tests and ``scripts/render_samples.py``.

The items, their legal bases and check methods are copied from the 海南省市场监管领域随机
抽查事项清单（2020年版） (``data/items/hainan_2020_random_check_items.csv``); the checkpoints
of the market-regulation items are those of the official 双随机抽查记录表 templates
(``template_A07.xls``, ``template_A08.xls``, ``template_B03.xls``). Targets and people are
invented; their codes carry valid check characters.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from app.printing.data import (
    ChecklistDoc,
    Checkpoint,
    Contact,
    DispatchDoc,
    DispatchStop,
    DrawExclusion,
    DrawKind,
    DrawParameter,
    DrawRecordDoc,
    DrawSelection,
    DrawStratum,
    DrawVoid,
    ItemSection,
    MemberRole,
    NoticeDoc,
    RecordDoc,
    RecordEntry,
    TargetInfo,
    TaskInfo,
    TeamMember,
    Witness,
)

_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)


def uscc(body17: str) -> str:
    """Append the GB 32100 check character to 17 characters of a 统一社会信用代码."""
    total = sum(_USCC_CHARS.index(c) * w for c, w in zip(body17, _USCC_WEIGHTS, strict=True))
    return body17 + _USCC_CHARS[(31 - total % 31) % 31]


TASK = TaskInfo(
    task_id="T2025-017",
    number="龙华市监抽查〔2025〕17号",
    name="2025年龙华区餐饮行业“一业一查”部门联合双随机抽查",
    lead_department="海口市龙华区市场监督管理局",
    joint_departments=("海口市龙华区消防救援大队", "海口市龙华区农业农村局"),
    start_date=date(2025, 10, 13),
    end_date=date(2025, 11, 28),
)

NO_NOTICE_TASK = replace(
    TASK,
    task_id="T2025-018",
    number="龙华市监抽查〔2025〕18号",
    name="2025年龙华区校园周边食品安全专项整治联查（不事先告知）",
    advance_notice_allowed=False,
)

MSA = "海口市龙华区市场监督管理局"
FIRE = "海口市龙华区消防救援大队"
AGRI = "海口市龙华区农业农村局"

FOOD_BASIS = "《食品安全法》第一百一十条 《食品生产经营日常监督检查管理办法》"

SECTIONS: tuple[ItemSection, ...] = (
    ItemSection(
        department=MSA,
        item_name="食品经营许可情况的检查",
        basis=FOOD_BASIS,
        check_methods="现场检查、书面检查",
        checkpoints=(
            Checkpoint(
                "持有的食品经营许可证是否合法有效。",
                "查看许可证有效期及许可范围等信息，现场核对经营品种是否相符。",
            ),
            Checkpoint(
                "从业人员及食品安全管理员是否符合要求。",
                "从经营单位工资单中随机抽取或者从现场随机抽取2名以上从事接触直接入口食品工作的食品经营人员，"
                "核查是否取得健康证明，配备专兼职食品安全管理员有无任职文件或管理人员工作情况记录。",
            ),
            Checkpoint(
                "场所、设施能否满足基本要求。",
                "抽取2种以上对储存有特殊要求的食品，核查是否按规定存放。如销售冷冻冷藏食品要配有冰柜冰箱，"
                "食品贮存不能直接放置地面。",
            ),
        ),
        materials=("营业执照", "食品经营许可证", "管理人员名单", "直接接触食品员工健康证明档案"),
    ),
    ItemSection(
        department=MSA,
        item_name="加工制作过程的检查",
        basis=FOOD_BASIS,
        check_methods="现场检查、书面检查",
        checkpoints=(
            Checkpoint(
                "检查食品的质量状况及台帐情况。",
                "随机抽取2种以上食品，核查食品是否在保质期内，感官是否异常（腐烂变质等）；预包装食品是否有标签，"
                "标签标明的内容是否符合食品安全法等法律法规的规定；食品经营者采购食品（食品添加剂），"
                "是否查验供货者的许可证和食品出厂检验合格证或者其他合格证明；食品经营企业是否建立并严格执行"
                "食品进货查验记录制度（记录与凭证至少保存6个月）。",
            ),
            Checkpoint(
                "加工制作过程是否生熟分开，是否使用超过保质期的食品原料。",
                "现场查看粗加工、切配、烹饪、专间操作，抽查冷藏冷冻设施内原料。",
            ),
        ),
        materials=("食品进货台账、凭证、合格证明、检验报告",),
    ),
    ItemSection(
        department=MSA,
        item_name="年度报告公示信息的检查",
        basis="《企业信息公示暂行条例》第三条、第八条、第九条、第十一条、第十二条、第十五条、第十七条 "
        "《企业公示信息抽查暂行办法》第十条、第十二条",
        check_methods="现场检查、书面检查、网络检查、专业机构核查",
        checkpoints=(
            Checkpoint(
                "各类企业年报公示信息是否真实、及时、全面。",
                "通过对企业营业执照、最新章程、股东、员工名册、所查年度财务资料、网站信息等资料，与企业年报信息进行"
                "逐一比对，核查下列情况与年报信息是否一致：（1）注册地与实际经营地址；（2）通信地址、邮政编码、联系"
                "电话、电子邮箱信息；（3）开业、歇业、清算等存续状态信息；（4）投资设立企业、购买股权信息；（5）公司"
                "股东或者发起人认缴和实缴的出资额、出资时间、出资方式信息；（6）有限责任公司股东股权转让等股权变更"
                "信息；（7）网站以及从事网络经营的网店的名称、网址信息；（8）从业人数、对外提供保证担保、财务报表类"
                "信息；（9）其他年报信息。",
            ),
            Checkpoint(
                "个体工商户年报信息是否真实、及时、全面。",
                "通过对个体工商户营业执照、所查年度财务资料或生产经营台账、行政许可证明、网站信息等资料，与个体工商户"
                "年报信息进行逐一比对，核查注册地与实际经营地址、行政许可取得和变动信息、生产经营信息、联系方式信息等。",
            ),
        ),
        materials=("营业执照", "所查年度财务资料（生产经营台账）", "网站信息"),
    ),
    ItemSection(
        department=MSA,
        item_name="营业执照（登记证）规范使用情况的检查",
        basis="《公司登记管理条例》第七十一条、第七十二条 《个体工商户条例》第二十二条 "
        "《电子商务法》第十五条",
        check_methods="现场检查、网络检查",
        checkpoints=(
            Checkpoint(
                "名称管理",
                "企业印章、银行账户、牌匾（牌匾允许适当简化）、信笺所使用的名称是否与登记注册的名称相同。",
            ),
            Checkpoint(
                "法定代表人（负责人）管理",
                "（1）实地核查法定代表人（负责人）有否变更；（2）通过登记平台或警示系统核查现任法定代表人是否受限。",
            ),
            Checkpoint("经营期限管理", "通过登记平台或警示系统或实地核查营业执照经营期限是否到期。"),
        ),
        materials=("营业执照", "印章"),
    ),
    ItemSection(
        department=FIRE,
        item_name="消防安全检查",
        basis="《消防法》第四条，《海南自由贸易港消防条例》第四条。",
        check_methods="现场检查等",
        checkpoints=(
            Checkpoint(
                "疏散通道、安全出口是否畅通，是否被锁闭、占用、堵塞。",
                "现场逐一查看疏散通道、安全出口、疏散楼梯，营业期间不得锁闭。",
            ),
            Checkpoint(
                "厨房燃气设施是否安装可燃气体报警装置和自动切断装置。",
                "查看燃气管道、阀门、报警装置，现场测试报警及切断功能。",
            ),
            Checkpoint(
                "灭火器、应急照明和疏散指示标志是否完好有效。",
                "抽查2具以上灭火器压力及有效期，断电测试应急照明。",
            ),
            Checkpoint(
                "厨房排油烟管道是否定期清洗。", "查阅清洗记录（至少每季度一次），现场查看油污积聚情况。"
            ),
        ),
        materials=("消防安全管理制度", "消防设施维护保养记录", "排油烟管道清洗记录"),
    ),
    ItemSection(
        department=AGRI,
        item_name="生猪屠宰监督检查",
        basis="《生猪屠宰管理条例》",
        check_methods="现场检查",
        checkpoints=(
            Checkpoint(
                "是否采购、使用未经定点屠宰或未经检疫的生猪产品。",
                "查验生猪产品的检疫合格证明、肉品品质检验合格证明及采购票据，核对来源是否为定点屠宰厂（场）。",
            ),
        ),
        materials=("生猪产品采购票据及检疫合格证明",),
    ),
)

MEMBERS: tuple[TeamMember, ...] = (
    TeamMember("王建国", MSA, "46010020170031", MemberRole.LEADER, "13907551234"),
    TeamMember("陈晓梅", MSA, "46010020190112", MemberRole.MEMBER, "13876009876"),
    TeamMember("林志强", FIRE, "琼消执字第0326号", MemberRole.MEMBER, "18976543210"),
    TeamMember("符海燕", AGRI, "46010520210045", MemberRole.MEMBER, "13518889900"),
    TeamMember("吴教授", "海南大学食品学院", "", MemberRole.EXPERT, "13800001111"),
)

TARGETS: tuple[TargetInfo, ...] = (
    TargetInfo(
        target_id=uscc("92460106MA5T4K8P0"),
        name="海口龙华椰林小厨餐饮店",
        code=uscc("92460106MA5T4K8P0"),
        address="海南省海口市龙华区金贸街道玉沙路12号椰林大厦一层103铺",
        legal_representative="黄小椰",
        phone="0898-66551234",
        liaison="黄小椰",
        liaison_phone="13976001234",
    ),
    TargetInfo(
        target_id=uscc("91460100MA5RH3W71"),
        name="海南琼味轩餐饮管理有限公司龙华分公司",
        code=uscc("91460100MA5RH3W71"),
        address="海南省海口市龙华区滨海大道105号百方广场三层",
        legal_representative="李海琼",
        phone="0898-68887777",
        liaison="赵敏",
        liaison_phone="13698765432",
    ),
    TargetInfo(
        target_id="460106600123456",
        name="海口市龙华区城西老陈海南粉店",
        code="460106600123456",
        address="海口市龙华区城西镇沙坡村委会沙坡二队（丁村路口往南50米）",
        legal_representative="陈二",
        phone="13807561111",
    ),
)


def notice(target: TargetInfo = TARGETS[0], *, task: TaskInfo = TASK) -> NoticeDoc:
    """A notice for one target of the sample task."""
    return NoticeDoc(
        task=task,
        target=target,
        record_id=f"R-{target.target_id}",
        items=SECTIONS,
        issuers=task.departments,
        issue_date=date(2025, 10, 9),
        contacts=(Contact("陈晓梅", "0898-66532100", MSA), Contact("林志强", "0898-66781119", FIRE)),
        notice_number="龙华市监抽通〔2025〕17-003号",
        basis="《企业信息公示暂行条例》《海口市推行“一业一查”部门联合双随机监管工作方案》",
    )


def checklist(
    target: TargetInfo = TARGETS[0], *, sections: tuple[ItemSection, ...] = SECTIONS, task: TaskInfo = TASK
) -> ChecklistDoc:
    """A joint checklist for one target of the sample task."""
    return ChecklistDoc(
        task=task,
        target=target,
        record_id=f"R-{target.target_id}",
        sections=sections,
        members=MEMBERS,
        team_name="第2检查组",
        title="餐饮行业“一业一查”联合检查单",
        remarks="检查中发现的问题，可另附页记录，并由检查对象签字确认。",
    )


def many_checkpoints(count: int) -> tuple[ItemSection, ...]:
    """Sections holding ``count`` checkpoints in all, cycling through the real ones."""
    real = [(s, c) for s in SECTIONS for c in s.checkpoints]
    per_section: dict[tuple[str, str], list[Checkpoint]] = {}
    order: list[ItemSection] = []
    for n in range(count):
        section, checkpoint = real[n % len(real)]
        round_ = n // len(real)
        key = (
            section.department,
            f"{section.item_name}（第{round_ + 1}轮）" if round_ else section.item_name,
        )
        if key not in per_section:
            per_section[key] = []
            order.append(replace(section, item_name=key[1], checkpoints=()))
        per_section[key].append(checkpoint)
    return tuple(replace(s, checkpoints=tuple(per_section[(s.department, s.item_name)])) for s in order)


def long_row_sections() -> tuple[ItemSection, ...]:
    """One item whose second checkpoint's method is longer than a page (it must split)."""
    method = SECTIONS[1].checkpoints[0].method
    return (
        replace(
            SECTIONS[1],
            checkpoints=(
                SECTIONS[0].checkpoints[0],
                Checkpoint("检查食品的质量状况及台帐情况（超长要领示例）。", "\n".join([method] * 12)),
                SECTIONS[0].checkpoints[1],
            ),
        ),
    )


def record(target: TargetInfo = TARGETS[0], *, filled: bool = False) -> RecordDoc:
    """A 情况记录表; blank, or filled with a found problem and its follow-up."""
    entries = tuple(RecordEntry(item_name=s.item_name, department=s.department) for s in SECTIONS)
    if not filled:
        return RecordDoc(
            task=TASK, target=target, record_id=f"R-{target.target_id}", entries=entries, members=MEMBERS[:4]
        )
    entries = (
        replace(entries[0], findings="未发现问题。"),
        replace(
            entries[1],
            findings="冷藏柜内发现2批次超过保质期的鲜奶（共6盒），未及时清理。",
            disposal="现场责令下架并销毁，责令改正，7日内复查。",
        ),
        *entries[2:],
    )
    return RecordDoc(
        task=TASK,
        target=target,
        record_id=f"R-{target.target_id}",
        entries=entries,
        members=MEMBERS[:4],
        check_methods=frozenset({"1", "2"}),
        results=frozenset({"A", "3"}),
        follow_ups=frozenset({"3", "6"}),
        follow_up_note="7日内复查整改情况",
        inspected_on=date(2025, 10, 21),
    )


def dispatch() -> DispatchDoc:
    """The sample team's dispatch sheet (three stops)."""
    summaries = ("市场监管 4 项；消防 1 项；农业农村 1 项",) * 3
    stops = tuple(
        DispatchStop(
            target=t,
            planned_date=date(2025, 10, 20 + i),
            items_summary=s,
            note="午市11:00—13:30期间不宜检查后厨" if i == 1 else "",
        )
        for i, (t, s) in enumerate(zip(TARGETS, summaries, strict=True))
    )
    return DispatchDoc(
        task=TASK,
        team_id="T2025-017/team-2",
        team_name="第2检查组",
        members=MEMBERS,
        stops=stops,
        issuer="龙华区“双随机、一公开”监管工作联席会议办公室",
        issue_date=date(2025, 10, 10),
    )


def draw_record(*, voided: bool = False, selections: int = 12, exclusions: int = 3) -> DrawRecordDoc:
    """A target draw's record with two risk strata."""
    picks = tuple(
        DrawSelection(
            position=i + 1,
            entity_id=uscc(f"9246010{(i * 7919) % 10**9:09d}X"[:17]),
            name=f"海口龙华{['椰风', '琼州', '骑楼', '万绿', '滨海', '金盘'][i % 6]}餐饮店（第{i + 1}号）",
            stratum="C 较高风险" if i % 3 == 0 else "B 一般风险",
            team=f"第{i % 4 + 1}检查组",
            detail="海口市龙华区" + ["玉沙路", "滨海大道", "金盘路", "城西路"][i % 4] + f"{i + 3}号",
            ticket=f"0.{(i + 1) * 1234567 % 10**9:09d}…",
        )
        for i in range(selections)
    )
    excluded = tuple(
        DrawExclusion(
            entity_id=uscc(f"9246010{(i * 104729) % 10**9:09d}Y"[:17]),
            name=f"海口龙华排除示例餐饮店{i + 1}",
            reason=[
                "本年度抽查次数已达信用风险分类上限（B类每年1次）",
                "已注销",
                "近6个月内已被同一事项检查",
            ][i % 3],
        )
        for i in range(exclusions)
    )
    return DrawRecordDoc(
        task=TASK,
        draw_id="D2025-017-1" if not voided else "D2025-017-0",
        draw_kind=DrawKind.TARGETS,
        drawn_at=datetime(2025, 10, 9, 9, 30, 12),
        operator="陈晓梅",
        witnesses=(Witness("郑海生", "龙华区人大代表"), Witness("许文静", "海南椰城公证处公证员")),
        algorithm="consistent sampling (R. L. Rivest), SHA-256",
        algorithm_version="liancha-draw 1.0（与 consistent-sampler 1.0.10 结果一致）",
        seed="83027 51946 20318 77465",
        seed_source="三方各掷十面骰：联席办（83027）、消防救援大队（51946 20318）、见证人郑海生（77465），"
        "按顺序以空格连接",
        strata=(
            DrawStratum(
                "C 较高风险",
                412,
                "5f0c2d9ab3e1c4a7d8e6f1029384756aa1b2c3d4e5f60718293a4b5c6d7e8f90",
                21,
                "比例 5%，向上取整",
            ),
            DrawStratum(
                "B 一般风险",
                1893,
                "0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b",
                57,
                "比例 3%，向上取整",
            ),
        ),
        parameters=(
            DrawParameter("抽查范围", "龙华区登记在册、持有效食品经营许可证（餐饮服务）的经营者"),
            DrawParameter("频次上限", "A类每年不超过1次，B类1次，C类2次，D类不设上限"),
            DrawParameter("名录快照时间", "2025-10-09 09:12:40"),
        ),
        exclusions=excluded,
        selections=picks,
        void=DrawVoid(
            "名录快照遗漏城西镇新登记的12户餐饮单位，抽取范围不完整",
            datetime(2025, 10, 9, 10, 5),
            "王建国",
            "D2025-017-1",
        )
        if voided
        else None,
        replaces_draw_id="" if voided else "D2025-017-0",
        record_file="draw-D2025-017-1.json",
    )
