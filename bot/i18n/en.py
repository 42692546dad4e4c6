"""English texts: a complete translation of `vi`."""

TEXTS: dict[str, str] = {
    # Terminal demo
    "demo.loading": "Loading the sample news into a temporary database…",
    "demo.loaded": "Loaded {count} sample articles.",
    "demo.banner": (
        "News bot (demo, no Telegram needed). Type commands such as /start, /latest, /help; "
        "type a number to press a button; /quit to leave."
    ),
    "demo.no_button": "There is no button with that number (there are {count}).",
    # Reader commands
    "start.welcome": (
        "👋 Hello! This is the news bot of the <b>city committee of the Vietnam Fatherland "
        "Front</b>.\nIt sends new articles of the categories you choose, with a photo and a "
        "summary. Type /help for every command."
    ),
    "help": (
        "<b>News bot of the city Fatherland Front committee</b>\n"
        "Get new articles by category, browse the latest and most-read news, and see who leads "
        "the emulation clusters.\n\n"
        "/start — start, choose categories\n"
        "/categories (/chuyenmuc) — turn categories on or off\n"
        "/subscribe [category] (/dangky) — subscribe\n"
        "/unsubscribe [category|all] (/huydangky) — unsubscribe\n"
        "/latest [category] [count] (/tinmoi) — the newest articles\n"
        "/popular [category] (/noibat) — the most-read articles of the last 7 days\n"
        "/cluster [year|cluster] (/cum) — emulation cluster leader and deputy\n"
        "/search &lt;words&gt; (/timkiem) — search articles, accents optional\n"
        "/settings (/caidat) — language and delivery mode\n"
        "/stop — unsubscribe from everything and delete your data\n\n"
        "Category names work without accents, e.g. <code>/latest hoat dong mttq 3</code>."
    ),
    "categories.title": "Choose the categories to receive (✅ = on, press again to turn off):",
    "categories.none": "No categories yet: no news has been loaded. Please come back later.",
    "toggle.on": "Subscribed: {category}",
    "toggle.off": "Unsubscribed: {category}",
    "subscribe.done": "✅ Subscribed to <b>{category}</b>. New articles will be sent here.",
    "subscribe.already": "You are already subscribed to <b>{category}</b>.",
    "unsubscribe.done": "Unsubscribed from <b>{category}</b>.",
    "unsubscribe.not_subscribed": "You are not subscribed to <b>{category}</b>.",
    "unsubscribe.all": "Unsubscribed from every category.",
    "unsubscribe.nothing": "You have no subscriptions.",
    "unsubscribe.usage": (
        "Usage: <code>/unsubscribe &lt;category&gt;</code> "
        "or <code>/unsubscribe all</code> to remove them all."
    ),
    "category.unknown": "No category called «{query}». Categories: {names}.",
    "latest.title": "📰 <b>Latest news</b>",
    "latest.title_category": "📰 <b>Latest news</b> · {category}",
    "latest.empty": "No articles yet.",
    "latest.usage": "Usage: <code>/latest [category] [count]</code>, count from 1 to {max}.",
    "article.not_found": "This article was not found (it may have been removed).",
    "language.name": "English",
    "settings.title": "⚙️ <b>Settings</b>\nLanguage: {language}",
    "settings.language_set": "Switched to English.",
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
    "cli.ingest.source": "{name}: {new} new, {seen} already stored, {errors} errors",
    "cli.ingest.total": "Total: {total} new articles",
    # Article card
    "card.read_original": "Read the original",
    "card.more": "Read more",
    "card.like": "👍",
    "card.meta": "{category} · {when}",
}
