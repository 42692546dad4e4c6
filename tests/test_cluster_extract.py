"""Tests for the emulation-cluster leadership extractor (`bot.cluster`).

The sentences below are written for these tests in the phrasing Vietnamese news uses; every
case asserts the exact set of facts, so a wrong fact fails as surely as a missing one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from bot.cluster import LeadershipFact, cluster_key, extract_leadership, normalize_unit

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_73bf31444ca40c50.txt"

MTTQ = "Ủy ban MTTQ Việt Nam"
FIVE_CITIES = "5 thành phố trực thuộc Trung ương"
TAY_NAM_BO = "các tỉnh, thành phố Tây Nam Bộ"

Fact = tuple[str, int, str, str]  # (cluster, year, role, unit)


def facts(text: str, **kwargs: Any) -> set[Fact]:
    """The extracted facts as a set, after checking that none came out twice."""
    found = [(f.cluster, f.year, f.role, f.unit) for f in extract_leadership(text, **kwargs)]
    assert len(found) == len(set(found)), found
    return set(found)


POSITIVES: list[tuple[str, str, dict[str, Any], set[Fact]]] = [
    (
        "bau-lam-both-roles-year-after",
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh làm Cụm trưởng, "
        "Ủy ban MTTQ Việt Nam tỉnh Bắc Ninh làm Cụm phó Cụm thi đua các tỉnh Đông Bắc năm 2023.",
        {},
        {
            ("các tỉnh Đông Bắc", 2023, "leader", f"{MTTQ} tỉnh Quảng Ninh"),
            ("các tỉnh Đông Bắc", 2023, "deputy", f"{MTTQ} tỉnh Bắc Ninh"),
        },
    ),
    (
        "bau-chon-parentheses-cho-nam-old-tones",
        "Các đại biểu đã bầu chọn Uỷ ban MTTQ tỉnh Lâm Đồng (Cụm trưởng) và Uỷ ban MTTQ tỉnh "
        "Đắk Lắk (Cụm phó) Cụm thi đua các tỉnh Tây Nguyên cho năm 2024.",
        {},
        {
            ("các tỉnh Tây Nguyên", 2024, "leader", f"{MTTQ} tỉnh Lâm Đồng"),
            ("các tỉnh Tây Nguyên", 2024, "deputy", f"{MTTQ} tỉnh Đắk Lắk"),
        },
    ),
    (
        "giao-lam-cluster-name-with-comma",
        "Hội nghị thống nhất giao Ủy ban MTTQ Việt Nam thành phố Cần Thơ làm Cụm trưởng Cụm thi "
        "đua các tỉnh, thành phố Tây Nam Bộ năm 2023.",
        {},
        {(TAY_NAM_BO, 2023, "leader", f"{MTTQ} thành phố Cần Thơ")},
    ),
    (
        "duoc-bau-lam-year-before-long-form",
        "Năm 2023, Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Hà Tĩnh được bầu làm Cụm trưởng Cụm thi "
        "đua các tỉnh Bắc Trung Bộ.",
        {},
        {("các tỉnh Bắc Trung Bộ", 2023, "leader", f"{MTTQ} tỉnh Hà Tĩnh")},
    ),
    (
        "bau-giu-chuc-ubmttqvn",
        "Hội nghị đã bỏ phiếu bầu UBMTTQVN tỉnh Phú Thọ giữ chức Cụm trưởng cụm thi đua các tỉnh "
        "trung du và miền núi phía Bắc năm 2022.",
        {},
        {("các tỉnh trung du và miền núi phía Bắc", 2022, "leader", f"{MTTQ} tỉnh Phú Thọ")},
    ),
    (
        "role-first-la",
        "Theo kết quả bầu chọn, Cụm trưởng Cụm thi đua số 3 năm 2023 là Ủy ban MTTQ Việt Nam huyện "
        "Thủy Nguyên, Cụm phó là Ủy ban MTTQ Việt Nam huyện An Dương.",
        {},
        {
            ("số 3", 2023, "leader", f"{MTTQ} huyện Thủy Nguyên"),
            ("số 3", 2023, "deputy", f"{MTTQ} huyện An Dương"),
        },
    ),
    (
        "do-x-lam",
        "Năm 2024, Cụm thi đua các huyện phía Nam do Ủy ban MTTQ Việt Nam huyện Vĩnh Bảo làm Cụm "
        "trưởng, Ủy ban MTTQ Việt Nam huyện Tiên Lãng làm Cụm phó.",
        {},
        {
            ("các huyện phía Nam", 2024, "leader", f"{MTTQ} huyện Vĩnh Bảo"),
            ("các huyện phía Nam", 2024, "deputy", f"{MTTQ} huyện Tiên Lãng"),
        },
    ),
    (
        "cong-nhan-la",
        "Ủy ban Trung ương MTTQ Việt Nam đã công nhận Ủy ban MTTQ tỉnh Bình Dương là Cụm trưởng "
        "Cụm thi đua các tỉnh Đông Nam Bộ năm 2023.",
        {},
        {("các tỉnh Đông Nam Bộ", 2023, "leader", f"{MTTQ} tỉnh Bình Dương")},
    ),
    (
        "apposition-comma",
        "Hội nghị thống nhất bầu chọn Ủy ban MTTQ Việt Nam tỉnh Nam Định, Cụm trưởng và Ủy ban "
        "MTTQ Việt Nam tỉnh Thái Bình, Cụm phó Cụm thi đua các tỉnh đồng bằng sông Hồng năm 2023.",
        {},
        {
            ("các tỉnh đồng bằng sông Hồng", 2023, "leader", f"{MTTQ} tỉnh Nam Định"),
            ("các tỉnh đồng bằng sông Hồng", 2023, "deputy", f"{MTTQ} tỉnh Thái Bình"),
        },
    ),
    (
        "truong-cum-pho-truong-cum-default-cluster",
        "Tại hội nghị, các đại biểu đã bầu Ủy ban MTTQ Việt Nam quận Hải Châu giữ vai trò trưởng "
        "cụm và Ủy ban MTTQ Việt Nam quận Thanh Khê giữ vai trò Phó Trưởng Cụm năm 2023.",
        {"default_cluster": "Cụm thi đua các quận nội thành"},
        {
            ("các quận nội thành", 2023, "leader", f"{MTTQ} quận Hải Châu"),
            ("các quận nội thành", 2023, "deputy", f"{MTTQ} quận Thanh Khê"),
        },
    ),
    (
        "lan-luot-giu-chuc",
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Long An và Ủy ban MTTQ Việt Nam "
        "tỉnh Tiền Giang lần lượt giữ chức Cụm trưởng, Cụm phó Cụm thi đua các tỉnh miền Đông "
        "năm 2024.",
        {},
        {
            ("các tỉnh miền Đông", 2024, "leader", f"{MTTQ} tỉnh Long An"),
            ("các tỉnh miền Đông", 2024, "deputy", f"{MTTQ} tỉnh Tiền Giang"),
        },
    ),
    (
        "two-clusters-one-sentence",
        "Hội nghị suy tôn Ủy ban MTTQ Việt Nam thành phố Đà Nẵng là Cụm trưởng cụm thi đua A; Ủy "
        "ban MTTQ Việt Nam thành phố Hải Phòng là Cụm trưởng cụm thi đua B năm 2023.",
        {},
        {
            ("A", 2023, "leader", f"{MTTQ} thành phố Đà Nẵng"),
            ("B", 2023, "leader", f"{MTTQ} thành phố Hải Phòng"),
        },
    ),
    (
        "two-clusters-leader-and-deputy-each",
        "Cụm thi đua số 1 bầu Ủy ban MTTQ Việt Nam quận Hồng Bàng làm Cụm trưởng, Ủy ban MTTQ "
        "Việt Nam quận Lê Chân làm Cụm phó; Cụm thi đua số 2 bầu Ủy ban MTTQ Việt Nam huyện Cát "
        "Hải làm Cụm trưởng năm 2024.",
        {},
        {
            ("số 1", 2024, "leader", f"{MTTQ} quận Hồng Bàng"),
            ("số 1", 2024, "deputy", f"{MTTQ} quận Lê Chân"),
            ("số 2", 2024, "leader", f"{MTTQ} huyện Cát Hải"),
        },
    ),
    (
        "va-inside-unit-name",
        "Hội nghị thống nhất bầu Ủy ban MTTQ Việt Nam và các đoàn thể thành phố Cần Thơ làm Cụm "
        "trưởng Cụm thi đua các tỉnh, thành phố Tây Nam Bộ năm 2022.",
        {},
        {(TAY_NAM_BO, 2022, "leader", f"{MTTQ} và các đoàn thể thành phố Cần Thơ")},
    ),
    (
        "tp-abbreviations-and-tu",
        "Hội nghị đã bầu Ủy ban MTTQ TP. Hồ Chí Minh làm Cụm trưởng, Ủy ban MTTQVN TP Cần Thơ làm "
        "Cụm phó cụm thi đua 5 thành phố trực thuộc T.Ư năm 2024.",
        {},
        {
            (FIVE_CITIES, 2024, "leader", f"{MTTQ} thành phố Hồ Chí Minh"),
            (FIVE_CITIES, 2024, "deputy", f"{MTTQ} thành phố Cần Thơ"),
        },
    ),
    (
        "nam-nay-uses-publication-year",
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Kiên Giang làm Cụm trưởng Cụm thi "
        "đua các tỉnh Tây Nam Bộ năm nay.",
        {"default_year": 2023},
        {("các tỉnh Tây Nam Bộ", 2023, "leader", f"{MTTQ} tỉnh Kiên Giang")},
    ),
    (
        "nam-toi-is-next-year",
        "Các đại biểu đã bầu Ủy ban MTTQ Việt Nam tỉnh Sóc Trăng làm Cụm trưởng cụm thi đua các "
        "tỉnh Tây Nam Bộ năm tới.",
        {"default_year": 2022},
        {("các tỉnh Tây Nam Bộ", 2023, "leader", f"{MTTQ} tỉnh Sóc Trăng")},
    ),
    (
        "review-year-is-not-term-year",
        "Tại Hội nghị tổng kết công tác thi đua năm 2021, Cụm thi đua các tỉnh Tây Nguyên đã "
        "thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Gia Lai làm Cụm trưởng năm 2022.",
        {"default_year": 2021},
        {("các tỉnh Tây Nguyên", 2022, "leader", f"{MTTQ} tỉnh Gia Lai")},
    ),
    (
        "year-borrowed-from-paragraph",
        "Hội nghị đã tiến hành bầu Cụm trưởng, Cụm phó Cụm thi đua các tỉnh Đông Nam Bộ năm 2023. "
        "Kết quả, Ủy ban MTTQ Việt Nam tỉnh Đồng Nai được bầu làm Cụm trưởng, Ủy ban MTTQ Việt "
        "Nam tỉnh Bình Phước được bầu làm Cụm phó.",
        {"default_year": 2023},
        {
            ("các tỉnh Đông Nam Bộ", 2023, "leader", f"{MTTQ} tỉnh Đồng Nai"),
            ("các tỉnh Đông Nam Bộ", 2023, "deputy", f"{MTTQ} tỉnh Bình Phước"),
        },
    ),
    (
        "bare-province-names",
        "Năm 2023, Đà Nẵng là Cụm trưởng, Hải Phòng là Cụm phó Cụm thi đua 5 thành phố trực thuộc "
        "Trung ương.",
        {},
        {(FIVE_CITIES, 2023, "leader", "Đà Nẵng"), (FIVE_CITIES, 2023, "deputy", "Hải Phòng")},
    ),
    (
        "colon-lists-old-tone-hoa",
        "Kết quả, Cụm thi đua các tỉnh Bắc Trung Bộ năm 2024 thống nhất bầu: Cụm trưởng: Ủy ban "
        "MTTQ Việt Nam tỉnh Nghệ An; Cụm phó: Ủy ban MTTQ Việt Nam tỉnh Thanh Hoá.",
        {},
        {
            ("các tỉnh Bắc Trung Bộ", 2024, "leader", f"{MTTQ} tỉnh Nghệ An"),
            ("các tỉnh Bắc Trung Bộ", 2024, "deputy", f"{MTTQ} tỉnh Thanh Hóa"),
        },
    ),
    (
        "duoc-giao-lam-pho-cum-truong",
        "Ủy ban MTTQ Việt Nam tỉnh Quảng Bình được giao làm Phó Cụm trưởng Cụm thi đua các tỉnh "
        "Bắc Trung Bộ năm 2023.",
        {},
        {("các tỉnh Bắc Trung Bộ", 2023, "deputy", f"{MTTQ} tỉnh Quảng Bình")},
    ),
    (
        "place-name-ending-in-nguyen",
        "Hội nghị đã bầu Ủy ban MTTQ Việt Nam tỉnh Thái Nguyên là Cụm trưởng Cụm thi đua các tỉnh "
        "Việt Bắc năm 2023.",
        {},
        {("các tỉnh Việt Bắc", 2023, "leader", f"{MTTQ} tỉnh Thái Nguyên")},
    ),
    (
        "copular-statement-with-year",
        "Năm 2021, Ủy ban MTTQ Việt Nam thành phố Hà Nội là Cụm trưởng Cụm thi đua 5 thành phố "
        "trực thuộc Trung ương.",
        {},
        {(FIVE_CITIES, 2021, "leader", f"{MTTQ} thành phố Hà Nội")},
    ),
    (
        "truong-cum-thi-dua-so",
        "Hội nghị nhất trí bầu Ủy ban MTTQ Việt Nam huyện Cát Hải làm Trưởng cụm thi đua số 2 "
        "năm 2023.",
        {},
        {("số 2", 2023, "leader", f"{MTTQ} huyện Cát Hải")},
    ),
    (
        "giao-nhiem-vu-cho",
        "Hội nghị thống nhất giao nhiệm vụ Cụm trưởng Cụm thi đua số 1 năm 2024 cho Ủy ban MTTQ "
        "Việt Nam quận Ngô Quyền.",
        {},
        {("số 1", 2024, "leader", f"{MTTQ} quận Ngô Quyền")},
    ),
    (
        "cluster-from-title",
        "Cụm thi đua các tỉnh Tây Nguyên tổng kết năm 2022\n\n"
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Kon Tum làm Cụm trưởng năm 2023.",
        {"default_year": 2022},
        {("các tỉnh Tây Nguyên", 2023, "leader", f"{MTTQ} tỉnh Kon Tum")},
    ),
    (
        "two-deputies-share-organisation",
        "Hội nghị thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Bến Tre làm Cụm trưởng, Ủy ban MTTQ "
        "Việt Nam tỉnh Trà Vinh và tỉnh Vĩnh Long làm Cụm phó Cụm thi đua các tỉnh Tây Nam Bộ "
        "năm 2024.",
        {},
        {
            ("các tỉnh Tây Nam Bộ", 2024, "leader", f"{MTTQ} tỉnh Bến Tre"),
            ("các tỉnh Tây Nam Bộ", 2024, "deputy", f"{MTTQ} tỉnh Trà Vinh"),
            ("các tỉnh Tây Nam Bộ", 2024, "deputy", f"{MTTQ} tỉnh Vĩnh Long"),
        },
    ),
    (
        "default-cluster-argument",
        "Hội nghị đã bầu Uỷ ban MTTQ tỉnh Bạc Liêu làm Cụm trưởng năm 2023.",
        {"default_cluster": "Cụm thi đua các tỉnh Tây Nam Bộ"},
        {("các tỉnh Tây Nam Bộ", 2023, "leader", f"{MTTQ} tỉnh Bạc Liêu")},
    ),
    (
        "announced-roles-then-units",
        "Hội nghị đã bầu Cụm trưởng, Cụm phó Cụm thi đua 5 thành phố trực thuộc Trung ương năm "
        "2023: Cụm trưởng là Ủy ban MTTQ Việt Nam thành phố Hải Phòng, Cụm phó là Ủy ban MTTQ Việt "
        "Nam thành phố Cần Thơ.",
        {},
        {
            (FIVE_CITIES, 2023, "leader", f"{MTTQ} thành phố Hải Phòng"),
            (FIVE_CITIES, 2023, "deputy", f"{MTTQ} thành phố Cần Thơ"),
        },
    ),
]

NEGATIVES: list[tuple[str, str, dict[str, Any]]] = [
    (
        "ranking-suy-ton-dung-thu-nhat",
        "Hội nghị đã suy tôn Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh đứng thứ nhất Cụm thi đua các "
        "tỉnh Đông Bắc năm 2022.",
        {},
    ),
    (
        "ranking-with-role-in-parentheses",
        "Ủy ban MTTQ Việt Nam thành phố Hà Nội (Cụm trưởng) được suy tôn dẫn đầu phong trào thi "
        "đua Cụm thi đua 5 thành phố trực thuộc Trung ương năm 2022.",
        {},
    ),
    (
        "ranking-xep-thu-nhat",
        "Kết quả, Ủy ban MTTQ Việt Nam tỉnh Bắc Ninh là đơn vị Cụm trưởng xếp thứ nhất trong Cụm "
        "thi đua năm 2022.",
        {"default_cluster": "các tỉnh đồng bằng sông Hồng"},
    ),
    (
        "person-introduced-as-cum-truong",
        "Đồng chí Nguyễn Văn An, Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Hải Dương, Cụm trưởng, phát "
        "biểu khai mạc hội nghị cụm thi đua các tỉnh đồng bằng sông Hồng năm 2023.",
        {},
    ),
    (
        "person-introduced-unit-cum-truong",
        "Phát biểu tại hội nghị, đồng chí Trần Thị Bình, Phó Chủ tịch Ủy ban MTTQ Việt Nam thành "
        "phố Hải Phòng, đơn vị cụm trưởng cụm thi đua năm 2022, cho biết nhiều mô hình hay.",
        {"default_cluster": FIVE_CITIES},
    ),
    (
        "person-introduced-lowercase-role",
        "Đồng chí Lê Văn Bình, cụm trưởng, phát biểu tại hội nghị cụm thi đua số 2 năm 2023.",
        {},
    ),
    (
        "deputy-introduced-with-title",
        "Phó Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Bắc Kạn, Cụm phó Cụm thi đua các tỉnh Việt Bắc năm "
        "2023 phát biểu.",
        {},
    ),
    (
        "ranking-la-don-vi-dan-dau",
        "Hội nghị suy tôn Ủy ban MTTQ Việt Nam tỉnh Quảng Ninh là đơn vị dẫn đầu Cụm thi đua các "
        "tỉnh Đông Bắc năm 2022.",
        {},
    ),
    (
        "hypothetical-neu",
        "Nếu được bầu, Ủy ban MTTQ Việt Nam tỉnh Cao Bằng làm Cụm trưởng Cụm thi đua các tỉnh Việt "
        "Bắc năm 2024.",
        {},
    ),
    (
        "head-noun-before-locality",
        "Hội nghị đã bầu Ban quản lý dự án tỉnh Hải Dương làm Cụm trưởng cụm thi đua số 3 năm "
        "2023.",
        {},
    ),
    (
        "plural-localities-are-not-a-unit",
        "Hội nghị đã bầu Ủy ban MTTQ Việt Nam các huyện phía Bắc làm Cụm trưởng năm 2023.",
        {"default_cluster": "số 1"},
    ),
    (
        "person-elected",
        "Hội nghị đã bầu đồng chí Nguyễn Văn Hải, Chủ tịch Ủy ban MTTQ Việt Nam huyện Kiến Thụy "
        "làm Cụm trưởng năm 2023.",
        {"default_cluster": "số 2"},
    ),
    (
        "truong-cum-dan-cu",
        "Ông Lê Văn Cường được bầu làm trưởng cụm dân cư số 4, phường Lê Chân năm 2023.",
        {"default_cluster": "số 1"},
    ),
    (
        "truong-cum-cong-nghiep",
        "UBND huyện đã giao Ban quản lý dự án tỉnh Hải Dương làm trưởng cụm công nghiệp Quán Toan "
        "năm 2023.",
        {"default_cluster": "số 1"},
    ),
    (
        "cum-dan-cu-with-emulation-words",
        "Ông Phạm Văn Dũng, trưởng cụm dân cư số 2, được khen thưởng vì thành tích xuất sắc trong "
        "phong trào thi đua năm 2023.",
        {"default_cluster": "số 1"},
    ),
    (
        "retrospective-voi-vai-tro",
        "Năm 2021, với vai trò Cụm trưởng, Ủy ban MTTQ Việt Nam thành phố Hà Nội đã phối hợp tổ "
        "chức nhiều hoạt động thiết thực của cụm thi đua 5 thành phố trực thuộc Trung ương.",
        {},
    ),
    (
        "retrospective-tren-cuong-vi",
        "Trên cương vị Cụm trưởng năm 2022, Ủy ban MTTQ Việt Nam thành phố Đà Nẵng đã thống nhất "
        "với các thành phố trong Cụm thi đua 5 thành phố trực thuộc Trung ương nhiều nội dung.",
        {},
    ),
    (
        "former-holder",
        "Ủy ban MTTQ Việt Nam tỉnh Hà Nam, nguyên Cụm trưởng Cụm thi đua các tỉnh đồng bằng sông "
        "Hồng năm 2021, đã chia sẻ kinh nghiệm.",
        {},
    ),
    (
        "negation",
        "Hội nghị không bầu Ủy ban MTTQ Việt Nam tỉnh Hà Nam làm Cụm trưởng Cụm thi đua các tỉnh "
        "đồng bằng sông Hồng năm 2023 do chưa đủ điều kiện.",
        {},
    ),
    (
        "proposal",
        "Ủy ban MTTQ Việt Nam tỉnh Ninh Bình đề xuất Ủy ban MTTQ Việt Nam tỉnh Nam Định làm Cụm "
        "trưởng Cụm thi đua các tỉnh đồng bằng sông Hồng năm 2024.",
        {},
    ),
    (
        "future-plan",
        "Dự kiến, Ủy ban MTTQ Việt Nam tỉnh Thái Bình sẽ làm Cụm trưởng Cụm thi đua các tỉnh đồng "
        "bằng sông Hồng năm 2024.",
        {},
    ),
    (
        "no-year-anywhere",
        "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Hưng Yên làm Cụm trưởng Cụm thi đua "
        "các tỉnh đồng bằng sông Hồng.",
        {},
    ),
    (
        "only-the-review-year",
        "Tại Hội nghị tổng kết Cụm thi đua các tỉnh Tây Nguyên năm 2021, Ủy ban MTTQ Việt Nam tỉnh "
        "Đắk Nông được bầu làm Cụm trưởng.",
        {"default_year": 2021},
    ),
    (
        "only-the-meeting-date",
        "Cuối năm 2021, Cụm thi đua các tỉnh Tây Nguyên đã bầu Ủy ban MTTQ Việt Nam tỉnh Đắk Nông "
        "làm Cụm trưởng.",
        {"default_year": 2021},
    ),
    (
        "no-cluster-known",
        "Hội nghị đã bầu Ủy ban MTTQ Việt Nam xã An Hòa làm cụm trưởng năm 2023.",
        {},
    ),
    (
        "conference-mention-only",
        "Chiều 15/12, Ủy ban MTTQ Việt Nam cụm thi đua 5 thành phố trực thuộc Trung ương tổ chức "
        "Hội nghị trực tuyến tổng kết cụm thi đua năm 2021.",
        {"default_year": 2021},
    ),
    (
        "two-leaders-same-year-contradict",
        "Hội nghị đã bầu Ủy ban MTTQ Việt Nam tỉnh Yên Bái làm Cụm trưởng Cụm thi đua các tỉnh "
        "miền núi phía Bắc năm 2023.\n\nỦy ban MTTQ Việt Nam tỉnh Lào Cai được bầu làm Cụm trưởng "
        "Cụm thi đua các tỉnh miền núi phía Bắc năm 2023.",
        {},
    ),
    (
        "past-activity-year-is-not-lent",
        "Năm 2021, Ủy ban MTTQ Việt Nam thành phố Hà Nội đã tổ chức nhiều hoạt động của cụm thi "
        "đua 5 thành phố trực thuộc Trung ương. Hội nghị đã bầu Ủy ban MTTQ Việt Nam thành phố Đà "
        "Nẵng làm Cụm trưởng.",
        {"default_year": 2021},
    ),
    (
        "lent-year-too-far-from-publication",
        "Hội nghị đã tiến hành bầu Cụm trưởng, Cụm phó Cụm thi đua các tỉnh Đông Nam Bộ năm 2019. "
        "Kết quả, Ủy ban MTTQ Việt Nam tỉnh Đồng Nai được bầu làm Cụm trưởng.",
        {"default_year": 2023},
    ),
    (
        "copular-without-any-year",
        "Ủy ban MTTQ Việt Nam tỉnh Lạng Sơn là Cụm trưởng Cụm thi đua các tỉnh biên giới phía Bắc.",
        {"default_year": 2023},
    ),
]


@pytest.mark.parametrize(
    ("text", "kwargs", "expected"),
    [pytest.param(t, k, e, id=i) for i, t, k, e in POSITIVES],
)
def test_positive_sentences(text: str, kwargs: dict[str, Any], expected: set[Fact]) -> None:
    assert facts(text, **kwargs) == expected


@pytest.mark.parametrize(
    ("text", "kwargs"),
    [pytest.param(t, k, id=i) for i, t, k in NEGATIVES],
)
def test_traps_give_nothing(text: str, kwargs: dict[str, Any]) -> None:
    assert extract_leadership(text, **kwargs) == []


def test_article_with_traps_and_one_election() -> None:
    article = "\n\n".join(
        [
            "Cụm thi đua các tỉnh Tây Nguyên tổng kết công tác năm 2023",
            "Ngày 20/12, tại tỉnh Gia Lai, Cụm thi đua các tỉnh Tây Nguyên tổ chức Hội nghị tổng "
            "kết công tác thi đua năm 2023.",
            "Đồng chí Nguyễn Văn Tâm, Chủ tịch Ủy ban MTTQ Việt Nam tỉnh Gia Lai, Cụm trưởng năm "
            "2023, phát biểu khai mạc hội nghị. Năm 2023, với vai trò Cụm trưởng, Ủy ban MTTQ Việt "
            "Nam tỉnh Gia Lai đã phối hợp tổ chức nhiều hoạt động.",
            "Hội nghị đã suy tôn Ủy ban MTTQ Việt Nam tỉnh Đắk Lắk đứng thứ nhất, Ủy ban MTTQ Việt "
            "Nam tỉnh Lâm Đồng đứng thứ hai trong Cụm thi đua.",
            "Hội nghị đã thống nhất bầu Ủy ban MTTQ Việt Nam tỉnh Kon Tum làm Cụm trưởng, Ủy ban "
            "MTTQ Việt Nam tỉnh Đắk Nông làm Cụm phó năm 2024.",
            "TIN CÙNG CHUYÊN MỤC",
        ]
    )
    assert facts(article, default_year=2023) == {
        ("các tỉnh Tây Nguyên", 2024, "leader", f"{MTTQ} tỉnh Kon Tum"),
        ("các tỉnh Tây Nguyên", 2024, "deputy", f"{MTTQ} tỉnh Đắk Nông"),
    }


def test_fact_keeps_its_sentence_verbatim() -> None:
    first = "Cụm thi đua các tỉnh Tây Nguyên họp tổng kết."
    second = "Hội nghị đã bầu Uỷ ban MTTQ tỉnh Gia Lai làm Cụm trưởng năm 2023."
    (fact,) = extract_leadership(f"{first} {second}")
    assert fact == LeadershipFact(
        cluster="các tỉnh Tây Nguyên",
        year=2023,
        role="leader",
        unit=f"{MTTQ} tỉnh Gia Lai",
        sentence=second,
    )


def test_text_without_cum_is_skipped_quickly() -> None:
    assert extract_leadership("Hội nghị bầu Ủy ban MTTQ tỉnh A làm trưởng ban năm 2023.") == []


def test_seed_article() -> None:
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED} (the shared folder is outside the repo)")
    text = SEED.read_text(encoding="utf-8")
    found = extract_leadership(text, default_year=2021)
    sentence = (
        "Hội nghị đã thống nhất suy tôn Ủy ban MTTQVN thành phố Đà Nẵng là Cụm trưởng, Ủy ban "
        "MTTQVN thành phố Hải Phòng là Cụm phó cụm thi đua 5 thành phố trực thuộc Trung ương "
        "năm 2022."
    )
    assert found == [
        LeadershipFact(FIVE_CITIES, 2022, "leader", f"{MTTQ} thành phố Đà Nẵng", sentence),
        LeadershipFact(FIVE_CITIES, 2022, "deputy", f"{MTTQ} thành phố Hải Phòng", sentence),
    ]
    # The publication year does not change what an explicit "năm 2022" says.
    assert extract_leadership(text) == found


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Uỷ ban MTTQVN TP Đà Nẵng", f"{MTTQ} thành phố Đà Nẵng"),
        ("Ủy ban Mặt trận Tổ quốc Việt Nam thành phố Hải Phòng", f"{MTTQ} thành phố Hải Phòng"),
        ("UBMTTQ tỉnh Khánh Hoà", f"{MTTQ} tỉnh Khánh Hòa"),
        ("Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh Bắc Giang", f"{MTTQ} tỉnh Bắc Giang"),
        ("Ủy ban MTTQ Việt Nam TP.HCM", f"{MTTQ} thành phố Hồ Chí Minh"),
        ("Mặt trận Tổ quốc Việt Nam Thành phố Cần Thơ", f"{MTTQ} thành phố Cần Thơ"),
        (
            "  Ủy ban MTTQ Việt Nam và các đoàn thể thành phố Cần Thơ ",
            f"{MTTQ} và các đoàn thể thành phố Cần Thơ",
        ),
        ("Ủy ban MTTQ tỉnh Bà Rịa-Vũng Tàu", f"{MTTQ} tỉnh Bà Rịa - Vũng Tàu"),
        ("UB MTTQ VN Tp. Hải Phòng", f"{MTTQ} thành phố Hải Phòng"),
        ("Uỷ ban nhân dân tỉnh Quảng Trị", "Ủy ban nhân dân tỉnh Quảng Trị"),
        ("UBND tỉnh Quảng Trị", "Ủy ban nhân dân tỉnh Quảng Trị"),
    ],
)
def test_normalize_unit(raw: str, expected: str) -> None:
    assert normalize_unit(raw) == expected
    assert normalize_unit(expected) == expected  # idempotent


def test_normalize_unit_keeps_qu_and_closed_syllables() -> None:
    # Tone placement is only moved at the end of a syllable and never after "q".
    assert normalize_unit("Hội Nông dân huyện Quý Hoàn") == "Hội Nông dân huyện Quý Hoàn"
    assert normalize_unit("Ủy ban MTTQ tỉnh Thừa Thiên Huế") == f"{MTTQ} tỉnh Thừa Thiên Huế"


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("Cụm thi đua MTTQVN 5 thành phố trực thuộc TW", FIVE_CITIES),
        ("5 thanh pho truc thuoc trung uong", FIVE_CITIES),
        ("cụm 5 thành phố trực thuộc T.Ư", FIVE_CITIES),
        ("năm thành phố trực thuộc Trung ương", FIVE_CITIES),
        ("CÁC TỈNH TÂY NGUYÊN", "các tỉnh Tây Nguyên"),
        ("cum thi dua cac tinh tay nguyen", "các tỉnh Tây Nguyên"),
        ("Các tỉnh, thành phố Tây Nam Bộ", TAY_NAM_BO),
    ],
)
def test_cluster_key_matches_spellings(typed: str, canonical: str) -> None:
    assert cluster_key(typed) == cluster_key(canonical)


def test_cluster_key_keeps_clusters_apart() -> None:
    assert cluster_key("số 1") != cluster_key("số 2")
    assert cluster_key("các tỉnh Tây Nguyên") != cluster_key("các tỉnh Tây Nam Bộ")
