"""The bot's web face (SPEC section 12): one aiohttp server in the `newsbot run` process.

Routes: ``/telegram`` (Telegram's webhook, into the inbox), ``/a/<id>`` (the article page),
``/media/<id>`` (an archive article's photo), ``/healthz`` and ``/metrics``.

Modules, by job: ``app`` (the aiohttp application, built from Settings and the running core),
``server`` (listening and stopping), ``pages`` (article pages and photos), ``templates/``
(Jinja2, autoescaped), ``links`` (which URL a reader is sent to for an article),
``telegram`` (the webhook route), ``health`` (what "stuck" means, the monitor that tells the
admins), ``metrics`` (Prometheus). Nothing is built at import time.
"""
