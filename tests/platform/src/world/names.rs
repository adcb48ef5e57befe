//! Tables the world and the traffic draw from.

pub const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林",
    "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "欧阳", "司马",
];

pub const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "霞",
    "平", "刚", "桂英", "小明", "晓燕", "子涵", "浩然", "一诺", "欣怡", "梓萱", "雨桐", "思远", "嘉怡",
];

pub const CHINESE_HANDLES: &[&str] = &[
    "快乐的鱼",
    "风中的蒲公英",
    "阿狸",
    "静待花开",
    "南山南",
    "柠檬草的味道",
    "木子",
    "一只猫",
    "小确幸",
    "江城子",
    "不二",
    "岁月静好",
    "追风少年",
    "半糖",
    "晴天",
];

pub const LATIN: &[&str] = &[
    "Doraemonext",
    "Lily",
    "Kevin Wang",
    "Tony",
    "Jason_Li",
    "sunny",
    "Alice",
    "Mr.Zhang",
    "Coco",
    "Eric Chen",
    "Vivian",
    "leo",
    "Tom & Jerry",
    "<Ming>",
    "K.K.",
    "Amy  Lee",
];

pub const EMOJI: &[&str] = &["🌸", "😊", "🍀", "🐱", "☀️", "🎈", "❤️", "🌙", "🐼", "🍵"];

pub const USER_NAMES: &[&str] = &["lily1990", "wangwei_88", "kevin-w", "coco520", "zhangsan", "ericchen"];

/// (country, province, city); empty strings where a profile leaves them out.
pub const PLACES: &[(&str, &str, &str)] = &[
    ("中国", "湖北", "武汉"),
    ("中国", "湖北", "宜昌"),
    ("中国", "广东", "深圳"),
    ("中国", "广东", "广州"),
    ("中国", "北京", "朝阳"),
    ("中国", "上海", "浦东新区"),
    ("中国", "浙江", "杭州"),
    ("中国", "四川", "成都"),
    ("中国", "江苏", "南京"),
    ("中国", "湖南", "长沙"),
    ("中国", "福建", "厦门"),
    ("中国", "山东", "青岛"),
    ("中国", "陕西", "西安"),
    ("中国", "台湾", "台北"),
    ("中国", "香港", ""),
    ("美国", "加利福尼亚", "旧金山"),
    ("日本", "东京", ""),
    ("新加坡", "", ""),
    ("", "", ""),
];

pub const SIGNATURES: &[&str] = &[
    "做最好的自己",
    "Stay hungry, stay foolish.",
    "人生若只如初见",
    "今天也要加油鸭",
    "低调",
    "Keep calm & carry on",
    "生活不止眼前的苟且\n还有诗和远方",
    "<3 咖啡",
];

pub const ACCOUNT_NAMES: &[&str] = &[
    "武汉美食地图",
    "Coffee Lab 咖啡实验室",
    "江城读书会",
    "Tech 周刊",
    "Travel & Life",
    "东湖跑团",
    "小区便民服务",
    "光谷创客空间",
];

/// Texts many followers send: two followers often write the same one.
pub const COMMON_TEXTS: &[&str] =
    &["你好", "在吗？", "hi", "hello", "谢谢", "好的", "1", "2", "?", "收到", "👍", "😂😂😂", "ok", "怎么报名"];

/// Texts that exercise the console's escaping.
pub const TRICKY_TEXTS: &[&str] = &[
    "Tom & Jerry <3",
    "明天  见",
    "第一行\n第二行",
    "价格 < 100 吗",
    "A&B",
    "\"引号\" 和 'apostrophe'",
    "a > b && c < d",
    "  前后有空格  ",
];

/// Templates with a number, so most texts differ.
pub const NUMBERED_TEXTS: &[&str] = &[
    "订单号 {n} 什么时候发货",
    "请问 {n} 号还有位置吗",
    "我的会员卡号是 {n}",
    "How do I change order #{n}?",
    "第{n}期什么时候出",
    "报名 {n} 人",
];

pub const LABELS: &[&str] = &[
    "湖北省武汉市洪山区珞喻路",
    "湖北省恩施土家族苗族自治州恩施市",
    "广东省深圳市南山区科技园",
    "上海市浦东新区世纪大道",
    "北京市朝阳区三里屯",
];

pub const LINK_TITLES: &[&str] = &[
    "当日本的“变态”遇上德国的严谨，结果房子疯了！",
    "武汉最好吃的十家热干面",
    "How to brew pour-over coffee",
    "周末去哪儿 | 东湖绿道骑行攻略",
];

pub const MENU_KEYS: &[&str] = &["V1001_TODAY_MUSIC", "MENU_HELP", "MENU_SIGN_IN", "V1001_GOOD", "MENU_CONTACT"];

pub const VIEW_URLS: &[&str] =
    &["http://www.qq.com/", "http://m.example.com/shop?from=menu", "http://m.example.com/events/2013"];

pub const REPLIES: &[&str] = &["欢迎关注！", "感谢您的留言，我们会尽快回复。", "已收到 & 处理中", "回复 1 查看菜单"];
