"""The jobs the commands run, each from inputs to a published folder: :mod:`~lifecircle.jobs.assess` (the main job),
:mod:`~lifecircle.jobs.scenario` (a what-if against a finished run) and :mod:`~lifecircle.jobs.plan` (new sites)."""
