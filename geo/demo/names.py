"""Plausible Chinese names for synthetic projects and owners (the named ones come from the articles)."""

from __future__ import annotations

import numpy as np

PRODUCTS = {
    "轨道交通": ("轨道交通装备", "城轨车辆转向架", "牵引变流器", "轨道交通齿轮箱", "地铁车辆配件"),
    "中小航空发动机": ("航空发动机零部件", "涡轴发动机叶片", "航空精密铸件", "航空传动部件"),
    "先进硬质材料": ("硬质合金刀具", "硬质合金棒材", "钨钼新材料", "精密涂层刀片"),
    "电子信息": ("功率半导体器件", "印制电路板", "智能传感器", "IGBT模块"),
    "人工智能": ("工业机器人", "智能装备", "机器视觉系统"),
    "新能源": ("储能电池", "风电齿轮箱", "光伏组件", "锂电池正极材料"),
    "新材料": ("碳化硅材料", "高性能复合材料", "电子级化学品", "特种合金"),
    "生物医药": ("中药饮片", "医疗器械", "生物制剂", "原料药"),
    "陶瓷": ("日用陶瓷", "电瓷", "工业陶瓷", "陶瓷釉料", "艺术陶瓷"),
    "服饰": ("服装智能制造", "针织服饰", "童装", "服饰供应链"),
    "高分子新材料": ("特种工程塑料", "高分子膜材料", "改性塑料"),
    "北斗": ("北斗导航终端", "北斗时空数据平台", "北斗高精度板卡"),
    "新能源汽车": ("新能源汽车零部件", "动力电池结构件", "电驱动系统"),
}
UNITS = ("万吨", "万件", "万套", "万台", "亿元产值")
PREFIXES = ("湘", "株", "中南", "华", "鑫", "恒", "宏", "瑞", "天", "达", "中车", "航", "盛", "金",
            "联", "博", "科", "顺", "兴", "精", "钻", "新", "创", "远", "润", "诚", "泰", "楚")
SUFFIXES = ("科技", "新材料", "智能", "实业", "精密", "电子", "装备", "制造")
INFRA = ("道路提质改造工程", "城市主干道建设工程", "污水处理厂扩建工程", "综合管廊工程", "停车场建设项目",
         "老旧小区改造项目", "物流园建设项目", "桥梁建设工程", "标准厂房建设项目", "城乡供水一体化工程")
SOCIAL = ("人民医院综合楼项目", "中学新建项目", "职业技术学校建设项目", "养老服务中心项目",
          "保障性租赁住房项目", "体育中心建设项目", "妇幼保健院建设项目", "文化艺术中心项目")
ECO = ("湘江流域综合治理项目", "渌水流域生态修复项目", "洣水流域综合治理项目", "矿山生态修复项目",
       "城乡垃圾焚烧发电项目", "黑臭水体治理项目", "国土绿化项目")
ENERGY = ("分布式光伏项目", "110千伏输变电工程", "储能电站项目", "充电基础设施项目", "农村电网巩固提升工程",
          "天然气管网建设项目", "风电场项目")


def company(rng: np.random.Generator, chain: str | None, town: str) -> str:
    head = rng.choice(PREFIXES) + rng.choice(PREFIXES)
    suffix = rng.choice(SUFFIXES)
    return f"{town[:2]}{head}{suffix}有限公司" if rng.random() < 0.3 else f"湖南{head}{suffix}有限公司"


def project_name(rng: np.random.Generator, category: str, chain: str | None, owner: str, town: str) -> str:
    short = owner.replace("有限公司", "").replace("湖南", "")
    if category == "产业发展" and chain:
        product = rng.choice(PRODUCTS[chain])
        if rng.random() < 0.55:
            return f"{short}年产{int(rng.integers(1, 50))}{rng.choice(UNITS)}{product}项目"
        return f"{short}{product}{rng.choice(('产业园', '生产基地', '智能制造', '技改扩能'))}项目"
    pool = {"基础设施": INFRA, "民生社会": SOCIAL, "生态环保": ECO, "能源": ENERGY}.get(category, INFRA)
    return f"{town}{rng.choice(pool)}"
