"""``register_all_modules``: import every module that registers into finephys' registries."""
import datetime
import warnings

from mmengine import DefaultScope


def register_all_modules(init_default_scope: bool = True) -> None:
    """Register all modules of finephys into its registries.

    Args:
        init_default_scope (bool): Make ``'finephys'`` the current default scope, so configs and
            ``Registry.build`` resolve our modules first (mmengine's are the fallback).
    """
    import finephys.datasets  # noqa: F401,F811
    import finephys.engine  # noqa: F401,F811
    import finephys.evaluation  # noqa: F401,F811
    import finephys.models  # noqa: F401,F811
    import finephys.visualization  # noqa: F401,F811

    if init_default_scope:
        never_created = (DefaultScope.get_current_instance() is None
                         or not DefaultScope.check_instance_created('finephys'))
        if never_created:
            DefaultScope.get_instance('finephys', scope_name='finephys')
            return
        current = DefaultScope.get_current_instance()
        if current.scope_name != 'finephys':
            warnings.warn(f'The current default scope "{current.scope_name}" is not "finephys"; '
                          '`register_all_modules` forces it to "finephys".')
            # a new instance name: DefaultScope instances are unique per name
            stamp = datetime.datetime.now().strftime('%Y%m%d-%H%M%S-%f')
            DefaultScope.get_instance(f'finephys-{stamp}', scope_name='finephys')
