"""A labelled corpus for the cluster reader: sentences with the leaderships they state, and traps.

Written for newsbot (not copied from any source), in the phrasings Vietnamese administrative
news uses. Each case lists the facts a reader should be shown (`shown`) and those that should
reach the admins as a question instead (`asked`: a role restated in passing, a contradiction).
Traps state no leadership: rankings and awards, people introduced by their titles, former
holders, proposals and plans, residential clusters, questions, years that are not terms.

`kind` is the issue's class ("1".."6", see issue 16), "spec8" (the forms SPEC section 8 lists),
"restated", "article" (several sentences) or "trap-<what>". `score` measures a reader on it;
tests/test_cluster_corpus.py asserts the figures and bench/cluster.py prints them.

How candidates count: precision is over the facts shown to readers (each must be a true fact
of its case). Recall counts an expected `shown` fact when it is shown, and an expected `asked`
fact when it is shown or asked (either way it reaches someone who can act on it). A question
about anything that is not a fact of its case is noise; traps must give neither facts nor
questions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

Fact = tuple[str, int, str, str]  # (cluster, year, role, unit)

M = "Ủy ban MTTQ Việt Nam"
FIVE = "5 thành phố trực thuộc Trung ương"


def lead(cluster: str, year: int, unit: str) -> Fact:
    return (cluster, year, "leader", unit)


def dep(cluster: str, year: int, unit: str) -> Fact:
    return (cluster, year, "deputy", unit)


@dataclass(frozen=True)
class Case:
    id: str
    kind: str
    text: str
    shown: frozenset[Fact] = frozenset()
    asked: frozenset[Fact] = frozenset()
    default_year: int | None = None
    default_cluster: str | None = None

    @property
    def trap(self) -> bool:
        return self.kind.startswith("trap")


def case(id: str, kind: str, text: str, *shown: Fact, asked: Iterable[Fact] = (),
         default_year: int | None = None, default_cluster: str | None = None) -> Case:
    return Case(id, kind, text, frozenset(shown), frozenset(asked), default_year,
                default_cluster)


def trap(id: str, kind: str, text: str, *, default_year: int | None = None,
         default_cluster: str | None = None) -> Case:
    return Case(id, f"trap-{kind}", text, default_year=default_year,
                default_cluster=default_cluster)


CASES: tuple[Case, ...] = (
    # --- 1. two units after "là", each with its role in parentheses ---------------------------
    case("1-so-II", "1",
         "Hội nghị đã bầu chọn cụm trưởng và cụm phó cụm thi đua số II năm 2023 là Ủy ban MTTQ "
         "Việt Nam quận Hải An (Cụm trưởng) và Ủy ban MTTQ Việt Nam quận Dương Kinh (Cụm phó).",
         lead("số II", 2023, f"{M} quận Hải An"), dep("số II", 2023, f"{M} quận Dương Kinh")),
    case("1-ket-qua-bau-chon", "1",
         "Kết quả bầu chọn Cụm trưởng, Cụm phó Cụm thi đua số 4 năm 2024 là UBMTTQ xã An Hưng "
         "(Cụm trưởng) và UBMTTQ xã An Hồng (Cụm phó).",
         lead("số 4", 2024, f"{M} xã An Hưng"), dep("số 4", 2024, f"{M} xã An Hồng")),
    case("1-cluster-after", "1",
         "Các đơn vị đã thống nhất bầu chọn Cụm trưởng và Cụm phó năm 2025 là Ủy ban MTTQ "
         "phường Đông Hải (Cụm trưởng) và Ủy ban MTTQ phường Nam Hải (Cụm phó) của Cụm thi đua "
         "số III.",
         lead("số III", 2025, f"{M} phường Đông Hải"),
         dep("số III", 2025, f"{M} phường Nam Hải")),
    case("1-hoi-nong-dan", "1",
         "Hội nghị bầu chọn Cụm trưởng, Cụm phó cụm thi đua các huyện ngoại thành năm 2023 là "
         "Hội Nông dân huyện Kiến Thụy (Cụm trưởng), Hội Nông dân huyện An Lão (Cụm phó).",
         lead("các huyện ngoại thành", 2023, "Hội Nông dân huyện Kiến Thụy"),
         dep("các huyện ngoại thành", 2023, "Hội Nông dân huyện An Lão")),
    case("1-lien-doan-lowercase", "1",
         "Tại hội nghị, các đại biểu đã bầu chọn cụm trưởng, cụm phó Cụm thi đua số 1 năm 2024 "
         "là Liên đoàn Lao động quận Ngô Quyền (cụm trưởng) và Liên đoàn Lao động quận Lê Chân "
         "(cụm phó).",
         lead("số 1", 2024, "Liên đoàn Lao động quận Ngô Quyền"),
         dep("số 1", 2024, "Liên đoàn Lao động quận Lê Chân")),
    case("1-year-after-parens", "1",
         "Hội nghị thống nhất bầu chọn Ủy ban MTTQ phường Lạc Viên (Cụm trưởng) và Ủy ban MTTQ "
         "phường Máy Tơ (Cụm phó) Cụm thi đua số 1 năm 2023.",
         lead("số 1", 2023, f"{M} phường Lạc Viên"), dep("số 1", 2023, f"{M} phường Máy Tơ")),
    # --- 2. "bầu X là trưởng cụm, Y là phó cụm thi đua ... năm N" -----------------------------
    case("2-cac-quan", "2",
         "Hội nghị đã bầu Ủy ban MTTQ quận Hồng Bàng là trưởng cụm, Ủy ban MTTQ quận Lê Chân là "
         "phó cụm thi đua các quận năm 2024.",
         lead("các quận", 2024, f"{M} quận Hồng Bàng"), dep("các quận", 2024, f"{M} quận Lê Chân")),
    case("2-so-5", "2",
         "Các đơn vị thống nhất bầu UBMTTQ phường Lãm Hà là trưởng cụm, UBMTTQ phường Quán Trữ "
         "là phó cụm thi đua số 5 năm 2023.",
         lead("số 5", 2023, f"{M} phường Lãm Hà"), dep("số 5", 2023, f"{M} phường Quán Trữ")),
    case("2-cuu-chien-binh", "2",
         "Hội nghị đã bầu Hội Cựu chiến binh quận Kiến An làm trưởng cụm, Hội Cựu chiến binh "
         "quận Đồ Sơn làm phó cụm thi đua các quận năm 2025.",
         lead("các quận", 2025, "Hội Cựu chiến binh quận Kiến An"),
         dep("các quận", 2025, "Hội Cựu chiến binh quận Đồ Sơn")),
    case("2-xa-ven-bien", "2",
         "Các xã trong cụm đã bầu Ủy ban MTTQ xã Đại Hợp là trưởng cụm và Ủy ban MTTQ xã Tú Sơn "
         "là phó cụm thi đua các xã ven biển năm 2024.",
         lead("các xã ven biển", 2024, f"{M} xã Đại Hợp"),
         dep("các xã ven biển", 2024, f"{M} xã Tú Sơn")),
    case("2-pho-truong-cum", "2",
         "Năm 2023, hội nghị bầu UBMTTQ thị trấn An Lão là trưởng cụm, UBMTTQ xã An Tiến là phó "
         "trưởng cụm thi đua số 2.",
         lead("số 2", 2023, f"{M} thị trấn An Lão"), dep("số 2", 2023, f"{M} xã An Tiến")),
    # --- 3. numbered clusters in ";" lists, the year in the preamble -------------------------
    case("3-phan-cum", "3",
         "Theo kết quả phân cụm năm 2025, Cụm 1 do Ủy ban MTTQ phường Máy Chai làm cụm trưởng, "
         "Ủy ban MTTQ phường Vạn Mỹ làm cụm phó; Cụm 2 do Ủy ban MTTQ phường Cầu Tre làm cụm "
         "trưởng, Ủy ban MTTQ phường Gia Viên làm cụm phó.",
         lead("số 1", 2025, f"{M} phường Máy Chai"), dep("số 1", 2025, f"{M} phường Vạn Mỹ"),
         lead("số 2", 2025, f"{M} phường Cầu Tre"), dep("số 2", 2025, f"{M} phường Gia Viên")),
    case("3-cum-so", "3",
         "Năm 2024, các cụm thi đua của Ủy ban MTTQ huyện được phân công như sau: Cụm số 1 do "
         "UBMTTQ xã Kiền Bái làm cụm trưởng; Cụm số 2 do UBMTTQ xã Thiên Hương làm cụm trưởng; "
         "Cụm số 3 do UBMTTQ xã Lưu Kiếm làm cụm trưởng.",
         lead("số 1", 2024, f"{M} xã Kiền Bái"), lead("số 2", 2024, f"{M} xã Thiên Hương"),
         lead("số 3", 2024, f"{M} xã Lưu Kiếm")),
    case("3-roman", "3",
         "Theo kết quả phân cụm năm 2024, Cụm thi đua số I do Ủy ban MTTQ xã Hoa Động làm Cụm "
         "trưởng, Ủy ban MTTQ xã Lâm Động làm Cụm phó; Cụm thi đua số II do Ủy ban MTTQ xã Hoàng "
         "Động làm Cụm trưởng.",
         lead("số I", 2024, f"{M} xã Hoa Động"), dep("số I", 2024, f"{M} xã Lâm Động"),
         lead("số II", 2024, f"{M} xã Hoàng Động")),
    case("3-cum-IV-V", "3",
         "Kết quả phân cụm năm 2025: Cụm IV do Ủy ban MTTQ phường Đằng Lâm làm cụm trưởng, Ủy "
         "ban MTTQ phường Đằng Hải làm cụm phó; Cụm V do Ủy ban MTTQ phường Nam Hải làm cụm "
         "trưởng, Ủy ban MTTQ phường Thành Tô làm cụm phó.",
         lead("số IV", 2025, f"{M} phường Đằng Lâm"), dep("số IV", 2025, f"{M} phường Đằng Hải"),
         lead("số V", 2025, f"{M} phường Nam Hải"), dep("số V", 2025, f"{M} phường Thành Tô")),
    case("3-year-first", "3",
         "Năm 2023, Cụm 3 do UBMTTQ xã Quảng Thanh làm cụm trưởng, UBMTTQ xã Chính Mỹ làm cụm "
         "phó; Cụm 4 do UBMTTQ xã Cao Nhân làm cụm trưởng, UBMTTQ xã Hợp Thành làm cụm phó.",
         lead("số 3", 2023, f"{M} xã Quảng Thanh"), dep("số 3", 2023, f"{M} xã Chính Mỹ"),
         lead("số 4", 2023, f"{M} xã Cao Nhân"), dep("số 4", 2023, f"{M} xã Hợp Thành")),
    # --- 4. units that are not Front committees, and short spellings of the committees -------
    case("4-press", "4",
         "Hội nghị đã thống nhất bầu Báo Hải Phòng làm Cụm trưởng, Đài Phát thanh và Truyền hình "
         "Hải Phòng làm Cụm phó Cụm thi đua các cơ quan báo chí năm 2024.",
         lead("các cơ quan báo chí", 2024, "Báo Hải Phòng"),
         dep("các cơ quan báo chí", 2024, "Đài Phát thanh và Truyền hình Hải Phòng")),
    case("4-tap-chi", "4",
         "Tạp chí Mặt trận được bầu làm Cụm trưởng Cụm thi đua các cơ quan báo chí của Ủy ban "
         "Trung ương MTTQ Việt Nam năm 2023.",
         lead("các cơ quan báo chí", 2023, "Tạp chí Mặt trận")),
    case("4-press-short", "4",
         "Hội nghị thống nhất bầu Báo Đà Nẵng làm Cụm trưởng, Tạp chí Non Nước làm Cụm phó cụm "
         "thi đua các cơ quan báo chí năm 2025.",
         lead("các cơ quan báo chí", 2025, "Báo Đà Nẵng"),
         dep("các cơ quan báo chí", 2025, "Tạp chí Non Nước")),
    case("4-phu-nu", "4",
         "Hội nghị suy tôn Hội Liên hiệp Phụ nữ quận Hồng Bàng là Cụm trưởng, Hội Liên hiệp Phụ "
         "nữ quận Ngô Quyền là Cụm phó cụm thi đua số 1 năm 2024.",
         lead("số 1", 2024, "Hội Liên hiệp Phụ nữ quận Hồng Bàng"),
         dep("số 1", 2024, "Hội Liên hiệp Phụ nữ quận Ngô Quyền")),
    case("4-departments", "4",
         "Các đơn vị trong cụm đã bầu Sở Tư pháp làm Cụm trưởng và Sở Nội vụ làm Cụm phó Cụm "
         "thi đua các sở, ngành nội chính năm 2025.",
         lead("các sở, ngành nội chính", 2025, "Sở Tư pháp"),
         dep("các sở, ngành nội chính", 2025, "Sở Nội vụ")),
    case("4-ban-dan-van", "4",
         "Hội nghị thống nhất giao Ban Dân vận Thành ủy làm Cụm trưởng Cụm thi đua các ban Đảng "
         "năm 2023.",
         lead("các ban Đảng", 2023, "Ban Dân vận Thành ủy")),
    case("4-lien-doan", "4",
         "Năm 2024, Liên đoàn Lao động huyện Vĩnh Bảo được bầu làm Cụm trưởng Cụm thi đua số 3.",
         lead("số 3", 2024, "Liên đoàn Lao động huyện Vĩnh Bảo")),
    case("4-ubmttq", "4",
         "UBMTTQ phường Trần Nguyên Hãn được bầu làm Cụm trưởng cụm thi đua số 2 năm 2024.",
         lead("số 2", 2024, f"{M} phường Trần Nguyên Hãn")),
    case("4-mttq-bare", "4",
         "Hội nghị đã bầu MTTQ thị trấn Núi Đèo làm Cụm trưởng, MTTQ xã Thủy Sơn làm Cụm phó cụm "
         "thi đua số 1 năm 2023.",
         lead("số 1", 2023, f"{M} thị trấn Núi Đèo"), dep("số 1", 2023, f"{M} xã Thủy Sơn")),
    case("4-uy-ban-mttq", "4",
         "Ủy ban MTTQ thành phố Đà Nẵng được giao làm Cụm trưởng Cụm thi đua 5 thành phố trực "
         "thuộc Trung ương năm 2025.",
         lead(FIVE, 2025, f"{M} thành phố Đà Nẵng")),
    case("4-cong-doan", "4",
         "Hội nghị bầu Công đoàn Viên chức thành phố làm Cụm trưởng, Công đoàn Giáo dục thành phố "
         "làm Cụm phó Cụm thi đua số 6 năm 2024.",
         lead("số 6", 2024, "Công đoàn Viên chức thành phố"),
         dep("số 6", 2024, "Công đoàn Giáo dục thành phố")),
    case("4-thanh-doan", "4",
         "Thành đoàn Hải Phòng được suy tôn làm Cụm trưởng Cụm thi đua các tổ chức chính trị - xã "
         "hội năm 2023.",
         lead("các tổ chức chính trị - xã hội", 2023, "Thành đoàn Hải Phòng")),
    case("4-ubnd", "4",
         "Hội nghị nhất trí bầu Ủy ban nhân dân phường Lê Lợi làm Cụm trưởng Cụm thi đua số 4 năm "
         "2024.",
         lead("số 4", 2024, "Ủy ban nhân dân phường Lê Lợi")),
    case("4-trung-tam", "4",
         "Trung tâm Văn hóa thành phố được chọn làm Cụm trưởng Cụm thi đua các đơn vị sự nghiệp "
         "văn hóa năm 2023.",
         lead("các đơn vị sự nghiệp văn hóa", 2023, "Trung tâm Văn hóa thành phố")),
    case("4-thi-xa", "4",
         "Ủy ban MTTQ Việt Nam thị xã Quảng Yên làm Cụm trưởng Cụm thi đua các huyện, thị xã miền "
         "Đông năm 2024.",
         lead("các huyện, thị xã miền Đông", 2024, f"{M} thị xã Quảng Yên")),
    case("4-chu-thap-do", "4",
         "Hội Chữ thập đỏ quận Liên Chiểu được bầu làm Cụm trưởng Cụm thi đua số 3 năm 2024.",
         lead("số 3", 2024, "Hội Chữ thập đỏ quận Liên Chiểu")),
    case("4-cong-an", "4",
         "Năm 2025, Công an phường Hòa Khánh được giao làm Cụm phó Cụm thi đua số 2.",
         dep("số 2", 2025, "Công an phường Hòa Khánh")),
    case("4-huyen-doan", "4",
         "Hội nghị suy tôn Huyện đoàn Hòa Vang làm Cụm trưởng cụm thi đua các huyện đoàn năm "
         "2023.",
         lead("các huyện đoàn", 2023, "Huyện đoàn Hòa Vang")),
    case("4-thi-tran", "4",
         "Thị trấn Tiên Lãng được bầu làm Cụm trưởng Cụm thi đua các xã, thị trấn năm 2024.",
         lead("các xã, thị trấn", 2024, "thị trấn Tiên Lãng")),
    case("4-bare-wards", "4",
         "Phường Hòa Cường Bắc là Cụm trưởng, phường Hòa Thuận Tây là Cụm phó cụm thi đua số 1 "
         "năm 2025.",
         lead("số 1", 2025, "phường Hòa Cường Bắc"), dep("số 1", 2025, "phường Hòa Thuận Tây")),
    case("4-hoi-lhpn-abbrev", "4",
         "Hội nghị bầu Hội LHPN huyện Thủy Nguyên làm Cụm trưởng Cụm thi đua các huyện năm 2024.",
         lead("các huyện", 2024, "Hội Liên hiệp Phụ nữ huyện Thủy Nguyên")),
    case("4-so-giao-duc", "4",
         "Sở Giáo dục và Đào tạo được bầu làm Cụm phó Cụm thi đua các sở, ngành văn hóa - xã hội "
         "năm 2024.",
         dep("các sở, ngành văn hóa - xã hội", 2024, "Sở Giáo dục và Đào tạo")),
    # --- 5. membership: "Cụm ... gồm A, B, C, trong đó B là Cụm trưởng" ----------------------
    case("5-trong-do", "5",
         "Cụm thi đua số 4 gồm Ủy ban MTTQ phường An Biên, Ủy ban MTTQ phường An Dương và Ủy "
         "ban MTTQ phường Trần Nguyên Hãn, trong đó Ủy ban MTTQ phường An Dương là Cụm trưởng năm "
         "2024.",
         lead("số 4", 2024, f"{M} phường An Dương")),
    case("5-xa-list", "5",
         "Cụm thi đua các xã phía Nam gồm các xã Tân Phong, Tân Hưng, Tân Liên và Cộng Hiền, "
         "trong đó xã Tân Hưng là Cụm trưởng, xã Cộng Hiền là Cụm phó năm 2025.",
         lead("các xã phía Nam", 2025, "xã Tân Hưng"),
         dep("các xã phía Nam", 2025, "xã Cộng Hiền")),
    case("5-semicolon", "5",
         "Cụm thi đua số 2 năm 2023 gồm 6 phường: Cát Dài, Trại Cau, Lam Sơn, An Biên, Hàng Kênh "
         "và Dư Hàng; trong đó phường Lam Sơn là Cụm trưởng, phường An Biên là Cụm phó.",
         lead("số 2", 2023, "phường Lam Sơn"), dep("số 2", 2023, "phường An Biên")),
    case("5-elected", "5",
         "Cụm thi đua các tỉnh Tây Bắc gồm 6 tỉnh, trong đó Ủy ban MTTQ Việt Nam tỉnh Sơn La được "
         "bầu làm Cụm trưởng năm 2024.",
         lead("các tỉnh Tây Bắc", 2024, f"{M} tỉnh Sơn La")),
    case("5-press-members", "5",
         "Cụm thi đua các cơ quan báo chí gồm Báo Hải Phòng, Đài Phát thanh và Truyền hình Hải "
         "Phòng và Tạp chí Cửa Biển; trong đó Báo Hải Phòng là Cụm trưởng năm 2023.",
         lead("các cơ quan báo chí", 2023, "Báo Hải Phòng")),
    case("5-quan-noi-thanh", "5",
         "Cụm thi đua các quận nội thành năm 2024 gồm 5 quận, trong đó Ủy ban MTTQ quận Lê Chân "
         "được bầu làm Cụm trưởng, Ủy ban MTTQ quận Ngô Quyền được bầu làm Cụm phó.",
         lead("các quận nội thành", 2024, f"{M} quận Lê Chân"),
         dep("các quận nội thành", 2024, f"{M} quận Ngô Quyền")),
    # --- 6. more role verbs, handovers, rotation, a heading and one line per cluster ---------
    case("6-dam-nhan", "6",
         "Ủy ban MTTQ Việt Nam huyện Thủy Nguyên đảm nhận vai trò Cụm trưởng Cụm thi đua các "
         "huyện năm 2024.",
         lead("các huyện", 2024, f"{M} huyện Thủy Nguyên")),
    case("6-tiep-tuc-giu", "6",
         "Năm 2025, Ủy ban MTTQ phường Ngọc Sơn tiếp tục giữ vai trò Cụm trưởng Cụm thi đua số 3.",
         lead("số 3", 2025, f"{M} phường Ngọc Sơn")),
    case("6-duoc-giao-nhiem-vu", "6",
         "UBMTTQ xã Bình Minh được giao nhiệm vụ Cụm phó Cụm thi đua số 2 năm 2024.",
         dep("số 2", 2024, f"{M} xã Bình Minh")),
    case("6-dam-nhiem", "6",
         "Hội Nông dân quận Dương Kinh đảm nhiệm vị trí Cụm phó Cụm thi đua các quận năm 2023.",
         dep("các quận", 2023, "Hội Nông dân quận Dương Kinh")),
    case("6-luan-phien-giu-chuc", "6",
         "Theo nguyên tắc luân phiên, năm 2025 Ủy ban MTTQ xã Minh Tân giữ chức Cụm trưởng Cụm "
         "thi đua số 6.",
         lead("số 6", 2025, f"{M} xã Minh Tân")),
    case("6-ban-giao-cho", "6",
         "Tại hội nghị, Ủy ban MTTQ quận Hải An đã bàn giao nhiệm vụ Cụm trưởng Cụm thi đua các "
         "quận năm 2025 cho Ủy ban MTTQ quận Kiến An.",
         lead("các quận", 2025, f"{M} quận Kiến An")),
    case("6-nhan-ban-giao", "6",
         "Ủy ban MTTQ xã An Hòa nhận bàn giao vai trò Cụm trưởng Cụm thi đua số 4 năm 2024 từ Ủy "
         "ban MTTQ xã An Thái.",
         lead("số 4", 2024, f"{M} xã An Hòa")),
    case("6-tiep-nhan-co", "6",
         "Ủy ban MTTQ phường Đông Khê tiếp nhận cờ luân lưu và nhiệm vụ Cụm trưởng Cụm thi đua số "
         "1 năm 2025 từ Ủy ban MTTQ phường Gia Viên.",
         lead("số 1", 2025, f"{M} phường Đông Khê")),
    case("6-chuyen-giao-passive", "6",
         "Vai trò Cụm trưởng Cụm thi đua số 3 năm 2025 được chuyển giao cho Ủy ban MTTQ xã Lê "
         "Thiện.",
         lead("số 3", 2025, f"{M} xã Lê Thiện")),
    case("6-thuoc-ve", "6",
         "Cụm trưởng Cụm thi đua các phường năm 2024 thuộc về Ủy ban MTTQ phường Phù Liễn.",
         lead("các phường", 2024, f"{M} phường Phù Liễn")),
    case("6-thuc-hien-luan-phien", "6",
         "Thực hiện luân phiên, Cụm trưởng Cụm thi đua số 2 năm 2025 là Ủy ban MTTQ xã Tân Dân.",
         lead("số 2", 2025, f"{M} xã Tân Dân")),
    case("6-chinh-thuc-cuong-vi", "6",
         "Ủy ban MTTQ Việt Nam tỉnh Phú Yên chính thức đảm nhận cương vị Cụm trưởng Cụm thi đua "
         "các tỉnh duyên hải miền Trung năm 2024.",
         lead("các tỉnh duyên hải miền Trung", 2024, f"{M} tỉnh Phú Yên")),
    case("6-trao-lai", "6",
         "Cụm thi đua các huyện phía Nam bàn giao nhiệm vụ Cụm trưởng\n\n"
         "Ủy ban MTTQ huyện Tiên Lãng đã trao lại cờ luân lưu và vai trò Cụm trưởng năm 2025 cho "
         "Ủy ban MTTQ huyện Vĩnh Bảo.",
         lead("các huyện phía Nam", 2025, f"{M} huyện Vĩnh Bảo")),
    case("6-phan-cong-lam", "6",
         "Được sự thống nhất của các đơn vị, Ủy ban MTTQ phường Quán Toan được phân công làm Cụm "
         "trưởng Cụm thi đua số 5 năm 2024.",
         lead("số 5", 2024, f"{M} phường Quán Toan")),
    case("6-tin-nhiem", "6",
         "Ủy ban MTTQ xã Đông Sơn vinh dự được tín nhiệm giữ vai trò Cụm trưởng Cụm thi đua các "
         "xã miền núi năm 2023.",
         lead("các xã miền núi", 2023, f"{M} xã Đông Sơn")),
    case("6-ban-thuong-truc-phan-cong", "6",
         "Ban Thường trực Ủy ban MTTQ huyện phân công Ủy ban MTTQ xã Quốc Tuấn làm Cụm trưởng "
         "Cụm thi đua số 1 năm 2025.",
         lead("số 1", 2025, f"{M} xã Quốc Tuấn")),
    case("6-heading-lines", "6",
         "Ban Thường trực Ủy ban MTTQ Việt Nam quận Lê Chân phân công Cụm trưởng, Cụm phó các cụm "
         "thi đua năm 2025 như sau:\n"
         "- Cụm thi đua số 1: Cụm trưởng Ủy ban MTTQ phường An Biên, Cụm phó Ủy ban MTTQ phường "
         "Cát Dài.\n"
         "- Cụm thi đua số 2: Cụm trưởng Ủy ban MTTQ phường Dư Hàng Kênh, Cụm phó Ủy ban MTTQ "
         "phường Kênh Dương.\n"
         "- Cụm thi đua số 3: Cụm trưởng Ủy ban MTTQ phường Vĩnh Niệm, Cụm phó Ủy ban MTTQ phường "
         "Nghĩa Xá.",
         lead("số 1", 2025, f"{M} phường An Biên"), dep("số 1", 2025, f"{M} phường Cát Dài"),
         lead("số 2", 2025, f"{M} phường Dư Hàng Kênh"),
         dep("số 2", 2025, f"{M} phường Kênh Dương"),
         lead("số 3", 2025, f"{M} phường Vĩnh Niệm"), dep("số 3", 2025, f"{M} phường Nghĩa Xá")),
    case("6-heading-numbered-paragraphs", "6",
         "Thực hiện Quy chế thi đua, khen thưởng, Ủy ban MTTQ huyện An Lão thông báo kết quả phân "
         "công Cụm trưởng, Cụm phó năm 2024 như sau:\n\n"
         "1. Cụm số 1: Ủy ban MTTQ xã An Thắng (Cụm trưởng), Ủy ban MTTQ xã An Tiến (Cụm phó).\n\n"
         "2. Cụm số 2: Ủy ban MTTQ xã Trường Thọ (Cụm trưởng), Ủy ban MTTQ xã Trường Thành (Cụm "
         "phó).",
         lead("số 1", 2024, f"{M} xã An Thắng"), dep("số 1", 2024, f"{M} xã An Tiến"),
         lead("số 2", 2024, f"{M} xã Trường Thọ"), dep("số 2", 2024, f"{M} xã Trường Thành")),
    case("6-heading-la", "6",
         "Năm 2023, Ủy ban MTTQ thành phố phân công các cụm thi đua như sau:\n"
         "Cụm 1: Cụm trưởng là Ủy ban MTTQ quận Hồng Bàng; Cụm phó là Ủy ban MTTQ quận Ngô Quyền.\n"
         "Cụm 2: Cụm trưởng là Ủy ban MTTQ huyện An Dương; Cụm phó là Ủy ban MTTQ huyện Thủy "
         "Nguyên.",
         lead("số 1", 2023, f"{M} quận Hồng Bàng"), dep("số 1", 2023, f"{M} quận Ngô Quyền"),
         lead("số 2", 2023, f"{M} huyện An Dương"), dep("số 2", 2023, f"{M} huyện Thủy Nguyên")),
    case("6-colon-role", "6",
         "Cụm trưởng Cụm thi đua số 3 năm 2025: Ủy ban MTTQ xã Đồng Thái.",
         lead("số 3", 2025, f"{M} xã Đồng Thái")),
    case("6-duoc-cac-thanh-pho-bau", "6",
         "Ủy ban MTTQ Việt Nam thành phố Hà Nội được các thành phố trong cụm thống nhất bầu làm "
         "Cụm trưởng Cụm thi đua 5 thành phố trực thuộc Trung ương năm 2025.",
         lead(FIVE, 2025, f"{M} thành phố Hà Nội")),
    case("6-duoc-hoi-nghi-bau", "6",
         "Ủy ban MTTQ phường Văn Đẩu được Hội nghị thống nhất bầu làm Cụm phó Cụm thi đua số 6 "
         "năm 2024.",
         dep("số 6", 2024, f"{M} phường Văn Đẩu")),
    # --- SPEC 8: verbs, role spellings, "là", "làm", "(Cụm trưởng)", ", Cụm trưởng", years
    # before and after, several clusters in one sentence -------------------------------------
    case("s8-bau-lam", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ Việt Nam tỉnh Bắc Giang làm cụm trưởng Cụm thi đua các tỉnh "
         "trung du miền núi phía Bắc năm 2024.",
         lead("các tỉnh trung du miền núi phía Bắc", 2024, f"{M} tỉnh Bắc Giang")),
    case("s8-bau-chon-la", "spec8",
         "Hội nghị bầu chọn Ủy ban MTTQ Việt Nam tỉnh Hòa Bình là Cụm phó Cụm thi đua các tỉnh "
         "Tây Bắc năm 2023.",
         dep("các tỉnh Tây Bắc", 2023, f"{M} tỉnh Hòa Bình")),
    case("s8-cong-nhan", "spec8",
         "Ủy ban Trung ương MTTQ Việt Nam công nhận Ủy ban MTTQ Việt Nam tỉnh Trà Vinh là Cụm "
         "trưởng Cụm thi đua các tỉnh Tây Nam Bộ năm 2025.",
         lead("các tỉnh Tây Nam Bộ", 2025, f"{M} tỉnh Trà Vinh")),
    case("s8-do-lam", "spec8",
         "Năm 2024, Cụm thi đua số 7 do Ủy ban MTTQ phường Hưng Đạo làm Cụm trưởng.",
         lead("số 7", 2024, f"{M} phường Hưng Đạo")),
    case("s8-apposition", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ Việt Nam tỉnh Quảng Trị, Cụm trưởng và Ủy ban MTTQ Việt Nam "
         "tỉnh Quảng Bình, Cụm phó cụm thi đua các tỉnh Bắc Trung Bộ năm 2024.",
         lead("các tỉnh Bắc Trung Bộ", 2024, f"{M} tỉnh Quảng Trị"),
         dep("các tỉnh Bắc Trung Bộ", 2024, f"{M} tỉnh Quảng Bình")),
    case("s8-suy-ton-year-first", "spec8",
         "Năm 2025, Hội nghị đã suy tôn Ủy ban MTTQ Việt Nam tỉnh Khánh Hòa làm Cụm trưởng Cụm "
         "thi đua các tỉnh Nam Trung Bộ.",
         lead("các tỉnh Nam Trung Bộ", 2025, f"{M} tỉnh Khánh Hòa")),
    case("s8-two-clusters-va", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ quận Đồ Sơn làm Cụm trưởng cụm thi đua số 1 và Ủy ban MTTQ "
         "huyện Cát Hải làm Cụm trưởng cụm thi đua số 2 năm 2024.",
         lead("số 1", 2024, f"{M} quận Đồ Sơn"), lead("số 2", 2024, f"{M} huyện Cát Hải")),
    case("s8-giao-lam", "spec8",
         "Hội nghị thống nhất giao Ủy ban MTTQ Việt Nam tỉnh Ninh Thuận làm Cụm phó Cụm thi đua "
         "các tỉnh Nam Trung Bộ năm 2023.",
         dep("các tỉnh Nam Trung Bộ", 2023, f"{M} tỉnh Ninh Thuận")),
    case("s8-thong-nhat", "spec8",
         "Các tỉnh trong cụm thống nhất Ủy ban MTTQ Việt Nam tỉnh Vĩnh Phúc làm Cụm trưởng cụm "
         "thi đua các tỉnh đồng bằng sông Hồng năm 2025.",
         lead("các tỉnh đồng bằng sông Hồng", 2025, f"{M} tỉnh Vĩnh Phúc")),
    case("s8-copula-year-first", "spec8",
         "Năm 2023, Ủy ban MTTQ Việt Nam thành phố Cần Thơ là Cụm trưởng cụm thi đua các tỉnh, "
         "thành phố Tây Nam Bộ.",
         lead("các tỉnh, thành phố Tây Nam Bộ", 2023, f"{M} thành phố Cần Thơ")),
    case("s8-pho-truong-cum", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ huyện Kiến Thụy làm Phó Trưởng Cụm thi đua số 3 năm 2024.",
         dep("số 3", 2024, f"{M} huyện Kiến Thụy")),
    case("s8-role-first", "spec8",
         "Theo kết quả bầu chọn, Cụm phó Cụm thi đua các tỉnh Đông Nam Bộ năm 2024 là Ủy ban MTTQ "
         "Việt Nam tỉnh Tây Ninh.",
         dep("các tỉnh Đông Nam Bộ", 2024, f"{M} tỉnh Tây Ninh")),
    case("s8-lan-luot", "spec8",
         "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Lào Cai và Ủy ban MTTQ Việt Nam "
         "tỉnh Yên Bái lần lượt làm Cụm trưởng, Cụm phó Cụm thi đua các tỉnh Tây Bắc năm 2025.",
         lead("các tỉnh Tây Bắc", 2025, f"{M} tỉnh Lào Cai"),
         dep("các tỉnh Tây Bắc", 2025, f"{M} tỉnh Yên Bái")),
    case("s8-roles-lan-luot-la", "spec8",
         "Cụm trưởng, Cụm phó Cụm thi đua các huyện năm 2024 lần lượt là Ủy ban MTTQ huyện An "
         "Dương và Ủy ban MTTQ huyện An Lão.",
         lead("các huyện", 2024, f"{M} huyện An Dương"),
         dep("các huyện", 2024, f"{M} huyện An Lão")),
    case("s8-bau-giu-chuc", "spec8",
         "Năm 2024, Ủy ban MTTQ Việt Nam tỉnh Hưng Yên được bầu giữ chức Cụm phó Cụm thi đua các "
         "tỉnh đồng bằng sông Hồng.",
         dep("các tỉnh đồng bằng sông Hồng", 2024, f"{M} tỉnh Hưng Yên")),
    case("s8-two-clusters-semicolon", "spec8",
         "Hội nghị suy tôn Ủy ban MTTQ quận Thanh Khê là Cụm trưởng cụm thi đua số 1; Ủy ban MTTQ "
         "huyện Hòa Vang là Cụm trưởng cụm thi đua số 2 năm 2023.",
         lead("số 1", 2023, f"{M} quận Thanh Khê"), lead("số 2", 2023, f"{M} huyện Hòa Vang")),
    case("s8-ubmttqvn", "spec8",
         "UBMTTQVN thành phố Hồ Chí Minh được bầu làm Cụm trưởng cụm thi đua 5 thành phố trực "
         "thuộc Trung ương năm 2023.",
         lead(FIVE, 2023, f"{M} thành phố Hồ Chí Minh")),
    case("s8-tp-tw", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ TP. Cần Thơ làm Cụm phó Cụm thi đua 5 thành phố trực thuộc "
         "TW năm 2025.",
         dep(FIVE, 2025, f"{M} thành phố Cần Thơ")),
    case("s8-giu-chuc-both", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ Việt Nam tỉnh Quảng Ngãi giữ chức Cụm trưởng năm 2024, Ủy "
         "ban MTTQ Việt Nam tỉnh Bình Định giữ chức Cụm phó Cụm thi đua các tỉnh duyên hải miền "
         "Trung.",
         lead("các tỉnh duyên hải miền Trung", 2024, f"{M} tỉnh Quảng Ngãi"),
         dep("các tỉnh duyên hải miền Trung", 2024, f"{M} tỉnh Bình Định")),
    case("s8-copula-deputy", "spec8",
         "Năm 2023, Ủy ban MTTQ huyện Cát Hải là Cụm phó Cụm thi đua các huyện ngoại thành.",
         dep("các huyện ngoại thành", 2023, f"{M} huyện Cát Hải")),
    case("s8-cho-nam", "spec8",
         "Hội nghị đã bầu Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng làm Cụm phó Cụm thi đua các tỉnh Tây "
         "Nam Bộ cho năm 2025.",
         dep("các tỉnh Tây Nam Bộ", 2025, f"{M} tỉnh Sóc Trăng")),
    case("s8-nam-toi", "spec8",
         "Các đại biểu đã nhất trí bầu Ủy ban MTTQ quận Liên Chiểu làm Cụm trưởng Cụm thi đua các "
         "quận năm tới.",
         lead("các quận", 2025, f"{M} quận Liên Chiểu"), default_year=2024),
    case("s8-mat-tran-long-form", "spec8",
         "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Đắk Lắk được công nhận là Cụm trưởng Cụm thi đua "
         "các tỉnh Tây Nguyên năm 2024.",
         lead("các tỉnh Tây Nguyên", 2024, f"{M} tỉnh Đắk Lắk")),
    # --- roles restated in passing: questions for the admins --------------------------------
    case("r-appos-chu-tri", "restated",
         "Cụm thi đua 5 thành phố trực thuộc Trung ương tổng kết năm 2022\n\n"
         "Hội nghị do Ủy ban MTTQ Việt Nam thành phố Đà Nẵng, Cụm trưởng năm 2022, chủ trì.",
         asked=[lead(FIVE, 2022, f"{M} thành phố Đà Nẵng")]),
    case("r-paren-chu-tri", "restated",
         "Hội thảo do Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh (Cụm trưởng Cụm thi đua các tỉnh Đông "
         "Bắc năm 2024) chủ trì.",
         asked=[lead("các tỉnh Đông Bắc", 2024, f"{M} tỉnh Quảng Ninh")]),
    case("r-don-vi-cum-truong", "restated",
         "Ủy ban MTTQ quận Hải Châu, đơn vị Cụm trưởng Cụm thi đua các quận năm 2023, đã tổ chức "
         "hội nghị sơ kết.",
         asked=[lead("các quận", 2023, f"{M} quận Hải Châu")]),
    case("r-paren-tong-ket", "restated",
         "Hội nghị tổng kết do Ủy ban MTTQ phường Lạch Tray (Cụm trưởng Cụm thi đua số 2 năm 2024) "
         "chủ trì, với sự tham dự của các phường trong cụm.",
         asked=[lead("số 2", 2024, f"{M} phường Lạch Tray")]),
    case("r-paren-pho", "restated",
         "Hội Nông dân huyện An Lão (Cụm phó Cụm thi đua các huyện năm 2024) phối hợp tổ chức "
         "hội thảo.",
         asked=[dep("các huyện", 2024, "Hội Nông dân huyện An Lão")]),
    # --- several sentences ------------------------------------------------------------------
    case("a-paragraph-year-title-cluster", "article",
         "Cụm thi đua các phường khu vực trung tâm tổng kết năm 2024\n\n"
         "Hội nghị đã tiến hành bầu Cụm trưởng, Cụm phó năm 2025. Kết quả, Ủy ban MTTQ phường "
         "Hoàng Văn Thụ được bầu làm Cụm trưởng, Ủy ban MTTQ phường Minh Khai được bầu làm Cụm "
         "phó.",
         lead("các phường khu vực trung tâm", 2025, f"{M} phường Hoàng Văn Thụ"),
         dep("các phường khu vực trung tâm", 2025, f"{M} phường Minh Khai"), default_year=2024),
    case("a-traps-and-one-election", "article",
         "Cụm thi đua các tỉnh Bắc Trung Bộ tổng kết năm 2024\n\n"
         "Đồng chí Lê Văn Hòa, Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Nghệ An, Cụm trưởng năm 2024, "
         "phát biểu khai mạc hội nghị.\n\n"
         "Hội nghị suy tôn Ủy ban MTTQ Việt Nam tỉnh Hà Tĩnh đứng thứ nhất trong Cụm thi đua năm "
         "2024.\n\n"
         "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Thanh Hóa làm Cụm trưởng, Ủy ban "
         "MTTQ Việt Nam tỉnh Quảng Bình làm Cụm phó năm 2025.",
         lead("các tỉnh Bắc Trung Bộ", 2025, f"{M} tỉnh Thanh Hóa"),
         dep("các tỉnh Bắc Trung Bộ", 2025, f"{M} tỉnh Quảng Bình"), default_year=2024),
    case("a-contradiction-asks", "article",
         "Hội nghị đã bầu Ủy ban MTTQ xã Vĩnh An làm Cụm trưởng Cụm thi đua số 8 năm 2024.\n\n"
         "Ủy ban MTTQ xã Vĩnh Long được bầu làm Cụm trưởng Cụm thi đua số 8 năm 2024.",
         asked=[lead("số 8", 2024, f"{M} xã Vĩnh An"), lead("số 8", 2024, f"{M} xã Vĩnh Long")]),
    # === traps: no leadership ===============================================================
    # rankings and awards
    trap("suy-ton-dung-thu-nhat", "ranking",
         "Hội nghị đã suy tôn Ủy ban MTTQ phường Lạch Tray đứng thứ nhất Cụm thi đua số 2 năm "
         "2024."),
    trap("paren-role-then-dan-dau", "ranking",
         "Ủy ban MTTQ Việt Nam tỉnh Bình Định (Cụm trưởng) được suy tôn dẫn đầu phong trào thi đua "
         "Cụm thi đua các tỉnh duyên hải miền Trung năm 2023."),
    trap("xep-thu-nhat", "ranking",
         "Kết quả bình xét, Ủy ban MTTQ quận Ngô Quyền là đơn vị Cụm trưởng xếp thứ nhất Cụm thi "
         "đua các quận năm 2024."),
    trap("dan-dau-co-thi-dua", "ranking",
         "Hội nghị đã suy tôn Hội Nông dân huyện An Lão là đơn vị dẫn đầu Cụm thi đua số 3 năm "
         "2024 và đề nghị tặng Cờ thi đua."),
    trap("appos-then-bang-khen", "ranking",
         "Ủy ban MTTQ xã Tân Tiến, Cụm trưởng Cụm thi đua số 4, được tặng Bằng khen vì thành tích "
         "xuất sắc năm 2023."),
    trap("xung-dang-lam", "ranking",
         "Ủy ban MTTQ Việt Nam tỉnh Nghệ An được suy tôn đứng đầu, xứng đáng làm Cụm trưởng Cụm "
         "thi đua các tỉnh Bắc Trung Bộ năm 2025."),
    trap("giai-nhat", "ranking",
         "Ủy ban MTTQ phường Cát Bi, Cụm phó Cụm thi đua số 1, đạt giải nhất hội thi tuyên truyền "
         "năm 2024."),
    # people introduced by their titles
    trap("dong-chi-chu-tich-cum-truong", "person",
         "Đồng chí Trần Văn Hùng, Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Hà Nam, Cụm trưởng Cụm thi "
         "đua các tỉnh đồng bằng sông Hồng năm 2024, phát biểu khai mạc."),
    trap("ba-pho-chu-tich-don-vi-cum-pho", "person",
         "Bà Nguyễn Thị Lan, Phó Chủ tịch Ủy ban MTTQ quận Lê Chân, đơn vị Cụm phó, trình bày "
         "tham luận tại hội nghị cụm thi đua số 2 năm 2023."),
    trap("thay-mat-don-vi-cum-truong", "person",
         "Thay mặt đơn vị Cụm trưởng, đồng chí Lê Thị Hoa, Chủ tịch Ủy ban MTTQ phường Cát Bi, "
         "phát biểu bế mạc hội nghị cụm thi đua số 1 năm 2024."),
    trap("lanh-dao-paren", "person",
         "Lãnh đạo Ủy ban MTTQ Việt Nam tỉnh Thái Bình (Cụm trưởng năm 2023) cho biết cụm thi đua "
         "các tỉnh đồng bằng sông Hồng đã ký kết giao ước."),
    trap("dong-chi-cum-truong-de-nghi", "person",
         "Phát biểu tại hội nghị, đồng chí Phạm Văn Nam, Cụm trưởng Cụm thi đua số 3, đề nghị các "
         "đơn vị đẩy mạnh chuyển đổi số năm 2025."),
    trap("chu-tich-unit-cum-truong", "person",
         "Chủ tịch Ủy ban MTTQ phường An Biên, Cụm trưởng cụm thi đua số 4 năm 2024, phát biểu tại "
         "hội nghị."),
    trap("dai-dien-cum-pho", "person",
         "Đại diện Hội Liên hiệp Phụ nữ quận Kiến An, Cụm phó Cụm thi đua các quận năm 2024, báo "
         "cáo kết quả hoạt động."),
    trap("bau-dong-chi", "person",
         "Hội nghị bầu đồng chí Nguyễn Văn Tuấn, Chủ tịch Ủy ban MTTQ quận Đồ Sơn làm Cụm trưởng "
         "Cụm thi đua các quận năm 2024."),
    trap("ong-lam-cum-truong", "person",
         "Ông Hoàng Minh Tâm làm cụm trưởng cụm thi đua số 5 năm 2024."),
    # former holders and past terms
    trap("nguyen-cum-truong", "former",
         "Ủy ban MTTQ Việt Nam tỉnh Bắc Kạn, nguyên Cụm trưởng Cụm thi đua các tỉnh Việt Bắc năm "
         "2022, chia sẻ kinh nghiệm."),
    trap("cum-truong-nam-truoc", "former",
         "Ủy ban MTTQ quận Hồng Bàng, Cụm trưởng năm trước, đã bàn giao cờ luân lưu cho đơn vị "
         "mới.", default_cluster="các quận"),
    trap("tung-la", "former",
         "Ủy ban MTTQ xã Hòa Bình từng là Cụm trưởng Cụm thi đua số 2 năm 2021."),
    trap("voi-vai-tro", "former",
         "Năm 2022, với vai trò Cụm trưởng, Ủy ban MTTQ huyện Thủy Nguyên đã tổ chức nhiều hoạt "
         "động của Cụm thi đua các huyện."),
    trap("tren-cuong-vi", "former",
         "Trên cương vị Cụm phó Cụm thi đua số 1 năm 2023, Hội Cựu chiến binh quận Đồ Sơn đã phối "
         "hợp tốt với các đơn vị."),
    trap("hoan-thanh-vai-tro", "former",
         "Ủy ban MTTQ phường Cầu Đất đã hoàn thành tốt vai trò Cụm trưởng Cụm thi đua số 3 năm "
         "2024."),
    trap("nhiem-ky-truoc", "former",
         "Ủy ban MTTQ Việt Nam tỉnh Cà Mau, Cụm trưởng nhiệm kỳ trước, tham dự hội nghị cụm thi "
         "đua các tỉnh Tây Nam Bộ năm 2024."),
    trap("ket-thuc-nhiem-ky", "former",
         "Kết thúc nhiệm kỳ Cụm trưởng năm 2023, Ủy ban MTTQ quận Sơn Trà đã tổng kết các hoạt "
         "động của Cụm thi đua các quận."),
    # proposals, plans, hypotheticals, what has not happened
    trap("du-kien-se-bau", "plan",
         "Hội nghị dự kiến sẽ bầu Ủy ban MTTQ Việt Nam tỉnh Lạng Sơn làm Cụm trưởng Cụm thi đua "
         "các tỉnh biên giới phía Bắc năm 2025."),
    trap("de-xuat", "plan",
         "Ủy ban MTTQ huyện An Dương đề xuất Ủy ban MTTQ huyện An Lão làm Cụm phó Cụm thi đua các "
         "huyện năm 2025."),
    trap("de-nghi-dam-nhan", "plan",
         "Các đơn vị đề nghị Ủy ban MTTQ phường Đằng Giang đảm nhận vai trò Cụm trưởng Cụm thi "
         "đua số 4 năm 2025."),
    trap("neu-se-lam", "plan",
         "Nếu được các đơn vị thống nhất, Ủy ban MTTQ xã Kiền Bái sẽ làm Cụm trưởng Cụm thi đua số "
         "1 năm 2025."),
    trap("phuong-an-luan-phien-se", "plan",
         "Theo phương án luân phiên, năm 2026 Ủy ban MTTQ xã Lưu Kiếm sẽ giữ vai trò Cụm trưởng "
         "Cụm thi đua số 2."),
    trap("se-bau-no-unit", "plan",
         "Hội nghị sẽ bầu Cụm trưởng, Cụm phó Cụm thi đua các quận năm 2025 tại phiên họp tháng "
         "1."),
    trap("du-thao", "plan",
         "Dự thảo quy chế giao Ủy ban MTTQ quận Kiến An làm Cụm trưởng Cụm thi đua các quận năm "
         "2025."),
    trap("gioi-thieu-de-bau", "plan",
         "Ủy ban MTTQ Việt Nam tỉnh Đồng Tháp được giới thiệu để bầu làm Cụm trưởng Cụm thi đua "
         "các tỉnh Tây Nam Bộ năm 2025."),
    trap("chua-cong-nhan", "plan",
         "Ủy ban MTTQ xã Tiên Thanh chưa được công nhận là Cụm trưởng Cụm thi đua số 5 năm 2024."),
    trap("xem-xet-giao", "plan",
         "Các đơn vị đang xem xét giao Ủy ban MTTQ phường Hải Thành làm Cụm phó Cụm thi đua số 2 "
         "năm 2025."),
    trap("khong-bau", "plan",
         "Hội nghị không bầu Ủy ban MTTQ thị trấn Núi Đèo làm Cụm trưởng năm 2025 vì đơn vị đang "
         "sáp nhập.", default_cluster="số 1"),
    trap("hay-either-or", "plan",
         "Ủy ban MTTQ Việt Nam tỉnh Sơn La hay Ủy ban MTTQ Việt Nam tỉnh Điện Biên là Cụm trưởng "
         "Cụm thi đua các tỉnh Tây Bắc năm 2025 vẫn chưa được quyết định."),
    trap("luan-phien-thong-bao-sau", "plan",
         "Về việc luân phiên Cụm trưởng, Cụm phó Cụm thi đua số 2 năm 2025, các phường thống nhất "
         "sẽ trao đổi và thông báo sau."),
    # other shapes: residential clusters, no unit, no term year, a question
    trap("truong-cum-dan-cu", "other",
         "Ông Trần Văn Bình được bầu làm trưởng cụm dân cư số 5, phường Lê Lợi năm 2024."),
    trap("cum-cong-nghiep", "other",
         "Ban quản lý cụm công nghiệp An Đồng được giao làm trưởng cụm công nghiệp năm 2023."),
    trap("cum-truong-cum-dan-cu-person", "other",
         "Ông Vũ Minh Đức, cụm trưởng cụm dân cư số 3, phường Đông Hải, chia sẻ kinh nghiệm vận "
         "động nhân dân năm 2024."),
    trap("plural-units", "other",
         "Hội nghị đã bầu Ủy ban MTTQ Việt Nam các huyện phía Tây làm Cụm trưởng năm 2024.",
         default_cluster="số 1"),
    trap("question", "other",
         "Có phải Ủy ban MTTQ xã An Hòa là Cụm trưởng Cụm thi đua số 1 năm 2024?"),
    trap("review-year-only", "other",
         "Tại Hội nghị tổng kết Cụm thi đua các tỉnh Tây Nguyên năm 2023, Ủy ban MTTQ Việt Nam "
         "tỉnh Gia Lai được bầu làm Cụm trưởng."),
    trap("no-year", "other",
         "Hội nghị đã bầu Ủy ban MTTQ phường Tràng Cát làm Cụm trưởng Cụm thi đua số 4."),
    trap("ban-quan-ly-du-an", "other",
         "Ban quản lý dự án quận Hải An được giao làm Cụm trưởng Cụm thi đua số 6 năm 2024."),
    trap("role-without-unit", "other",
         "Năm 2024, Cụm trưởng Cụm thi đua số 2 đã tổ chức 5 cuộc giám sát."),
    trap("meeting-date-year", "other",
         "Cuối năm 2023, Cụm thi đua các tỉnh Tây Nguyên đã bầu Ủy ban MTTQ Việt Nam tỉnh Kon Tum "
         "làm Cụm trưởng."),
    trap("members-then-plan", "other",
         "Cụm thi đua số 1 gồm Ủy ban MTTQ phường Máy Chai, Ủy ban MTTQ phường Máy Tơ và Ủy ban "
         "MTTQ phường Vạn Mỹ; năm 2025 các đơn vị sẽ bầu Cụm trưởng."),
    trap("do-cum-truong-phat-dong", "other",
         "Trong năm 2024, Ủy ban MTTQ phường Lê Lợi đã tích cực tham gia các hoạt động do Cụm "
         "trưởng Cụm thi đua số 2 phát động."),
    trap("cum-truong-hay-cum-pho-question", "other",
         "Ủy ban MTTQ xã An Hưng là Cụm trưởng hay Cụm phó năm 2024?", default_cluster="số 4"),
    # === written after the reader, in other phrasings, to see how it generalises ==============
    # Its first run, before any change made for it: 45 cases, precision 92% (2 wrong facts of
    # 25 shown), recall 66%, one noisy question. The reader was then fixed in general ways
    # (name boundaries, the subject of a new verb, coordinated verb phrases, completed
    # deliberations, appositive clauses, "Cụm các ..."/"khối ..." names), not sentence by
    # sentence; bench/cluster.py prints its figures today.
    case("h-nhan-co-chinh-thuc-lam", "6",
         "Kết thúc hội nghị, Ủy ban MTTQ Việt Nam tỉnh Kiên Giang nhận cờ luân lưu, chính thức "
         "làm Cụm trưởng Cụm thi đua các tỉnh Tây Nam Bộ năm 2025.",
         lead("các tỉnh Tây Nam Bộ", 2025, f"{M} tỉnh Kiên Giang")),
    case("h-voi-su-nhat-tri", "spec8",
         "Với sự nhất trí cao, các đại biểu đã bầu Ủy ban MTTQ huyện Đông Anh giữ vai trò Cụm "
         "trưởng Cụm thi đua số 4 năm 2025.",
         lead("số 4", 2025, f"{M} huyện Đông Anh")),
    case("h-quan-huyen-do-lam", "3",
         "Cụm thi đua các quận, huyện phía Bắc năm 2024 do Ủy ban MTTQ quận Long Biên làm Cụm "
         "trưởng, Ủy ban MTTQ huyện Gia Lâm làm Cụm phó.",
         lead("các quận, huyện phía Bắc", 2024, f"{M} quận Long Biên"),
         dep("các quận, huyện phía Bắc", 2024, f"{M} huyện Gia Lâm")),
    case("h-lan-luot-duoc-bau-la", "spec8",
         "Ủy ban MTTQ phường Bạch Đằng và Ủy ban MTTQ phường Hạ Long lần lượt được bầu là Cụm "
         "trưởng, Cụm phó Cụm thi đua số 2 năm 2024.",
         lead("số 2", 2024, f"{M} phường Bạch Đằng"), dep("số 2", 2024, f"{M} phường Hạ Long")),
    case("h-nam-nay-giao-cho", "6",
         "Năm nay, vai trò Cụm trưởng Cụm thi đua các xã phía Đông được giao cho Ủy ban MTTQ xã "
         "Tân Lập.",
         lead("các xã phía Đông", 2024, f"{M} xã Tân Lập"), default_year=2024),
    case("h-bao-khoi", "4",
         "Báo Quảng Ninh là Cụm trưởng Cụm thi đua khối báo chí, xuất bản năm 2024.",
         lead("khối báo chí", 2024, "Báo Quảng Ninh")),
    case("h-hoi-quan-chung", "4",
         "Hội Người cao tuổi quận Hải Châu được hội nghị tín nhiệm bầu làm Cụm trưởng Cụm thi đua "
         "các hội quần chúng năm 2025.",
         lead("các hội quần chúng", 2025, "Hội Người cao tuổi quận Hải Châu")),
    case("h-sau-khi-trao-doi", "6",
         "Sau khi trao đổi, các đơn vị thống nhất để Ủy ban MTTQ xã Phù Ninh tiếp tục làm Cụm "
         "trưởng Cụm thi đua số 1 năm 2025.",
         lead("số 1", 2025, f"{M} xã Phù Ninh")),
    case("h-paren-pair-cum-cac-tinh", "restated",
         "Ủy ban MTTQ Việt Nam tỉnh Gia Lai (cụm trưởng năm 2025) và Ủy ban MTTQ Việt Nam tỉnh "
         "Kon Tum (cụm phó năm 2025) đã ký kết giao ước thi đua Cụm các tỉnh Tây Nguyên.",
         asked=[lead("các tỉnh Tây Nguyên", 2025, f"{M} tỉnh Gia Lai"),
                dep("các tỉnh Tây Nguyên", 2025, f"{M} tỉnh Kon Tum")]),
    case("h-trung-cu", "spec8",
         "Hội nghị đã bỏ phiếu kín, kết quả Ủy ban MTTQ quận Cẩm Lệ trúng cử Cụm trưởng Cụm thi "
         "đua các quận năm 2024.",
         lead("các quận", 2024, f"{M} quận Cẩm Lệ")),
    case("h-giu-vai-tro-la", "6",
         "Giữ vai trò Cụm trưởng Cụm thi đua số 3 năm 2025 là Ủy ban MTTQ xã Đa Tốn.",
         lead("số 3", 2025, f"{M} xã Đa Tốn")),
    case("h-duoc-bau-lam-both", "spec8",
         "Tại hội nghị, Ủy ban MTTQ huyện Sóc Sơn được bầu làm Cụm trưởng, Ủy ban MTTQ huyện Mê "
         "Linh được bầu làm Cụm phó Cụm thi đua các huyện phía Bắc năm 2024.",
         lead("các huyện phía Bắc", 2024, f"{M} huyện Sóc Sơn"),
         dep("các huyện phía Bắc", 2024, f"{M} huyện Mê Linh")),
    case("h-so-van-hoa", "4",
         "Hội nghị thống nhất chọn Sở Văn hóa và Thể thao làm Cụm trưởng Cụm thi đua khối văn hóa "
         "- xã hội năm 2025.",
         lead("khối văn hóa - xã hội", 2025, "Sở Văn hóa và Thể thao")),
    case("h-doan-thanh-nien", "4",
         "Đoàn Thanh niên Cộng sản Hồ Chí Minh thành phố được giao đảm nhận vai trò Cụm phó Cụm "
         "thi đua các tổ chức chính trị - xã hội năm 2024.",
         dep("các tổ chức chính trị - xã hội", 2024,
             "Đoàn Thanh niên Cộng sản Hồ Chí Minh thành phố")),
    case("h-co-5-xa", "5",
         "Cụm thi đua số 6 có 5 xã; năm 2024 các xã thống nhất bầu Ủy ban MTTQ xã Lại Xuân là Cụm "
         "trưởng.",
         lead("số 6", 2024, f"{M} xã Lại Xuân")),
    case("h-so-phieu", "spec8",
         "Với số phiếu tán thành 100%, Ủy ban MTTQ Việt Nam tỉnh Bạc Liêu được bầu làm Cụm trưởng "
         "Cụm thi đua các tỉnh Tây Nam Bộ năm 2024.",
         lead("các tỉnh Tây Nam Bộ", 2024, f"{M} tỉnh Bạc Liêu")),
    case("h-headline-ban-giao", "6",
         "Cụm thi đua số 7 tổng kết năm 2024\n\n"
         "Bàn giao nhiệm vụ Cụm trưởng năm 2025: Ủy ban MTTQ phường Hòa Hải bàn giao cho Ủy ban "
         "MTTQ phường Hòa Quý.",
         lead("số 7", 2025, f"{M} phường Hòa Quý"), default_year=2024),
    case("h-giu-vai-tro-cua-cum", "6",
         "Năm 2023, Ủy ban MTTQ Việt Nam thành phố Hải Phòng giữ vai trò Cụm trưởng, Ủy ban MTTQ "
         "Việt Nam thành phố Cần Thơ giữ vai trò Cụm phó của Cụm thi đua 5 thành phố trực thuộc "
         "Trung ương.",
         lead(FIVE, 2023, f"{M} thành phố Hải Phòng"), dep(FIVE, 2023, f"{M} thành phố Cần Thơ")),
    case("h-cluster-in-parens-end", "spec8",
         "Cụm trưởng là Ủy ban MTTQ Việt Nam tỉnh Hà Giang, Cụm phó là Ủy ban MTTQ Việt Nam tỉnh "
         "Tuyên Quang (Cụm thi đua các tỉnh Việt Bắc năm 2024).",
         lead("các tỉnh Việt Bắc", 2024, f"{M} tỉnh Hà Giang"),
         dep("các tỉnh Việt Bắc", 2024, f"{M} tỉnh Tuyên Quang")),
    case("h-bare-ward-dam-nhan", "4",
         "Phường Lộc Thọ tiếp tục đảm nhận cụm trưởng cụm thi đua số 1 năm 2025.",
         lead("số 1", 2025, "phường Lộc Thọ")),
    case("h-thong-nhat-bau-first", "spec8",
         "Thống nhất bầu Ủy ban MTTQ huyện Ba Vì làm Cụm trưởng, Ủy ban MTTQ huyện Phúc Thọ làm "
         "Cụm phó Cụm thi đua các huyện phía Tây năm 2025.",
         lead("các huyện phía Tây", 2025, f"{M} huyện Ba Vì"),
         dep("các huyện phía Tây", 2025, f"{M} huyện Phúc Thọ")),
    case("h-lien-doan-phan-cong-la", "4",
         "Liên đoàn Lao động thành phố Cần Thơ được phân công là Cụm trưởng Cụm thi đua các tổ "
         "chức chính trị - xã hội thành phố năm 2023.",
         lead("các tổ chức chính trị - xã hội thành phố", 2023,
              "Liên đoàn Lao động thành phố Cần Thơ")),
    case("h-trong-nam", "6",
         "Trong năm 2025, Cụm trưởng Cụm thi đua số 4 là Ủy ban MTTQ phường Nghĩa Đô.",
         lead("số 4", 2025, f"{M} phường Nghĩa Đô")),
    case("h-suy-ton-la-va-la", "spec8",
         "Hội nghị thống nhất suy tôn Ủy ban MTTQ Việt Nam tỉnh An Giang là Cụm trưởng và Ủy ban "
         "MTTQ Việt Nam tỉnh Đồng Tháp là Cụm phó Cụm thi đua các tỉnh Tây Nam Bộ năm 2023.",
         lead("các tỉnh Tây Nam Bộ", 2023, f"{M} tỉnh An Giang"),
         dep("các tỉnh Tây Nam Bộ", 2023, f"{M} tỉnh Đồng Tháp")),
    case("h-don-vi-duoc-bau", "spec8",
         "Ủy ban MTTQ quận Thủ Đức, đơn vị được bầu làm Cụm trưởng Cụm thi đua số 2 năm 2024, đã "
         "ra mắt Ban điều hành cụm.",
         lead("số 2", 2024, f"{M} quận Thủ Đức")),
    case("h-trao-co-dai-dien", "6",
         "Cụm thi đua số 9 bàn giao cờ luân lưu\n\n"
         "Trong buổi lễ, đại diện Ủy ban MTTQ phường Kim Liên trao cờ luân lưu Cụm trưởng năm "
         "2025 cho Ủy ban MTTQ phường Phương Liên.",
         lead("số 9", 2025, f"{M} phường Phương Liên")),
    case("h-nghe-bao-cao", "restated",
         "Hội nghị đã nghe Ủy ban MTTQ phường Quan Hoa, Cụm trưởng năm 2023, báo cáo kết quả hoạt "
         "động của cụm.",
         asked=[lead("số 3", 2023, f"{M} phường Quan Hoa")], default_cluster="số 3"),
    trap("h-dat-danh-hieu", "ranking",
         "Ủy ban MTTQ Việt Nam tỉnh Hậu Giang đạt danh hiệu đơn vị xuất sắc dẫn đầu Cụm thi đua "
         "các tỉnh Tây Nam Bộ năm 2024."),
    trap("h-dong-chi-trao-qua", "person",
         "Đồng chí Trần Thị Mai, Cụm trưởng Cụm thi đua số 2 năm 2024, trao quà cho các hộ nghèo."),
    trap("h-cum-pho-nam-truoc", "former",
         "Ủy ban MTTQ phường Hòa Minh, cụm phó cụm thi đua số 3 năm trước, đã trao lại vai trò cho "
         "đơn vị bạn."),
    trap("h-se-luan-phien-list", "plan",
         "Năm 2025, các đơn vị sẽ luân phiên giữ vai trò Cụm trưởng theo thứ tự: phường An Hải "
         "Bắc, phường An Hải Tây, phường Phước Mỹ.", default_cluster="số 1"),
    trap("h-ba-nguyen-chu-tich", "person",
         "Bà Lê Thị Thu, nguyên Chủ tịch Ủy ban MTTQ xã Mỹ Đức, từng nhiều năm làm cụm trưởng cụm "
         "thi đua số 5."),
    trap("h-se-do-dam-nhan", "plan",
         "Cụm trưởng Cụm thi đua các tỉnh Đông Bắc năm 2024 sẽ do Ủy ban MTTQ Việt Nam tỉnh Cao "
         "Bằng đảm nhận."),
    trap("h-ban-phuong-an-de-cu", "plan",
         "Hội nghị bàn phương án chọn Cụm trưởng năm 2025, trong đó Ủy ban MTTQ huyện Đan Phượng "
         "được nhiều đơn vị đề cử.", default_cluster="số 2"),
    trap("h-duoc-de-nghi-lam", "plan",
         "Ủy ban MTTQ thị xã Sơn Tây được đề nghị làm Cụm trưởng Cụm thi đua số 3 năm 2025."),
    trap("h-ghi-nhan-tieu-bieu", "ranking",
         "Hội nghị ghi nhận Ủy ban MTTQ quận Ba Đình là đơn vị Cụm trưởng tiêu biểu, được tặng "
         "Bằng khen năm 2024.", default_cluster="các quận"),
    trap("h-ban-quan-ly-cum", "other",
         "Ban điều hành Cụm thi đua số 1 gồm trưởng cụm và phó cụm của năm 2024."),
    trap("h-khong-con-la", "former",
         "Ủy ban MTTQ Việt Nam tỉnh Điện Biên không còn là Cụm trưởng Cụm thi đua các tỉnh Tây Bắc "
         "từ năm 2025."),
    trap("h-pho-chu-tich-appos", "person",
         "Phó Chủ tịch Ủy ban MTTQ huyện Thạch Thất, Cụm trưởng Cụm thi đua các huyện phía Tây năm "
         "2024, đã phát biểu tổng kết."),
    trap("h-theo-du-kien", "plan",
         "Theo dự kiến, Ủy ban MTTQ huyện Quốc Oai làm Cụm phó Cụm thi đua các huyện phía Tây năm "
         "2025."),
    trap("h-xuat-sac-nhat", "ranking",
         "Ủy ban MTTQ xã Vân Hòa được suy tôn là đơn vị xuất sắc nhất cụm thi đua số 6 năm 2024."),
    trap("h-role-first-person", "person",
         "Cụm trưởng Cụm thi đua số 2 năm 2024 là đồng chí Nguyễn Văn Thành, Chủ tịch Ủy ban MTTQ "
         "phường Yên Hòa."),
    trap("h-chua-co-ket-qua", "plan",
         "Năm 2024, Cụm thi đua số 5 tổ chức bầu Cụm trưởng nhưng chưa có kết quả."),
    trap("h-nen-lam", "plan",
         "Các ý kiến cho rằng Ủy ban MTTQ huyện Chương Mỹ nên làm Cụm trưởng Cụm thi đua số 4 năm "
         "2025."),
    trap("h-nhieu-nam-lien", "former",
         "Ủy ban MTTQ xã Tam Hiệp giữ vai trò Cụm trưởng trong nhiều năm liền, từ năm 2019 đến năm "
         "2023.", default_cluster="số 7"),
)


# --- scoring ----------------------------------------------------------------------------------
Reader = Callable[[Case], tuple[set[Fact], set[Fact]]]  # (shown, asked)


@dataclass
class Score:
    cases: int = 0
    sentences: int = 0
    traps: int = 0
    expected_shown: int = 0
    expected_asked: int = 0
    shown: int = 0
    shown_right: int = 0
    delivered: int = 0  # expected facts that reach a reader (shown) or an admin (asked)
    shown_of_expected_shown: int = 0
    noise: int = 0  # questions about something that is not a fact of the case
    wrong: list[tuple[str, Fact]] = field(default_factory=list)
    missed: list[tuple[str, Fact]] = field(default_factory=list)
    noisy: list[tuple[str, Fact]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.shown_right / self.shown if self.shown else 1.0

    @property
    def recall(self) -> float:
        total = self.expected_shown + self.expected_asked
        return self.delivered / total if total else 1.0

    @property
    def shown_recall(self) -> float:
        return (self.shown_of_expected_shown / self.expected_shown
                if self.expected_shown else 1.0)


def score(read: Reader, cases: Iterable[Case] = CASES) -> Score:
    result = Score()
    for c in cases:
        result.cases += 1
        result.sentences += _sentence_count(c.text)
        result.traps += c.trap
        shown, asked = read(c)
        truth = c.shown | c.asked
        result.expected_shown += len(c.shown)
        result.expected_asked += len(c.asked)
        result.shown += len(shown)
        result.shown_right += len(shown & truth)
        result.wrong += [(c.id, f) for f in sorted(shown - truth)]
        result.shown_of_expected_shown += len(shown & c.shown)
        delivered = (shown & c.shown) | ((shown | asked) & c.asked)
        result.delivered += len(delivered)
        result.missed += [(c.id, f) for f in sorted(truth - delivered)]
        noise = asked - truth
        result.noise += len(noise)
        result.noisy += [(c.id, f) for f in sorted(noise)]
    return result


def _sentence_count(text: str) -> int:
    return sum(1 for line in text.splitlines() if line.strip())
