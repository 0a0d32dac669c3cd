"""``lifecircle serve``: the district's shared life-circle workspace in the browser.

A FastAPI application under uvicorn over the monitoring store (the server process is its one writer) and the
results folders it is given: the overview of targets and histories, the map, live what-if through the incremental
scenario engine, and the project list (一张清单) edited by each responsible unit — with accounts and roles, signed
session cookies, CSRF tokens, throttled sign-in, and an audit row for every change.

Modules: :mod:`~lifecircle.serve.workspace` (store, runs, lock), :mod:`~lifecircle.serve.security` (hashing,
sessions, CSRF, throttle), :mod:`~lifecircle.serve.accounts` (users and roles), :mod:`~lifecircle.serve.deps` (who
may call each route), :mod:`~lifecircle.serve.routes` (one router per resource), :mod:`~lifecircle.serve.whatif`,
:mod:`~lifecircle.serve.saved`, :mod:`~lifecircle.serve.uploads`, :mod:`~lifecircle.serve.app`,
:mod:`~lifecircle.serve.server` (uvicorn, ``--demo``).
"""
