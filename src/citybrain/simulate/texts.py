"""Texts of synthetic requests and replies, in Chinese and English, and obviously fake citizens.

Names are real surnames with common given names; phones keep the mobile form (``138`` + ``0000`` + four digits),
so masking and phone-detection code meets realistic input while the middle ``0000`` marks them as made up.
"""

from __future__ import annotations

# code: (topic_zh, topic_en, zh templates, en template). {p} is the place, {t} a time of day.
TOPICS: dict[str, tuple[str, str, tuple[str, ...], str]] = {
    "noise.construction.night": (
        "夜间施工噪音",
        "night-time construction noise",
        (
            "{p}工地{t}还在施工，打桩声、电锯声很大，严重影响休息，请尽快查处。",
            "{p}附近夜间施工扰民，{t}仍有渣土车进出和机械作业，孩子无法入睡。",
        ),
        "Construction at {p} keeps going at {t}; pile driving and saws make sleep impossible.",
    ),
    "noise.construction": (
        "施工噪音",
        "construction noise",
        ("{p}工地白天施工噪音过大，午休时间也不停工。", "{p}装修施工噪音扰民，持续多日。"),
        "Loud construction work at {p} all day, even during the lunch break.",
    ),
    "noise.residential": (
        "邻里噪音",
        "neighbour noise",
        ("{p}楼上住户{t}经常大声喧哗、拖动家具，多次沟通无果。", "{p}有住户{t}在楼道里打牌吵闹，影响休息。"),
        "Neighbours at {p} are loud at {t} every day; talking to them did not help.",
    ),
    "noise.commercial": (
        "商业噪音",
        "commercial noise",
        ("{p}沿街商铺用高音喇叭促销，{t}还在播放音乐。", "{p}烧烤店{t}仍在营业，噪音和油烟扰民。"),
        "A shop at {p} plays loud music through speakers until {t}.",
    ),
    "noise.traffic": (
        "交通噪音",
        "traffic noise",
        ("{p}路段大货车频繁鸣笛，噪音很大。",),
        "Trucks honk constantly along {p}.",
    ),
    "construction.site": (
        "工地管理问题",
        "construction site problems",
        ("{p}工地围挡破损、渣土外溢，车辆带泥上路。", "{p}工地门口渣土车乱停，道路被占用。"),
        "The building site at {p} has a broken fence and mud spilling onto the road.",
    ),
    "construction.site.dust": (
        "工地扬尘",
        "construction dust",
        ("{p}工地未覆盖裸土，大风天扬尘严重。",),
        "Dust from the uncovered site at {p} blows into our homes.",
    ),
    "construction.illegal": (
        "违法建设",
        "illegal construction",
        ("{p}有住户在楼顶私自搭建彩钢棚，存在安全隐患。", "{p}一楼住户私自扩建院墙，占用公共绿地。"),
        "Someone is building an illegal rooftop structure at {p}.",
    ),
    "roads.works": (
        "道路施工",
        "road works",
        ("{p}道路开挖后长期未恢复，行人和车辆通行困难。", "{p}管网施工占道，未设置警示标志。"),
        "Road works at {p} block the lane and have no warning signs.",
    ),
    "roads.damage": (
        "道路破损",
        "damaged road",
        ("{p}路面出现大坑，雨天积水，电动车容易摔倒。", "{p}人行道地砖松动破损。"),
        "There is a large pothole at {p}; scooters fall when it rains.",
    ),
    "roads.signals": (
        "信号灯故障",
        "traffic light fault",
        ("{p}路口信号灯不亮，交通混乱。",),
        "The traffic lights at {p} are out.",
    ),
    "sanitation.garbage": (
        "垃圾清运不及时",
        "uncollected garbage",
        ("{p}垃圾桶满溢多日无人清运，气味难闻。", "{p}垃圾分类点长期堆放大件垃圾。"),
        "The bins at {p} have been overflowing for days.",
    ),
    "sanitation.street_cleaning": (
        "道路保洁",
        "street cleaning",
        ("{p}路面落叶和垃圾无人清扫。",),
        "Nobody has swept the street at {p} for a week.",
    ),
    "sanitation.vendors": (
        "占道经营",
        "street vendors",
        ("{p}流动摊贩{t}占道经营，堵塞人行道。",),
        "Street vendors block the pavement at {p} at {t}.",
    ),
    "heating.no_heat": (
        "供暖不热",
        "no heating",
        ("{p}家中暖气不热，室温只有十几度，老人孩子受不了。", "{p}整栋楼停暖，请尽快抢修。"),
        "The radiators at {p} are cold; the flat is below 15 °C.",
    ),
    "utilities.water": (
        "停水/水压低",
        "water outage / low pressure",
        ("{p}突然停水，没有任何通知。", "{p}水压太低，高层用不上水。"),
        "No water at {p} since this morning and no notice was given.",
    ),
    "utilities.power": (
        "停电",
        "power outage",
        ("{p}{t}突然停电，空调冰箱都停了。",),
        "Power cut at {p} since {t}.",
    ),
    "utilities.gas": (
        "燃气问题",
        "gas supply",
        ("{p}燃气压力不足，无法正常做饭。", "{p}楼道里有燃气味，请尽快派人检查。"),
        "There is a smell of gas in the stairwell at {p}.",
    ),
    "parking.illegal": (
        "违章停车",
        "illegal parking",
        ("{p}路边车辆乱停乱放，占用消防通道。", "{p}人行道上停满了车，行人只能走机动车道。"),
        "Cars parked on the pavement at {p} block the fire lane.",
    ),
    "parking.blocked_driveway": (
        "车辆堵门",
        "blocked driveway",
        ("{p}有车辆堵住小区出入口，无法出行。",),
        "A car is blocking our driveway at {p}.",
    ),
    "environment.air": (
        "空气污染",
        "air pollution",
        ("{p}附近有工厂排放异味废气。",),
        "A factory near {p} releases smelly fumes.",
    ),
    "environment.water": (
        "水体污染",
        "water pollution",
        ("{p}附近河道发黑发臭，有污水直排。",),
        "The creek near {p} is black and smells; sewage flows into it.",
    ),
    "greenery.trees": (
        "树木问题",
        "trees",
        ("{p}行道树倒伏，压住了路边车辆。", "{p}树枝过长遮挡路灯和窗户，请修剪。"),
        "A fallen tree at {p} blocks the road.",
    ),
    "housing.property": (
        "物业服务",
        "property management",
        ("{p}物业不作为，电梯、门禁长期损坏不修，还要上涨物业费。", "{p}物业公司强制收取停车费，业主不同意。"),
        "The property manager at {p} ignores repairs but raises fees.",
    ),
    "housing.elevator": (
        "电梯故障",
        "lift out of order",
        ("{p}电梯停运一周，老人上下楼困难。",),
        "The lift at {p} has been broken for a week.",
    ),
    "public_safety.manhole": (
        "井盖缺失",
        "missing manhole cover",
        ("{p}窨井盖缺失，夜间非常危险。",),
        "A manhole cover is missing at {p}; it is dangerous at night.",
    ),
    "market.food": (
        "食品安全",
        "food safety",
        ("{p}小餐馆卫生状况差，吃后腹泻。",),
        "The restaurant at {p} is dirty; we got sick after eating there.",
    ),
    "labor.wages": (
        "拖欠工资",
        "unpaid wages",
        ("{p}某公司拖欠工人工资三个月，多次讨要无果。",),
        "A company at {p} has not paid its workers for three months.",
    ),
    "education": (
        "入学咨询",
        "school enrolment",
        ("咨询{p}所属学区的小学入学政策和报名时间。",),
        "Which primary school serves {p}, and when is enrolment?",
    ),
    "health": (
        "医疗服务",
        "health services",
        ("{p}社区卫生服务中心排队时间过长，咨询能否预约。",),
        "The community clinic near {p} has very long queues.",
    ),
    "transit.bus": (
        "公交服务",
        "bus service",
        ("{p}公交站的车次太少，高峰期等车超过半小时。",),
        "Buses at the {p} stop come only every 30 minutes at rush hour.",
    ),
    "consultation": (
        "政策咨询",
        "policy question",
        ("咨询居住证办理需要哪些材料，{p}附近在哪里办理。", "咨询{p}公积金提取政策。"),
        "How do I apply for a residence permit near {p}?",
    ),
}

TIMES_ZH = ("晚上十点", "晚上十一点", "凌晨一点", "凌晨两点", "凌晨三点", "凌晨五点", "深夜")
TIMES_EN = ("10 pm", "11 pm", "1 am", "2 am", "3 am", "5 am", "midnight")

REPLIES_ZH = (
    "您好，关于您反映的{topic}问题，{dept}已安排工作人员到现场核查处置，问题已整改。感谢您的监督。",
    "您好，经核实，您反映的{topic}情况属实，{dept}已责令相关单位限期整改，并将持续跟踪。",
    "您好，您反映的{topic}问题已转交{dept}办理，现已答复并提供相关政策说明。",
)
REPLIES_EN = (
    "Thank you. {dept} inspected the {topic} on site and the problem has been fixed.",
    "Thank you. {dept} confirmed the {topic} and ordered the responsible party to fix it.",
)
REJECT_REASONS = ("非我单位职责范围，请改派", "地址不在本辖区", "诉求内容与职能不符")
PRAISE_ZH = "{p}的工作人员处理{topic}问题非常及时，特此表扬。"
PRAISE_EN = "Many thanks to the staff who handled the {topic} at {p} so quickly."

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘"
GIVEN = ("伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英")
EN_NAMES = ("Alex Chen", "Maria Lopez", "John Smith", "Anna Müller", "David Kim", "Sara Rossi", "Tom Baker")
PHONE_PREFIXES = ("138", "139", "137", "150", "186", "177", "159")
