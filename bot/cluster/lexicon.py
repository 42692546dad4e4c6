"""The words the cluster reader knows: roles, verbs, markers, titles, organisations, places.

Owns the vocabulary only (data, no logic): `spans.py` turns a sentence into spans with it,
`grammar.py` attaches roles to units over the spans' one-letter tags. Entries are written in
the new tone orthography ("hòa", "ủy"); the text is brought to it before matching
(`units.modern_tones`).

Why a hand-made lexicon and not a general Vietnamese NLP toolkit (underthesea, pyvi): their
named-entity models know "ORG"/"LOC" but not cluster roles nor which organisation may hold
one, they cost milliseconds per sentence (this runs on every ingested article), and their
models are downloaded at run time, which this deployment cannot do. The domain is narrow:
a few hundred words describe how Vietnamese administrative news writes a cluster leadership.

Tags (one character per span; the grammar is written over these):
  U unit that may hold a role       u unit governed by a title or a noun ("Chủ tịch Ủy ban...")
  R role (leader/deputy)            r role that cannot be a new term (former, retrospective,
                                      a residential cluster...)
  C cluster mention                 Y year phrase ("năm 2024", "năm nay")
  P person or title ("đồng chí", "Chủ tịch")
  e election verb (bầu, suy tôn, giao, phân công...)      p passive assignment (được bầu...)
  h holding verb (giữ vai trò, đảm nhận, tiếp nhận...)    l copula (là)        m làm
  b handover verb (bàn giao, chuyển giao)                 k recipient (cho, sang)
  d do ("do X làm")   t thuộc về   g gồm   n lần lượt   v và   a adverb (đã, được, tiếp tục)
  o role noun (vai trò, nhiệm vụ, đơn vị)                 c connective (theo đó, trong đó)
  M modality (sẽ, dự kiến, đề xuất)   N negation   K ranking/award   S speech/meeting
  F former-holder marker   T retrospective marker ("với vai trò")
  , ; : ( ) - .  punctuation          w any other word
"""

from __future__ import annotations

from typing import Literal

Role = Literal["leader", "deputy"]


def words(text: str) -> frozenset[str]:
    """A set of words written as one string (long word lists read better that way)."""
    return frozenset(text.split())


# --- roles ----------------------------------------------------------------------------------
# Matched case-insensitively: "Cụm trưởng", "cụm trưởng", "Trưởng Cụm", "Phó Trưởng Cụm".
ROLES: dict[str, Role] = {
    "phó cụm trưởng": "deputy",
    "phó trưởng cụm": "deputy",
    "cụm phó": "deputy",
    "phó cụm": "deputy",
    "cụm trưởng": "leader",
    "trưởng cụm": "leader",
}

# A role followed by one of these is about a cluster that is not an emulation cluster
# ("trưởng cụm dân cư", "cụm trưởng cụm công nghiệp").
NON_EMULATION = (
    "dân cư", "dân", "công nghiệp", "cn", "trường", "tuyến", "làng", "thôn", "bản",
    "khu dân cư", "khu công nghiệp", "khu phố", "an ninh", "sản xuất", "liên kết", "du lịch",
    "di tích", "nhà ở", "tổ dân phố", "kinh tế", "hộ", "chiến đấu", "liên gia", "tự quản",
)  # fmt: skip

# --- words with a grammatical job (lower case; multiword entries are token sequences) -------
# Verbs are matched in lower case only (a capital is a name: "Giao Thủy", "Thái Nguyên"),
# except as the first word of a sentence or after punctuation.
WORDS: dict[str, str] = {
    # election and assignment, active voice
    "bầu": "e", "bầu chọn": "e", "suy tôn": "e", "công nhận": "e", "giao": "e",
    "phân công": "e", "chọn": "e", "lựa chọn": "e", "tín nhiệm": "e", "thống nhất": "e",
    "nhất trí": "e", "quyết định": "e", "phân cụm": "e", "luân phiên": "e",
    "chỉ định": "e", "phê chuẩn": "e", "biểu quyết": "e",
    # "giao" in other words is no assignment ("ký kết giao ước thi đua", "giao lưu")
    "giao ước": "w", "giao lưu": "w", "giao thông": "w", "giao dịch": "w", "giao tiếp": "w",
    "giao hữu": "w", "giao kết": "w", "giao thương": "w", "giao ban": "w", "bàn giao nhà": "w",
    # passive assignment: the subject receives the role
    "được bầu": "p", "được bầu chọn": "p", "được suy tôn": "p", "được công nhận": "p",
    "được giao": "p", "được phân công": "p", "được chọn": "p", "được lựa chọn": "p",
    "được tín nhiệm": "p", "được luân phiên": "p", "được chỉ định": "p",
    "được tín nhiệm bầu": "p", "được thống nhất bầu": "p", "được nhất trí bầu": "p",
    "được hội nghị bầu": "p", "được hội nghị thống nhất bầu": "p",
    "trúng cử": "p",
    # holding a role
    "giữ": "h", "giữ chức": "h", "giữ chức vụ": "h", "đảm nhận": "h", "đảm nhiệm": "h",
    "đảm trách": "h", "đảm đương": "h", "nhận": "h", "tiếp nhận": "h", "tiếp quản": "h",
    "nhận bàn giao": "h",
    "là": "l", "chính là": "l",
    "làm": "m",
    # handing a role over
    "bàn giao": "b", "chuyển giao": "b", "trao lại": "b", "trao quyền": "b",
    "chuyển": "b", "nhường": "b", "trao": "b",
    "cho": "k", "lại cho": "k", "sang": "k", "giao cho": "k", "về cho": "k",
    "do": "d", "thuộc về": "t", "gồm": "g", "gồm có": "g", "bao gồm": "g",
    "lần lượt": "n", "và": "v", "cùng": "v", "cùng với": "v",
    # adverbs and auxiliaries that may sit inside a verb group
    "được": "a", "đã": "a", "tiếp tục": "a", "chính thức": "a", "vinh dự": "a", "cũng": "a",
    "vẫn": "a", "vào": "a", "đồng thời": "a", "lại": "a", "mới": "a", "vừa": "a", "đều": "a",
    "tự hào": "a",
    # role nouns between a verb and the role ("giữ vai trò Cụm trưởng")
    "vai trò": "o", "nhiệm vụ": "o", "chức": "o", "chức vụ": "o", "cương vị": "o",
    "vị trí": "o", "đơn vị": "o", "trọng trách": "o", "cờ luân lưu": "o", "cờ thi đua": "o",
    "cờ": "o",
    # connectives that may introduce a unit
    "theo đó": "c", "trong đó": "c", "kết quả": "c", "còn": "c", "riêng": "c",
    "sau đó": "c", "cụ thể": "c", "để": "c", "theo kết quả": "c", "như sau": "c",
    "theo": "c", "theo nguyên tắc": "c", "như vậy": "c",
    # a deliberation that is over is no proposal ("Sau khi trao đổi, các đơn vị thống nhất")
    "sau khi trao đổi": "c", "sau khi thảo luận": "c", "sau khi xem xét": "c",
    "sau khi bàn bạc": "c", "qua trao đổi": "c", "qua thảo luận": "c", "qua xem xét": "c",
    # modality: proposals, plans, hypotheticals, candidacies
    "sẽ": "M", "dự kiến": "M", "đề xuất": "M", "đề nghị": "M", "kiến nghị": "M",
    "dự định": "M", "nếu": "M", "có thể": "M", "ứng cử": "M", "đề cử": "M",
    "giới thiệu": "M", "dự thảo": "M", "xin ý kiến": "M", "lấy ý kiến": "M",
    "mong muốn": "M", "hy vọng": "M", "hi vọng": "M", "chuẩn bị": "M", "sắp": "M",
    "tiến tới": "M", "xem xét": "M", "thảo luận": "M", "trao đổi": "M", "bàn bạc": "M",
    "định hướng": "M", "phương án": "M", "đăng ký": "M", "nguyện vọng": "M",
    "xứng đáng": "M", "cần": "M", "phấn đấu": "M", "dự tính": "M", "khả năng": "M",
    "nhiều khả năng": "M", "có lẽ": "M", "chờ": "M", "kế hoạch": "M", "trình": "M",
    "muốn": "M", "mời": "M", "đặt vấn đề": "M", "hay": "M", "hoặc": "M", "hoặc là": "M",
    # negation ("không" in a few compounds is not one: handled in spans.py)
    "không": "N", "chưa": "N", "chẳng": "N", "chả": "N", "không còn": "N",
    # rankings and awards
    "đứng thứ": "K", "xếp thứ": "K", "xếp hạng": "K", "dẫn đầu": "K", "đứng đầu": "K",
    "giải nhất": "K", "giải nhì": "K", "giải ba": "K", "thứ nhất": "K", "thứ nhì": "K",
    "thứ hai": "K", "thứ ba": "K", "tặng": "K", "trao tặng": "K", "khen thưởng": "K",
    "bằng khen": "K", "giấy khen": "K", "xuất sắc nhất": "K", "xếp loại": "K",
    "hoàn thành xuất sắc": "K", "đạt": "K", "vị thứ": "K", "top": "K", "tiêu biểu": "K",
    "xuất sắc": "K", "điển hình": "K", "danh hiệu": "K",
    # a speech or a meeting: who speaks, chairs, attends
    "chủ trì": "S", "đồng chủ trì": "S", "phát biểu": "S", "cho biết": "S", "nhấn mạnh": "S",
    "khẳng định": "S", "thay mặt": "S", "điều hành": "S", "khai mạc": "S", "bế mạc": "S",
    "chào mừng": "S", "tham dự": "S", "trình bày": "S", "tham luận": "S", "chia sẻ": "S",
    "đăng cai": "S", "tổ chức": "S", "kết luận": "S", "báo cáo": "S", "dự": "S",
    # former holders
    "nguyên": "F", "từng": "F", "cựu": "F", "vốn là": "F", "trước đây": "F",
    "trước đó": "F", "năm trước": "F", "năm ngoái": "F", "nhiệm kỳ trước": "F",
    "khóa trước": "F", "năm qua": "F", "cũ": "F", "tiền nhiệm": "F",
    # a past term seen from its end ("với vai trò Cụm trưởng, X đã...")
    "với vai trò": "T", "trong vai trò": "T", "trên cương vị": "T", "ở cương vị": "T",
    "với tư cách": "T", "với cương vị": "T", "hoàn thành vai trò": "T",
    "hoàn thành nhiệm vụ": "T", "hoàn thành tốt vai trò": "T",
    "hoàn thành tốt nhiệm vụ": "T", "kết thúc": "T", "kết thúc vai trò": "T",
    "kết thúc nhiệm kỳ": "T", "thời gian làm": "T", "thời gian giữ": "T",
    # people and their titles: a unit right after one is the title's, not a role holder
    "đồng chí": "P", "đ/c": "P", "chủ tịch": "P", "phó chủ tịch": "P", "bí thư": "P",
    "phó bí thư": "P", "giám đốc": "P", "phó giám đốc": "P", "trưởng ban": "P",
    "phó trưởng ban": "P", "trưởng phòng": "P", "phó trưởng phòng": "P",
    "tổng biên tập": "P", "phó tổng biên tập": "P", "ủy viên": "P", "thường trực": "P",
    "lãnh đạo": "P", "đại diện": "P", "cán bộ": "P", "thủ trưởng": "P",
    "chánh văn phòng": "P", "trưởng đoàn": "P", "chủ nhiệm": "P", "thành viên": "P",
    "người đứng đầu": "P", "phóng viên": "P", "đại biểu": "P", "tổng giám đốc": "P",
    "hội viên": "P", "đoàn viên": "P", "cán bộ mặt trận": "P", "trưởng khu": "P",
    "tổ trưởng": "P", "chi hội trưởng": "P", "bí thư chi bộ": "P",
}  # fmt: skip

# Honorifics that are a person only when a name follows ("bà con" is "the people").
HONORIFICS = frozenset({"ông", "bà", "anh", "chị", "cô", "chú", "bác"})

# "không" inside these is not a negation.
NOT_NEGATION = frozenset(
    {"chuyên trách", "khí", "gian", "ngừng", "chỉ", "ít", "kể", "quân", "ảnh", "dây", "lưu"}
)

# --- administrative units -------------------------------------------------------------------
ADMIN_WORDS: tuple[tuple[str, ...], ...] = (
    ("thành", "phố"), ("thị", "xã"), ("thị", "trấn"), ("tỉnh",), ("quận",), ("huyện",),
    ("phường",), ("xã",), ("tp",), ("đặc", "khu"),
)  # fmt: skip
# Spelled-together city abbreviations: one token each.
CITY_TOKENS: dict[str, str] = {
    "tp.hcm": "thành phố Hồ Chí Minh", "tphcm": "thành phố Hồ Chí Minh",
    "tp.hồ": "thành phố Hồ", "tp.đà": "thành phố Đà", "tp.hà": "thành phố Hà",
    "tp.cần": "thành phố Cần", "tp.hải": "thành phố Hải",
}  # fmt: skip

# --- organisations --------------------------------------------------------------------------
# Heads that name a unit only with a capitalised descriptor after them ("Sở Tư pháp",
# "Hội Nông dân", "Báo Hải Phòng"): a lower-case word after "Ban" is a common noun phrase
# ("Ban quản lý dự án ..."), not an organisation's name.
ORG_HEADS_WITH_NAME: tuple[tuple[str, ...], ...] = (
    ("báo",), ("đài",), ("tạp", "chí"), ("hội",), ("đoàn",), ("liên", "đoàn"),
    ("liên", "hiệp"), ("công", "đoàn"), ("sở",), ("ban",), ("trung", "tâm"),
    ("văn", "phòng"), ("phòng",), ("cục",), ("chi", "cục"), ("viện",), ("trường",),
    ("bệnh", "viện"), ("ngân", "hàng"), ("cổng", "thông", "tin"), ("thông", "tấn", "xã"),
    ("hãng", "phim"), ("nhà", "xuất", "bản"), ("chi", "hội"), ("liên", "minh"),
    ("bộ",), ("tổng", "cục"), ("tổng", "công", "ty"), ("công", "ty"),
)  # fmt: skip
# Heads that are a unit by themselves (before an optional locality).
ORG_HEADS_COMPLETE: tuple[tuple[str, ...], ...] = (
    ("ủy", "ban", "nhân", "dân"), ("ubnd",), ("hội", "đồng", "nhân", "dân"), ("hđnd",),
    ("công", "an"), ("thành", "đoàn"), ("tỉnh", "đoàn"), ("quận", "đoàn"),
    ("huyện", "đoàn"), ("thành", "ủy"), ("tỉnh", "ủy"), ("quận", "ủy"), ("huyện", "ủy"),
    ("đảng", "ủy"), ("thị", "ủy"), ("thị", "đoàn"), ("kho", "bạc", "nhà", "nước"),
    ("bảo", "hiểm", "xã", "hội"), ("bộ", "chỉ", "huy", "quân", "sự"), ("lđlđ",),
    ("viện", "kiểm", "sát", "nhân", "dân"), ("tòa", "án", "nhân", "dân"),
    ("hội", "lhpn"), ("hội", "ccb"), ("hội", "nd"), ("hội", "ctđ"), ("đoàn", "tncs"),
)  # fmt: skip
# Committees of the Fatherland Front: "Ủy ban MTTQ Việt Nam", "UBMTTQ", "MTTQ", "Mặt trận".
MTTQ_WORDS = frozenset({"mttq", "mttqvn", "ubmttq", "ubmttqvn"})
# "Ủy ban Trung ương MTTQ Việt Nam" runs the clusters; it is never one of their members.
CENTRAL_WORDS = frozenset({"trung", "tw", "t.ư", "t.w", "tư"})

# Capitalised words that end a place name: they start the next phrase. Kept short on purpose:
# place names use almost any syllable ("Lâm Đồng", "Hội An"), so most stops are multiword
# (a role, a cluster, a title such as "Đồng chí" or "Chủ tịch": see spans.py).
NAME_STOPS = frozenset({
    "cụm", "năm", "ủy", "uỷ", "ub", "ubnd", "ubmttq", "ubmttqvn", "mttq", "mttqvn", "ngày",
    "tại", "trong", "theo", "khối", "về", "sáng", "chiều", "tối",
})  # fmt: skip

# Province-level units (before and after the 2025 merger), so that "Đà Nẵng là Cụm trưởng"
# is read as a unit while a person's name ("Nguyễn Văn An là Cụm trưởng") is not.
PROVINCES: tuple[str, ...] = (
    "An Giang", "Bà Rịa - Vũng Tàu", "Bạc Liêu", "Bắc Giang", "Bắc Kạn", "Bắc Ninh", "Bến Tre",
    "Bình Dương", "Bình Định", "Bình Phước", "Bình Thuận", "Cà Mau", "Cao Bằng", "Cần Thơ",
    "Đà Nẵng", "Đắk Lắk", "Đắk Nông", "Điện Biên", "Đồng Nai", "Đồng Tháp", "Gia Lai",
    "Hà Giang", "Hà Nam", "Hà Nội", "Hà Tĩnh", "Hải Dương", "Hải Phòng", "Hậu Giang",
    "Hòa Bình", "Hồ Chí Minh", "Huế", "Hưng Yên", "Khánh Hòa", "Kiên Giang", "Kon Tum",
    "Lai Châu", "Lạng Sơn", "Lào Cai", "Lâm Đồng", "Long An", "Nam Định", "Nghệ An",
    "Ninh Bình", "Ninh Thuận", "Phú Thọ", "Phú Yên", "Quảng Bình", "Quảng Nam", "Quảng Ngãi",
    "Quảng Ninh", "Quảng Trị", "Sóc Trăng", "Sơn La", "Tây Ninh", "Thái Bình", "Thái Nguyên",
    "Thanh Hóa", "Thừa Thiên Huế", "Tiền Giang", "Trà Vinh", "Tuyên Quang", "Vĩnh Long",
    "Vĩnh Phúc", "Yên Bái", "Thành phố Hồ Chí Minh",
)  # fmt: skip

# --- cluster names --------------------------------------------------------------------------
# Lower-case words a cluster's name may contain ("5 thành phố trực thuộc Trung ương", "các
# sở, ngành nội chính", "các tỉnh trung du và miền núi phía Bắc"). Any other lower-case word
# ends the name ("Cụm thi đua các quận tổ chức ...").
CLUSTER_NAME_WORDS = words(
    "các số tỉnh thành phố huyện quận thị xã phường trấn trực thuộc trung ương khu vực miền "
    "phía vùng đồng bằng sông duyên hải núi du biên giới ven biển nam bắc đông tây nội ngoại "
    "cao nguyên đảo hai ba bốn sáu bảy tám chín mười sở ban ngành đoàn thể hội cơ quan báo "
    "chí đài đơn vị khối mặt trận tâm")
# Two-word terms a name may contain; either word alone ends it ("5 thành phố tổ chức ...").
CLUSTER_NAME_PAIRS = frozenset({
    "tổ chức", "chính trị", "văn hóa", "kinh tế", "quần chúng", "xuất bản", "thể thao",
    "tổng hợp", "doanh nghiệp", "đặc biệt",
    "đô thị", "nông thôn", "nội chính", "xã hội", "sự nghiệp", "nghệ thuật",
})  # fmt: skip
# Words after which "và" continues a cluster's name ("trung du và miền núi").
CLUSTER_AND_NEXT = words("miền vùng khu phía trung đồng duyên ven biên núi cao")
# Words a name may be continued with after a comma ("các tỉnh, thành phố", "các sở, ngành").
CLUSTER_COMMA_NEXT = words("thành ngành thị huyện quận phường xã đoàn hội ban đơn")
CLUSTER_WEAK_TAIL = words("và các của số - – trực thuộc")


# --- years ----------------------------------------------------------------------------------
RELATIVE_YEARS = {"nay": 0, "tới": 1, "sau": 1, "kế tiếp": 1, "tiếp theo": 1}
