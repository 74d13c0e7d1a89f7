"""Reference data of the IoT part: sensor types and default thresholds (数据, not code).

Sources of the default limits (stored as data; a department overrides them per site):
- noise: GB 22337-2008 社会生活环境噪声排放标准, class 2 area, daytime 60 dB(A);
- NH3 and H2S at the boundary: GB 14554-93 恶臭污染物排放标准, table 1, class 2 (new and
  extended): 1.5 and 0.06 mg/m³;
- CO in a kitchen's air: GBZ 2.1-2019 工作场所有害因素职业接触限值, PC-TWA 20 mg/m³;
- pH 6-9, COD 100 mg/L, NH3-N 15 mg/L: GB 8978-1996 污水综合排放标准, table 4, class 1.
The sensor ranges are those of common field instruments: a value outside is a faulty sensor.
"""

from __future__ import annotations

# code, name, category, unit, range_min, range_max
SENSOR_TYPES = [
    ("noise", "噪声", "noise", "dB(A)", 20.0, 140.0),
    ("nh3", "氨", "gas", "mg/m³", 0.0, 500.0),
    ("h2s", "硫化氢", "gas", "mg/m³", 0.0, 100.0),
    ("co", "一氧化碳", "gas", "mg/m³", 0.0, 1000.0),
    ("ph", "pH 值", "water", "pH", 0.0, 14.0),
    ("cod", "化学需氧量", "water", "mg/L", 0.0, 5000.0),
    ("nh3n", "氨氮", "water", "mg/L", 0.0, 1000.0),
]

# code, lower, upper, sustain_count, sustain_minutes, basis
DEFAULT_THRESHOLDS = [
    ("noise", None, 60.0, 5, 10, "GB 22337-2008 2类 昼间 60 dB(A)"),
    ("nh3", None, 1.5, 3, 15, "GB 14554-93 表1 二级 1.5 mg/m³"),
    ("h2s", None, 0.06, 3, 15, "GB 14554-93 表1 二级 0.06 mg/m³"),
    ("co", None, 20.0, 3, 15, "GBZ 2.1-2019 PC-TWA 20 mg/m³"),
    ("ph", 6.0, 9.0, 3, 30, "GB 8978-1996 表4 一级 6-9"),
    ("cod", None, 100.0, 3, 30, "GB 8978-1996 表4 一级 100 mg/L"),
    ("nh3n", None, 15.0, 3, 30, "GB 8978-1996 表4 一级 15 mg/L"),
]
