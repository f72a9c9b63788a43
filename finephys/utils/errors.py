"""The project's error types for bad input — the lowest layer, importable from anywhere (no torch,
no mmengine), so datasets, models, evaluation and tools raise the same classes that the launchers
turn into one ``error:`` line and exit status 2."""


class UserInputError(Exception):
    """Bad input from the command line or a config: reported as one line, exit code 2."""


class InputDataError(UserInputError, ValueError):
    """A data file (annotation, skeleton, dataset array) that cannot be used; the message names
    the file, the field and what was expected. A ``ValueError`` too, for callers that catch
    that."""
