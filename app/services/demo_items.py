"""The demo county's check items (the real 2020 Hainan list), their checkpoints, and its schemes.

The published list has no checkpoints (检查要点). Each item gets 2–6, derived from its own text
only, so they are the same for every seed: an item that enumerates violations (``；`` or
``（一）…``) is split into one checkpoint per clause; any other item gets the checklist lines of
the topics its name mentions (licences, staff health, fire safety, wages …), phrased like the
published 双随机抽查记录表 forms, and a line for its legal basis if that leaves fewer than two.
"""

from __future__ import annotations

import csv
import json
import logging
import re
from dataclasses import dataclass, replace
from functools import cache

from app.io.text import clean_text
from app.models.enums import INSPECTION_METHODS, ItemImportance
from app.resources import resource_path
from app.services.demo_data import DEMO_DIR, CountyConfig

logger = logging.getLogger(__name__)

ITEMS_FILE = "hainan_2020_random_check_items.csv"
# Names longer than this are replaced by the short names of item_names.json (the text is kept as checkpoints).
MAX_NAME = 100
MIN_CHECKPOINTS = 2
MAX_CHECKPOINTS = 6


@dataclass(frozen=True)
class CheckpointSpec:
    """One checklist line: 检查内容, 操作方法与要领, 要求提供材料."""

    content: str
    method_guide: str
    materials: str


@dataclass(frozen=True)
class ItemSpec:
    """One item of the list, mapped onto a demo-county department (``department`` is its key)."""

    row: int  # 0-based data row of the CSV
    source_department: str  # 编制单位 as published
    department: str
    seq_no: str
    category: str
    name: str
    original_name: str
    target_scope: str
    importance: ItemImportance
    methods: tuple[str, ...]
    subject: str
    legal_basis: str
    checkpoints: tuple[CheckpointSpec, ...]


@dataclass(frozen=True)
class SchemeSpec:
    """An 一业一查 scheme; ``items`` are indexes into the item list, in checklist order."""

    industry: str
    name: str
    field: str
    lead: str
    cooperating: tuple[str, ...]
    items: tuple[int, ...]
    handbook: str


# ---------------------------------------------------------------------------------------------
# Methods


def map_methods(text: str) -> tuple[str, ...]:
    """Map the list's free-text 检查方式 onto the four allowed methods, in their canonical order."""
    found: set[str] = set()
    for token in re.split(r"[、，,；;\s]+|等", text):
        if not token:
            continue
        if "非现场" in token or "书面" in token or "查阅" in token or "审查" in token or "调账" in token:
            found.add("书面检查")
        elif "网络" in token or "线上" in token or "技术监测" in token or "网络巡查" in token:
            found.add("网络监测")
        elif "专业机构" in token or "抽样" in token or "检测" in token or "检验" in token:
            found.add("委托专业机构")
        elif token in ("自查",):
            found.add("书面检查")
        elif any(
            k in token for k in ("现场", "实地", "随机", "定期", "专项", "督查", "询问", "核查", "稽查")
        ):
            found.add("实地核查")
    if not found:
        found.add("实地核查")
    return tuple(m for m in INSPECTION_METHODS if m in found)


# ---------------------------------------------------------------------------------------------
# Checkpoints

Line = tuple[str, str, str]  # 检查内容, 操作方法与要领, 要求提供材料

# (keywords, checklist lines); the order here is the order on a printed checklist.
_TOPICS: tuple[tuple[tuple[str, ...], tuple[Line, ...]], ...] = (
    (
        (
            "营业执照",
            "登记事项",
            "名称规范",
            "住所",
            "经营范围",
            "经营（驻在）期限",
            "法定代表人",
            "注册资本",
        ),
        (
            (
                "营业执照是否在经营场所显著位置悬挂，名称、住所、经营范围、法定代表人等登记事项与实际情况是否一致。",
                "现场查看营业执照正本，核对实际经营地址、经营项目和负责人；必要时调取登记档案比对。",
                "营业执照正副本、章程、经营场所使用证明",
            ),
            (
                "是否超出登记的经营范围或经营期限从事经营活动。",
                "随机抽取2笔以上近期业务的合同或票据，与登记的经营范围、期限比对。",
                "业务合同、销售票据",
            ),
        ),
    ),
    (
        ("年度报告", "公示信息", "即时公示"),
        (
            (
                "年度报告公示信息是否真实、及时、全面。",
                "通过营业执照、章程、员工名册、所查年度财务资料等，与年报信息逐一比对，核查经营地址、联系方式、出资、股权变更等是否一致。",
                "营业执照、最新章程、股东及员工名册、所查年度财务资料",
            ),
            (
                "即时公示信息（出资、股权变更、行政许可、知识产权出质、行政处罚）是否在规定期限内公示且真实。",
                "调取行政许可证明、知识产权出质登记、行政处罚决定书等，与公示信息逐一比对。",
                "行政许可证明、知识产权出质登记资料、行政处罚决定书",
            ),
        ),
    ),
    (
        ("许可", "资质", "资格", "备案", "办学许可", "批准证书"),
        (
            (
                "持有的许可证（备案凭证）是否合法有效，许可范围、地址、负责人与实际经营是否相符。",
                "查看许可证有效期及许可范围等信息，现场核对经营项目、场所和负责人是否相符。",
                "许可证或备案凭证原件、营业执照",
            ),
            (
                "许可事项发生变化的，是否按规定办理变更或延续；有无出租、出借、转让许可证的情形。",
                "核对许可证载明事项与现场实际，查阅变更、延续申请材料。",
                "许可变更、延续材料",
            ),
        ),
    ),
    (
        (
            "娱乐场所",
            "演出",
            "上网服务",
            "互联网文化",
            "网络游戏",
            "出版物",
            "电影",
            "广播电视",
            "文物",
            "体育",
            "旅行社",
            "艺术品",
        ),
        (
            (
                "是否悬挂许可证件及未成年人禁入（限入）标志，经营内容、设备和节目是否符合文化市场管理规定。",
                "现场查看许可证件悬挂、节目（设备、产品）内容和经营记录，必要时调取监控或系统记录。",
                "许可证件、节目单或设备清单、经营登记记录",
            ),
        ),
    ),
    (
        ("人员管理", "从业人员", "卫生情况", "卫生状况", "学校卫生"),
        (
            (
                "从业人员是否持有效健康证明上岗，是否按规定接受培训。",
                "从现场随机抽取2名以上直接接触顾客或食品的从业人员，核查健康证明和培训记录。",
                "从业人员健康证明、培训记录",
            ),
            (
                "是否配备专兼职管理人员并明确岗位职责。",
                "查看管理人员任职文件和工作记录，询问管理人员对制度的掌握情况。",
                "管理人员任职文件、岗位职责",
            ),
        ),
    ),
    (
        ("场所和设施", "卫生情况", "卫生状况", "疾病防治"),
        (
            (
                "经营场所和设施是否满足卫生要求，清洁、通风、消毒等制度是否落实。",
                "现场查看环境卫生、通风和消毒设施运行情况，查阅清洁消毒记录。",
                "卫生管理制度、清洁消毒记录",
            ),
            (
                "公共用品用具是否一客一换、清洗消毒并保洁存放。",
                "随机抽取2处以上客房或服务区，查看公共用品用具更换和消毒情况。",
                "公共用品用具清洗消毒记录",
            ),
        ),
    ),
    (
        ("原料控制", "进货", "食品销售", "食用农产品", "食盐", "保健食品", "婴幼儿", "特殊医学用途"),
        (
            (
                "是否落实进货查验和记录制度，供货者资质和产品合格证明是否齐全。",
                "随机抽取2种以上在售产品，追溯其进货查验记录、供货者许可证和合格证明。",
                "进货查验记录、供货者许可证和产品合格证明",
            ),
            (
                "有无采购、贮存、销售超过保质期、腐败变质、标签不符合规定或来源不明的产品。",
                "随机抽取2种以上产品，核查是否在保质期内、感官是否异常、标签是否规范；查看贮存条件。",
                "销售台账、退货或召回记录",
            ),
        ),
    ),
    (
        ("加工制作", "供餐", "配送"),
        (
            (
                "加工制作是否生熟分开，是否使用超过保质期或腐败变质的原料。",
                "现场查看粗加工、切配、烹饪、专间等区域操作，抽查冷藏冷冻设施内原料。",
                "加工操作规程",
            ),
            (
                "食品留样、贮存温度和外卖配送条件是否符合要求。",
                "核查留样记录和留样冰箱，查看配送容器的密闭和保温措施。",
                "食品留样记录、配送记录",
            ),
        ),
    ),
    (
        ("餐饮具", "清洗消毒"),
        (
            (
                "餐饮具是否清洗消毒并保洁存放，消毒设施是否正常运转。",
                "查看清洗消毒设施运行和保洁柜，抽查餐饮具消毒记录。",
                "餐饮具清洗消毒记录",
            ),
            (
                "使用集中消毒餐饮具的，是否查验供应单位资质和出厂检验合格证明。",
                "随机抽取2批次集中消毒餐饮具，核对供应单位营业执照和检验报告。",
                "集中消毒单位资质及出厂检验报告",
            ),
        ),
    ),
    (
        ("食品安全管理", "安全管理情况", "管理制度", "治安安全"),
        (
            (
                "是否建立并落实管理制度，岗位职责和操作规程是否齐全。",
                "查阅管理制度文本、岗位职责和操作规程，询问管理人员制度执行情况。",
                "管理制度、岗位职责、操作规程",
            ),
            (
                "是否定期开展自查并对发现的问题及时整改。",
                "查阅近三个月自查记录和整改记录。",
                "自查记录、整改记录",
            ),
        ),
    ),
    (
        ("价格", "明码标价", "收费"),
        (
            (
                "是否明码标价，价目表、标价签内容是否齐全规范。",
                "现场查看价目表和标价签，核对品名、规格、计价单位和价格。",
                "价目表、标价签",
            ),
            (
                "有无标价之外加价收费、价格欺诈或不执行政府定价、政府指导价的情形。",
                "随机抽取2笔以上交易的结算单据与标价比对。",
                "收费凭证、销售台账",
            ),
        ),
    ),
    (
        ("广告",),
        (
            (
                "广告内容是否真实合法，有无虚假或引人误解的内容。",
                "查看店堂、印刷品和网络广告，与产品、服务的实际情况比对。",
                "广告样稿、宣传资料",
            ),
            (
                "应当审查的广告是否取得广告审查批准文号并按批准内容发布，广告业务档案是否齐全。",
                "核对广告审查批准文件和广告业务承接登记、审核、档案记录。",
                "广告审查批准文件、广告合同、广告业务档案",
            ),
        ),
    ),
    (
        ("特种设备",),
        (
            (
                "特种设备是否办理使用登记并按期检验，检验合格标志是否在有效期内。",
                "现场查看设备使用登记标志和定期检验合格标志，核对设备台账。",
                "特种设备使用登记证、定期检验报告、设备台账",
            ),
            (
                "特种设备作业人员是否持证上岗，维护保养和自行检查记录是否齐全。",
                "核对作业人员证书，查阅维护保养和日常自行检查记录。",
                "作业人员证书、维护保养记录、自行检查记录",
            ),
            (
                "是否制定特种设备事故应急专项预案并定期演练。",
                "查阅应急预案和演练记录。",
                "应急专项预案、演练记录",
            ),
        ),
    ),
    (
        ("计量", "净含量", "能效标识", "水效标识", "税控", "汽油"),
        (
            (
                "在用计量器具是否经检定合格并在有效期内，检定标志和铅封是否完好。",
                "查看计量器具检定合格证书或标志、铅封，核对计量器具台账。",
                "计量器具台账、检定证书",
            ),
            (
                "有无破坏计量器具准确度或伪造计量数据的行为。",
                "必要时现场比对或抽样检测，核对税控（计量）记录与销售数据。",
                "计量（税控）记录、销售数据",
            ),
        ),
    ),
    (
        ("产品质量", "质量监督", "认证", "抽检", "获证产品", "标准自我声明", "食品相关产品"),
        (
            (
                "产品是否符合强制性标准或认证要求。",
                "按抽样方案随机抽取样品送检，核对认证证书和检验报告。",
                "产品合格证明、认证证书、检验报告",
            ),
            (
                "产品标识标签及认证标志使用是否规范。",
                "查看产品及包装上的标识、认证标志，与证书信息比对。",
                "产品标签、认证证书",
            ),
        ),
    ),
    (
        ("消防",),
        (
            (
                "消防设施、器材是否配置齐全并保持完好有效。",
                "现场测试火灾报警、应急照明和疏散指示，查看灭火器压力和有效期。",
                "消防设施维护保养记录",
            ),
            (
                "疏散通道、安全出口是否畅通，有无锁闭、堵塞、占用。",
                "现场查看疏散通道、安全出口和防火门状态。",
                "消防安全疏散示意图",
            ),
            (
                "是否落实消防安全责任制并定期开展防火检查巡查和消防培训。",
                "查阅消防安全制度、防火巡查记录和培训记录，询问员工消防常识。",
                "消防安全制度、防火检查巡查记录、培训记录",
            ),
        ),
    ),
    (
        ("安全生产", "安全监管", "安全监督", "安全情况", "安全审查"),
        (
            (
                "是否建立安全生产责任制并配备安全管理人员。",
                "查阅安全生产责任制文件和安全管理人员任命、培训合格证明。",
                "安全生产责任制文件、安全管理人员证书",
            ),
            (
                "隐患排查治理是否形成闭环，重点部位和危险作业是否落实安全措施。",
                "查阅隐患排查治理台账，现场查看重点部位和危险作业场所。",
                "隐患排查治理台账、危险作业审批记录",
            ),
            (
                "是否制定生产安全事故应急预案并组织演练。",
                "查阅应急预案和近一年演练记录。",
                "应急预案及演练记录",
            ),
        ),
    ),
    (
        ("劳动合同", "职工名册", "招用", "录用", "就业登记", "规章制度", "集体合同"),
        (
            (
                "是否依法与劳动者订立书面劳动合同，合同是否具备必备条款。",
                "随机抽取2名以上劳动者的劳动合同，核对必备条款和签订时间。",
                "劳动合同",
            ),
            (
                "是否建立职工名册，名册与在岗人员是否一致。",
                "核对职工名册与考勤记录、现场在岗人员。",
                "职工名册、考勤记录",
            ),
        ),
    ),
    (
        ("工资", "劳动报酬", "加班", "津贴", "五项制度"),
        (
            (
                "是否按时足额支付劳动者工资，有无低于当地最低工资标准的情形。",
                "抽查近三个月工资支付台账和银行代发记录，与考勤记录核对。",
                "工资支付台账、银行代发工资记录、考勤记录",
            ),
            (
                "有无拖欠、克扣工资或安排加班不支付加班费的情形。",
                "随机询问2名以上劳动者，与工资台账比对。",
                "工资支付台账、加班记录",
            ),
        ),
    ),
    (
        ("社会保险", "工伤"),
        (
            (
                "是否依法办理社会保险登记并按时足额缴纳社会保险费。",
                "将社会保险缴费明细与职工名册、工资总额比对，核查参保人数和缴费基数。",
                "社会保险登记证明、缴费明细、职工名册",
            ),
            (
                "有无骗取社会保险基金支出或待遇的情形。",
                "抽查社会保险待遇申领材料和相关原始凭证。",
                "待遇申领材料、原始凭证",
            ),
        ),
    ),
    (
        ("童工", "未成年", "女职工"),
        (
            (
                "有无使用童工的情形。",
                "核对在岗人员身份证件和录用登记材料，现场询问劳动者。",
                "职工身份证件复印件、录用登记材料",
            ),
            (
                "有无安排女职工、未成年工从事禁忌劳动的情形。",
                "查看岗位安排和排班记录，询问相关劳动者。",
                "岗位安排表、排班记录",
            ),
        ),
    ),
    (
        ("劳务派遣",),
        (
            (
                "劳务派遣协议是否依法订立，内容是否齐全。",
                "查阅劳务派遣协议，核对派遣岗位、人数、期限和报酬。",
                "劳务派遣协议、劳务派遣经营许可证",
            ),
            (
                "被派遣劳动者的岗位和比例是否符合规定。",
                "核对派遣用工台账与用工总量。",
                "派遣用工台账、职工名册",
            ),
        ),
    ),
    (
        ("职业中介", "人力资源服务", "人才中介", "人事代理"),
        (
            (
                "是否依法取得人力资源服务许可或备案，是否明示服务项目和收费标准。",
                "现场查看许可证件和公示内容。",
                "人力资源服务许可证或备案凭证",
            ),
            (
                "服务台账是否完整，有无收取押金、扣押证件或发布虚假信息的情形。",
                "随机抽取服务台账和收费凭证核对，查看发布的招聘信息。",
                "服务台账、收费凭证、招聘信息",
            ),
        ),
    ),
    (
        ("培训", "招生", "民办学校", "教材", "中外合作办学"),
        (
            (
                "办学资质是否合法有效，是否超出许可范围办学。",
                "查阅办学许可证，现场查看教学场所和开设的课程。",
                "办学许可证、课程表",
            ),
            (
                "招生简章和广告是否真实，收费是否公示并按标准收取。",
                "查阅招生简章和收费票据，与公示的收费标准比对。",
                "招生简章、收费标准及票据",
            ),
        ),
    ),
    (
        ("教育装备", "校服", "教学仪器"),
        (
            (
                "采购的教育装备产品是否符合国家标准。",
                "随机抽取产品送检，查阅产品检测报告。",
                "产品检测报告",
            ),
            (
                "采购程序是否规范，验收资料是否齐全。",
                "查阅采购合同和验收记录。",
                "采购合同、验收记录",
            ),
        ),
    ),
    (
        ("治安", "保安", "枪支", "爆破", "烟花爆竹", "宾馆、旅店"),
        (
            (
                "治安保卫制度是否建立并落实。",
                "查阅治安保卫制度和值班记录。",
                "治安管理制度、值班记录",
            ),
            (
                "登记（实名登记、领用登记）是否如实完整并按规定上传。",
                "查看登记系统和台账，随机抽取2条以上记录与原始凭证核对。",
                "登记台账、登记系统记录",
            ),
        ),
    ),
    (
        ("运输", "车辆", "船舶", "港口", "航道", "客滚", "卫星定位"),
        (
            (
                "经营资质和车辆（船舶）营运证件是否有效。",
                "查验经营许可证和营运证，抽查车辆（船舶）技术档案。",
                "运输经营许可证、营运证、技术档案",
            ),
            (
                "驾驶员（船员）是否具备从业资格，动态监控是否落实。",
                "核对从业资格证，调阅动态监控记录和违规处理记录。",
                "从业资格证、动态监控记录",
            ),
        ),
    ),
    (
        ("公路", "道口", "涉路", "护路林", "管线", "超限"),
        (
            (
                "涉路施工活动是否取得许可。",
                "核对许可文件与现场施工内容。",
                "涉路施工许可文件",
            ),
            (
                "是否按许可的范围、期限和安全措施实施。",
                "现场查看施工范围和安全防护设施。",
                "施工方案、安全保障措施",
            ),
        ),
    ),
    (
        ("环境", "污染", "排放", "消耗臭氧层", "监测", "污水", "环保"),
        (
            (
                "是否依法取得排污许可或进行排污登记。",
                "查验排污许可证或登记回执，核对许可排放事项。",
                "排污许可证或排污登记回执",
            ),
            (
                "污染防治设施是否正常运行，监测数据是否真实。",
                "现场查看治污设施运行和在线监测数据，查阅运行台账和监测报告。",
                "污染防治设施运行台账、监测报告",
            ),
        ),
    ),
    (
        ("种子", "农药", "肥料", "兽药", "饲料", "农业机械", "生物制品", "转基因"),
        (
            (
                "产品是否取得登记（审定）证号，标签标识是否规范。",
                "查看在售产品标签和登记证号，核对登记信息。",
                "生产经营许可证、产品登记证",
            ),
            (
                "购销台账是否完整，有无经营禁限用产品。",
                "随机抽取2个以上产品追溯购销台账，必要时抽样检测。",
                "购销台账",
            ),
        ),
    ),
    (
        ("动物", "屠宰", "畜牧", "检疫", "渔业", "水生野生动物", "农产品质量", "农田"),
        (
            (
                "防疫、检疫和质量安全制度是否落实。",
                "现场查看防疫设施，查阅检疫证明。",
                "动物防疫条件合格证、检疫证明",
            ),
            (
                "生产、用药和无害化处理记录是否齐全。",
                "查阅生产记录、用药记录和无害化处理记录。",
                "生产和用药记录、无害化处理记录",
            ),
        ),
    ),
    (
        ("建筑", "工程", "房地产", "园林", "燃气", "物业", "造价"),
        (
            (
                "企业资质和人员资格是否符合要求。",
                "查验资质证书，抽查项目管理人员证书和到岗情况。",
                "企业资质证书、项目管理人员证书",
            ),
            (
                "工程建设程序是否合法，有无转包、违法分包或挂靠。",
                "查阅施工许可、合同和分包资料。",
                "施工许可证、施工合同、分包合同",
            ),
            (
                "施工现场质量安全管理是否落实。",
                "现场查看临时用电、脚手架、起重机械等危险性较大的分部分项工程。",
                "专项施工方案、安全生产许可证",
            ),
        ),
    ),
    (
        ("涉税", "税务"),
        (
            (
                "是否依法办理纳税申报、如实核算收入。",
                "调取申报数据与账簿比对。",
                "账簿、记账凭证、纳税申报表",
            ),
            (
                "发票使用是否规范。",
                "抽查发票开具记录和资金往来。",
                "发票存根、资金往来凭证",
            ),
        ),
    ),
    (
        ("统计",),
        (
            (
                "是否依法设置原始记录和统计台账。",
                "查阅原始记录和统计台账。",
                "统计原始记录、统计台账",
            ),
            (
                "上报的统计资料是否真实完整。",
                "将统计台账与上报数据逐项比对。",
                "报表底稿、上报数据",
            ),
        ),
    ),
    (
        ("商标", "专利"),
        (
            (
                "商标、专利标识使用是否规范。",
                "查看商品及包装标识，核对商标注册证、专利证书。",
                "商标注册证、专利证书",
            ),
            (
                "有无冒用、假冒或印制违法标识的情形。",
                "核对许可使用合同和印制委托资料。",
                "许可使用合同、印制委托书",
            ),
        ),
    ),
    (
        (
            "预付卡",
            "拍卖",
            "二手车",
            "报废机动车",
            "汽车销售",
            "成品油",
            "招投标",
            "外商投资",
            "境外投资",
            "直销",
            "文物经营",
        ),
        (
            (
                "经营资格和备案是否合规。",
                "查阅备案材料和经营资格证明。",
                "备案证明、经营资格证明",
            ),
            (
                "业务台账和信息报送是否完整。",
                "随机抽取2笔以上业务，核对合同、票据和信息报送记录。",
                "业务台账、合同及票据",
            ),
        ),
    ),
    (
        ("电子商务", "网络食品", "网络餐饮"),
        (
            (
                "网络经营主体信息是否依法公示。",
                "网络监测检查网页公示的营业执照、许可证件信息。",
                "网页截图",
            ),
            (
                "平台是否履行主体审核、信息保存等义务。",
                "调取平台入驻审核和交易记录。",
                "平台入驻商户资料、交易记录",
            ),
        ),
    ),
    (
        ("常规稽查", "企业稽查", "卫生监督", "口岸"),
        (
            (
                "进出口活动相关账簿、单证是否真实完整。",
                "调阅报关单证和账簿资料，必要时实地核查。",
                "报关单证、进出口合同、账簿",
            ),
        ),
    ),
)

_DEFAULT_METHOD = "现场检查，查阅相关台账和记录，询问相关人员。"
_DEFAULT_MATERIALS = "营业执照、相关许可证件、台账和记录"
_NUMBERED = re.compile(r"（[一二三四五六七八九十]+）|\([0-9]+\)|（[0-9]+）")
_LAW = re.compile(r"《([^》]+)》")
_LAW_ENDINGS = ("法", "条例", "办法", "规定", "规则", "细则", "规范")
_VIOLATION_WORDS = ("擅自", "禁止", "未经", "私自", "违反", "接纳未成年人", "非法", "假冒", "伪造")
_NAME_SUFFIXES = ("的监督检查", "监督检查", "的检查", "检查", "监督抽查", "抽查")


def _topics_for(text: str) -> list[tuple[Line, ...]]:
    return [lines for keys, lines in _TOPICS if any(k in text for k in keys)]


def _clauses(text: str) -> tuple[str, list[str]]:
    """Split an enumerating item text into (lead-in, clauses); fewer than two clauses means none."""
    body = text.strip().rstrip("。")
    head = ""
    colon = body.find("：")
    if 0 <= colon < 60:
        head, body = body[:colon], body[colon + 1 :]
    body = _NUMBERED.sub("；", body)
    parts = [p.strip(" \u3000；;，,。") for p in re.split(r"[；;]", body)]
    parts = [p for p in parts if len(p) >= 4]
    return head, parts


def _clause_content(clause: str, head: str) -> str:
    if "是否" in clause or "其他事项" in clause:
        return clause + "。"
    if clause.endswith("的") or "下列" in head:
        return f"有无{clause}{'' if clause.endswith('的') else '的'}情形。"
    if any(w in clause for w in _VIOLATION_WORDS):
        return f"有无以下情形：{clause}。"
    return clause + "。"


def _subject_phrase(name: str) -> str:
    """'对特种设备使用单位的监督检查' → '特种设备使用单位': what the item is about."""
    phrase = name.strip().rstrip("。")
    phrase = phrase.removeprefix("对")
    for suffix in _NAME_SUFFIXES:
        if phrase.endswith(suffix) and len(phrase) > len(suffix) + 1:
            return phrase[: -len(suffix)]
    return phrase


def _closing_line(name: str, basis: str) -> Line:
    """The last line of a checklist: the rest of the item's legal basis."""
    laws = [law for law in dict.fromkeys(_LAW.findall(basis)) if law.endswith(_LAW_ENDINGS)][:2]
    phrase = _subject_phrase(name)
    if laws:
        cited = "、".join(f"《{law}》" for law in laws)
        return f"是否符合{cited}关于{phrase}的其他规定。", _DEFAULT_METHOD, _DEFAULT_MATERIALS
    return f"{phrase}的其他要求是否落实。", _DEFAULT_METHOD, _DEFAULT_MATERIALS


def derive_checkpoints(*, name: str, category: str, basis: str) -> tuple[CheckpointSpec, ...]:
    """2–6 checkpoints for an item, derived only from its published text (no randomness).

    Args:
        name: the full published 抽查事项 text.
        category: 抽查类别.
        basis: 检查依据.
    """
    head, clauses = _clauses(name)
    lines: list[Line] = []
    if len(clauses) >= 2:
        for clause in clauses:
            topics = _topics_for(clause) or _topics_for(category)
            _, method, materials = topics[0][0] if topics else ("", _DEFAULT_METHOD, _DEFAULT_MATERIALS)
            lines.append((_clause_content(clause, head), method, materials))
        if len(lines) > MAX_CHECKPOINTS:
            rest = "；".join(content.rstrip("。") for content, _, _ in lines[MAX_CHECKPOINTS - 1 :])
            lines = [*lines[: MAX_CHECKPOINTS - 1], (f"其他：{rest}。", _DEFAULT_METHOD, _DEFAULT_MATERIALS)]
    else:
        by_category = _topics_for(category)
        topics = list(dict.fromkeys(_topics_for(name) + by_category))
        if "是否" in name:
            # The item is itself the question a team answers; its category says how to look.
            guide = (by_category or topics)[0][0] if (by_category or topics) else None
            method, materials = (guide[1], guide[2]) if guide else (_DEFAULT_METHOD, _DEFAULT_MATERIALS)
            lines.append((name.rstrip("。") + "。", method, materials))
        # Choose the first line of every topic, then further lines while there is room; print
        # them grouped by topic.
        depth = max((len(t) for t in topics), default=0)
        room = MAX_CHECKPOINTS - 1 - len(lines)
        chosen = [(ti, level) for level in range(depth) for ti, t in enumerate(topics) if level < len(t)][
            :room
        ]
        for ti, level in sorted(chosen):
            line = topics[ti][level]
            if all(line[0] != existing[0] for existing in lines):
                lines.append(line)
        about = name if len(name) <= 40 and "是否" not in name else category
        lines.append(_closing_line(about, basis))
    if len(lines) < MIN_CHECKPOINTS:
        lines.append(("检查中发现的其他问题。", _DEFAULT_METHOD, _DEFAULT_MATERIALS))
    return tuple(CheckpointSpec(c, m, mat) for c, m, mat in lines[:MAX_CHECKPOINTS])


# ---------------------------------------------------------------------------------------------
# Items


def _clean(text: str) -> str:
    """Collapse the list's padding: runs of spaces separate several bodies or laws.

    Then tidy it as the importer tidies a cell (a no-break space becomes a space, …), so
    that the demo's registries, exported, import back unchanged.
    """
    return clean_text(re.sub(r"[ \u3000]{2,}", "、", text.strip()).replace("\n", ""))


@cache
def _short_names() -> dict[str, str]:
    with resource_path(DEMO_DIR, "item_names.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    return {str(k): str(v) for k, v in data["short_names"].items()}


def load_items(cfg: CountyConfig) -> list[ItemSpec]:
    """The 297 items of the shipped list, each on a demo-county department, with unique names.

    Continuation rows of merged cells (empty 事项类别, 检查方式, 检查依据) take those fields from
    the row above of the same item. Two items of one department may not share a name, so a
    repeated name gets the field that tells them apart appended: 检查对象, else 抽查类别, else 检查主体.
    """
    dept_of = {src: d.key for d in cfg.departments for src in d.sources}
    short = _short_names()
    with resource_path(DEMO_DIR, ITEMS_FILE).open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    items: list[ItemSpec] = []
    previous: dict[tuple[str, str], dict[str, str]] = {}
    for index, raw in enumerate(rows):
        row = {k: (v or "").strip() for k, v in raw.items()}
        source = row["编制单位"]
        if source not in dept_of:
            raise ValueError(f"{ITEMS_FILE} 第 {index + 2} 行：编制单位「{source}」没有对应的演示县部门")
        key = (source, row["抽查事项"])
        if key in previous:
            for fld in ("事项类别", "检查方式", "检查依据"):
                if not row[fld]:
                    row[fld] = previous[key][fld]
        previous.setdefault(key, row)
        original = row["抽查事项"]
        name = original
        if len(name) > MAX_NAME:
            name = short.get(original[:30], row["抽查类别"])
        importance = ItemImportance.KEY if row["事项类别"] == "重点检查事项" else ItemImportance.GENERAL
        items.append(
            ItemSpec(
                row=index,
                source_department=source,
                department=dept_of[source],
                seq_no=row["序号"],
                category=row["抽查类别"],
                name=_clean(name),
                original_name=original,
                target_scope=_clean(row["检查对象"]),
                importance=importance,
                methods=map_methods(row["检查方式"]),
                subject=_clean(row["检查主体"]),
                legal_basis=_clean(row["检查依据"]),
                checkpoints=derive_checkpoints(
                    name=original, category=row["抽查类别"], basis=row["检查依据"]
                ),
            )
        )
    return _disambiguate(items)


def _disambiguate(items: list[ItemSpec]) -> list[ItemSpec]:
    first: dict[tuple[str, str], ItemSpec] = {}
    taken: set[tuple[str, str]] = set()
    out: list[ItemSpec] = []
    for item in items:
        key = (item.department, item.name)
        base = first.get(key)
        if base is None:
            first[key] = item
            taken.add(key)
            out.append(item)
            continue
        for candidate in (
            item.target_scope,
            item.category,
            item.subject,
            f"序号{item.seq_no}-{item.row + 2}",
        ):
            other = {"target_scope": base.target_scope, "category": base.category, "subject": base.subject}
            if candidate and candidate not in other.values():
                name = f"{item.name}（{candidate.rstrip('。')}）"
                if (item.department, name) not in taken:
                    break
        else:  # pragma: no cover - the last candidate names the row, which is always unique
            raise AssertionError(item)
        taken.add((item.department, name))
        out.append(replace(item, name=name))
    return out


# ---------------------------------------------------------------------------------------------
# Schemes


def load_schemes(cfg: CountyConfig, items: list[ItemSpec]) -> list[SchemeSpec]:
    """The schemes of ``resources/demo/schemes.json`` with their item references resolved.

    A reference names the publishing department and the item (its published text or its demo
    name), plus 检查对象 or 检查主体 where the name alone is ambiguous; it must match exactly one.
    """
    with resource_path(DEMO_DIR, "schemes.json").open(encoding="utf-8") as fh:
        data = json.load(fh)
    dept_names = {d.key: d.name for d in cfg.departments}
    out: list[SchemeSpec] = []
    for raw in data["schemes"]:
        indexes: list[int] = []
        for ref in raw["items"]:
            matches = [
                i
                for i, it in enumerate(items)
                if it.source_department == ref["dept"]
                and ref["item"] in (it.original_name, it.name)
                and ("scope" not in ref or it.target_scope == _clean(ref["scope"]))
                and ("subject" not in ref or it.subject == _clean(ref["subject"]))
            ]
            if len(matches) != 1:
                raise ValueError(
                    f"schemes.json「{raw['name']}」：事项 {ref} 匹配到 {len(matches)} 条，应恰好 1 条"
                )
            indexes.append(matches[0])
        lines = [*raw["handbook"], "本行业联合检查事项（按行业统一检查单顺序）："]
        for n, i in enumerate(indexes, start=1):
            lines.append(f"{n}. {items[i].name}（{dept_names[items[i].department]}）")
        out.append(
            SchemeSpec(
                industry=raw["industry"],
                name=raw["name"],
                field=raw["field"],
                lead=raw["lead"],
                cooperating=tuple(raw["cooperating"]),
                items=tuple(indexes),
                handbook="\n\n".join(lines[: len(raw["handbook"])])
                + "\n\n"
                + "\n".join(lines[len(raw["handbook"]) :]),
            )
        )
    return out
