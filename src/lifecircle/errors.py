"""Errors that tell the user what is wrong with their input and how to fix it."""


class LifecircleInputError(ValueError):
    """Bad user input: a missing file, an unknown column, a profile that references an unknown category...

    The message must say what is wrong and what to do about it. The command line prints it without a traceback
    and exits with status 2.
    """
