"""English texts: a complete translation of `vi`."""

TEXTS: dict[str, str] = {
    # Terminal demo
    "demo.loading": "Loading the sample news into a temporary database…",
    "demo.loaded": "Loaded {count} sample {count|article|articles}.",
    "demo.banner": (
        "News bot (demo, no Telegram needed). Type commands such as /start, /latest, /help; "
        "type a number to press a button; /quit to leave."
    ),
    "demo.no_button": "There is no button with that number (there are {count}).",
    "demo.banner_zalo": (
        "News bot on Zalo (demo, no Zalo needed): you are a Zalo reader. Type commands such as "
        "/start, /latest, /help; Zalo has no buttons, so answer with a number to choose; /quit "
        "to leave."
    ),
    # Reader commands
    "start.welcome": (
        "👋 Hello! This is the news bot of the **city committee of the Vietnam Fatherland "
        "Front** ({organisation}).\nIt sends new articles of the categories you choose, "
        "with a photo and a summary. Type /help for every command."
    ),
    "help": (
        "**News bot of the city Fatherland Front committee** ({organisation})\n"
        "Get new articles by category, browse the latest and most-read news, and see who leads "
        "the emulation clusters.\n\n"
        "/start — start, choose categories\n"
        "/categories (/chuyenmuc) — turn categories on or off\n"
        "/subscribe [category|all] (/dangky) — subscribe (all: every category)\n"
        "/unsubscribe [category|all] (/huydangky) — unsubscribe\n"
        "/latest [category] [count] (/tinmoi) — the newest articles\n"
        "/popular [category] (/noibat) — the most-read articles of the last 7 days\n"
        "/cluster [year|cluster] (/cum) — emulation cluster leader and deputy\n"
        "/search <words> (/timkiem) — search articles, accents optional\n"
        "/follow [words] (/theodoi) — new articles holding the words, any category\n"
        "/settings (/caidat) — language and delivery mode\n"
        "/stop — unsubscribe from everything and delete your data\n\n"
        "Category names work without accents, e.g. `/latest hoat dong mttq 3`."
    ),
    "categories.title": "Choose the categories to receive (✅ = on, choose again to turn off):",
    "categories.none": "No categories yet: no news has been loaded. Please come back later.",
    "toggle.on": "Subscribed: {category}",
    "toggle.off": "Unsubscribed: {category}",
    "subscribe.done": "✅ Subscribed to **{category}**. New articles will be sent here.",
    "subscribe.already": "You are already subscribed to **{category}**.",
    "unsubscribe.done": "Unsubscribed from **{category}**.",
    "unsubscribe.not_subscribed": "You are not subscribed to **{category}**.",
    "unsubscribe.all": "Unsubscribed from every category.",
    "unsubscribe.nothing": "You have no subscriptions.",
    "unsubscribe.usage": (
        "Usage: `/unsubscribe <category>` "
        "or `/unsubscribe all` to remove them all."
    ),
    "category.unknown": "No category called «{query}». Categories: {names}.",
    "latest.title": "📰 **Latest news**",
    "latest.title_category": "📰 **Latest news** · {category}",
    "latest.empty": "No articles yet.",
    "latest.usage": "Usage: `/latest [category] [count]`, count from 1 to {max}.",
    "article.not_found": "This article was not found (it may have been removed).",
    "language.name": "English",
    "settings.title": "⚙️ **Settings**\nLanguage: {language}",
    "settings.language_set": "Switched to English.",
    # Search and daily digest (issue 7)
    "settings.delivery": "News: {mode}",
    "delivery.instant": "Instant",
    "delivery.digest": "Daily digest",
    "delivery.paused": "Paused",
    "delivery.now_instant": "as soon as an article is published",
    "delivery.now_digest": "a daily digest at {hour}",
    "delivery.now_paused": "paused",
    "delivery.set_instant": "New articles will be sent as soon as they are published.",
    "delivery.set_digest": "You will get the digest at {hour} every day.",
    "delivery.set_paused": "News paused. Choose «Instant» or «Daily digest» to receive it again.",
    "delivery.pick_hour": (
        "🗞 **Daily digest**\n"
        "One message a day with the new articles of the categories you follow. Choose the time:"
    ),
    "delivery.back": "« Back",
    "search.usage": (
        "Usage: `/search <words>`, e.g. `/search hai phong bau cu`. "
        "Accents are optional."
    ),
    "search.none": "No article contains «{query}». Try other or fewer words.",
    "search.title": "🔎 **Search** «{query}» · {count} · page {page}/{pages}",
    "search.count": "{count} found",
    "search.count_more": "newest {count} shown",
    "search.truncated": "__Only the first {max} words were searched.__",
    "search.previous": "« Previous",
    "search.next": "Next »",
    "search.expired": "These search results have expired. Please search again.",
    "digest.title": "🗞 **Digest of {date}**",
    "digest.count": "New articles from the categories you follow: {count}.",
    "digest.more_count": "… and {count} more.",
    "digest.more": "More ({count})",
    "digest.more_title": "🗞 **Digest: more articles** ({count}) · page {page}/{pages}",
    "digest.expired": "This digest is no longer available. Type /latest for the newest articles.",
    "flood.title": "📰 **{count} new articles** in {categories}",
    "flood.why": "__Many articles came out at once, so they come in one message.__",
    "categories.page": "Page {page}/{pages}",
    "list.more_names": "… and {count} more categories",
    "stop.done": (
        "Unsubscribed from everything and deleted this chat's data. "
        "Type /start to receive news again."
    ),
    "group.admins_only": "Only the group's admins can change the group's settings.",
    "button.invalid": "This button is invalid or has expired.",
    "feature.not_yet": "This feature is being finished and will be available soon.",
    "admin.refused": "Sorry, this command is for the bot's admins only.",
    "command.unknown": "The bot has no such command. Type /help to see the commands.",
    "text.hint": "The bot answers commands, e.g. /latest. Type /help to see them all.",
    "error.generic": "Sorry, something went wrong. Please try again later.",
    # Zalo: no buttons, numbered choices answered by writing the number
    "zalo.choose": "↩️ Reply with a number from 1 to {last} to choose.",
    "zalo.choose_one": "↩️ Reply 1 to choose.",
    "zalo.no_choices": (
        "There is no list to choose from by number yet. Type /categories to choose categories, "
        "/latest for the newest articles, /help for every command."
    ),
    "zalo.number_invalid_one": (
        "There is no choice number {number}. Reply 1 (from the latest list)."
    ),
    "zalo.number_invalid": (
        "There is no choice number {number}. Reply with a number from 1 to {last} (from the "
        "latest list)."
    ),
    # Forum topics, channels, "all categories" (issue 13)
    "categories.all": "All categories",
    "categories.all_on": "Receiving **all categories**, including those added later.",
    "subscribe.all_done": (
        "✅ Subscribed to **all categories**, including those added later. New articles will "
        "be sent here."
    ),
    "subscribe.all_already": "You are already subscribed to **all categories**.",
    "stop.topic_done": (
        "Every subscription of this topic is cancelled. Type /subscribe in the topic to get "
        "news here again."
    ),
    "channel.admins_only": "Only the channel's admins can change the channel's settings.",
    "channels.title": (
        "📢 **Channels and groups with the bot**\n"
        "Choose a channel or group to choose the categories the bot sends there."
    ),
    "channels.none": (
        "The bot is in no channel or group yet. Make the bot an admin of the channel (allowed "
        "to post messages), then type /channels again. The channel's admins can also post "
        "`/subscribe <category>` in the channel itself."
    ),
    "channels.unlinked": "not linked",
    "channels.count": "{count} subscriptions",
    "channels.no_post": "⚠️ the bot may not post yet",
    "channels.picker": (
        "{icon} **{title}**\nChoose the categories sent to this {kind} (✅ = on):"
    ),
    "channels.kind_channel": "channel",
    "channels.kind_group": "group",
    "channels.unlink": "🔗 Unlink",
    "channels.back": "« List",
    "channels.unlinked_done": "Unlinked: {title} gets no news any more.",
    "channels.gone": "The bot is no longer in this channel or group.",
    "channels.toggle_on": "On for {title}: {category}",
    "channels.toggle_off": "Off for {title}: {category}",
    "category.new": (
        "🆕 **New category** in the news: {names}.\n{details}\n"
        "If it is only another name of an existing category, add a `category_map` to that "
        "source in the sources file, e.g. `category_map = {{ \"{example}\" = \"Existing "
        "name\" }}`, then restart the bot."
    ),
    "category.new_line": "• «{name}»: source {sources}",
    "category.new_source": "{source} ({count} articles)",
    # Command menu (set_my_commands)
    "menu.start": "Start, choose categories",
    "menu.help": "How to use the bot",
    "menu.categories": "Turn categories on or off",
    "menu.subscribe": "Subscribe to a category",
    "menu.unsubscribe": "Unsubscribe from a category",
    "menu.latest": "The newest articles",
    "menu.popular": "Most read in the last 7 days",
    "menu.cluster": "Emulation cluster leadership",
    "menu.search": "Search articles",
    "menu.settings": "Language and delivery mode",
    "menu.stop": "Unsubscribe from everything, delete data",
    # Command line
    "cli.ingest.source": "{name}: {new} new, {seen} already stored, {errors} {errors|error|errors}",
    "cli.ingest.total": "Total: {total} new {total|article|articles}",
    # Article card
    "card.read_original": "Read the original",
    "card.more": "Read more",
    "card.like": "👍",
    "card.meta": "{category} · {when}",
    # Popular and emulation clusters (issue 5): 👍, Xem thêm, /popular, /cluster, /setcluster
    "like.on": "👍 Liked",
    "like.off": "Like removed",
    "like.anonymous": "The bot cannot tell who pressed, so the like was not counted.",
    "popular.title": "🔥 **Most read in the last {days} days**",
    "popular.title_category": "🔥 **Most read in the last {days} days** · {category}",
    "popular.basis": "👍 {likes} · 📖 {more} · 👁 {views}",
    "popular.legend": "__👍 likes · 📖 «Xem thêm» (more) · 👁 opens (each reader counts once)__",
    "popular.empty": (
        "No article published in the last {days} days has been read yet. "
        "Choose 👍 or «Xem thêm» with the articles, or see /latest."
    ),
    "popular.empty_category": (
        "No article of **{category}** published in the last {days} days has been read yet."
    ),
    "cluster.title": "🏆 **Emulation clusters: leaders and deputies** (latest known year)",
    "cluster.title_year": "🏆 **Emulation clusters in {year}**",
    "cluster.title_search": "🏆 **Emulation clusters** · «{query}»",
    "cluster.block": "**Emulation cluster {cluster}** · {year}",
    "cluster.role.leader": "Leader (Cụm trưởng)",
    "cluster.role.deputy": "Deputy (Cụm phó)",
    "cluster.role_line": "• {role}: **{unit}** {source}",
    "cluster.role_unknown": "• {role}: not known",
    "cluster.nobody": "none",
    "cluster.source": "[{number}] {title} · {when}",
    "cluster.by_admin": "✍️ (set by an admin on {when})",
    "cluster.more": (
        "… and {count} more: type /cluster <year> or /cluster <cluster name>."
    ),
    "cluster.footer": "Choose 📰 and a number to open the source article.",
    "cluster.none": "No emulation-cluster leadership is known yet: no article has named one.",
    "cluster.none_year": "No cluster leader or deputy is known for {year}.",
    "cluster.none_cluster_year": "Nothing is known about cluster «{query}» for {year}.",
    "cluster.unknown": "No emulation cluster matches «{query}». Type /cluster to see those known.",
    "cluster.usage": (
        "Usage: `/cluster` (latest year), `/cluster 2023` (one year), "
        "`/cluster 5 thanh pho` (one cluster; accents optional)."
    ),
    "setcluster.usage": (
        "Usage: `/setcluster` (a step-by-step dialog), or `/setcluster <year> | <cluster> | "
        "Cụm trưởng or Cụm phó | <unit, or - for none>`\nExample: `/setcluster 2024 | 5 thành phố "
        "trực thuộc Trung ương | Cụm trưởng | Ủy ban MTTQ Việt Nam thành phố Hải Phòng`"
    ),
    "setcluster.done": (
        "✅ Saved: {year}, emulation cluster **{cluster}**, {role}: **{unit}** "
        "(set by an admin; it overrides what articles say). See: /cluster {year}"
    ),
    # Admin review of unsure cluster readings and the /setcluster dialog (issue 16, SPEC 13)
    "review.new": (
        "🗂 **New questions about emulation clusters: {count}**\n"
        "The bot is not sure about these, so readers do not see them yet. Please confirm, "
        "correct or reject them."
    ),
    "review.waiting": "🗂 **Questions about emulation clusters waiting: {count}**",
    "review.left": "Questions about emulation clusters left: {count}.",
    "review.question": "❓ Is **{unit}** the **{role}** of cluster **{cluster}** in **{year}**?",
    "review.source": "📰 {title} · {when}",
    "review.button_confirm": "✅ Yes",
    "review.button_reject": "❌ No",
    "review.button_correct": "✏️ Correct",
    "review.button_later": "⏭ Later",
    "review.button_open": "📰 Open article",
    "review.confirmed": (
        "✅ **Confirmed**: {unit} is the {role} of cluster {cluster} in {year}. /cluster shows "
        "it as set by an admin."
    ),
    "review.rejected": (
        "❌ **Rejected**: «{unit} is the {role} of cluster {cluster} in {year}». The bot will "
        "not ask again."
    ),
    "review.corrected": (
        "✏️ **Corrected**: «{unit} is the {role} of cluster {cluster} in {year}» was replaced "
        "by what an admin entered."
    ),
    "review.notice_confirmed": "Confirmed.",
    "review.notice_rejected": "Rejected.",
    "review.already": "This question was already answered ({status} on {when}).",
    "review.status.confirmed": "confirmed",
    "review.status.rejected": "rejected",
    "review.status.corrected": "corrected",
    "review.gone": "This question no longer exists (the article was read again or removed).",
    "review.none": "✅ No question about emulation clusters is waiting.",
    "review.all_done": "🎉 Every question about emulation clusters is answered.",
    "review.no_other": "There is no other question.",
    "dialog.title": "✍️ **Set a cluster leader or deputy**",
    "dialog.title_correct": "✏️ **Correct what the bot read**",
    "dialog.read_as": "The bot read: {unit} is the {role} of cluster {cluster} in {year}.",
    "dialog.chosen": "Chosen: {chosen}",
    "dialog.chosen_year": "{year}",
    "dialog.chosen_cluster": "cluster {cluster}",
    "dialog.step_year": "**Step 1/4 · Year.** Choose or type the year (e.g. `2024`).",
    "dialog.step_cluster": (
        "**Step 2/4 · Emulation cluster.** Choose a known cluster or type a new cluster's "
        "name (e.g. `5 thành phố trực thuộc Trung ương`, `các quận`, `số 2`)."
    ),
    "dialog.step_cluster_none": (
        "**Step 2/4 · Emulation cluster.** Type the cluster's name (e.g. `5 thành phố trực "
        "thuộc Trung ương`, `các quận`, `số 2`)."
    ),
    "dialog.page": "Page {page}/{pages}.",
    "dialog.step_role": "**Step 3/4 · Role.** Leader (Cụm trưởng) or deputy (Cụm phó)?",
    "dialog.step_unit": (
        "**Step 4/4 · Unit.** Type the unit's name (e.g. `Ủy ban MTTQ Việt Nam thành phố Hải "
        "Phòng`; short forms such as `UBMTTQ TP Hải Phòng` work too) or choose below."
    ),
    "dialog.now_shown": "/cluster now shows: **{unit}** {origin}.",
    "dialog.now_none": "/cluster knows nothing about this yet.",
    "dialog.origin_article": "(from an article)",
    "dialog.origin_admin": "(set by an admin)",
    "dialog.step_confirm": "**Check, then press ✅ Save.**",
    "dialog.summary": "Year: **{year}**\nEmulation cluster: **{cluster}**{new}\n{role}: **{unit}**",
    "dialog.new_cluster": " (new cluster)",
    "dialog.replaces": "Replaces: {unit} {origin}.",
    "dialog.pending_note": "Questions about emulation clusters waiting: {count} (/review)",
    "dialog.button_keep": "✔️ Keep: {value}",
    "dialog.button_nobody": "— No unit",
    "dialog.button_save": "✅ Save",
    "dialog.button_back": "↩️ Back",
    "dialog.button_cancel": "✖️ Cancel",
    "dialog.button_previous": "« Previous",
    "dialog.button_next": "Next »",
    "dialog.bad_year": "⚠️ «{text}» is not a year (1990 to 2100).",
    "dialog.bad_cluster": (
        "⚠️ «{text}» does not say which cluster. Type its name, e.g. `các quận` or `số 2`."
    ),
    "dialog.bad_role": "⚠️ Choose the leader (Cụm trưởng) or the deputy (Cụm phó).",
    "dialog.bad_unit": "⚠️ «{text}» is not a unit's name.",
    "dialog.use_buttons": "⚠️ Press ✅ Save to store it, ↩️ Back to change it, or ✖️ Cancel.",
    "dialog.cancelled": "✖️ Cancelled, nothing was stored.",
    "dialog.expired": "This dialog has ended or expired. Type /setcluster to start again.",
    "dialog.stale": "This step is over. Use the dialog's latest message.",
    "dialog.saved": "Saved.",
    "help.admin": (
        "**Admin commands**\n"
        "/broadcast — send an announcement to subscribers\n"
        "/stats — statistics\n"
        "/sources — news sources: health, pause, fetch now\n"
        "/addsource <address> [category] — add an RSS/Atom source (preview, then confirm)\n"
        "/removesource <source name> — remove a news source\n"
        "/exportsources — download the news sources (an OPML file)\n"
        "/setcluster — set a cluster leader or deputy (a step-by-step dialog; or "
        "`/setcluster <year> | <cluster> | <role> | <unit>`)\n"
        "/review (/duyetcum) — questions about emulation clusters waiting for an answer\n"
        "/channels (/kenh) — link the channels and groups the bot is in to categories"
    ),
    "cli.rescan.progress": "Read {done}/{total} articles",
    "cli.rescan.done": "Done: read {articles} {articles|article|articles}, found {facts} cluster "
        "{facts|fact|facts}.",
    # Admin tools (issue 6): /broadcast, /stats, /sources, error alerts
    "admin.button_update": "🔄 Refresh",
    "admin.updated": "Updated.",
    "admin.bc.usage": (
        "Usage: `/broadcast <text>`; or reply to a photo or a message with "
        "/broadcast; or send a photo whose caption starts with /broadcast."
    ),
    "admin.bc.too_long": (
        "The announcement is {length} characters long, over Telegram's limit of {limit} "
        "characters for a message. The bot does not cut it: please shorten it and send again."
    ),
    "admin.bc.too_long_caption": (
        "The photo caption is {length} characters long, over Telegram's limit of {limit} "
        "characters for a caption. The bot does not cut it: please shorten it, or send the "
        "announcement without the photo (up to 4,096 characters)."
    ),
    "admin.bc.pick": (
        "📢 **Announcement #{id}**: the preview above is exactly what recipients will see.\n"
        "Who should receive it? (active recipients)"
    ),
    "admin.bc.everyone": "all subscribers",
    "admin.bc.button_everyone": "👥 Everyone · {count}",
    "admin.bc.button_discard": "✖️ Discard",
    "admin.bc.channel": "Channel: {channel}",
    "admin.bc.channel_all": "Every channel",
    "admin.bc.button_back": "↩️ Choose again",
    "admin.bc.button_send": "✅ Send to {count} {count|recipient|recipients}",
    "admin.bc.button_stop": "⏹ Stop sending",
    "admin.bc.confirm": (
        "📢 **Announcement #{id}** will be sent to **{count}** {count|recipient|recipients} "
        "({audience}).\n"
        "Send now?"
    ),
    "admin.bc.inactive_note": (
        "{count} {count|chat that|chats that} stopped or paused receiving messages will be left "
        "out."
    ),
    "admin.bc.nobody": (
        "Nobody in «{audience}» receives messages now. Please choose another audience."
    ),
    "admin.bc.not_draft": "Announcement #{id} was already sent or discarded.",
    "admin.bc.discarded": "✖️ Announcement #{id} discarded; nothing was sent.",
    "admin.bc.started": "Sending to {count} {count|recipient|recipients}.",
    "admin.bc.not_sending": "Announcement #{id} is not being sent any more.",
    "admin.bc.stopped": "Stopped: {count} unsent {count|message|messages} cancelled.",
    "admin.bc.progress_title": "📤 **Sending announcement #{id}** · {audience}",
    "admin.bc.done_title": "✅ **Announcement #{id} sent** · {audience}",
    "admin.bc.cancelled_title": "⏹ **Announcement #{id} stopped** · {audience}",
    "admin.bc.progress": "Sent {sent}/{total} · failed {failed}",
    "admin.bc.progress_skipped": "Skipped (stopped receiving): {count}",
    "admin.bc.progress_cancelled": "Cancelled, not sent: {count}",
    "admin.bc.report_title": "📊 **Report of announcement #{id}**",
    "admin.bc.report_audience": "Recipients: {total} ({audience})",
    "admin.bc.report_sent": "✅ Sent: {count}",
    "admin.bc.report_skipped": "⏭ Skipped (stopped receiving): {count}",
    "admin.bc.report_failed": "❌ Failed: {count}",
    "admin.bc.report_cancelled": "⏹ Cancelled, not sent: {count}",
    "admin.bc.report_time": "Started {start}, finished {end} ({took})",
    "admin.bc.report_by": "Sent by admin {admin}",
    "admin.bc.no_reason": "unknown reason",
    "admin.bc.report_left_out": (
        "Not sent to {count} {count|chat that|chats that} had stopped or paused receiving "
        "messages before."
    ),
    "admin.src.title": "🛰 **Sources** ({count})",
    "admin.src.none": "No sources yet (check the sources file, NEWSBOT_SOURCES_FILE).",
    "admin.src.never": "🆕 **{name}** — never polled yet",
    "admin.src.ok": "✅ **{name}** — working",
    "admin.src.paused": "⏸ **{name}** — paused",
    "admin.src.failing": "⚠️ **{name}** — the last poll failed",
    "admin.src.backing_off": (
        "⏳ **{name}** — failed {failures} {failures|time|times} in a row, next try in {wait}"
    ),
    "admin.src.last_success": (
        "   Last success: {when} · {articles} {articles|article|articles} · {errors} "
        "{errors|error|errors}"
    ),
    "admin.src.no_success": "never",
    "admin.src.last_error": "   Last error ({when}): {reason}",
    "admin.src.button_pause": "⏸ Pause {name}",
    "admin.src.button_resume": "▶️ Resume {name}",
    "admin.src.button_refresh": "🔄 Refresh now",
    "admin.src.now_paused": "Source {name} paused.",
    "admin.src.now_resumed": "Source {name} resumed.",
    "admin.src.refresh_started": "Refreshing…",
    "admin.src.refreshing": "⏳ Fetching news from **{name}**…",
    "admin.src.already_refreshing": "**{name}** is being refreshed already, please wait.",
    "admin.src.not_configured": "**{name}** is not in the current sources file.",
    "admin.src.refresh_skipped": "⏸ **{name}** was not polled: {reason}. Press Resume first.",
    "admin.src.refresh_done": (
        "✅ **{name}**: {new} new, {seen} already stored ({seconds} s). "
        "New articles will be sent to subscribers."
    ),
    "admin.src.refresh_failed": "⚠️ **{name}**: could not fetch news ({seconds} s).",
    "admin.src.refresh_errors": "⚠️ {count} {count|error|errors}: {errors}",
    "admin.stats.title": "📊 **Statistics** · {when}",
    "admin.stats.chats": "👥 **Recipients**: {active} receiving · {inactive} stopped",
    "admin.stats.languages": "   Languages: {items}",
    "admin.stats.types": "   Chat types: {items}",
    "admin.stats.channels": "   By channel: {items}",
    "admin.stats.channel_item": "{channel} {active} ({inactive} stopped)",
    "admin.stats.deliveries_channels": "   By channel: {items}",
    "admin.stats.deliveries_channel": "{channel}: sent {sent}, failed {failed}, skipped {skipped}",
    "admin.stats.per_category": "   Per category:",
    "admin.stats.per_source": "   Per source:",
    "admin.stats.articles": "📰 **Articles**: {total}",
    "admin.stats.deliveries": (
        "📤 **Deliveries, last 24 hours**: sent {sent} · failed {failed} · "
        "skipped {skipped} · cancelled {cancelled} · pending {pending}"
    ),
    "admin.stats.queue": (
        "⏳ **Queue**: {total} {total|message|messages} waiting (articles {articles} · "
        "announcements {broadcasts} · digests {digests}), {retrying} waiting for a retry"
    ),
    "admin.stats.queue_oldest": "   Oldest waiting: {age}",
    "admin.stats.uncertain": (
        "   Ambiguous sends (timed out after the request went out: the recipient may have it "
        "twice): {pushes} pushes in 24 hours · {replies} replies since the start"
    ),
    "admin.stats.broadcast_sending": "   Announcement #{id} sending: {sent}/{total} ({percent}%)",
    "admin.stats.broadcast_recent": (
        "   📢 #{id} {when} · {audience} · sent {sent}/{total} · failed {failed} · {status} "
        "(admin {admin})"
    ),
    "admin.stats.status_done": "done",
    "admin.stats.status_cancelled": "stopped",
    "admin.stats.sources": "🛰 **Sources** ({count})",
    "admin.stats.more": "   … and {count} more",
    "admin.alert": "⚠️ **Error in the bot** ({where})\n```{what}```",
    "admin.alert_suppressed": (
        "(+{count} more {count|error|errors} in the last minute went only to the log)"
    ),
    "admin.alert_summary": (
        "⚠️ **{count} more {count|error|errors}** in the last minute, written to the log "
        "only: {where}"
    ),
    # The bot's web pages (bot/web): article page, not-found page
    "web.site_name": "News of the city's Vietnam Fatherland Front Committee",
    "web.published": "Published {when}",
    "web.photo": "Photo",
    "web.author": "Author: {author}",
    "web.source": "Source: {link}",
    "web.not_found_title": "Article not found",
    "web.not_found": "This article does not exist or was deleted.",
    # Health alerts to the admins (bot/web/health.py)
    "health.stuck": "🚨 **The bot is in trouble** (checked at {when})",
    "health.deliveries_stuck": (
        "• {queue} messages are waiting but nothing could be sent since {since}: "
        "check the connection to Telegram."
    ),
    "health.deliveries_stuck_never": (
        "• {queue} messages are waiting but nothing has been sent yet: check the connection "
        "to Telegram."
    ),
    "health.sources_failing": "• No news source has worked since {since}: see /sources.",
    "health.sources_failing_never": "• No news source has worked yet: see /sources.",
    "health.database": "• The database cannot be read.",
    "health.recovered": "✅ **The bot is working normally again** ({when}).",
    "follow.usage": (
        "🔔 **Follow words**: get new articles holding the words you choose at once, in any "
        "category (accents optional).\nUsage: `/follow <words>`, e.g. `/follow Bach Long Vi`; "
        "at most {max} follows. Type /follow to see and remove what you follow."
    ),
    "follow.done": (
        "🔔 Following «{words}». New articles of any category holding these words (next to each "
        "other, in this order; accents optional) will be sent here, each once."
    ),
    "follow.already": "You already follow «{words}». Type /follow to see the list.",
    "follow.full": "You follow {max} words already, the most allowed. Type /follow to remove some.",
    "follow.too_long": "Too long: at most {words} words and {chars} characters.",
    "follow.not_instant": (
        "__Note: followed words are sent only in the «Instant» delivery mode (/settings).__"
    ),
    "follow.list": "🔔 **Words you follow** ({count}/{max})",
    "follow.list_hint": "Press ✖️ to stop following one; add one with `/follow <words>`.",
    "follow.removed": "No longer following «{words}».",
    "menu.follow": "Follow words",
    "stop.confirm": (
        "⚠️ **Stop the news?**\nThe bot will remove every subscription and followed word, and "
        "delete what it stores about this chat. This cannot be undone."
    ),
    "stop.yes": "✅ Yes, stop and delete",
    "stop.no": "✖️ No",
    "stop.kept": "Nothing changed: you still get the news as before.",
    "admin.add.usage": (
        "Usage: `/addsource <RSS/Atom address> [category]`, e.g. `/addsource "
        "https://example.org/rss News`. The bot fetches it once and shows a preview before "
        "asking whether to add it."
    ),
    "admin.add.not_url": "«{url}» is not the http(s) address of an RSS/Atom feed.",
    "admin.add.no_sources_file": (
        "The bot runs without a sources file (NEWSBOT_SOURCES_FILE), so it ingests nothing."
    ),
    "admin.add.already": "This address is already the source **{name}**.",
    "admin.add.failed": "⚠️ Could not read the feed {url}: {reason}",
    "admin.add.preview": "🛰 **Preview of the new source**: {title}",
    "admin.add.preview_url": "Address: {url}",
    "admin.add.preview_name": "Source name: `{name}`",
    "admin.add.preview_entries": "Entries in the feed: {count}",
    "admin.add.preview_categories": "Categories: {categories}",
    "admin.add.preview_forced": "Every article will go to the category: **{category}**",
    "admin.add.preview_newest": "Newest entries:",
    "admin.add.preview_ask": (
        "Add this source? New articles will be sent to the categories' subscribers."
    ),
    "admin.add.button_add": "✅ Add the source",
    "admin.add.button_cancel": "✖️ Cancel",
    "admin.add.gone": "This preview was answered already or has expired. Type /addsource again.",
    "admin.add.discarded": "✖️ Cancelled: {url} was not added.",
    "admin.add.added": "✅ Added the source **{name}** ({url}). Fetching…",
    "admin.add.first_poll": (
        "✅ Source **{name}**: {new} new {new|article|articles} fetched. See /latest."
    ),
    "admin.add.first_poll_failed": (
        "⚠️ The source **{name}** was added but its first fetch failed: {reason}. The bot will "
        "try again later."
    ),
    "admin.remove.usage": "Usage: `/removesource <source name>`. Sources: {names}.",
    "admin.remove.unknown": "There is no source «{name}». Sources: {names}.",
    "admin.remove.done": (
        "Removed the source **{name}**: the bot no longer fetches it (its stored articles "
        "stay)."
    ),
    "menu.addsource": "[Admin] Add a news source (preview, then confirm)",
    "menu.removesource": "[Admin] Remove a news source",
    "card.like_count": "👍 {count}",
    "latest.clamped": "__Showing at most {max} articles.__",
    "text.search_offer": (
        "The bot answers commands (type /help for all of them). Search the articles for "
        "«{query}»?"
    ),
    "text.search_button": "🔎 Search «{query}»",
    "bot.description": (
        "News bot of {organisation}: new articles of the categories you choose, with a photo "
        "and a summary; the latest and most-read news, emulation clusters; search and followed "
        "words. Press Start to choose categories."
    ),
    "bot.short_description": (
        "News of {organisation}: new articles by category, search, followed words."
    ),
    "menu.broadcast": "[Admin] Send an announcement",
    "menu.stats": "[Admin] Statistics",
    "menu.sources": "[Admin] News sources",
    "menu.setcluster": "[Admin] Set a cluster leader or deputy",
    "menu.review": "[Admin] Questions about emulation clusters",
    "admin.export.caption": (
        "📤 **The news sources** (OPML): {count} {count|feed|feeds}. Any feed reader opens it; "
        "load it into a bot with `newsbot sources import <file>`."
    ),
    "admin.export.left_out": (
        "{count} {count|archive or local file|archives or local files} on the server have no "
        "web address and are not in the file."
    ),
    "menu.exportsources": "[Admin] Download the news sources (OPML)",
    "cli.sources.imported": "Added {count} {count|source|sources}: {names}",
    "cli.sources.known": "Already sources (skipped): {count}",
    "cli.sources.refused": "Refused: {count}",
    "demo.sample_note": (
        "(Demo: the sample articles are dated over the last days, and a few sample likes and "
        "opens were added so that /popular has something to show.)"
    ),
    "demo.new_article": (
        "📰 (Demo) A new sample article was just published in «{category}», which you "
        "subscribed to:"
    ),
}
