"""Chinese place names by suffix grammar (地名后缀): 省 市 区 县 镇 乡 街道 路 街 大道 巷 社区 村 小区 花园 苑 栋 ….

Chinese has no spaces, so a name is the run of name characters before its suffix: it starts right after the
previous place (``A市A5区汇金路`` chains three), after punctuation or a function word (在, 的, 位于 …), and is at
most a few characters long. The organiser-anonymised codes of the Teddy data (``A市``, ``A5区``, ``K9县``) are names
of their own. Common words that end like a place (城市, 超市, 小区 alone, 道路, 马路, 乡镇) are not places.
"""

from __future__ import annotations

import re

from citybrain.geo.folding import Folded
from citybrain.geo.words import leading_words, never_names

Span = tuple[int, int, str]  # folded start, end, level

#: suffix → level, longest first so that 街道 wins over 街 and 大道 over 道.
SUFFIXES: tuple[tuple[str, str], ...] = (
    ("街道办事处", "street"),
    ("特别行政区", "province"),
    ("自治区", "province"),
    ("自治州", "city"),
    ("自治县", "county"),
    ("开发区", "district"),
    ("居委会", "community"),
    ("村委会", "community"),
    ("幼儿园", "poi"),
    ("动物园", "poi"),
    ("火车站", "poi"),
    ("汽车站", "poi"),
    ("地铁站", "poi"),
    ("大市场", "poi"),
    ("大桥", "poi"),
    ("码头", "poi"),
    ("景区", "poi"),
    ("农场", "poi"),
    ("水库", "poi"),
    ("车站", "poi"),
    ("街道办", "street"),
    ("家属区", "community"),
    ("工业园", "poi"),
    ("产业园", "poi"),
    ("科技园", "poi"),
    ("号楼", "building"),
    ("街道", "street"),
    ("社区", "community"),
    ("小区", "community"),
    ("花园", "community"),
    ("家园", "community"),
    ("新村", "community"),
    ("公寓", "community"),
    ("公馆", "community"),
    ("华庭", "community"),
    ("豪庭", "community"),
    ("大道", "road"),
    ("大街", "road"),
    ("胡同", "road"),
    ("大厦", "building"),
    ("大楼", "building"),
    ("广场", "poi"),
    ("公园", "poi"),
    ("医院", "poi"),
    ("小学", "poi"),
    ("中学", "poi"),
    ("大学", "poi"),
    ("学院", "poi"),
    ("学校", "poi"),
    ("商场", "poi"),
    ("市场", "poi"),
    ("省", "province"),
    ("州", "city"),
    ("市", "city"),
    ("区", "district"),
    ("县", "county"),
    ("镇", "town"),
    ("乡", "town"),
    ("路", "road"),
    ("街", "road"),
    ("巷", "road"),
    ("村", "community"),
    ("苑", "community"),
    ("郡", "community"),
    ("栋", "building"),
    ("幢", "building"),
)
_LEVEL = dict(SUFFIXES)
_SUFFIX = re.compile("|".join(re.escape(s) for s, _ in SUFFIXES))
#: Anonymised codes of the Teddy data: a capital letter and up to two digits before 市/区/县 (A市, A5区, K9县).
_CODE = re.compile(r"(?<![A-Za-z0-9])[A-Z]\d{0,2}$")
_CODE_SUFFIXES = frozenset("省市区县州")
_NAME_CHAR = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fffA-Za-z0-9]")
#: Function words and pronouns that end a name going backwards (the name starts after them).
_STOP = frozenset(
    "的在于是到从向往去住把被让给对为了着过也还就很没不要请问说有我你他她它们这那个些该全各每其此某、坏乱脏至费座条等又并"
)
#: Words a place name does not contain: a name starts after the last of them (县政府及镇 → no name).
_STOP_WORDS = re.compile(
    "政府|领导|公司|单位|部门|局长|书记|县长|市长|区长|镇长|人员|职工|我们|你们|他们|请求|严打|假借|更改|二胎|费用|报告|文件|问题|情况|"
    "之名|之前|之后|以来|以后|目前|现在|最近|今年|去年|明年|已经|正在|一直|为什么|怎么|如何|能否|可否|可以|"
    "知道|或者|了解|以南|以北|以东|以西|严重|影响|项目|左拐进|右拐进|左拐|右拐|拐进|进入|关门|迁回|个月|每月|每年|当年|当日|根据|调查|彻底|故障|感谢|整顿|干扰|督促|开展|后门|前门|大门|垄断|发现|相关|购买|增加|规范|严禁|办成|配套|一名|边上|旁边|对面|门口|里面|外面"
)
#: The provinces (and Teddy's anonymised 西地省): a province name is cut to the one it ends with.
_PROVINCES = (
    "黑龙江 内蒙古 河北 山西 辽宁 吉林 江苏 浙江 安徽 福建 江西 山东 河南 湖北 湖南 广东 海南 四川 贵州 云南 陕西 甘肃 "
    "青海 台湾 广西 西藏 宁夏 新疆 西地"
).split()
#: Conjunctions: a name starts after them unless that would leave one character (和平社区 is a name).
_SOFT_STOP = frozenset("和与及或跟")
#: Last characters of organisations (计生委, 养猪场, 公安局), 线 (地铁3号线) and 都 (all; but 金都, 成都): a name
#: starts after them if two characters are left.
_ORG_END = frozenset("委场厂局所院司部处队都线校本")
#: Verbs and phrases that often stand right before a place and are never part of it.
_PREFIXES = (
    "投诉",
    "反映",
    "举报",
    "咨询",
    "关于",
    "位于",
    "地处",
    "家住",
    "住在",
    "来自",
    "原属",
    "隶属",
    "属于",
    "请问",
    "希望",
    "建议",
    "要求",
    "尊敬",
    "前往",
    "途经",
    "经过",
    "靠近",
    "附近",
    "所属",
    "辖区",
    "好多",
    "很多",
    "许多",
    "没有",
    "修",
    "原国营",
    "国营",
    "原",
    "将",
)
_PREFIX = re.compile("|".join(_PREFIXES))
#: Words that end in a suffix but name no place ("城市" is a city in general, "小区" alone a compound in general).
_NOT_NAMES = frozenset(
    "城 超 都 门 上 股 夜 早 集 黑 城镇 广大 省 地 辖 园 片 景 校 山 郊 灾 市 城区 社 小 道 马 公 线 铁 "
    "一 思 出 走 网 电 水 修 条 过 半 带 进 绕 邻 农 乡 城乡 全 本 该 外 内 老 新 大 这 那 各 附 学 中 医 商 菜 厂 分 "
    "街 巷 村 花 家 新 高 楼 单 号 此 山区 城市 农村 乡村 本市 全市 全省 全县 各区 县区 市区 省市 市县 "
    "社区 小区 开发 经济 园区 街道 道路 马路 公路 高速公路 一路 一条 这条 那条 每条 小路 出路 思路 线路 "
    "大街小 经济强 百强 公交 汽车 火车 大都 国际大都 职业 中等职业 临时 性保健 居民 大型居民 "
    "建筑 生活 教工生活 绿化 园林绿化 "
    "作业 保护 住宅 商业 办公 居住 "
    "老城 主城 县城城 中心城 市城 棚户 改造 偏远 边远 贫困 部分 周边 附近 所有 全部 各个 医疗 "
    "偏远山 贫困山 大 小 幼儿 儿童 公立 私立 民办 本地 外地 当地 各地 两地 异地".split()
)
#: Characters that make a suffix part of a common word rather than a place (城市, 小区, 道路, 农村, 上街).
_BAD_BEFORE = {
    "市": "超股夜早集黑上",
    "区": "小社地辖园片景校郊灾街市库矿",
    "路": "道马公线铁思出走网电水小修条过半带进绕跑堵无",
    "街": "上逛",
    "镇": "乡城",
    "乡": "城下回家",
    "村": "农乡原",
    "省": "各全本外",
    "县": "全各本",
    "市场": "超农菜",
    "小学": "中",
    "大道": "阳",
}
#: Levels a bare suffix may join onto the place before it (月湖大市场 + 小区 → 月湖大市场小区).
_JOINS = frozenset(("community", "poi"))
#: Characters after a suffix that make it part of a word (区域, 区块链, 市长, 市委, 路线, 县委).
_BAD_AFTER = {"小学": "生校", "中学": "生校", "大学": "生", "乡": "镇村亲"} | {
    "区": "域块别分间",
    "市": "长委民值部",
    "县": "委长城",
    "路": "线费径灯",
    "省": "钱力心",
    "村": "民干级里集小",
    "州": "长",
}
_NUMERALS = frozenset("0123456789一二三四五六七八九十百零〇两")
#: 城市 after these is "a city" in general (小城市, 全国文明城市), not 晋城市 or 盐城市.
_GENERIC_CITIES = tuple(
    "大城 小城 文明城 卫生城 线城 花园城 宜居城 智慧城 旅游城 园林城 名城 化城 中心城 新兴城 沿海城 港口城 核心城 座城 "
    "新城".split()
)
#: Suffix characters that also begin names (镇江市, 乡宁县): when they are not a suffix, the next name may start there.
_NAME_OPENERS = frozenset("镇乡州村")
#: A suffix followed by these is part of a longer name (广州市, 苏州市).
_NAME_GOES_ON = {"州": "市区县路街道大", "镇": "市", "乡": "市"}
#: Name endings that make the whole a kind of place, not a named one (相关棚户区, 营利性幼儿园, 基层村).
_GENERIC_TAILS = (
    "棚户",
    "改造",
    "边上",
    "配套",
    "性",
    "公办",
    "民办",
    "私立",
    "公立",
    "城乡",
    "农村",
    "基层",
    "周边",
    "附近",
    "当地",
    "十字",
    "交叉",
    "中小",
    "大中",
    "偏远",
    "贫困",
    "所在",
    "附属",
    "阶段",
    "专业",
    "所属",
    "普惠",
    "险情",
    "强县",
    "大县",
    "强市",
)
#: A name found by its form, not by walking back, so what lies before it is a name of its own (五矿万境 + K9县).
_NUMBERED_OR_CODE = re.compile(r"[A-Za-z]{0,3}\d{1,4}(?:-\d{1,4})?[A-Za-z]?|[A-Z]\d{0,2}")
#: Suffixes whose name is never a preposition, conjunction, pronoun … alone (按照市, 如果医院), unlike a road or
#: village, which may even be named by such a word.
_NEVER_VERBS = frozenset(("市", "县", "乡", "镇", "小区"))
_NUMBERED = frozenset(("栋", "幢", "号楼"))
_BUILDING_NUMBER = re.compile(r"(?:[A-Za-z]{0,3}\d{1,4}(?:-\d{1,4})?[A-Za-z]?|[一二三四五六七八九十]{1,3})$")
_MIN_NAME = {"building": 1, "poi": 2}
_MAX_NAME = {"province": 4, "city": 6, "district": 6, "county": 6, "town": 5, "street": 5, "community": 8, "road": 6}
_DEFAULT_MAX = 8
_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")


def zh_spans(folded: Folded) -> list[Span]:
    """Non-overlapping Chinese place spans of the folded text, in order."""
    text = folded.text
    spans: list[Span] = []
    last_end = 0
    for match in _SUFFIX.finditer(text):
        suffix = match.group()
        if _inside_name(text, match.end(), suffix):
            continue  # 广州市: 州 is part of the name
        level = _LEVEL[suffix]
        start = _name_start(text, match.start(), last_end, suffix, level)
        if start is None:  # a common word (城市, 道路, 县城, 路灯) ends the name of the next place …
            if suffix not in _NAME_OPENERS:  # … unless the suffix may begin one (投诉镇江市)
                last_end = match.end() + (1 if _bad_after(text, match.start(), suffix) else 0)
            continue
        if start == match.start():  # a bare suffix right after a place: 月湖大市场 + 小区
            if spans and spans[-1][1] == start and spans[-1][2] in _JOINS and level in _JOINS:
                prev_start, _, _ = spans.pop()
                spans.append((prev_start, match.end(), level))
                last_end = match.end()
            elif start > 0 and text[start - 1].isascii() and text[start - 1].isalnum():
                last_end = match.end()  # 7路 (a bus line), 3号线: a word of its own, not the start of the next name
            continue
        if _NUMBERED_OR_CODE.fullmatch(text, start, match.start()):
            _add_sandwiched_poi(text, spans, start)
        spans.append((start, match.end(), level))
        last_end = match.end()
    return spans


def _name_start(text: str, at: int, floor: int, suffix: str, level: str) -> int | None:
    """Where the name before the suffix at ``at`` begins, or None when it is not a place name."""
    if suffix in _CODE_SUFFIXES:
        code = _CODE.search(text, max(floor, at - 3), at)
        if code is not None:
            return code.start()
    if _bad_after(text, at, suffix):
        return None
    if at > floor and (text[at - 1] in _BAD_BEFORE.get(suffix, "") or text[at - 1] in _SOFT_STOP):
        return None
    if suffix in _NUMBERED:  # 12栋, WS03栋, 三号楼: a building is numbered, "两幢" is a count
        number = _BUILDING_NUMBER.search(text, max(floor, at - 12), at)
        return None if number is None else number.start()
    longest = _MAX_NAME.get(level, _DEFAULT_MAX)
    start = at
    while start > floor and at - start < longest and _CJK.match(text, start - 1):
        if text[start - 1] in _STOP or _is_date_word(text, start - 1):
            break
        start -= 1
    if start == at:
        return at  # nothing before: a bare suffix (the caller may join it to the place before)
    start = _after_soft_stop(text, start, at)
    start = _after_stop_words(text, start, at, floor)
    start = _strip_prefixes(text, start, at)
    if level == "province" and (start := _province_start(text, start, at)) < 0:
        return None
    return _judged(text, start, at, suffix, level)


def _judged(text: str, start: int, at: int, suffix: str, level: str) -> int | None:
    """The start of the name if it is one: not a common word, not a verb or function word where names never are."""
    start = _after_verbs(text, start, at, keep_first=level == "poi")  # a facility's brand: 超越电脑职业培训学校
    name = text[start:at]
    if len(name) < _MIN_NAME.get(level, 2) or name in _NOT_NAMES or name in _PREFIXES or name.isdigit():
        return None
    if suffix == "市" and name.endswith(_GENERIC_CITIES):
        return None
    if name.endswith(_GENERIC_TAILS) or (suffix in _NEVER_VERBS or level == "poi") and name in never_names():
        return None
    return start


def _is_date_word(text: str, index: int) -> bool:
    """年/月/日/号 after a number (2015年, 十一月) end a name; 月亮岛路 keeps its 月."""
    return text[index] in "年月日号" and index > 0 and text[index - 1] in _NUMERALS


def _inside_name(text: str, end: int, suffix: str) -> bool:
    return end < len(text) and text[end] in _NAME_GOES_ON.get(suffix, "")


def _bad_after(text: str, at: int, suffix: str) -> bool:
    after = at + len(suffix)
    return after < len(text) and text[after] in _BAD_AFTER.get(suffix, "")


def _after_stop_words(text: str, start: int, at: int, floor: int) -> int:
    """After the last stop word, looking a little before the window too (问题经世龙城: the window began at 题)."""
    ends = [m.end() for m in _STOP_WORDS.finditer(text, max(floor, start - 3), at)]
    return max(start, ends[-1]) if ends else start


def _after_verbs(text: str, start: int, at: int, *, keep_first: bool) -> int:
    """After the last verb or function word of the name that leaves two characters (两人考入清华大学 → 清华,
    建设获得经开区 → 经开区, 造成桂花园小区 → 桂花园小区); 解放路 and 解放西路 stay whole."""
    words = leading_words()
    best = start
    for i in range(start + keep_first, at - 3):
        for size in (3, 2):
            if at - i - size >= 2 and text[i : i + size] in words:
                best = max(best, i + size)
                break
    return best


def _province_start(text: str, start: int, at: int) -> int:
    """Where the province name ends that the name ends with; -1 when it names no province (难道省, 居民省)."""
    name = text[start:at]
    for province in _PROVINCES:
        if name.endswith(province):
            return at - len(province)
    return -1


def _after_soft_stop(text: str, start: int, at: int) -> int:
    """After a conjunction that opens the name (中心区和东湖区: 东湖区; but 呼和浩特市, 和平社区), or after the last
    organisation ending that leaves at least two characters (计生委四马桥镇)."""
    if text[start] in _SOFT_STOP and at - start - 1 >= 2:
        return start + 1
    for index in range(at - 3, start - 1, -1):
        if text[index] in _ORG_END:
            return index + 1
    return start


def _strip_prefixes(text: str, start: int, at: int) -> int:
    while (prefix := _PREFIX.match(text, start, at)) is not None and at - prefix.end() >= 2:
        start = prefix.end()
    return start


def _add_sandwiched_poi(text: str, spans: list[Span], start: int) -> None:
    """A run of name characters with no suffix between two places is a place too (汇金路 *五矿万境* K9栋)."""
    if not spans or spans[-1][2] not in ("road", "community", "poi"):
        return
    gap_start = spans[-1][1]
    if 2 <= start - gap_start <= 10 and all(
        _NAME_CHAR.match(ch) and ch not in _STOP and ch not in _SOFT_STOP for ch in text[gap_start:start]
    ):
        spans.append((gap_start, start, "poi"))


def level_of(suffix: str) -> str | None:
    """The level a Chinese suffix names (``"区"`` → ``"district"``), or None."""
    return _LEVEL.get(suffix)
