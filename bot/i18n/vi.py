"""Vietnamese texts (the default language)."""

TEXTS: dict[str, str] = {
    # Terminal demo
    "demo.loading": "Đang tải tin mẫu vào cơ sở dữ liệu tạm…",
    "demo.loaded": "Đã tải {count} bài viết mẫu.",
    "demo.banner": (
        "Bot tin tức (bản chạy thử, không cần Telegram). Gõ lệnh như /start, /latest, /help; "
        "gõ số để bấm nút; /quit để thoát."
    ),
    "demo.no_button": "Không có nút số đó (có {count} nút).",
    # Reader commands
    "start.welcome": (
        "👋 Xin chào! Đây là bot tin tức của <b>Ủy ban MTTQ Việt Nam thành phố</b>.\n"
        "Bot gửi bài mới theo chuyên mục bạn chọn, kèm ảnh và tóm tắt. "
        "Gõ /help để xem mọi lệnh."
    ),
    "help": (
        "<b>Bot tin tức Ủy ban MTTQ Việt Nam thành phố</b>\n"
        "Nhận bài mới theo chuyên mục, xem tin mới, tin nổi bật và thông tin cụm thi đua.\n\n"
        "/start — bắt đầu, chọn chuyên mục\n"
        "/categories (/chuyenmuc) — bật/tắt chuyên mục nhận tin\n"
        "/subscribe [chuyên mục] (/dangky) — đăng ký nhận tin\n"
        "/unsubscribe [chuyên mục|all] (/huydangky) — hủy đăng ký\n"
        "/latest [chuyên mục] [số bài] (/tinmoi) — tin mới nhất\n"
        "/popular [chuyên mục] (/noibat) — tin được đọc nhiều trong 7 ngày\n"
        "/cluster [năm|tên cụm] (/cum) — cụm trưởng, cụm phó cụm thi đua\n"
        "/search &lt;từ khóa&gt; (/timkiem) — tìm bài viết, gõ không dấu cũng được\n"
        "/settings (/caidat) — ngôn ngữ, cách nhận tin\n"
        "/stop — hủy mọi đăng ký và xóa dữ liệu của bạn\n\n"
        "Tên chuyên mục gõ không dấu cũng được, ví dụ: <code>/latest hoat dong mttq 3</code>."
    ),
    "categories.title": "Chọn chuyên mục để nhận tin mới (✅ là đang nhận, bấm lần nữa để bỏ):",
    "categories.none": "Chưa có chuyên mục nào: tin tức chưa được tải về. Vui lòng quay lại sau.",
    "toggle.on": "Đã đăng ký: {category}",
    "toggle.off": "Đã hủy đăng ký: {category}",
    "subscribe.done": "✅ Đã đăng ký chuyên mục <b>{category}</b>. Bài mới sẽ được gửi đến đây.",
    "subscribe.already": "Bạn đã đăng ký chuyên mục <b>{category}</b> rồi.",
    "unsubscribe.done": "Đã hủy đăng ký chuyên mục <b>{category}</b>.",
    "unsubscribe.not_subscribed": "Bạn chưa đăng ký chuyên mục <b>{category}</b>.",
    "unsubscribe.all": "Đã hủy đăng ký mọi chuyên mục.",
    "unsubscribe.nothing": "Bạn chưa đăng ký chuyên mục nào.",
    "unsubscribe.usage": (
        "Cách dùng: <code>/unsubscribe &lt;chuyên mục&gt;</code> "
        "hoặc <code>/unsubscribe all</code> để hủy tất cả."
    ),
    "category.unknown": "Không tìm thấy chuyên mục «{query}». Các chuyên mục hiện có: {names}.",
    "latest.title": "📰 <b>Tin mới nhất</b>",
    "latest.title_category": "📰 <b>Tin mới nhất</b> · {category}",
    "latest.empty": "Chưa có bài viết nào.",
    "latest.usage": (
        "Cách dùng: <code>/latest [chuyên mục] [số bài]</code>, số bài từ 1 đến {max}."
    ),
    "article.not_found": "Không tìm thấy bài viết này (có thể đã bị gỡ).",
    "language.name": "Tiếng Việt",
    "settings.title": "⚙️ <b>Cài đặt</b>\nNgôn ngữ: {language}",
    "settings.language_set": "Đã chuyển sang tiếng Việt.",
    "stop.done": (
        "Đã hủy mọi đăng ký và xóa dữ liệu của cuộc trò chuyện này. "
        "Gõ /start nếu muốn nhận tin trở lại."
    ),
    "group.admins_only": "Chỉ quản trị viên của nhóm mới thay đổi được cài đặt của nhóm.",
    "button.invalid": "Nút này không hợp lệ hoặc đã hết hạn.",
    "feature.not_yet": "Tính năng này đang được hoàn thiện và sẽ sớm có mặt.",
    "admin.refused": "Xin lỗi, lệnh này chỉ dành cho quản trị viên của bot.",
    "command.unknown": "Bot không có lệnh này. Gõ /help để xem các lệnh.",
    "text.hint": "Bot trả lời các lệnh, ví dụ /latest. Gõ /help để xem tất cả.",
    "error.generic": "Xin lỗi, đã có lỗi xảy ra. Vui lòng thử lại sau.",
    # Command menu (set_my_commands)
    "menu.start": "Bắt đầu, chọn chuyên mục",
    "menu.help": "Hướng dẫn sử dụng",
    "menu.categories": "Bật/tắt chuyên mục nhận tin",
    "menu.subscribe": "Đăng ký một chuyên mục",
    "menu.unsubscribe": "Hủy đăng ký chuyên mục",
    "menu.latest": "Tin mới nhất",
    "menu.popular": "Tin nổi bật 7 ngày qua",
    "menu.cluster": "Cụm trưởng, cụm phó cụm thi đua",
    "menu.search": "Tìm bài viết",
    "menu.settings": "Ngôn ngữ và cách nhận tin",
    "menu.stop": "Hủy mọi đăng ký, xóa dữ liệu",
    # Command line
    "cli.ingest.source": "{name}: {new} bài mới, {seen} đã có, {errors} lỗi",
    "cli.ingest.total": "Tổng cộng: {total} bài mới",
    # Article card
    "card.read_original": "Đọc bài gốc",
    "card.more": "Xem thêm",
    "card.like": "👍",
    "card.meta": "{category} · {when}",
}
