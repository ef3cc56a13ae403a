"""The web console: server-rendered pages under ``/ui/`` over the same store reads and
access rules as the API (issue 18).

Jinja2 templates through Starlette, htmx (vendored in ``static/``) for the few partial
updates, one hand-written stylesheet; no client-side framework, no build step. A person
signs in with their e-mail address and user key and gets a server-side session
(``store.organizations.sessions``); every page judges the session's user on the page's
scope with :mod:`depvault.api.authorize`, and every change goes through the API's own
request types (:meth:`depvault.api.dispatch.Dispatcher.dispatch_as`), so the console is
no second source of truth.

Only the application's wiring (``api.app``) imports this package.
"""
