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
    "demo.banner_zalo": (
        "Bot tin tức trên Zalo (bản chạy thử, không cần Zalo): bạn là một người đọc trên Zalo. "
        "Gõ lệnh như /start, /latest, /help; Zalo không có nút bấm, hãy trả lời bằng số để "
        "chọn; /quit để thoát."
    ),
    # Reader commands
    "start.welcome": (
        "👋 Xin chào! Đây là bot tin tức của **{organisation}**.\n"
        "Bot gửi bài mới theo chuyên mục bạn chọn, kèm ảnh và tóm tắt. "
        "Gõ /help để xem mọi lệnh."
    ),
    "help": (
        "**Bot tin tức {organisation}**\n"
        "Nhận bài mới theo chuyên mục, xem tin mới, tin nổi bật và thông tin cụm thi đua.\n\n"
        "/start — bắt đầu, chọn chuyên mục\n"
        "/categories (/chuyenmuc) — bật/tắt chuyên mục nhận tin\n"
        "/subscribe [chuyên mục|all] (/dangky) — đăng ký nhận tin (all: mọi chuyên mục)\n"
        "/unsubscribe [chuyên mục|all] (/huydangky) — hủy đăng ký\n"
        "/latest [chuyên mục] [số bài] (/tinmoi) — tin mới nhất\n"
        "/popular [chuyên mục] (/noibat) — tin được đọc nhiều trong 7 ngày\n"
        "/cluster [năm|tên cụm] (/cum) — cụm trưởng, cụm phó cụm thi đua\n"
        "/search <từ khóa> (/timkiem) — tìm bài viết, gõ không dấu cũng được\n"
        "/follow [từ khóa] (/theodoi) — nhận ngay bài mới có từ khóa, ở mọi chuyên mục\n"
        "/settings (/caidat) — ngôn ngữ, cách nhận tin\n"
        "/stop — hủy mọi đăng ký và xóa dữ liệu của bạn\n\n"
        "Tên chuyên mục gõ không dấu cũng được, ví dụ: `/latest hoat dong mttq 3`."
    ),
    "categories.title": "Chọn chuyên mục để nhận tin mới (✅ là đang nhận, chọn lần nữa để bỏ):",
    "categories.none": "Chưa có chuyên mục nào: tin tức chưa được tải về. Vui lòng quay lại sau.",
    "toggle.on": "Đã đăng ký: {category}",
    "toggle.off": "Đã hủy đăng ký: {category}",
    "subscribe.done": "✅ Đã đăng ký chuyên mục **{category}**. Bài mới sẽ được gửi đến đây.",
    "subscribe.already": "Bạn đã đăng ký chuyên mục **{category}** rồi.",
    "unsubscribe.done": "Đã hủy đăng ký chuyên mục **{category}**.",
    "unsubscribe.not_subscribed": "Bạn chưa đăng ký chuyên mục **{category}**.",
    "unsubscribe.all": "Đã hủy đăng ký mọi chuyên mục.",
    "unsubscribe.nothing": "Bạn chưa đăng ký chuyên mục nào.",
    "unsubscribe.usage": (
        "Cách dùng: `/unsubscribe <chuyên mục>` "
        "hoặc `/unsubscribe all` để hủy tất cả."
    ),
    "category.unknown": "Không tìm thấy chuyên mục «{query}». Các chuyên mục hiện có: {names}.",
    "latest.title": "📰 **Tin mới nhất**",
    "latest.title_category": "📰 **Tin mới nhất** · {category}",
    "latest.empty": "Chưa có bài viết nào.",
    "latest.usage": (
        "Cách dùng: `/latest [chuyên mục] [số bài]`, số bài từ 1 đến {max}."
    ),
    "article.not_found": "Không tìm thấy bài viết này (có thể đã bị gỡ).",
    "language.name": "Tiếng Việt",
    "settings.title": "⚙️ **Cài đặt**\nNgôn ngữ: {language}",
    "settings.language_set": "Đã chuyển sang tiếng Việt.",
    # Search and daily digest (issue 7)
    "settings.delivery": "Nhận tin: {mode}",
    "delivery.instant": "Nhận ngay",
    "delivery.digest": "Bản tin ngày",
    "delivery.paused": "Tạm dừng",
    "delivery.now_instant": "ngay khi có bài mới",
    "delivery.now_digest": "bản tin hằng ngày lúc {hour}",
    "delivery.now_paused": "tạm dừng",
    "delivery.set_instant": "Bài mới sẽ được gửi ngay khi có.",
    "delivery.set_digest": "Bạn sẽ nhận bản tin lúc {hour} mỗi ngày.",
    "delivery.set_paused": (
        "Đã tạm dừng nhận tin. Chọn «Nhận ngay» hoặc «Bản tin ngày» để nhận tiếp."
    ),
    "delivery.pick_hour": (
        "🗞 **Bản tin hằng ngày**\n"
        "Mỗi ngày một tin nhắn tổng hợp bài mới của các chuyên mục bạn theo dõi. Chọn giờ nhận:"
    ),
    "delivery.back": "« Quay lại",
    "search.usage": (
        "Cách dùng: `/search <từ khóa>`, ví dụ "
        "`/search hai phong bau cu`. Gõ không dấu cũng được."
    ),
    "search.none": "Không tìm thấy bài viết nào có «{query}». Hãy thử từ khác hoặc ít từ hơn.",
    "search.title": "🔎 **Tìm kiếm** «{query}» · {count} · trang {page}/{pages}",
    "search.count": "{count} bài",
    "search.count_more": "{count} bài mới nhất",
    "search.truncated": "__Chỉ tìm theo {max} từ đầu tiên.__",
    "search.previous": "« Trước",
    "search.next": "Sau »",
    "search.expired": "Kết quả tìm kiếm này đã hết hạn. Vui lòng tìm lại.",
    "digest.title": "🗞 **Bản tin ngày {date}**",
    "digest.count": "{count} bài mới từ các chuyên mục bạn theo dõi.",
    "digest.more_count": "… và {count} bài khác.",
    "digest.more": "Xem thêm {count} bài",
    "digest.more_title": "🗞 **Bản tin: các bài khác** ({count}) · trang {page}/{pages}",
    "digest.expired": "Bản tin này không còn nữa. Gõ /latest để xem tin mới nhất.",
    "flood.title": "📰 **{count} bài mới** trong chuyên mục {categories}",
    "flood.why": "__Nhiều bài được đăng cùng lúc nên được gộp vào một tin.__",
    "categories.page": "Trang {page}/{pages}",
    "list.more_names": "… và {count} chuyên mục khác",
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
    # Zalo: no buttons, numbered choices answered by writing the number
    "zalo.choose": "↩️ Trả lời bằng một số từ 1 đến {last} để chọn.",
    "zalo.choose_one": "↩️ Trả lời 1 để chọn.",
    "zalo.no_choices": (
        "Chưa có danh sách nào để chọn theo số. Gõ /categories để chọn chuyên mục, /latest "
        "để xem tin mới, /help để xem mọi lệnh."
    ),
    "zalo.number_invalid_one": (
        "Không có lựa chọn số {number}. Hãy trả lời 1 (theo danh sách gần nhất)."
    ),
    "zalo.number_invalid": (
        "Không có lựa chọn số {number}. Hãy trả lời bằng một số từ 1 đến {last} "
        "(theo danh sách gần nhất)."
    ),
    # Forum topics, channels, "all categories" (issue 13)
    "categories.all": "Tất cả chuyên mục",
    "categories.all_on": "Đang nhận **tất cả chuyên mục**, kể cả chuyên mục có sau này.",
    "subscribe.all_done": (
        "✅ Đã đăng ký **tất cả chuyên mục**, kể cả các chuyên mục có sau này. "
        "Bài mới sẽ được gửi đến đây."
    ),
    "subscribe.all_already": "Bạn đã đăng ký **tất cả chuyên mục** rồi.",
    "stop.topic_done": (
        "Đã hủy mọi đăng ký của chủ đề này. Gõ /subscribe trong chủ đề để nhận tin trở lại."
    ),
    "channel.admins_only": "Chỉ quản trị viên của kênh mới thay đổi được cài đặt của kênh.",
    "channels.title": (
        "📢 **Kênh và nhóm có bot**\n"
        "Chọn một kênh hoặc nhóm để chọn chuyên mục bot gửi đến đó."
    ),
    "channels.none": (
        "Bot chưa ở kênh hay nhóm nào. Thêm bot làm quản trị viên của kênh (với quyền đăng "
        "bài) rồi gõ /channels lần nữa. Quản trị viên của kênh cũng có thể đăng "
        "`/subscribe <chuyên mục>` ngay trong kênh."
    ),
    "channels.unlinked": "chưa liên kết",
    "channels.count": "{count} đăng ký",
    "channels.no_post": "⚠️ bot chưa có quyền đăng bài",
    "channels.picker": "{icon} **{title}**\nChọn chuyên mục gửi đến {kind} này (✅ là đang nhận):",
    "channels.kind_channel": "kênh",
    "channels.kind_group": "nhóm",
    "channels.unlink": "🔗 Hủy liên kết",
    "channels.back": "« Danh sách",
    "channels.unlinked_done": "Đã hủy liên kết: {title} không nhận tin nữa.",
    "channels.gone": "Bot không còn ở kênh hay nhóm này.",
    "channels.toggle_on": "Đã bật cho {title}: {category}",
    "channels.toggle_off": "Đã tắt cho {title}: {category}",
    "category.new": (
        "🆕 **Chuyên mục mới** trong tin tức: {names}.\n{details}\n"
        "Nếu đây chỉ là tên khác của một chuyên mục đã có, thêm `category_map` cho nguồn đó "
        "trong tệp nguồn, ví dụ `category_map = {{ \"{example}\" = \"Tên đã có\" }}`, rồi "
        "khởi động lại bot."
    ),
    "category.new_line": "• «{name}»: nguồn {sources}",
    "category.new_source": "{source} ({count} bài)",
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
    # Popular and emulation clusters (issue 5): 👍, Xem thêm, /popular, /cluster, /setcluster
    "like.on": "👍 Đã thích",
    "like.off": "Đã bỏ thích",
    "like.anonymous": "Không xác định được người bấm nên không ghi nhận lượt thích.",
    "popular.title": "🔥 **Tin được quan tâm nhất {days} ngày qua**",
    "popular.title_category": "🔥 **Tin được quan tâm nhất {days} ngày qua** · {category}",
    "popular.basis": "👍 {likes} · 📖 {more} · 👁 {views}",
    "popular.legend": (
        "__👍 lượt thích · 📖 lượt «Xem thêm» · 👁 lượt mở bài (mỗi người tính một lần)__"
    ),
    "popular.empty": (
        "Chưa có bài nào đăng trong {days} ngày qua được bạn đọc quan tâm. "
        "Hãy chọn 👍 hoặc «Xem thêm» ở các bài viết, hoặc xem /latest."
    ),
    "popular.empty_category": (
        "Chưa có bài nào của chuyên mục **{category}** đăng trong {days} ngày qua được bạn "
        "đọc quan tâm."
    ),
    "cluster.title": "🏆 **Cụm thi đua: cụm trưởng, cụm phó** (năm mới nhất có thông tin)",
    "cluster.title_year": "🏆 **Cụm thi đua năm {year}**",
    "cluster.title_search": "🏆 **Cụm thi đua** · «{query}»",
    "cluster.block": "**Cụm thi đua {cluster}** · năm {year}",
    "cluster.role.leader": "Cụm trưởng",
    "cluster.role.deputy": "Cụm phó",
    "cluster.role_line": "• {role}: **{unit}** {source}",
    "cluster.role_unknown": "• {role}: chưa có thông tin",
    "cluster.nobody": "không có",
    "cluster.source": "[{number}] {title} · {when}",
    "cluster.by_admin": "✍️ (do quản trị viên đặt lúc {when})",
    "cluster.more": "… và {count} mục khác: gõ /cluster <năm> hoặc /cluster <tên cụm>.",
    "cluster.footer": "Chọn 📰 theo số để mở bài nguồn.",
    "cluster.none": (
        "Chưa có thông tin cụm thi đua nào: chưa bài viết nào nêu cụm trưởng, cụm phó."
    ),
    "cluster.none_year": "Chưa có thông tin cụm trưởng, cụm phó cho năm {year}.",
    "cluster.none_cluster_year": "Chưa có thông tin của cụm «{query}» cho năm {year}.",
    "cluster.unknown": (
        "Không tìm thấy cụm thi đua «{query}». Gõ /cluster để xem các cụm đã biết."
    ),
    "cluster.usage": (
        "Cách dùng: `/cluster` (năm mới nhất), `/cluster 2023` (một năm), "
        "`/cluster 5 thanh pho` (một cụm, gõ không dấu cũng được)."
    ),
    "setcluster.usage": (
        "Cách dùng: `/setcluster` (hộp thoại từng bước), hoặc `/setcluster <năm> | <tên cụm> "
        "| Cụm trưởng hoặc Cụm phó | <đơn vị, hoặc - nếu không có>`\n"
        "Ví dụ: `/setcluster 2024 | 5 thành phố trực thuộc Trung ương | Cụm trưởng | "
        "Ủy ban MTTQ Việt Nam thành phố Hải Phòng`"
    ),
    "setcluster.done": (
        "✅ Đã ghi: năm {year}, cụm thi đua **{cluster}**, {role}: **{unit}** "
        "(do quản trị viên đặt, thay cho thông tin rút ra từ bài viết). Xem: /cluster {year}"
    ),
    # Admin review of unsure cluster readings and the /setcluster dialog (issue 16, SPEC 13)
    "review.new": (
        "🗂 **{count} câu hỏi mới về cụm thi đua**\n"
        "Bot chưa chắc chắn nên chưa hiển thị các thông tin này cho người đọc. Mời quản trị "
        "viên xác nhận, sửa hoặc bác bỏ."
    ),
    "review.waiting": "🗂 **{count} câu hỏi về cụm thi đua đang chờ trả lời**",
    "review.left": "Còn {count} câu hỏi về cụm thi đua.",
    "review.question": "❓ Có phải **{unit}** là **{role}** cụm **{cluster}** năm **{year}**?",
    "review.source": "📰 {title} · {when}",
    "review.button_confirm": "✅ Đúng",
    "review.button_reject": "❌ Không đúng",
    "review.button_correct": "✏️ Sửa",
    "review.button_later": "⏭ Để sau",
    "review.button_open": "📰 Mở bài",
    "review.confirmed": (
        "✅ **Đã xác nhận**: {unit} là {role} cụm {cluster} năm {year}. /cluster hiển thị "
        "thông tin này là do quản trị viên đặt."
    ),
    "review.rejected": (
        "❌ **Đã bác bỏ**: «{unit} là {role} cụm {cluster} năm {year}». Bot sẽ không hỏi lại."
    ),
    "review.corrected": (
        "✏️ **Đã sửa**: «{unit} là {role} cụm {cluster} năm {year}» đã được thay bằng thông "
        "tin quản trị viên nhập."
    ),
    "review.notice_confirmed": "Đã xác nhận.",
    "review.notice_rejected": "Đã bác bỏ.",
    "review.already": "Câu hỏi này đã được trả lời trước đó ({status} lúc {when}).",
    "review.status.confirmed": "đã xác nhận",
    "review.status.rejected": "đã bác bỏ",
    "review.status.corrected": "đã sửa",
    "review.gone": "Câu hỏi này không còn nữa (bài viết đã được đọc lại hoặc đã bị gỡ).",
    "review.none": "✅ Không có câu hỏi nào về cụm thi đua đang chờ trả lời.",
    "review.all_done": "🎉 Đã trả lời hết các câu hỏi về cụm thi đua.",
    "review.no_other": "Không còn câu hỏi nào khác.",
    "dialog.title": "✍️ **Đặt cụm trưởng, cụm phó**",
    "dialog.title_correct": "✏️ **Sửa thông tin bot đọc được**",
    "dialog.read_as": "Bot đọc được: {unit} là {role} cụm {cluster} năm {year}.",
    "dialog.chosen": "Đã chọn: {chosen}",
    "dialog.chosen_year": "năm {year}",
    "dialog.chosen_cluster": "cụm {cluster}",
    "dialog.step_year": "**Bước 1/4 · Năm.** Chọn hoặc gõ năm (ví dụ `2024`).",
    "dialog.step_cluster": (
        "**Bước 2/4 · Cụm thi đua.** Chọn một cụm đã biết hoặc gõ tên cụm mới (ví dụ "
        "`5 thành phố trực thuộc Trung ương`, `các quận`, `số 2`)."
    ),
    "dialog.step_cluster_none": (
        "**Bước 2/4 · Cụm thi đua.** Gõ tên cụm (ví dụ `5 thành phố trực thuộc Trung ương`, "
        "`các quận`, `số 2`)."
    ),
    "dialog.page": "Trang {page}/{pages}.",
    "dialog.step_role": "**Bước 3/4 · Vai trò.** Cụm trưởng hay Cụm phó?",
    "dialog.step_unit": (
        "**Bước 4/4 · Đơn vị.** Gõ tên đơn vị (ví dụ `Ủy ban MTTQ Việt Nam thành phố Hải "
        "Phòng`; viết tắt như `UBMTTQ TP Hải Phòng` cũng được) hoặc chọn bên dưới."
    ),
    "dialog.now_shown": "Hiện /cluster đang hiển thị: **{unit}** {origin}.",
    "dialog.now_none": "Hiện /cluster chưa có thông tin này.",
    "dialog.origin_article": "(theo bài viết)",
    "dialog.origin_admin": "(do quản trị viên đặt)",
    "dialog.step_confirm": "**Kiểm tra lại rồi bấm ✅ Lưu.**",
    "dialog.summary": "Năm: **{year}**\nCụm thi đua: **{cluster}**{new}\n{role}: **{unit}**",
    "dialog.new_cluster": " (cụm mới)",
    "dialog.replaces": "Thay cho: {unit} {origin}.",
    "dialog.pending_note": "Có {count} câu hỏi về cụm thi đua đang chờ trả lời: /review",
    "dialog.button_keep": "✔️ Giữ: {value}",
    "dialog.button_nobody": "— Không có đơn vị nào",
    "dialog.button_save": "✅ Lưu",
    "dialog.button_back": "↩️ Quay lại",
    "dialog.button_cancel": "✖️ Hủy",
    "dialog.button_previous": "« Trước",
    "dialog.button_next": "Sau »",
    "dialog.bad_year": "⚠️ «{text}» không phải một năm (từ 1990 đến 2100).",
    "dialog.bad_cluster": (
        "⚠️ «{text}» chưa nói rõ cụm nào. Hãy gõ tên cụm, ví dụ `các quận` hoặc `số 2`."
    ),
    "dialog.bad_role": "⚠️ Hãy chọn Cụm trưởng hoặc Cụm phó.",
    "dialog.bad_unit": "⚠️ «{text}» không phải tên một đơn vị.",
    "dialog.use_buttons": "⚠️ Hãy bấm ✅ Lưu để ghi, ↩️ Quay lại để sửa, hoặc ✖️ Hủy.",
    "dialog.cancelled": "✖️ Đã hủy, không ghi gì.",
    "dialog.expired": "Hộp thoại này đã kết thúc hoặc hết hạn. Gõ /setcluster để bắt đầu lại.",
    "dialog.stale": "Bước này đã qua. Hãy dùng tin nhắn mới nhất của hộp thoại.",
    "dialog.saved": "Đã lưu.",
    "help.admin": (
        "**Lệnh quản trị**\n"
        "/broadcast — gửi thông báo tới người đăng ký\n"
        "/stats — thống kê\n"
        "/sources — nguồn tin: tình trạng, tạm dừng, lấy tin ngay\n"
        "/addsource <địa chỉ> [chuyên mục] — thêm nguồn tin RSS/Atom (xem trước rồi xác nhận)\n"
        "/removesource <tên nguồn> — gỡ một nguồn tin\n"
        "/exportsources — tải danh sách nguồn tin (tệp OPML)\n"
        "/setcluster — đặt cụm trưởng, cụm phó (hộp thoại từng bước; hoặc "
        "`/setcluster <năm> | <cụm> | <vai trò> | <đơn vị>`)\n"
        "/review (/duyetcum) — câu hỏi về cụm thi đua đang chờ trả lời\n"
        "/channels (/kenh) — liên kết kênh, nhóm có bot với chuyên mục"
    ),
    "cli.rescan.progress": "Đã đọc {done}/{total} bài viết",
    "cli.rescan.done": "Xong: đã đọc {articles} bài viết, tìm thấy {facts} thông tin cụm thi đua.",
    # Admin tools (issue 6): /broadcast, /stats, /sources, error alerts
    "admin.button_update": "🔄 Cập nhật",
    "admin.updated": "Đã cập nhật.",
    "admin.bc.usage": (
        "Cách dùng: `/broadcast <nội dung>`; hoặc trả lời một ảnh hay tin nhắn "
        "bằng /broadcast; hoặc gửi ảnh có chú thích bắt đầu bằng /broadcast."
    ),
    "admin.bc.too_long": (
        "Thông báo dài {length} ký tự, vượt giới hạn {limit} ký tự của một tin nhắn Telegram. "
        "Bot không tự cắt bớt: hãy rút gọn rồi gửi lại."
    ),
    "admin.bc.too_long_caption": (
        "Chú thích ảnh dài {length} ký tự, vượt giới hạn {limit} ký tự của chú thích ảnh "
        "Telegram. Bot không tự cắt bớt: hãy rút gọn, hoặc gửi thông báo không kèm ảnh "
        "(tối đa 4.096 ký tự)."
    ),
    "admin.bc.pick": (
        "📢 **Thông báo #{id}**: bản xem trước ở trên, đúng như người nhận sẽ thấy.\n"
        "Gửi cho ai? (số người nhận đang hoạt động)"
    ),
    "admin.bc.everyone": "Tất cả người đăng ký",
    "admin.bc.button_everyone": "👥 Tất cả · {count}",
    "admin.bc.button_discard": "✖️ Hủy bỏ",
    "admin.bc.channel": "Kênh: {channel}",
    "admin.bc.channel_all": "Mọi kênh",
    "admin.bc.button_back": "↩️ Chọn lại",
    "admin.bc.button_send": "✅ Gửi cho {count} người nhận",
    "admin.bc.button_stop": "⏹ Dừng gửi",
    "admin.bc.confirm": (
        "📢 **Thông báo #{id}** sẽ được gửi tới **{count}** người nhận ({audience}).\n"
        "Gửi ngay?"
    ),
    "admin.bc.inactive_note": (
        "{count} cuộc trò chuyện đã ngừng nhận hoặc tạm dừng nhận tin sẽ không được gửi."
    ),
    "admin.bc.nobody": "Không có ai đang nhận tin trong nhóm «{audience}». Hãy chọn nhóm khác.",
    "admin.bc.not_draft": "Thông báo #{id} đã được gửi hoặc đã hủy.",
    "admin.bc.discarded": "✖️ Đã hủy thông báo #{id}, không gửi cho ai.",
    "admin.bc.started": "Bắt đầu gửi tới {count} người nhận.",
    "admin.bc.not_sending": "Thông báo #{id} không còn đang gửi.",
    "admin.bc.stopped": "Đã dừng: {count} tin chưa gửi được hủy.",
    "admin.bc.progress_title": "📤 **Đang gửi thông báo #{id}** · {audience}",
    "admin.bc.done_title": "✅ **Đã gửi xong thông báo #{id}** · {audience}",
    "admin.bc.cancelled_title": "⏹ **Đã dừng thông báo #{id}** · {audience}",
    "admin.bc.progress": "Đã gửi {sent}/{total} · lỗi {failed}",
    "admin.bc.progress_skipped": "Bỏ qua (đã ngừng nhận): {count}",
    "admin.bc.progress_cancelled": "Đã hủy, không gửi: {count}",
    "admin.bc.report_title": "📊 **Báo cáo thông báo #{id}**",
    "admin.bc.report_audience": "Người nhận: {total} ({audience})",
    "admin.bc.report_sent": "✅ Đã gửi: {count}",
    "admin.bc.report_skipped": "⏭ Bỏ qua (đã ngừng nhận): {count}",
    "admin.bc.report_failed": "❌ Lỗi: {count}",
    "admin.bc.report_cancelled": "⏹ Đã hủy, không gửi: {count}",
    "admin.bc.report_time": "Bắt đầu {start}, kết thúc {end} ({took})",
    "admin.bc.report_by": "Người gửi: quản trị viên {admin}",
    "admin.bc.no_reason": "không rõ lý do",
    "admin.bc.report_left_out": (
        "Không gửi tới {count} cuộc trò chuyện đã ngừng nhận hoặc tạm dừng nhận tin từ trước."
    ),
    "admin.src.title": "🛰 **Nguồn tin** ({count})",
    "admin.src.none": "Chưa có nguồn tin nào (kiểm tra tệp nguồn, NEWSBOT_SOURCES_FILE).",
    "admin.src.never": "🆕 **{name}** — chưa lấy tin lần nào",
    "admin.src.ok": "✅ **{name}** — hoạt động tốt",
    "admin.src.paused": "⏸ **{name}** — đang tạm dừng",
    "admin.src.failing": "⚠️ **{name}** — lần lấy tin gần nhất bị lỗi",
    "admin.src.backing_off": (
        "⏳ **{name}** — lỗi {failures} lần liên tiếp, sẽ thử lại sau {wait}"
    ),
    "admin.src.last_success": (
        "   Lấy tin thành công gần nhất: {when} · {articles} bài · {errors} lỗi"
    ),
    "admin.src.no_success": "chưa có",
    "admin.src.last_error": "   Lỗi gần nhất ({when}): {reason}",
    "admin.src.button_pause": "⏸ Tạm dừng {name}",
    "admin.src.button_resume": "▶️ Tiếp tục {name}",
    "admin.src.button_refresh": "🔄 Lấy tin ngay",
    "admin.src.now_paused": "Đã tạm dừng nguồn {name}.",
    "admin.src.now_resumed": "Nguồn {name} hoạt động trở lại.",
    "admin.src.refresh_started": "Đang lấy tin…",
    "admin.src.refreshing": "⏳ Đang lấy tin từ nguồn **{name}**…",
    "admin.src.already_refreshing": "Nguồn **{name}** đang được lấy tin, vui lòng chờ.",
    "admin.src.not_configured": "Nguồn **{name}** không có trong tệp nguồn hiện tại.",
    "admin.src.refresh_skipped": (
        "⏸ Không lấy tin từ **{name}**: {reason}. Hãy bấm Tiếp tục trước."
    ),
    "admin.src.refresh_done": (
        "✅ **{name}**: {new} bài mới, {seen} bài đã có ({seconds} giây). "
        "Bài mới sẽ được gửi tới người đăng ký."
    ),
    "admin.src.refresh_failed": "⚠️ **{name}**: không lấy được tin ({seconds} giây).",
    "admin.src.refresh_errors": "⚠️ {count} lỗi: {errors}",
    "admin.stats.title": "📊 **Thống kê** · {when}",
    "admin.stats.chats": "👥 **Người nhận**: {active} đang nhận · {inactive} đã ngừng",
    "admin.stats.languages": "   Ngôn ngữ: {items}",
    "admin.stats.types": "   Loại trò chuyện: {items}",
    "admin.stats.channels": "   Theo kênh: {items}",
    "admin.stats.channel_item": "{channel} {active} (đã ngừng {inactive})",
    "admin.stats.deliveries_channels": "   Theo kênh: {items}",
    "admin.stats.deliveries_channel": "{channel}: gửi {sent}, lỗi {failed}, bỏ qua {skipped}",
    "admin.stats.per_category": "   Theo chuyên mục:",
    "admin.stats.per_source": "   Theo nguồn:",
    "admin.stats.articles": "📰 **Bài viết**: {total}",
    "admin.stats.deliveries": (
        "📤 **Gửi tin 24 giờ qua**: đã gửi {sent} · lỗi {failed} · bỏ qua {skipped} · "
        "đã hủy {cancelled} · đang chờ {pending}"
    ),
    "admin.stats.queue": (
        "⏳ **Hàng đợi**: {total} tin chờ gửi (bài viết {articles} · thông báo {broadcasts} · "
        "bản tin {digests}), {retrying} đang chờ thử lại"
    ),
    "admin.stats.queue_oldest": "   Tin chờ lâu nhất: {age}",
    "admin.stats.uncertain": (
        "   Gửi không chắc chắn (hết thời gian chờ sau khi đã gửi, người nhận có thể nhận hai "
        "lần): {pushes} tin đẩy trong 24 giờ · {replies} tin trả lời từ lúc khởi động"
    ),
    "admin.stats.broadcast_sending": "   Thông báo #{id} đang gửi: {sent}/{total} ({percent}%)",
    "admin.stats.broadcast_recent": (
        "   📢 #{id} {when} · {audience} · đã gửi {sent}/{total} · lỗi {failed} · {status} "
        "(quản trị viên {admin})"
    ),
    "admin.stats.status_done": "xong",
    "admin.stats.status_cancelled": "đã dừng",
    "admin.stats.sources": "🛰 **Nguồn tin** ({count})",
    "admin.stats.more": "   … và {count} mục khác",
    "admin.alert": "⚠️ **Lỗi trong bot** ({where})\n```{what}```",
    "admin.alert_suppressed": "(+{count} lỗi khác trong phút qua chỉ được ghi vào nhật ký)",
    "admin.alert_summary": (
        "⚠️ **{count} lỗi khác** trong phút qua, chỉ được ghi vào nhật ký: {where}"
    ),
    # The bot's web pages (bot/web): article page, not-found page
    "web.site_name": "Tin tức Ủy ban MTTQ Việt Nam thành phố",
    "web.published": "Đăng lúc {when}",
    "web.photo": "Ảnh",
    "web.author": "Tác giả: {author}",
    "web.source": "Nguồn: {link}",
    "web.not_found_title": "Không tìm thấy bài viết",
    "web.not_found": "Bài viết này không có hoặc đã bị xóa.",
    # Health alerts to the admins (bot/web/health.py)
    "health.stuck": "🚨 **Bot đang gặp sự cố** (kiểm tra lúc {when})",
    "health.deliveries_stuck": (
        "• {queue} tin đang chờ gửi nhưng không gửi được tin nào từ {since}: "
        "kiểm tra kết nối tới Telegram."
    ),
    "health.deliveries_stuck_never": (
        "• {queue} tin đang chờ gửi nhưng chưa gửi được tin nào: kiểm tra kết nối tới Telegram."
    ),
    "health.sources_failing": "• Không nguồn tin nào tải được từ {since}: xem /sources.",
    "health.sources_failing_never": "• Chưa nguồn tin nào tải được: xem /sources.",
    "health.database": "• Không đọc được cơ sở dữ liệu.",
    "health.recovered": "✅ **Bot đã hoạt động bình thường trở lại** ({when}).",
    "follow.usage": (
        "🔔 **Theo dõi từ khóa**: nhận ngay bài mới có các từ bạn chọn, ở mọi chuyên mục (gõ "
        "không dấu cũng được).\nCách dùng: `/follow <từ khóa>`, ví dụ `/follow Bạch Long Vĩ`; "
        "tối đa {max} từ khóa. Gõ /follow để xem và bỏ các từ khóa đang theo dõi."
    ),
    "follow.done": (
        "🔔 Đã theo dõi «{words}». Bài mới ở mọi chuyên mục có các từ này (liền nhau, đúng thứ "
        "tự; gõ không dấu cũng được) sẽ được gửi đến đây, mỗi bài một lần."
    ),
    "follow.already": "Bạn đã theo dõi «{words}» rồi. Gõ /follow để xem danh sách.",
    "follow.full": "Bạn đã theo dõi {max} từ khóa, mức tối đa. Gõ /follow để bỏ bớt.",
    "follow.too_long": "Từ khóa quá dài: tối đa {words} từ và {chars} ký tự.",
    "follow.not_instant": (
        "__Lưu ý: bài theo từ khóa chỉ được gửi khi nhận tin ở chế độ «Nhận ngay» "
        "(/settings).__"
    ),
    "follow.list": "🔔 **Từ khóa đang theo dõi** ({count}/{max})",
    "follow.list_hint": "Bấm ✖️ để bỏ theo dõi một từ khóa; thêm bằng `/follow <từ khóa>`.",
    "follow.removed": "Đã bỏ theo dõi «{words}».",
    "menu.follow": "Theo dõi từ khóa",
    "stop.confirm": (
        "⚠️ **Dừng nhận tin?**\nBot sẽ hủy mọi đăng ký và từ khóa theo dõi, và xóa dữ liệu của "
        "cuộc trò chuyện này. Không thể hoàn tác."
    ),
    "stop.yes": "✅ Có, dừng và xóa",
    "stop.no": "✖️ Không",
    "stop.kept": "Đã giữ nguyên: bạn vẫn nhận tin như trước.",
    "admin.add.usage": (
        "Cách dùng: `/addsource <địa chỉ RSS/Atom> [chuyên mục]`, ví dụ `/addsource "
        "https://example.org/rss Tin tức`. Bot tải thử một lần và cho xem trước rồi mới hỏi có "
        "thêm không."
    ),
    "admin.add.not_url": "«{url}» không phải địa chỉ http(s) của một nguồn tin RSS/Atom.",
    "admin.add.no_sources_file": (
        "Bot đang chạy không có tệp nguồn tin (NEWSBOT_SOURCES_FILE) nên không lấy tin được."
    ),
    "admin.add.already": "Địa chỉ này đã là nguồn tin **{name}**.",
    "admin.add.failed": "⚠️ Không đọc được nguồn tin {url}: {reason}",
    "admin.add.preview": "🛰 **Xem trước nguồn tin mới**: {title}",
    "admin.add.preview_url": "Địa chỉ: {url}",
    "admin.add.preview_name": "Tên nguồn: `{name}`",
    "admin.add.preview_entries": "Số bài trong nguồn: {count}",
    "admin.add.preview_categories": "Chuyên mục: {categories}",
    "admin.add.preview_forced": "Mọi bài sẽ vào chuyên mục: **{category}**",
    "admin.add.preview_newest": "Bài mới nhất:",
    "admin.add.preview_ask": (
        "Thêm nguồn này? Bài mới sẽ được gửi tới người đăng ký các chuyên mục."
    ),
    "admin.add.button_add": "✅ Thêm nguồn",
    "admin.add.button_cancel": "✖️ Hủy",
    "admin.add.gone": "Bản xem trước này đã được xử lý hoặc đã hết hạn. Gõ lại /addsource.",
    "admin.add.discarded": "✖️ Đã hủy, không thêm nguồn {url}.",
    "admin.add.added": "✅ Đã thêm nguồn **{name}** ({url}). Đang lấy tin…",
    "admin.add.first_poll": "✅ Nguồn **{name}**: đã lấy {new} bài mới. Xem /latest.",
    "admin.add.first_poll_failed": (
        "⚠️ Nguồn **{name}** đã được thêm nhưng lần lấy tin đầu bị lỗi: {reason}. Bot sẽ thử "
        "lại sau."
    ),
    "admin.remove.usage": "Cách dùng: `/removesource <tên nguồn>`. Các nguồn hiện có: {names}.",
    "admin.remove.unknown": "Không có nguồn tin «{name}». Các nguồn hiện có: {names}.",
    "admin.remove.done": (
        "Đã gỡ nguồn **{name}**: bot thôi lấy tin từ nguồn này (các bài đã lưu vẫn còn)."
    ),
    "menu.addsource": "[Quản trị] Thêm nguồn tin (xem trước rồi xác nhận)",
    "menu.removesource": "[Quản trị] Gỡ một nguồn tin",
    "card.like_count": "👍 {count}",
    "latest.clamped": "__Chỉ hiển thị tối đa {max} bài.__",
    "text.search_offer": (
        "Bot trả lời các lệnh (gõ /help để xem tất cả). Bạn muốn tìm bài viết về «{query}»?"
    ),
    "text.search_button": "🔎 Tìm «{query}»",
    "bot.description": (
        "Bot tin tức của {organisation}: nhận bài mới theo chuyên mục bạn chọn, kèm ảnh và tóm "
        "tắt; xem tin mới, tin nổi bật, cụm thi đua; tìm kiếm và theo dõi từ khóa. Bấm Bắt đầu "
        "để chọn chuyên mục."
    ),
    "bot.short_description": (
        "Tin tức {organisation}: bài mới theo chuyên mục, tìm kiếm, theo dõi từ khóa."
    ),
    "menu.broadcast": "[Quản trị] Gửi thông báo",
    "menu.stats": "[Quản trị] Thống kê",
    "menu.sources": "[Quản trị] Nguồn tin",
    "menu.setcluster": "[Quản trị] Đặt cụm trưởng, cụm phó",
    "menu.review": "[Quản trị] Câu hỏi về cụm thi đua",
    "admin.export.caption": (
        "📤 **Danh sách nguồn tin** (OPML): {count} nguồn. Mở được bằng mọi trình đọc tin; nạp "
        "vào bot bằng `newsbot sources import <tệp>`."
    ),
    "admin.export.left_out": (
        "{count} nguồn lưu trữ hoặc tệp trên máy chủ không có địa chỉ web nên không có trong "
        "tệp."
    ),
    "menu.exportsources": "[Quản trị] Tải danh sách nguồn tin (OPML)",
    "cli.sources.imported": "Đã thêm {count} nguồn: {names}",
    "cli.sources.known": "Đã có sẵn (bỏ qua): {count}",
    "cli.sources.refused": "Không nhận: {count}",
    "demo.sample_note": (
        "(Bản chạy thử: ngày đăng của bài mẫu được dời về những ngày gần đây, và vài lượt "
        "thích, lượt đọc mẫu được thêm vào để /popular có nội dung.)"
    ),
    "demo.new_article": (
        "📰 (Bản chạy thử) Một bài mẫu mới vừa được đăng ở chuyên mục «{category}» bạn đã đăng "
        "ký:"
    ),
}
