"""More ways citizens say one thing: other phrasings per problem, other titles, short and long messages, typos.

:mod:`citybrain.simulate.texts` gives each problem its name and base templates; this module gives the rest, so the
Demo City is a fair test for text analytics (a grouping or a classifier that only works on a few fixed templates
fails here). Place names are never misspelt: a citizen may mistype a word, the gazetteer-based tests need the
district, road and community as the city spells them. {p} is the place, {t} a time of day.
"""

from __future__ import annotations

import random
import re

#: Other names citizens give a problem (titles say it in a few words), Chinese then English.
NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "noise.construction.night": (
        ("夜间施工扰民", "半夜打桩", "工地晚上施工太吵"),
        ("night works", "pile driving at night"),
    ),
    "noise.construction": (("工地太吵", "装修噪音"), ("building noise", "noisy renovation")),
    "noise.residential": (("楼上噪音", "邻居太吵"), ("noisy neighbours", "noise upstairs")),
    "noise.commercial": (("商铺噪音扰民", "店铺放音乐太吵"), ("shop noise", "loud music from a shop")),
    "noise.traffic": (("货车鸣笛", "车辆噪音"), ("honking trucks", "traffic noise")),
    "construction.site": (("工地围挡破损", "渣土车带泥上路"), ("messy building site", "mud from a site")),
    "construction.site.dust": (("工地灰尘大", "扬尘污染"), ("dust from a site", "building dust")),
    "construction.illegal": (("私搭乱建", "违建"), ("illegal structure", "unauthorised building")),
    "roads.works": (("道路开挖未恢复", "占道施工"), ("road dug up", "lane closed for works")),
    "roads.damage": (("路面坑洼", "马路有大坑"), ("pothole", "broken pavement")),
    "roads.signals": (("红绿灯坏了", "信号灯不亮"), ("traffic lights out", "broken signal")),
    "sanitation.garbage": (("垃圾没人收", "垃圾堆积"), ("bins not emptied", "rubbish piling up")),
    "sanitation.street_cleaning": (("马路没人扫", "路面脏乱"), ("dirty street", "street not swept")),
    "sanitation.vendors": (("摊贩占道", "流动摊点堵路"), ("vendors on the pavement", "street stalls")),
    "heating.no_heat": (("暖气不热", "供暖温度不达标", "家里太冷"), ("cold radiators", "heating not working")),
    "utilities.water": (("停水", "水压低", "没水了"), ("no water", "low water pressure")),
    "utilities.power": (("突然停电", "断电"), ("power cut", "no electricity")),
    "utilities.gas": (("燃气异味", "燃气压力不足"), ("gas smell", "weak gas supply")),
    "parking.illegal": (("乱停车", "车辆占道停放"), ("cars on the pavement", "parking on the footpath")),
    "parking.blocked_driveway": (("车辆堵门", "出入口被堵"), ("car blocking the gate", "blocked entrance")),
    "environment.air": (("工厂排废气", "空气有怪味"), ("factory fumes", "bad smell in the air")),
    "environment.water": (("河道发臭", "污水直排"), ("smelly creek", "sewage in the river")),
    "greenery.trees": (("树木需要修剪", "大树倒了"), ("overgrown trees", "fallen tree")),
    "housing.property": (("物业不作为", "物业乱收费"), ("useless property manager", "property fees")),
    "housing.elevator": (("电梯坏了", "电梯停运"), ("lift broken", "elevator out of service")),
    "public_safety.manhole": (("井盖丢了", "窨井盖缺失"), ("open manhole", "manhole cover gone")),
    "market.food": (("饭店卫生差", "吃坏肚子"), ("dirty restaurant", "food poisoning")),
    "labor.wages": (("讨薪", "工资被拖欠"), ("wages not paid", "owed wages")),
    "education": (("小学入学", "学区咨询"), ("school places", "primary school enrolment")),
    "health": (("社区医院排队久", "看病难"), ("clinic queues", "long wait at the clinic")),
    "transit.bus": (("公交车太少", "等车太久"), ("too few buses", "long bus waits")),
    "consultation": (("办事咨询", "政策问题"), ("a question", "how to apply")),
}

#: Other phrasings of the message itself (beside the base templates), Chinese then English.
BODIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "noise.construction.night": (
        (
            "{p}这个工地天天夜里干活，{t}了还在打桩，吵得根本睡不着",
            "夜里{t}，{p}旁边的工地又开始施工了，已经连续一周了。",
        ),
        ("Every night the site near {p} works past {t}. We cannot sleep.", "pile driving again at {t} near {p}!!"),
    ),
    "noise.construction": (
        ("{p}楼下在装修，电钻从早响到晚。", "{p}边上工地太吵了"),
        ("Drilling all day at {p}.", "The renovation at {p} is far too loud."),
    ),
    "noise.residential": (
        ("{p}楼上每天{t}跺脚、拖椅子，老人心脏不好受不了。", "{p}邻居家狗一直叫，{t}还在叫"),
        ("The flat above us at {p} is noisy until {t}.", "neighbours' dog at {p} barks till {t}"),
    ),
    "noise.commercial": (
        ("{p}门口的店每天放音乐，声音特别大", "{p}KTV到{t}还在唱，窗户关着都能听到。"),
        ("The karaoke bar at {p} is loud until {t}.",),
    ),
    "noise.traffic": (("{p}的大车一直按喇叭，半夜也不停。",), ("Lorries at {p} honk all night.",)),
    "construction.site": (
        ("{p}工地的泥巴都带到马路上了，下雨天根本没法走。",),
        ("Mud from the site at {p} covers the road.",),
    ),
    "construction.site.dust": (("{p}旁边工地灰太大，晾的衣服都是灰",), ("So much dust from the site by {p}.",)),
    "construction.illegal": (("{p}有人违规加盖房屋，请城管来看看。",), ("A neighbour at {p} added an illegal floor.",)),
    "roads.works": (("{p}挖开的路快一个月了还没填上",), ("The road at {p} has been dug up for a month.",)),
    "roads.damage": (
        ("{p}马路上一个大坑，昨天有人骑车摔了。", "{p}路面坑坑洼洼"),
        ("Big pothole at {p}, a cyclist fell yesterday.", "road surface at {p} is broken"),
    ),
    "roads.signals": (("{p}红绿灯坏了好几天了，过马路很危险。",), ("Signals at {p} have been dark for days.",)),
    "sanitation.garbage": (
        ("{p}的垃圾好几天没人收了，臭死了", "{p}垃圾站满了都没人拉走，苍蝇很多。"),
        ("Rubbish at {p} has not been collected for days; it stinks.",),
    ),
    "sanitation.street_cleaning": (("{p}马路上全是垃圾，环卫工好久没来了。",), ("The street at {p} is filthy.",)),
    "sanitation.vendors": (("{p}{t}摆满了小摊，人都过不去",), ("Stalls fill the pavement at {p} at {t}.",)),
    "heating.no_heat": (
        ("{p}暖气一点都不热，家里穿着棉袄还冷。", "{p}供暖温度不达标，测了只有14度", "{p}暖气片冰凉"),
        ("Heating at {p} does not work, radiators cold.", "our flat at {p} is freezing, heating off again"),
    ),
    "utilities.water": (
        ("{p}今天又停水了，也不提前通知", "{p}水压太小，楼上根本没水。"),
        ("Water pressure at {p} is too low for the upper floors.",),
    ),
    "utilities.power": (("{p}{t}停电到现在还没来电",), ("No electricity at {p} since {t}.",)),
    "utilities.gas": (("{p}天然气火很小，饭都做不熟。",), ("Gas pressure at {p} is too weak to cook.",)),
    "parking.illegal": (
        ("{p}门口天天有车乱停，救护车都进不来。", "{p}车停在人行道上"),
        ("People park on the footpath at {p} every day.",),
    ),
    "parking.blocked_driveway": (
        ("{p}门口被一辆车堵了一上午，打电话也不接。",),
        ("Someone parked across our gate at {p}.",),
    ),
    "environment.air": (("{p}周边工厂晚上偷排废气，味道刺鼻。",), ("Chemical smell from a plant near {p} at night.",)),
    "environment.water": (("{p}旁边的小河又黑又臭",), ("Sewage is flowing into the creek at {p}.",)),
    "greenery.trees": (("{p}的树太密了，挡住了楼里的光线。",), ("The trees at {p} need cutting back.",)),
    "housing.property": (
        ("{p}的物业只收钱不办事，楼道灯坏了半年。", "{p}物业费涨了服务没变"),
        ("Our property company at {p} never fixes anything.",),
    ),
    "housing.elevator": (("{p}电梯又坏了，住18楼的老人下不了楼",), ("The lift at {p} is out again.",)),
    "public_safety.manhole": (("{p}路边井盖没了，晚上很容易掉下去。",), ("Open manhole at {p}, very dangerous.",)),
    "market.food": (("在{p}一家小饭店吃完饭全家拉肚子",), ("We all got sick after eating at a place near {p}.",)),
    "labor.wages": (
        ("我在{p}的公司上班，老板已经三个月没发工资了。",),
        ("My employer near {p} owes me three months' pay.",),
    ),
    "education": (("孩子明年上小学，住{p}，对口哪个学校？",), ("My child starts school next year; we live at {p}.",)),
    "health": (("{p}社区医院看病要排两个小时的队",), ("Two hours' wait at the clinic by {p}.",)),
    "transit.bus": (("{p}那站的公交车半小时一趟，上班经常迟到。",), ("The bus at {p} never comes on time.",)),
    "consultation": (("住在{p}，想问一下社保怎么办理？",), ("Where near {p} can I renew my residence permit?",)),
}

OPENERS_ZH = ("", "", "", "您好，", "你好！", "领导好，", "我是附近居民，", "反映一个问题：", "投诉：")
CLOSERS_ZH = (
    "",
    "",
    "请尽快处理。",
    "希望相关部门重视。",
    "已经打过好几次电话了，一直没人管！",
    "麻烦尽快派人来看看，谢谢。",
    "望回复。",
    "谢谢！",
)
EXTRAS_ZH = (
    "这个问题已经持续一个多星期了。",
    "之前反映过一次，到现在还没解决。",
    "物业说这事不归他们管。",
    "我们这里住的大多是老人和孩子。",
    "社区说要等上面安排，一直没有下文。",
    "周围邻居意见都很大。",
)
OPENERS_EN = ("", "", "", "Hi, ", "Hello. ", "Complaint: ", "Please help: ")
CLOSERS_EN = ("", "", "Please fix this.", "Thanks.", "Can someone look at it asap?", "I reported this before.")
EXTRAS_EN = ("This has been going on for a week.", "Nobody answers the phone.", "Many neighbours are upset too.")

#: Titles: {n} the problem's name, {d} district, {r} road, {c} community, {k} the request type.
TITLES_ZH = (
    "关于{d}{r}{n}的{k}",
    "关于{d}{r}{n}的{k}",
    "{d}{r}{n}",
    "{r}{c}{n}问题",
    "反映{d}{c}{n}",
    "{n}！！",
    "{r}{n}，请尽快处理",
    "请问{d}{r}{n}什么时候能解决",
)
TITLES_EN = (
    "{N} at {r}",
    "{N} at {r}",
    "{r}: {n}",
    "{N} near {c}",
    "{N}!!",
    "Complaint - {n} ({d})",
    "Please fix {n} on {r}",
)

#: Common misspellings (别字) of words in the templates, and how English words get mistyped.
TYPOS_ZH = (
    ("已经", "以经"), ("噪音", "燥音"), ("反映", "反应"), ("暖气", "暖器"), ("处理", "处里"), ("影响", "影想"),
    ("施工", "施功"), ("垃圾", "拉圾"), ("一直", "一值"), ("严重", "严众"), ("在", "再"), ("的", "得"),
)  # fmt: skip
_WORD = re.compile(r"[A-Za-z]{4,}")
_NOT_BEFORE_PLACE = r"(?!\{p\})"


def vary(v: random.Random, category: str, base: str, *, english: bool) -> str:
    """One citizen's wording of ``base`` (a template with {p}/{t}): maybe another phrasing, shorter or longer, with
    an opener, a closing line and a typo or two. Placeholders are left for the caller to fill."""
    others = BODIES.get(category, ((), ()))[1 if english else 0]
    body = v.choice((base, *others)) if others and v.random() < 0.6 else base
    openers, closers, extras = (OPENERS_EN, CLOSERS_EN, EXTRAS_EN) if english else (OPENERS_ZH, CLOSERS_ZH, EXTRAS_ZH)
    length = v.random()
    first = re.split(r"[，,;；]", body, maxsplit=1)[0]
    if length < 0.2 and "{p}" in first:  # short: the first clause only (still naming the place)
        body = first
    elif length > 0.75:  # long: context around it
        body += ("" if body[-1] in "。！？.!?" else ("." if english else "。")) + (" " if english else "")
        body += (" " if english else "").join(v.sample(extras, k=v.randint(1, 2)))
    if not english and body[-1] not in "。！？!?":
        body += "。"
    text = v.choice(openers) + body + (" " if english else "") + v.choice(closers)
    return _typos(v, text.strip(), english=english)


def _typos(v: random.Random, text: str, *, english: bool) -> str:
    """About one message in six gets a typo; one in ten loses its punctuation (or, in English, its capitals)."""
    if v.random() < 0.16:
        if english:
            words = list(_WORD.finditer(text))
            if words:
                w = v.choice(words)
                i = v.randrange(len(w.group()) - 1)
                swapped = w.group()[:i] + w.group()[i + 1] + w.group()[i] + w.group()[i + 2 :]
                text = text[: w.start()] + swapped + text[w.end() :]
        else:
            found = [(a, b) for a, b in TYPOS_ZH if re.search(a + _NOT_BEFORE_PLACE, text)]
            if found:  # 我再高新区… would make the district unreadable: not right before the place
                a, b = v.choice(found)
                text = re.sub(a + _NOT_BEFORE_PLACE, b, text, count=1)
    if v.random() < 0.1:
        text = text.lower() if english else text.replace("，", " ").replace("。", "")
    return text


def title_of(v: random.Random, name: str, category: str, parts: dict[str, str], *, english: bool) -> str:
    """A title in one of several forms, naming the problem by ``name`` or another (``parts``: d, r, c, k)."""
    n = v.choice((name, *NAMES.get(category, ((), ()))[1 if english else 0]))
    if english:
        return v.choice(TITLES_EN).format(n=n, N=n[:1].upper() + n[1:], **parts)
    return v.choice(TITLES_ZH).format(n=n, **parts)
