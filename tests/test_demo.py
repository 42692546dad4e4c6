"""`newsbot demo` as a user runs it: a real subprocess with commands piped to stdin."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def _demo(tmp_path: Path, commands: str, *args: str, **env: str
          ) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NEWSBOT_")}
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-m", "bot", "demo", *args], input=commands, capture_output=True,
        text=True, timeout=180, cwd=tmp_path, env=clean,
    )


def test_piped_demo_prints_the_replies(tmp_path: Path) -> None:
    proc = _demo(tmp_path, "/start\n/categories\n3\n/latest\n/start a_1\n")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Đã tải 14 bài viết mẫu." in out
    assert "> /start" in out
    assert "Xin chào!" in out
    # "All categories" is offered first (issue 13), so the categories' numbers start at 2.
    assert "[1] ▫️ Tất cả chuyên mục" in out
    assert "[2] ▫️ An sinh xã hội" in out
    assert "💬 Đã đăng ký: Cụm thi đua" in out  # button 3 of the picker was pressed
    assert "[3] ✅ Cụm thi đua" in out
    assert "📰 Tin mới nhất" in out
    assert "\n  5. " in out
    assert "<b>" not in out  # HTML is rendered for the terminal, not shown raw
    assert "Traceback" not in proc.stderr


def test_demo_with_a_bad_sources_file_exits_2(tmp_path: Path) -> None:
    bad = tmp_path / "sources.toml"
    bad.write_text("[[source]]\nname = 'x'\nkind = 'rss'\n", encoding="utf-8")
    proc = _demo(tmp_path, "/start\n", NEWSBOT_SOURCES_FILE=str(bad))
    assert proc.returncode == 2
    assert "an rss source needs `url`" in proc.stderr


def test_demo_shows_popular_a_push_a_broadcast_report_and_a_refresh(tmp_path: Path) -> None:
    commands = ("/start\n2\n/popular\n/broadcast Họp lúc 8:00 thứ Hai.\n1\n1\n"
                "/sources\n2\n")
    proc = _demo(tmp_path, commands)
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    # The sample is dated near today and has sample readers (said so): /popular ranks.
    assert "lượt đọc mẫu được thêm vào" in out
    popular = out.split("> /popular", 1)[1].split("> /broadcast", 1)[0]
    assert "🔥 Tin được quan tâm nhất 7 ngày qua" in popular
    assert "\n  1. " in popular
    assert "Chưa có bài nào" not in popular
    # Subscribing brings a new sample article of that category, pushed to the chat.
    pushed = out.split("> 2", 1)[1].split("> /popular", 1)[0]
    assert "Một bài mẫu mới vừa được đăng ở chuyên mục «An sinh xã hội»" in pushed
    assert "Bài mẫu mới: Ra mắt mô hình" in pushed
    # The broadcast runs to its report (its progress is paced: the demo waits for it).
    broadcast = out.split("> /broadcast", 1)[1].split("> /sources", 1)[0]
    assert "✅ Đã gửi xong thông báo #1" in broadcast
    assert "📊 Báo cáo thông báo #1" in broadcast
    assert "Người gửi: quản trị viên 1001 (Bạn đọc)" in broadcast
    # "Lấy tin ngay" finishes and says so.
    assert "✅ mau-luu-tru: 0 bài mới" in out.split("> /sources", 1)[1]


def test_the_demo_as_a_zalo_reader_sees_it(tmp_path: Path) -> None:
    proc = _demo(tmp_path, "/start\n3\n/latest\n1\n/cum\n", "--channel", "zalo")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert "Zalo không có nút bấm" in out
    assert "  1. ▫️ Tất cả chuyên mục" in out  # numbered choices, not buttons
    assert "  2. ▫️ An sinh xã hội" in out
    assert "↩️ Trả lời bằng một số từ 1 đến 5 để chọn." in out
    assert "Đã đăng ký: Cụm thi đua" in out  # "3" answered the picker
    assert "  3. ✅ Cụm thi đua" in out
    assert "📰 Tin mới nhất" in out
    assert "1. Xem thêm   2. 👍" in out  # "1" opened the first article's card
    assert "🔗 Đọc bài gốc: https://" in out
    assert "Cụm trưởng: Ủy ban MTTQ Việt Nam thành phố Hải Phòng" in out
    assert "<b>" not in out
    assert "**" not in out
    assert "Traceback" not in proc.stderr
