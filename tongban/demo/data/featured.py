"""Hand-written guides for the services the source articles name (重点事项).

Each entry names its basic item (by name), the region and the sector of the implementing
department; `guide` holds every guide element except the codes and ids, which the seed
derives (实施编码 = credit code + level + basic code). Where an article gives a fact (the B21
pickup window of 江夏市民之家, the six-minute 特殊工时 review with free post, 襄阳's two
materials and five working days), the guide says so.
"""

from __future__ import annotations

ONLINE = ["1", "2", "3"]
FULL_DEPTH = ["1", "2", "3", "4", "5", "6", "7"]
HOURS_WH = "周一至周五 上午9:00-12:00，下午13:30-17:30；周六上午9:00-12:00延时服务（法定节假日除外）"

FEATURED: list[dict] = [
    # 营业执照 at 江夏: the article's 熊振 filed online and collected the licence at window B21.
    {
        "basic": "内资有限责任公司设立登记",
        "region": "420115",
        "sector": "approval",
        "guide": {
            "service_objects": ["2"],
            "description": "通过湖北政务服务网“企业开办专区”一表填报，名称自主申报、住所申报承诺，线上核验通过后"
            "当日核发营业执照；申请人可选择免费邮寄，或凭短信通知到江夏市民之家B21发证窗口领取，"
            "同步下载电子营业执照。",
            "conditions": "1. 名称经自主申报符合《企业名称登记管理规定》；2. 股东符合法定人数，出资符合章程约定；"
            "3. 有公司住所（经营场所），实行住所申报承诺制；4. 法定代表人、董事、监事、高级管理人员符合任职资格；"
            "5. 申请材料齐全、符合法定形式。",
            "statutory_limit": 3,
            "promised_limit": 1,
            "limit_note": "法定3个工作日；承诺1个工作日，材料齐全、符合法定形式的当场办结。企业开办全流程（执照、公章、"
            "发票、社保）不超过2个工作日。",
            "case_type": "2",
            "charged": False,
            "visits": 0,
            "handling_forms": [*ONLINE, "4"],
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "nearby": False,
            "delivery_methods": ["window", "post", "electronic"],
            "steps": [
                {
                    "name": "网上申报",
                    "description": "登录湖北政务服务网企业开办专区，自主申报名称，一表填写设立、"
                    "公章、发票、社保信息，上传或在线生成章程等材料，全体股东电子签名",
                    "time_limit": "随时",
                },
                {
                    "name": "线上核验",
                    "description": "江夏区行政审批局对电子材料进行形式审查，需补正的一次性告知",
                    "time_limit": "0.5个工作日",
                },
                {
                    "name": "登记发照",
                    "description": "材料齐全、符合法定形式的予以登记，生成营业执照和电子营业执照",
                    "time_limit": "0.5个工作日",
                },
                {
                    "name": "领取执照",
                    "description": "免费邮寄送达；或凭短信通知到江夏市民之家B21发证窗口领取，现场领取约2分钟",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "江夏市民之家B21发证窗口（企业开办综合窗口）",
                    "address": "武汉市江夏区文化大道江夏市民之家B区",
                    "hours": HOURS_WH,
                    "phone": "027-81821230",
                },
                {
                    "name": "江夏区纸坊街道便民服务中心（帮办代办）",
                    "address": "武汉市江夏区纸坊街道便民服务中心一楼",
                    "hours": "周一至周五 9:00-12:00，14:00-17:00",
                    "phone": "027-81812345",
                },
            ],
            "consult_phone": "027-81821230",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "领取营业执照需要本人到场吗？",
                    "a": "不需要，可选择免费邮寄；到窗口领取的，法定代表人或经办人"
                    "携带身份证件即可，现场约2分钟办结。",
                },
                {
                    "q": "企业开办要跑几个部门？",
                    "a": "只进一网、只跑一次：营业执照、公章刻制、发票申领、员工参保"
                    "一表申请，江夏市民之家综合窗口一次领取全部结果。",
                },
                {
                    "q": "电子营业执照怎么下载？",
                    "a": "登记完成后通过“电子营业执照”小程序或鄂汇办APP实名下载，"
                    "与纸质执照具有同等法律效力。",
                },
            ],
            "result_name": "营业执照",
            "result_sample": "《营业执照》（正本、副本）：载明统一社会信用代码、名称、类型、法定代表人、注册资本、"
            "成立日期、住所和经营范围，加盖登记机关武汉市江夏区行政审批局印章；同步生成电子营业执照。",
            "popularity": 990,
        },
        "materials": [
            "申请表",
            "章程",
            "法定代表人身份证",
            "股东主体资格证明（自然人股东身份证件或法人股东营业执照）",
            "住所证明",
            "?委托书",
        ],
        "handling": [
            ("new", "内资有限责任公司设立登记（一般程序）"),
            ("new", "内资有限责任公司设立登记（告知承诺）"),
        ],
    },
    # 企业开办一件事 at 江夏: 营业执照、公章、社保、发票 in one go (the article's 娄钢, one day).
    {
        "basic": "企业开办“一件事”（营业执照、公章刻制、发票申领、社保登记一次办）",
        "region": "420115",
        "sector": "approval",
        "guide": {
            "service_objects": ["1", "2"],
            "description": "企业开办“一网通办”：在湖北政务服务网企业开办专区填写一张表，同步完成营业执照、"
            "公章刻制、发票和税控设备申领、员工参保登记、住房公积金缴存登记；全程网办，"
            "一日内领取营业执照、公章、社保及税务发票。",
            "conditions": "1. 拟在江夏区登记的有限责任公司、个人独资企业、合伙企业及其分支机构；"
            "2. 名称经自主申报通过；3. 申请材料齐全、符合法定形式。",
            "statutory_limit": 3,
            "promised_limit": 1,
            "limit_note": "承诺1个工作日内完成营业执照、公章、发票、社保登记全部事项。",
            "case_type": "2",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "delivery_methods": ["window", "post", "electronic"],
            "steps": [
                {
                    "name": "一表填报",
                    "description": "企业开办专区一次填报登记、刻章、涉税、参保信息",
                    "time_limit": "随时",
                },
                {
                    "name": "并联办理",
                    "description": "审批、公安、税务、人社、公积金部门后台同步办理",
                    "time_limit": "1个工作日",
                },
                {
                    "name": "一次领取",
                    "description": "营业执照、公章、发票免费邮寄或综合窗口一次领取",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "江夏市民之家企业开办专区",
                    "address": "武汉市江夏区文化大道江夏市民之家B区",
                    "hours": HOURS_WH,
                    "phone": "027-81821230",
                },
            ],
            "consult_phone": "027-81821230",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "刻制公章收费吗？",
                    "a": "新开办企业首套公章（公章、财务章、发票章、法定代表人名章）由政府购买服务，免费刻制。",
                },
                {"q": "可以只办营业执照吗？", "a": "可以，在专区中只勾选需要办理的事项即可。"},
            ],
            "result_name": "营业执照、印章、发票、社保登记信息",
            "result_sample": "营业执照（纸质及电子）、首套印章、发票（数电发票授信额度）、单位参保登记信息、"
            "住房公积金单位缴存登记信息。",
            "popularity": 960,
        },
        "materials": ["申请表", "章程", "法定代表人身份证", "住所证明", "?委托书"],
        "handling": [
            ("new", "营业执照"),
            ("new", "公章刻制"),
            ("new", "申领发票和税控设备"),
            ("new", "员工参保登记"),
            ("new", "住房公积金缴存登记"),
        ],
    },
    # 食品经营许可证 at 江汉 (预包装食品零售): issued online the next morning during the epidemic.
    {
        "basic": "食品经营许可",
        "region": "420103",
        "sector": "approval",
        "guide": {
            "service_objects": ["1", "2"],
            "description": "申请人从事食品销售和餐饮服务活动，应当取得食品经营许可。经营项目包括预包装食品销售"
            "（含冷藏冷冻食品）、散装食品销售、特殊食品销售、热食类食品制售等。江汉区行政审批局推行“网上办”，"
            "对预包装食品零售等低风险项目实行告知承诺、先证后查，符合条件的次日发放电子食品经营许可证。",
            "conditions": "1. 具有与经营的食品品种、数量相适应的食品贮存、销售场所，保持场所环境整洁；"
            "2. 具有与经营的食品品种、数量相适应的冷藏、冷冻、防尘、防蝇、防鼠等设备设施；"
            "3. 有专职或兼职的食品安全管理人员和保证食品安全的规章制度；"
            "4. 具有合理的设备布局和工艺流程，防止待加工食品与直接入口食品、原料与成品交叉污染。",
            "statutory_limit": 10,
            "promised_limit": 1,
            "limit_note": "法定10个工作日；承诺1个工作日；实行告知承诺的当场或次日发证。需现场核查的，核查时间不计入。",
            "case_type": "2",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "delivery_methods": ["window", "post", "electronic"],
            "steps": [
                {
                    "name": "网上申请",
                    "description": "登录湖北政务服务网或鄂汇办APP，选择经营项目（如预包装食品销售）"
                    "在线填报并上传材料，签署告知承诺书",
                    "time_limit": "随时",
                },
                {
                    "name": "受理审查",
                    "description": "江汉区行政审批局线上审核电子材料，材料不全的一次性告知",
                    "time_limit": "当日",
                },
                {
                    "name": "决定发证",
                    "description": "符合条件的作出准予许可决定，生成电子食品经营许可证",
                    "time_limit": "1个工作日",
                },
                {
                    "name": "证后核查",
                    "description": "市场监管部门在发证后对告知承诺内容进行核查",
                    "time_limit": "20个工作日内",
                },
            ],
            "places": [
                {
                    "name": "武汉市江汉区政务服务中心市场准营窗口",
                    "address": "武汉市江汉区常青路江汉区政务服务中心二楼",
                    "hours": HOURS_WH,
                    "phone": "027-85776031",
                },
            ],
            "consult_phone": "027-85776031",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "只卖预包装食品还要办许可证吗？",
                    "a": "仅销售预包装食品的办理备案即可；同时销售散装食品、"
                    "冷藏冷冻食品以外的其他项目或餐饮服务的，需申请食品经营许可。",
                },
                {
                    "q": "许可证有效期多久？",
                    "a": "5年。需要延续的，在有效期届满前90个工作日至15个工作日期间提出。",
                },
                {
                    "q": "疫情等特殊时期能网上办吗？",
                    "a": "可以，全程网办，电子许可证与纸质证书具有同等效力。",
                },
            ],
            "result_name": "食品经营许可证",
            "result_sample": "《食品经营许可证》（正本、副本）：载明经营者名称、统一社会信用代码、法定代表人、住所、"
            "经营场所、主体业态、经营项目（如：预包装食品销售（含冷藏冷冻食品））、许可证编号、有效期、"
            "发证机关武汉市江汉区行政审批局及日期。",
            "popularity": 880,
        },
        "materials": [
            "申请表",
            "营业执照",
            "法定代表人身份证",
            "承诺书",
            "~平面图",
            "~管理制度",
            "?委托书",
        ],
        "handling": [
            ("new", "食品经营许可新办（预包装食品零售）"),
            ("new", "食品经营许可新办（餐饮服务）"),
            ("change", "食品经营许可变更"),
            ("renewal", "食品经营许可延续"),
            ("cancel", "食品经营许可注销"),
        ],
    },
    # 林木采伐许可证 at 恩施市: a villager deep in the mountains finished online in three minutes.
    {
        "basic": "林木采伐许可证核发",
        "region": "422801",
        "sector": "forestry",
        "guide": {
            "service_objects": ["1", "2", "6"],
            "description": "采伐林地上的林木应当申请采伐许可证。恩施市林业局对农村居民采伐自留山和个人承包集体林地"
            "上的林木实行网上申请、即时审批，申请人在手机上填报采伐地点、树种和蓄积，几分钟即可取得电子采伐许可证；"
            "也可在乡镇便民服务中心就近办理。",
            "conditions": "1. 申请采伐的林木权属清楚、无争议；2. 采伐地点、树种、面积、蓄积量、方式符合森林采伐限额"
            "和技术规程；3. 上年度采伐后已按规定完成更新造林；4. 不属于禁止采伐的公益林和自然保护地核心区。",
            "statutory_limit": 20,
            "promised_limit": 0,
            "limit_note": "法定20个工作日；农村居民自用材和小面积商品林采伐即时办结；需现场查验的承诺3个工作日。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "nearby": True,
            "delivery_methods": ["window", "electronic"],
            "steps": [
                {
                    "name": "网上申请",
                    "description": "登录鄂汇办APP或湖北政务服务网，填写采伐地点、四至、树种、株数、"
                    "蓄积量，上传林权证明",
                    "time_limit": "随时",
                },
                {
                    "name": "审核发证",
                    "description": "系统比对林权和采伐限额，符合条件的即时生成电子采伐许可证",
                    "time_limit": "即时",
                },
                {
                    "name": "按证采伐",
                    "description": "按许可证载明的地点、数量和期限采伐，完成后按规定更新造林",
                    "time_limit": "许可证有效期内",
                },
            ],
            "places": [
                {
                    "name": "恩施市政务服务中心林业窗口",
                    "address": "恩施市舞阳大道恩施市政务服务中心一楼",
                    "hours": "周一至周五 8:30-12:00，14:30-17:30",
                    "phone": "0718-8226012",
                },
                {
                    "name": "恩施市龙凤镇便民服务中心",
                    "address": "恩施市龙凤镇便民服务中心",
                    "hours": "周一至周五 8:30-12:00，14:30-17:30",
                    "phone": "0718-8466036",
                },
            ],
            "consult_phone": "0718-8226012",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "砍自家房前屋后的零星树木要办证吗？",
                    "a": "农村居民采伐自留地和房前屋后个人所有的零星林木，不需要申请采伐许可证。",
                },
                {"q": "不会用手机怎么办？", "a": "可到所在乡镇便民服务中心，由工作人员帮办代办。"},
            ],
            "result_name": "林木采伐许可证",
            "result_sample": "《林木采伐许可证》：载明采伐单位（个人）、采伐地点（乡镇、村、小班）、林种、树种、"
            "采伐面积、株数、蓄积量、采伐方式、期限、更新造林要求，加盖恩施市林业局电子印章。",
            "popularity": 620,
        },
        "materials": ["林木采伐申请表", "身份证", "林权证明（不动产权证书或林权证）", "?采伐作业设计"],
        "handling": [
            ("new", "林木采伐许可证核发（农村居民采伐自留山和个人承包集体林地上的林木）"),
            ("new", "林木采伐许可证核发（商品林采伐）"),
            ("change", "林木采伐许可证变更"),
        ],
    },
    # 特殊工时 at 江岸: six minutes online review, 备案通知书 posted free of charge.
    {
        "basic": "企业实行不定时工作制和综合计算工时工作制审批",
        "region": "420102",
        "sector": "approval",
        "guide": {
            "service_objects": ["2"],
            "description": "因工作性质或生产特点不能实行标准工时制度的企业，可申请对相关岗位实行不定时工作制或"
            "综合计算工时工作制。江岸区行政审批局实行“全程不见面审批”：企业通过湖北政务服务网提交材料，"
            "科室在线审核电子材料，符合标准的将《备案通知书》免费邮寄送达企业。",
            "conditions": "1. 申请岗位属于因工作性质、生产特点不能实行标准工时的岗位；2. 已听取工会或职工代表意见；"
            "3. 能保障职工休息休假权利和劳动报酬。",
            "statutory_limit": 20,
            "promised_limit": 1,
            "limit_note": "法定20个工作日；承诺1个工作日，材料规范的当场审结。",
            "case_type": "2",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "delivery_methods": ["post", "electronic"],
            "steps": [
                {
                    "name": "网上申请",
                    "description": "企业登录湖北政务服务网提交申请和岗位方案",
                    "time_limit": "随时",
                },
                {
                    "name": "在线审核",
                    "description": "江岸区行政审批局同步审核电子材料",
                    "time_limit": "当日（最快6分钟）",
                },
                {
                    "name": "免费邮寄",
                    "description": "《备案通知书》通过免费邮寄送达，同时推送电子文书",
                    "time_limit": "1-2日",
                },
            ],
            "places": [
                {
                    "name": "武汉市江岸区政务服务中心综合受理窗口",
                    "address": "武汉市江岸区金桥大道江岸区政务服务中心",
                    "hours": HOURS_WH,
                    "phone": "027-82658300",
                },
            ],
            "consult_phone": "027-82658300",
            "complaint_phone": "12345",
            "faqs": [
                {"q": "需要到现场吗？", "a": "不需要，全程不见面审批，结果免费邮寄送达。"},
                {"q": "批准有效期多长？", "a": "批准有效期一般为1至3年，到期前需重新申请。"},
            ],
            "result_name": "特殊工时工作制审批决定（备案通知书）",
            "result_sample": "《备案通知书》：载明企业名称、实行特殊工时的岗位、人数、工时制度类型、有效期，"
            "加盖武汉市江岸区行政审批局印章。",
            "popularity": 420,
        },
        "materials": [
            "申请表",
            "营业执照",
            "实行特殊工时工作制的岗位、人数及工作时间安排方案",
            "工会或职工代表大会意见",
            "?委托书",
        ],
        "handling": [
            ("new", "特殊工时工作制审批（首次）"),
            ("renewal", "特殊工时工作制审批（到期重新审批）"),
        ],
    },
    # 不动产登记 at 襄阳: five working days, two materials, tax and certificate in five minutes on 鄂汇办.
    {
        "basic": "不动产登记（国有建设用地使用权及房屋所有权转移登记）",
        "region": "420600",
        "sector": "land",
        "guide": {
            "service_objects": ["1", "2"],
            "description": "二手房买卖、赠与、继承等引起房屋所有权转移的，当事人申请转移登记。襄阳市推行"
            "“一窗受理、集成服务”，登记、交易、缴税一窗办，申请人只需提供身份证明和买卖合同2件材料，"
            "其余信息通过部门共享获取；通过鄂汇办APP可在线申请、缴税并领取电子不动产权证书。",
            "conditions": "1. 不动产已办理首次登记；2. 转移原因合法、真实；3. 不存在查封、异议登记等限制情形；"
            "4. 已依法缴纳相关税费。",
            "statutory_limit": 30,
            "promised_limit": 5,
            "limit_note": "法定30个工作日；承诺5个工作日办结，部分业务即时办结。",
            "case_type": "2",
            "charged": True,
            "fees": [
                {"name": "不动产登记费（住宅）", "standard": "80元/件"},
                {"name": "不动产登记费（非住宅）", "standard": "550元/件"},
                {"name": "不动产权证书工本费", "standard": "每增加一本证书加收10元"},
            ],
            "fee_basis": "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》（发改价格规〔2016〕2559号）",
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "delivery_methods": ["window", "post", "electronic"],
            "steps": [
                {
                    "name": "申请",
                    "description": "鄂汇办APP“不动产登记”专区或综合窗口提交申请",
                    "time_limit": "随时",
                },
                {
                    "name": "受理与缴税",
                    "description": "一窗受理，同步推送税务部门核税，在线缴纳税费",
                    "time_limit": "当日",
                },
                {
                    "name": "审核登簿",
                    "description": "登记机构审核并记载于不动产登记簿",
                    "time_limit": "4个工作日",
                },
                {
                    "name": "发证",
                    "description": "核发电子不动产权证书，纸质证书可邮寄或窗口领取",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "襄阳市政务服务中心不动产登记综合窗口",
                    "address": "襄阳市樊城区长征路襄阳市政务服务中心",
                    "hours": "周一至周五 8:30-12:00，14:00-17:30；周六上午延时服务",
                    "phone": "0710-3515366",
                },
                {
                    "name": "襄阳市不动产登记局东津新区服务点",
                    "address": "襄阳市东津新区市民服务中心",
                    "hours": "周一至周五 8:30-12:00，14:00-17:30",
                    "phone": "0710-3515367",
                },
            ],
            "consult_phone": "0710-3515366",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "需要带哪些材料？",
                    "a": "买卖双方身份证明和不动产买卖合同；不动产权证书、完税信息等通过共享获取。",
                },
                {"q": "多久能拿证？", "a": "5个工作日内，网上申请并缴税的最快当日领取电子证书。"},
            ],
            "result_name": "不动产权证书",
            "result_sample": "《不动产权证书》：载明权利人、共有情况、坐落、不动产单元号、权利类型、权利性质、"
            "用途、面积、使用期限，加盖襄阳市不动产登记局不动产登记专用章；同步生成电子证书。",
            "popularity": 900,
        },
        "materials": ["身份证", "不动产买卖合同", "?不动产权证书"],
        "handling": [("other", "买卖转移登记"), ("other", "赠与转移登记"), ("other", "继承转移登记")],
    },
    # 出生医学证明 at 洪山区 (part of 新生儿出生一件事).
    {
        "basic": "出生医学证明办理",
        "region": "420111",
        "sector": "health",
        "guide": {
            "service_objects": ["1"],
            "description": "在医疗卫生机构出生的新生儿，由助产机构在出生后签发《出生医学证明》；因遗失、损毁需要"
            "补发、换发的，由区卫生健康局指定的签发机构办理。证明纳入电子证照库，新生儿落户、医保参保、"
            "社保卡申领可直接调用，父母无需再提交纸质证明。",
            "conditions": "1. 新生儿在本辖区医疗卫生机构出生或在辖区内出生的院外分娩新生儿；"
            "2. 父母双方身份信息真实有效；3. 补发的须登报声明或书面说明遗失情况。",
            "statutory_limit": 5,
            "promised_limit": 0,
            "limit_note": "首次签发在新生儿出生后即时办结；补发、换发承诺3个工作日。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "nearby": True,
            "delivery_methods": ["window", "electronic"],
            "steps": [
                {
                    "name": "信息登记",
                    "description": "父母在助产机构或鄂汇办“新生儿出生一件事”中填写新生儿姓名等信息",
                    "time_limit": "出生后",
                },
                {
                    "name": "核对签发",
                    "description": "签发机构核对信息后签发，同步生成电子出生医学证明",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "武汉市洪山区妇幼保健院出生医学证明签发窗口",
                    "address": "武汉市洪山区珞狮南路",
                    "hours": HOURS_WH,
                    "phone": "027-87384120",
                },
            ],
            "consult_phone": "027-87384120",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "孩子名字还没起好可以先办吗？",
                    "a": "可以先签发，起名后在规定时间内办理换发；建议起名后一次签发。",
                },
                {
                    "q": "出生医学证明和落户一起办吗？",
                    "a": "可以，“新生儿出生一件事”一次申请，同步办理落户、医保和社保卡。",
                },
            ],
            "result_name": "出生医学证明",
            "result_sample": "《出生医学证明》：载明新生儿姓名、性别、出生时间、出生地点、健康状况、母亲和父亲姓名"
            "及身份证件号码、签发机构和出生证编号。",
            "popularity": 820,
        },
        "materials": ["出生医学证明首次签发登记表", "父母双方居民身份证", "?结婚证"],
        "handling": [
            ("new", "出生医学证明首次签发"),
            ("change", "出生医学证明换发"),
            ("other", "出生医学证明补发"),
        ],
    },
    # 新生儿落户 at 洪山区: the residence registration of a newborn.
    {
        "basic": "出生登记（新生儿落户）",
        "region": "420111",
        "sector": "police",
        "guide": {
            "service_objects": ["1"],
            "description": "婴儿出生后一个月内，由户主、亲属、抚养人向婴儿常住地户口登记机关申报出生登记。"
            "通过鄂汇办APP“新生儿出生一件事”可在线办理新生儿落户，出生医学证明、父母身份证和户口簿信息通过"
            "电子证照库调取，户口簿新生儿页可邮寄送达。",
            "conditions": "1. 新生儿随父或随母落户；2. 父母一方为本辖区常住户口；3. 持有出生医学证明；"
            "4. 超过一个月申报的按规定说明原因。",
            "statutory_limit": 1,
            "promised_limit": 0,
            "limit_note": "材料齐全的即时办结；网上申请的1个工作日内审核完成。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "nearby": True,
            "delivery_methods": ["window", "post", "electronic"],
            "steps": [
                {
                    "name": "网上申报",
                    "description": "鄂汇办APP“新生儿出生一件事”填写申报信息，授权调取电子证照",
                    "time_limit": "随时",
                },
                {
                    "name": "审核登记",
                    "description": "户籍民警审核后登记户口，生成户口簿新生儿页",
                    "time_limit": "即时",
                },
                {
                    "name": "送达",
                    "description": "户口簿新生儿页邮寄送达或到派出所户籍窗口领取",
                    "time_limit": "1-3日",
                },
            ],
            "places": [
                {
                    "name": "武汉市公安局洪山区分局户政服务窗口（洪山区政务服务中心）",
                    "address": "武汉市洪山区政务服务中心一楼",
                    "hours": HOURS_WH,
                    "phone": "027-87882110",
                },
            ],
            "consult_phone": "027-87882110",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "新生儿落户必须本人到场吗？",
                    "a": "不需要，父母一方网上申报即可，材料通过电子证照库调取。",
                },
                {"q": "超过一个月还能落户吗？", "a": "可以，按规定说明逾期原因后办理。"},
            ],
            "result_name": "居民户口簿（新生儿户口页）",
            "result_sample": "居民户口簿常住人口登记卡：载明新生儿姓名、性别、民族、出生日期、出生地、公民身份号码、"
            "与户主关系，加盖户口专用章。",
            "popularity": 880,
        },
        "materials": ["出生医学证明", "父母双方居民身份证", "户口簿", "?结婚证"],
        "handling": [("new", "新生儿出生登记（随父落户）"), ("new", "新生儿出生登记（随母落户）")],
    },
    # 结婚登记预约 at 武昌: the article's "通过鄂汇办提前准确预约".
    {
        "basic": "结婚登记预约",
        "region": "420106",
        "sector": "civil",
        "guide": {
            "service_objects": ["1"],
            "description": "通过鄂汇办APP或湖北政务服务网预约结婚登记的日期和时段，到预约时段双方携带证件到"
            "武昌区婚姻登记处办理，减少排队等候；可预约“520”“七夕”等热门日期及颁证服务。",
            "conditions": "符合结婚登记条件的男女双方，一方户籍在我省或实行“跨省通办”的地区。",
            "statutory_limit": 0,
            "promised_limit": 0,
            "limit_note": "本事项即时办结：预约提交后即时反馈预约结果。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ["2", "3"],
            "online_depth": ["1", "2", "3", "4", "5", "6"],
            "fully_online": True,
            "delivery_methods": ["electronic"],
            "steps": [
                {
                    "name": "在线预约",
                    "description": "选择婚姻登记处、日期和时段，填写双方信息",
                    "time_limit": "随时",
                },
                {
                    "name": "预约确认",
                    "description": "系统即时反馈，短信通知预约结果和所需材料",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "武汉市武昌区婚姻登记处",
                    "address": "武汉市武昌区中北路武昌区政务服务中心三楼",
                    "hours": "周一至周五 8:30-12:00，14:00-17:00；周六上午（预约）",
                    "phone": "027-87318950",
                },
            ],
            "consult_phone": "027-87318950",
            "complaint_phone": "12345",
            "faqs": [
                {"q": "预约后可以改期吗？", "a": "可以，在预约日前一天17:00前在线取消后重新预约。"},
                {"q": "不预约可以直接去吗？", "a": "可以，现场取号办理；预约可减少等候时间。"},
            ],
            "result_name": "结婚登记预约成功回执（短信）",
            "result_sample": "预约回执：载明预约号、婚姻登记处名称和地址、预约日期和时段、需携带的材料。",
            "popularity": 780,
        },
        "materials": ["身份证"],
        "handling": [("other", "结婚登记预约")],
    },
    # 社保缴费 (social insurance contributions) at the provincial tax bureau, for oneself or others.
    {
        "basic": "社会保险费缴纳",
        "region": "420000",
        "sector": "tax",
        "guide": {
            "service_objects": ["1", "2"],
            "description": "灵活就业人员、城乡居民及用人单位依法缴纳社会保险费。个人可通过鄂汇办APP“社保专区”、"
            "楚税通APP、微信或支付宝城市服务随时缴费，也可为家人代缴；缴费记录实时传递至社保经办机构。",
            "conditions": "已办理社会保险参保登记的单位和个人。",
            "statutory_limit": 0,
            "promised_limit": 0,
            "limit_note": "即时办结；缴费成功后即时生成电子缴费凭证。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": ["1", "2", "3", "4", "5", "6"],
            "fully_online": True,
            "delivery_methods": ["electronic"],
            "steps": [
                {
                    "name": "选择险种",
                    "description": "登录鄂汇办APP社保专区，选择缴费险种和档次，可为他人代缴",
                    "time_limit": "随时",
                },
                {"name": "在线缴费", "description": "确认应缴金额后在线支付", "time_limit": "即时"},
                {
                    "name": "获取凭证",
                    "description": "下载电子缴费凭证，缴费信息同步至社保经办机构",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "湖北省政务服务中心税费服务窗口",
                    "address": "武汉市武昌区湖北省政务服务中心",
                    "hours": HOURS_WH,
                    "phone": "027-12366",
                },
            ],
            "consult_phone": "12366",
            "complaint_phone": "12345",
            "faqs": [
                {"q": "可以帮父母缴费吗？", "a": "可以，在“为他人缴费”中输入被缴费人身份信息即可代缴。"},
                {"q": "缴费后多久能查到记录？", "a": "一般次日可在社保缴费记录查询中查到。"},
            ],
            "result_name": "社保缴费电子凭证（社会保险费缴费证明）",
            "result_sample": "电子缴费凭证：载明缴费人、险种、所属期、缴费金额、缴费时间和税务机关电子印章。",
            "popularity": 995,
        },
        "materials": ["缴费人身份证件或社会保障卡"],
        "handling": [
            ("other", "城乡居民基本养老保险费缴纳"),
            ("other", "灵活就业人员社会保险费缴纳"),
            ("other", "单位社会保险费申报缴纳"),
        ],
    },
    # 公积金查询 at the provincial housing fund centre (鄂汇办 公积金专区).
    {
        "basic": "住房公积金查询",
        "region": "420000",
        "sector": "fund",
        "guide": {
            "service_objects": ["1"],
            "description": "缴存职工通过鄂汇办APP“公积金专区”、湖北政务服务网或12329热线，一键查询住房公积金"
            "账户余额、缴存明细、提取记录和公积金贷款信息。",
            "conditions": "已在湖北省住房公积金中心开立个人住房公积金账户的缴存职工。",
            "statutory_limit": 0,
            "promised_limit": 0,
            "limit_note": "即时办结。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": ["1", "2", "3", "4", "5", "6"],
            "fully_online": True,
            "delivery_methods": ["electronic"],
            "steps": [
                {"name": "实名登录", "description": "登录鄂汇办APP，完成实名认证", "time_limit": "即时"},
                {
                    "name": "查询",
                    "description": "进入公积金专区，查询余额、缴存、提取和贷款信息",
                    "time_limit": "即时",
                },
            ],
            "places": [
                {
                    "name": "湖北省住房公积金中心服务大厅",
                    "address": "武汉市武昌区湖北省住房公积金中心一楼",
                    "hours": HOURS_WH,
                    "phone": "027-12329",
                },
            ],
            "consult_phone": "12329",
            "complaint_phone": "12345",
            "faqs": [
                {"q": "查询需要密码吗？", "a": "通过鄂汇办实名认证后无需另设密码。"},
                {"q": "可以查公积金贷款还款明细吗？", "a": "可以，在“贷款信息”中查看还款计划和明细。"},
            ],
            "result_name": "住房公积金账户余额、缴存及贷款信息",
            "result_sample": "查询结果页面：账户状态、余额、月缴存额、缴存基数、最近缴存月份、贷款余额。",
            "popularity": 975,
        },
        "materials": ["身份证"],
        "handling": [("other", "住房公积金账户余额和缴存明细查询"), ("other", "住房公积金贷款信息查询")],
    },
    # 高考成绩查询 at the provincial examination authority (鄂汇办 高考专区).
    {
        "basic": "高考成绩查询",
        "region": "420000",
        "sector": "exam",
        "guide": {
            "service_objects": ["1"],
            "description": "普通高考成绩发布后，考生可通过湖北省教育考试院网站、鄂汇办APP“高考专区”查询本人成绩，"
            "高考专区同时提供录取结果查询、录取通知书邮寄查询等一条龙服务。",
            "conditions": "参加当年湖北省普通高考的考生。",
            "statutory_limit": 0,
            "promised_limit": 0,
            "limit_note": "成绩发布后即时查询。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ["2", "3"],
            "online_depth": ["1", "2", "3", "4", "5", "6"],
            "fully_online": True,
            "delivery_methods": ["electronic"],
            "steps": [
                {
                    "name": "登录",
                    "description": "登录鄂汇办APP高考专区或湖北省教育考试院网站",
                    "time_limit": "成绩发布后",
                },
                {"name": "查询成绩", "description": "输入考生号、身份证号和验证码查询", "time_limit": "即时"},
            ],
            "places": [
                {
                    "name": "湖北省教育考试院考生服务窗口",
                    "address": "武汉市洪山区湖北省教育考试院",
                    "hours": "周一至周五 8:30-12:00，14:30-17:30",
                    "phone": "027-87654321",
                },
            ],
            "consult_phone": "027-87654321",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "查询高峰期进不去怎么办？",
                    "a": "成绩发布当晚访问量大，请稍后再试或使用鄂汇办APP高考专区分流查询。",
                },
                {"q": "对成绩有疑问可以复核吗？", "a": "可以在规定时间内通过考试院网站申请成绩复核。"},
            ],
            "result_name": "普通高考成绩单（电子）",
            "result_sample": "成绩单：考生号、姓名、语文、数学、外语、选考科目成绩及总分，加注“湖北省教育考试院”。",
            "popularity": 970,
        },
        "materials": ["考生号及身份证号"],
        "handling": [("other", "普通高考成绩查询"), ("other", "成绩复核申请")],
    },
    # 个体工商户 at 李庙镇: the article's 全应香 of 赵店村 got her licence without travelling 40 km.
    {
        "basic": "个体工商户设立登记",
        "region": "420624103000",
        "sector": "township",
        "guide": {
            "service_objects": ["1"],
            "description": "李庙镇便民服务中心受理个体工商户设立登记，村民可在村便民服务室或通过鄂汇办APP网上申请，"
            "材料齐全的当场登记，营业执照可在镇便民服务中心领取或邮寄到家，不用再跑40多公里去县城。",
            "conditions": "1. 有经营能力的自然人；2. 有固定的经营场所；3. 经营范围不属于法律法规禁止的行业。",
            "statutory_limit": 3,
            "promised_limit": 0,
            "limit_note": "材料齐全、符合法定形式的当场登记；网上申请的当日审核。",
            "case_type": "1",
            "charged": False,
            "visits": 0,
            "handling_forms": ONLINE,
            "online_depth": FULL_DEPTH,
            "fully_online": True,
            "nearby": True,
            "delivery_methods": ["window", "post", "electronic"],
            "steps": [
                {
                    "name": "申请",
                    "description": "到镇便民服务中心、村便民服务室或通过鄂汇办APP提交申请",
                    "time_limit": "随时",
                },
                {
                    "name": "登记",
                    "description": "审核通过当场登记，生成营业执照和电子营业执照",
                    "time_limit": "即时",
                },
                {"name": "领照", "description": "镇便民服务中心领取或免费邮寄到家", "time_limit": "即时"},
            ],
            "places": [
                {
                    "name": "南漳县李庙镇便民服务中心",
                    "address": "襄阳市南漳县李庙镇集镇便民服务中心",
                    "hours": "周一至周五 8:30-12:00，14:30-17:30；农忙季节周末预约服务",
                    "phone": "0710-5261018",
                },
                {
                    "name": "李庙镇赵店村便民服务室（帮办代办）",
                    "address": "襄阳市南漳县李庙镇赵店村党员群众服务中心",
                    "hours": "工作日 8:30-17:00",
                    "phone": "0710-5261018",
                },
            ],
            "consult_phone": "0710-5261018",
            "complaint_phone": "12345",
            "faqs": [
                {
                    "q": "在村里能办营业执照吗？",
                    "a": "可以，村便民服务室帮办代办，材料由镇便民服务中心审核，执照可邮寄到家。",
                },
                {"q": "办执照要钱吗？", "a": "不收费。"},
            ],
            "result_name": "营业执照",
            "result_sample": "《营业执照》（个体工商户）：载明统一社会信用代码、名称、经营者、组成形式、经营场所、"
            "经营范围、注册日期，加盖登记机关印章。",
            "popularity": 600,
        },
        "materials": ["申请表", "身份证", "住所证明", "?委托书"],
        "handling": [("new", "个体工商户设立登记")],
    },
]
