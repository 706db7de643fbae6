"""Sample budgets and the one-command demo: templates -> filled workbooks -> check -> report.

The samples are what a district's 民政 office would really send: project names such as
2027年居家养老上门服务项目, real kinds of provider, purchase methods that fit the amount,
and amounts in 元 with fen. They are generated from a seed, so the same seed gives the same
workbooks (byte for byte: zip and document dates are fixed), and ``examples/`` can be
regenerated and compared. One extra workbook carries the mistakes clerks really make, so
the demo shows every part of the report, rejected rows included.
"""

from __future__ import annotations

import random
import re
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from toolkit import form
from toolkit.safety import atomic_write

if TYPE_CHECKING:  # pragma: no cover
    from toolkit.catalog import Catalog
    from toolkit.rules.result import CheckResult
    from toolkit.totals.rollup import RollupSummary

DEMO_SEED = 2027
DEMO_YEAR = 2027
# Templates are stamped with this time (not "now") so that the samples are reproducible.
DEMO_STAMP_TIME = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
# The unit name the flawed workbook was sent under: a common short form of 管城回族区.
FLAWED_UNIT = "管城区"
FLAWED_FILENAME = f"{DEMO_YEAR}_{FLAWED_UNIT}_预算表（含错误示例）.xlsx"

# leaf code -> (project name, content, performance target, amount range in 元, provider kind)
PROJECTS: dict[str, tuple[str, str, str, tuple[int, int], str]] = {
    "033A0101": ("居家养老上门服务项目", "为特殊困难老年人提供助餐、助浴、助洁、助医等上门服务",
                 "服务老年人{n}人，满意度不低于90%", (600_000, 3_200_000), "elder"),
    "033A0102": ("社区日间照料中心运营项目", "委托运营社区日间照料中心，提供日托、康复和文体活动",
                 "运营照料中心{k}个，日均服务{n}人次", (300_000, 1_500_000), "elder"),
    "033A0103": ("特困老年人机构集中供养服务项目", "为分散供养特困老年人提供机构集中供养和护理",
                 "集中供养{k}0人，护理达标率100%", (500_000, 2_400_000), "institution"),
    "033A0105": ("养老机构等级评定服务项目", "委托第三方开展养老机构等级评定和服务质量检查",
                 "完成{k}家养老机构等级评定", (80_000, 260_000), "research"),
    "033A0106": ("老年人能力综合评估项目", "开展老年人能力和服务需求评估",
                 "完成评估{n}人次", (120_000, 480_000), "research"),
    "033A0107": ("困难老年人家庭适老化改造项目", "为特殊困难老年人家庭实施无障碍和适老化改造",
                 "完成改造{n}户", (200_000, 900_000), "company"),
    "033A0108": ("养老机构综合责任保险项目", "为辖区养老机构和社区养老服务中心购买综合责任保险",
                 "覆盖养老机构{k}家", (90_000, 350_000), "insurer"),
    "033A0109": ("老年文体活动服务项目", "组织社区老年人文体活动和健康讲座",
                 "开展活动{k}0场次", (50_000, 200_000), "social"),
    "033A0201": ("低保家庭经济状况核查服务项目", "委托第三方入户核查低保、特困家庭经济状况",
                 "核查家庭{n}户，准确率不低于98%", (150_000, 600_000), "social"),
    "033A0203": ("困难群众照料护理服务项目", "为失能、半失能困难群众提供照料护理和送医陪护",
                 "服务对象{n}人", (200_000, 900_000), "social"),
    "033A0205": ("分散供养特困人员巡访服务项目", "定期巡访分散供养特困人员，监督委托照料落实",
                 "每月巡访{n}人次", (100_000, 400_000), "social"),
    "033A0207": ("街面流浪乞讨人员巡查救助服务项目", "开展街面巡查，主动发现并救助流浪乞讨人员",
                 "全年巡查{k}00次", (80_000, 300_000), "social"),
    "033A0215": ("困境儿童社会工作服务项目", "为困境儿童提供个案管理、家庭支持等社会工作服务",
                 "服务儿童{n}名", (150_000, 600_000), "social"),
    "033A0216": ("农村留守儿童关爱服务项目", "组织农村留守儿童假期托管、学业辅导和亲情陪伴",
                 "服务留守儿童{n}名", (100_000, 500_000), "social"),
    "033A0217": ("留守儿童和困境儿童排查巡访项目", "入户排查农村留守儿童和困境儿童家庭情况",
                 "完成排查{n}户", (60_000, 240_000), "social"),
    "033A0222": ("困境儿童心理辅导服务项目", "为困境儿童提供心理评估、辅导和行为矫正",
                 "服务儿童{n}名", (80_000, 300_000), "social"),
    "033A0301": ("精神障碍患者社区康复服务项目", "为精神障碍患者提供社区康复训练和家属支持",
                 "服务患者{n}名", (200_000, 800_000), "social"),
    "033A0302": ("贫困重度残疾人照护服务项目", "为贫困重度残疾人提供集中或居家照护",
                 "照护{n}人", (300_000, 1_200_000), "institution"),
    "033A0403": ("养老机构消防设施检测维护项目", "委托专业机构检测维护养老机构消防设施",
                 "检测机构{k}家", (60_000, 260_000), "company"),
    "033B0101": ("社区社会工作服务站运营项目", "委托运营乡镇（街道）社会工作服务站",
                 "运营服务站{k}个", (300_000, 1_200_000), "social"),
    "033B0103": ("社会工作项目督导评估服务", "对政府购买社会工作服务项目开展督导和评估",
                 "督导项目{k}个", (60_000, 200_000), "research"),
    "033B0201": ("社会组织等级评估项目", "委托第三方开展社会组织等级评估",
                 "评估社会组织{k}0家", (80_000, 260_000), "research"),
    "033B0202": ("社会组织公益创投项目", "支持社会组织开展为老、助残、儿童关爱等公益项目",
                 "资助公益项目{k}个", (300_000, 1_500_000), "social"),
    "033B0301": ("志愿服务站点运营管理项目", "运营志愿服务站点，组织志愿者招募、培训和管理",
                 "注册志愿者{n}人", (80_000, 300_000), "social"),
    "033B0401": ("社会救助政策宣传项目", "制作宣传资料，开展社会救助政策进社区宣传",
                 "开展宣传活动{k}0场", (40_000, 150_000), "company"),
    "033C0101": ("民政专项资金绩效评价项目", "委托第三方对民政专项资金开展绩效评价",
                 "完成评价项目{k}个", (80_000, 300_000), "auditor"),
    "033C0102": ("政府购买服务项目履约验收服务", "委托第三方对购买服务项目开展履约验收",
                 "验收项目{k}个", (50_000, 160_000), "auditor"),
    "033C0201": ("社会救助经办人员业务培训项目", "组织社会救助经办人员业务培训",
                 "培训{n}人次", (40_000, 150_000), "research"),
    "033C0203": ("养老护理员职业技能培训项目", "开展养老护理员职业技能培训和技能等级认定",
                 "培训护理员{n}人", (100_000, 400_000), "school"),
    "033C0302": ("民政专项资金审计服务项目", "委托会计师事务所开展专项资金审计",
                 "完成审计报告{k}份", (60_000, 200_000), "auditor"),
    "033C0401": ("民政业务信息系统运维服务项目", "民政业务信息系统、网络和视频会议系统日常运维",
                 "系统可用率不低于99%", (150_000, 600_000), "it"),
    "033C0501": ("办公楼物业管理服务项目", "办公楼保洁、秩序维护、设施设备维护",
                 "物业服务考核合格率100%", (300_000, 900_000), "property"),
    "033C0502": ("机关食堂餐饮服务项目", "机关食堂餐饮服务外包", "就餐满意度不低于90%",
                 (200_000, 600_000), "property"),
}  # fmt: skip
ALWAYS = ("033A0101", "033A0102", "033A0201", "033C0101")  # every office budgets these

_NAMES = ("阳光", "益民", "同心", "明德", "向善", "康宁", "颐和", "安馨", "博爱", "乐龄")
PROVIDERS: dict[str, tuple[tuple[str, str], ...]] = {
    "elder": (("{u}{x}养老服务中心", "社会组织"), ("河南{x}养老服务有限公司", "企业")),
    "social": (("{u}{x}社会工作服务中心", "社会组织"), ("郑州市{x}社会工作服务中心", "社会组织")),
    "institution": (("{u}社会福利中心", "事业单位"), ("河南{x}康养集团有限公司", "企业")),
    "research": (("郑州市民政事业发展研究中心", "事业单位"), ("河南{x}社会评估中心", "社会组织")),
    "company": (("河南{x}建设工程有限公司", "企业"), ("郑州{x}文化传播有限公司", "企业")),
    "insurer": (("中国人民财产保险股份有限公司郑州市分公司", "企业"),),
    "auditor": (("河南{x}会计师事务所", "企业"), ("河南{x}项目管理咨询有限公司", "企业")),
    "school": (("郑州{x}职业培训学校", "社会组织"), ("郑州市社会福利职业培训中心", "事业单位")),
    "it": (("河南{x}信息技术有限公司", "企业"),),
    "property": (("郑州{x}物业服务有限公司", "企业"), ("河南{x}餐饮管理有限公司", "企业")),
}  # fmt: skip
# Relative size of each office's budget (urban cores and large counties spend more).
SCALE = {"金水区": 1.6, "二七区": 1.3, "中原区": 1.3, "管城回族区": 1.1, "上街区": 0.5}
SCALE |= {"惠济区": 0.8, "郑东新区": 1.0, "郑州航空港经济综合实验区": 1.1}


def _method(yuan: int, rng: random.Random) -> str:
    """A purchase method that fits the amount, as Henan's procurement thresholds suggest."""
    if yuan >= 4_000_000:
        return "公开招标"
    if yuan >= 1_000_000:
        return rng.choice(("公开招标", "竞争性磋商"))
    if yuan >= 200_000:
        return rng.choice(("竞争性磋商", "竞争性谈判", "询价"))
    return rng.choice(("询价", "单一来源", "框架协议采购", "其他"))


def sample_lines(
    unit: str, rng: random.Random, catalog: Catalog, year: int = DEMO_YEAR
) -> list[dict[str, Any]]:
    """A realistic budget for one office: rows keyed by the reader's field names.

    ``amount`` is a ``Decimal`` in 元 with at most two places, so the workbook holds the
    exact figure; ``code`` is the "code name" label the dropdown inserts.
    """
    scale = SCALE.get(unit, 0.9)
    optional = [c for c in PROJECTS if c not in ALWAYS and c in catalog]
    codes = list(ALWAYS) + rng.sample(optional, rng.randint(5, 10))
    codes.sort(key=list(PROJECTS).index)
    lines = []
    for code in codes:
        name, content, target, (lo, hi), kind = PROJECTS[code]
        yuan = int(rng.randint(lo, hi) * scale) // 100 * 100
        fen = yuan * 100 + (rng.choice((0, 0, 50, rng.randint(1, 99))) if yuan < 10**6 else 0)
        pattern, provider_type = rng.choice(PROVIDERS[kind])
        provider = pattern.format(u=unit, x=rng.choice(_NAMES))
        title = f"{year}年{name}" if rng.random() < 0.7 else f"{year}年{unit}{name}"
        lines.append(
            {
                "project": title,
                "code": catalog[code].label,
                "content": content,
                "provider": provider,
                "provider_type": provider_type,
                "method": _method(yuan, rng),
                "funding": "政府性基金预算" if rng.random() < 0.15 else "一般公共预算",
                "amount": Decimal(fen).scaleb(-2),
                "target": target.format(n=rng.randint(2, 40) * 50, k=rng.randint(2, 9)),
                "note": rng.choice(("", "", "", "续签项目", "新增项目", "福彩公益金安排")),
            }
        )
    return lines


def flawed_lines(catalog: Catalog, year: int = DEMO_YEAR) -> list[dict[str, Any]]:
    """The mistakes clerks really make, one per row after a clean first row."""
    good = {
        "project": f"{year}年居家养老上门服务项目",
        "code": catalog["033A0101"].label,
        "content": "为特殊困难老年人提供助餐、助洁上门服务",
        "provider": "管城回族区颐和养老服务中心",
        "provider_type": "社会组织",
        "method": "竞争性磋商",
        "funding": "一般公共预算",
        "amount": Decimal("386000.00"),
        "target": "服务老年人600人",
        "note": "",
    }

    def variant(**changes: Any) -> dict[str, Any]:
        return {**good, **changes}

    return [
        good,
        variant(project=f"{year}年社区助餐点运营项目", code="033A0131"),  # unknown code
        variant(project=f"{year}年养老服务项目（未细分）", code="033A01 养老服务"),  # not a leaf
        variant(project=f"{year}年日间照料中心运营项目", code="033A0102 居家养老服务"),  # name
        variant(project=f"{year}年养老机构综合责任保险项目", amount=Decimal("-35000")),
        variant(project=f"{year}年老年文体活动服务项目", amount="十二万元"),  # text
        variant(project=None, code=catalog["033A0109"].label),  # project name missing
        variant(project=f"{year}年适老化改造项目", amount=Decimal("128000.456")),  # 3 places
        variant(project=f"{year}年助浴服务项目", method="直接委托"),  # not in the list
        good,  # the same row twice
        variant(project='=HYPERLINK("http://example.com","点击查看")'),  # inert in reports
    ]


# -- filling a template ------------------------------------------------------------------------
def fill_workbook(
    template: str | Path,
    path: str | Path,
    lines: Sequence[Mapping[str, Any]],
    *,
    unit: str | None = None,
    total: Any = None,
    fixed_time: datetime | None = DEMO_STAMP_TIME,
) -> Path:
    """Fill a template by its labels, as a clerk's spreadsheet would, and save it as ``path``.

    Dropdowns, formulas, hidden sheets and the stamp are kept. ``unit`` is typed into the
    填报单位 cell; ``total`` overwrites the 合计 formula with a typed figure (a 合计 that
    lies). With ``fixed_time`` the file's dates are pinned so the bytes are reproducible.
    """
    from openpyxl import load_workbook

    from toolkit.read.header import find_header
    from toolkit.text import label_key

    wb = load_workbook(template)
    ws = wb[form.SHEET_ENTRY]
    grid = [list(r) for r in ws.iter_rows(values_only=True)]
    found = find_header(grid)
    if found is None:
        raise ValueError(f"模板中找不到表头：{template}")
    header, columns = found.row - 1, found.columns
    for r, row in enumerate(grid):
        for c, value in enumerate(row):
            key = label_key(value)[0]
            if key == form.UNIT_LABEL and r < header and unit is not None:
                ws.cell(r + 1, c + 2, unit)
            if key == form.TOTAL_LABEL and r > header and total is not None:
                ws.cell(r + 1, columns["amount"], total)
    for i, item in enumerate(lines):
        for name, value in item.items():
            if name in columns and value is not None and value != "":
                cell = ws.cell(header + 2 + i, columns[name])
                cell.value = value
                if isinstance(value, str):
                    cell.data_type = "s"  # typed text, never a formula (as '= in Excel)
    target = Path(path)
    with atomic_write(target) as tmp:
        if fixed_time is not None:
            wb.properties.created = fixed_time.replace(tzinfo=None)
        wb.save(tmp)
        if fixed_time is not None:
            _pin_dates(tmp, fixed_time)
    return target


def _pin_dates(path: Path, when: datetime) -> None:
    """openpyxl stamps "modified" and zip entry times with now; pin both to ``when``."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(path) as zin:
        items = [(info, zin.read(info)) for info in zin.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info, data in items:
            if info.filename == "docProps/core.xml":
                data = re.sub(
                    rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                    rb"\g<1>" + stamp.encode() + rb"\g<2>",
                    data,
                )
            pinned = zipfile.ZipInfo(info.filename, date_time=when.timetuple()[:6])
            pinned.compress_type = zipfile.ZIP_DEFLATED
            zout.writestr(pinned, data)


@dataclass
class Samples:
    """What ``make_samples`` wrote."""

    templates: list[Path]
    submissions: list[Path]  # the offices' filled workbooks, one per unit
    flawed: Path  # the workbook full of mistakes

    @property
    def all(self) -> list[Path]:
        return [*self.submissions, self.flawed]


def make_samples(
    outdir: str | Path,
    catalog: Catalog | None = None,
    *,
    seed: int = DEMO_SEED,
    year: int = DEMO_YEAR,
    units: Sequence[str] = form.ZHENGZHOU_UNITS,
    templates_dir: str | Path | None = None,
) -> Samples:
    """Write one template per unit, fill each with a sample budget, and add the flawed file.

    Filled workbooks go to ``outdir``; templates to ``templates_dir`` (default
    ``outdir/../templates``). The same seed always gives the same files.
    """
    from toolkit.catalog import load_catalog
    from toolkit.template import write_template, write_templates

    cat = catalog or load_catalog()
    out = Path(outdir)
    tdir = Path(templates_dir) if templates_dir is not None else out.parent / "templates"
    options: dict[str, Any] = {"year": year, "stamp_time": DEMO_STAMP_TIME}
    templates = write_templates(cat, tdir, units, **options)
    rng = random.Random(seed)
    filled = [
        fill_workbook(t, out / t.name, sample_lines(u, rng, cat, year))
        for u, t in zip(units, templates, strict=True)
    ]
    generic = write_template(cat, tdir / f"{year}_通用_预算表.xlsx", units=units, **options)
    flawed = fill_workbook(
        generic,
        out / FLAWED_FILENAME,
        flawed_lines(cat, year),
        unit=FLAWED_UNIT,
        total=Decimal("999999.99"),
    )
    return Samples(templates=[*templates, generic], submissions=filled, flawed=flawed)


# -- the demo --------------------------------------------------------------------------------
@dataclass
class DemoResult:
    """Where everything went, and what the check and roll-up found."""

    outdir: Path
    samples: Samples
    result: CheckResult
    summary: RollupSummary
    report: Path
    json: Path
    csv: list[Path] = field(default_factory=list)


def run_demo(
    outdir: str | Path = "demo-output",
    *,
    seed: int = DEMO_SEED,
    progress: Callable[[int, int, Path], None] | None = None,
) -> DemoResult:
    """The whole job on the built-in catalogue: templates, samples, check, roll-up, report.

    Layout of ``outdir``: ``templates/``, ``submissions/``, ``report.xlsx``,
    ``report.json`` and ``csv/``. ``progress`` is passed to ``toolkit.check``.
    """
    from toolkit.catalog import load_catalog
    from toolkit.rules.batch import check
    from toolkit.totals.rollup import summarize

    out = Path(outdir)
    cat = load_catalog()
    samples = make_samples(out / "submissions", cat, seed=seed, templates_dir=out / "templates")
    result = check(samples.all, cat, progress=progress)
    summary = summarize(result)
    report, json_path, csv_dir = out / "report.xlsx", out / "report.json", out / "csv"
    from toolkit.output.report import write_outputs

    written = write_outputs(summary, report, json_path, csv_dir)
    csv_files = [p for p in written if p.suffix == ".csv"]
    return DemoResult(out, samples, result, summary, report, json_path, csv_files)
