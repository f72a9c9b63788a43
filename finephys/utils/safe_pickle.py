"""Reading third-party pickles (PYSKL / MMAction2 skeleton annotations) without running code."""
import pickle

_ALLOWED = {
    ('numpy.core.multiarray', '_reconstruct'), ('numpy._core.multiarray', '_reconstruct'),
    ('numpy', 'ndarray'), ('numpy', 'dtype'), ('numpy.core.multiarray', 'scalar'),
    ('numpy._core.multiarray', 'scalar'), ('collections', 'OrderedDict'),
    ('builtins', 'tuple'), ('builtins', 'list'), ('builtins', 'dict'), ('builtins', 'set'),
}


class RefusedPickleError(pickle.UnpicklingError):
    """The pickle names a global outside the allowlist (it could run code)."""


class RestrictedUnpickler(pickle.Unpickler):
    """Rebuilds containers and numpy arrays only; any other global is refused (a pickle from the
    internet cannot run code)."""

    def find_class(self, module, name):
        if (module, name) in _ALLOWED or (module.startswith('numpy') and name.endswith('DType')):
            return super().find_class(module, name)
        raise RefusedPickleError(f'pickle refers to {module}.{name}; only containers and '
                                     'numpy arrays are allowed')


def load_restricted_pickle(path):
    """``pickle.load`` through :class:`RestrictedUnpickler`."""
    with open(path, 'rb') as f:
        return RestrictedUnpickler(f).load()
