"""Registries of finephys.

Each registry is a child of mmengine's root registry of the same kind, so mmengine's Runner builds
our modules from configs with ``default_scope='finephys'``; ``locations`` lets a config name a
module without importing its package first. The domain registries (POSE_ESTIMATORS, LIFTERS,
PHYSICS_SOLVERS, FUSERS, GUIDANCE, GENERATORS) are children of MODELS: a module registered in one
of them is also registered in MODELS (see :class:`DomainRegistry`), so ``MODELS.build`` and
configs find it by ``type``; a third party adds its own with ``@LIFTERS.register_module()`` in
its package plus ``custom_imports`` in its config.
"""
from mmengine.registry import DATA_SAMPLERS as MMENGINE_DATA_SAMPLERS
from mmengine.registry import DATASETS as MMENGINE_DATASETS
from mmengine.registry import EVALUATOR as MMENGINE_EVALUATOR
from mmengine.registry import HOOKS as MMENGINE_HOOKS
from mmengine.registry import LOG_PROCESSORS as MMENGINE_LOG_PROCESSORS
from mmengine.registry import LOOPS as MMENGINE_LOOPS
from mmengine.registry import METRICS as MMENGINE_METRICS
from mmengine.registry import MODEL_WRAPPERS as MMENGINE_MODEL_WRAPPERS
from mmengine.registry import MODELS as MMENGINE_MODELS
from mmengine.registry import OPTIM_WRAPPER_CONSTRUCTORS as MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS
from mmengine.registry import OPTIM_WRAPPERS as MMENGINE_OPTIM_WRAPPERS
from mmengine.registry import OPTIMIZERS as MMENGINE_OPTIMIZERS
from mmengine.registry import PARAM_SCHEDULERS as MMENGINE_PARAM_SCHEDULERS
from mmengine.registry import RUNNERS as MMENGINE_RUNNERS
from mmengine.registry import TRANSFORMS as MMENGINE_TRANSFORMS
from mmengine.registry import VISBACKENDS as MMENGINE_VISBACKENDS
from mmengine.registry import VISUALIZERS as MMENGINE_VISUALIZERS
from mmengine.registry import Registry

# Runners and loops (custom training loops, e.g. multi-stage schedules)
RUNNERS = Registry('runner', parent=MMENGINE_RUNNERS, locations=['finephys.engine'])
LOOPS = Registry('loop', parent=MMENGINE_LOOPS, locations=['finephys.engine'])
# Hooks (NaN guard, rank-consistency check, safe checkpoints, visualisation)
HOOKS = Registry('hook', parent=MMENGINE_HOOKS, locations=['finephys.engine.hooks'])

# Datasets, their samplers and transforms
DATASETS = Registry('dataset', parent=MMENGINE_DATASETS, locations=['finephys.datasets'])
DATA_SAMPLERS = Registry('data sampler', parent=MMENGINE_DATA_SAMPLERS,
                         locations=['finephys.datasets'])
TRANSFORMS = Registry('transform', parent=MMENGINE_TRANSFORMS,
                      locations=['finephys.datasets.transforms'])

# Models and their wrappers
MODELS = Registry('model', parent=MMENGINE_MODELS, locations=['finephys.models'])
MODEL_WRAPPERS = Registry('model_wrapper', parent=MMENGINE_MODEL_WRAPPERS,
                          locations=['finephys.models'])


class DomainRegistry(Registry):
    """Registry of one pipeline stage, a child of :data:`MODELS`.

    A module registered here is registered in ``MODELS`` too: mmengine resolves a config's
    ``type`` in the registry of the current default scope (``MODELS`` for ``'finephys'``),
    never in that registry's children, so without this ``MODELS.build`` — and, under
    ``default_scope='finephys'``, even ``LIFTERS.build`` — could not find a lifter. Names must
    therefore be unique across all stages (a clash raises at registration).
    """

    def _register_module(self, module, module_name=None, force=False):
        super()._register_module(module, module_name, force)
        self.parent._register_module(module, module_name, force)


# Domain registries: children of MODELS so configs and plugins can swap each stage
POSE_ESTIMATORS = DomainRegistry('pose estimator', parent=MODELS, scope='pose_estimators',
                                 locations=['finephys.models.pose_estimators'])
LIFTERS = DomainRegistry('lifter', parent=MODELS, scope='lifters',
                         locations=['finephys.models.lifters'])
PHYSICS_SOLVERS = DomainRegistry('physics solver', parent=MODELS, scope='physics_solvers',
                                 locations=['finephys.models.physics'])
FUSERS = DomainRegistry('fuser', parent=MODELS, scope='fusers',
                        locations=['finephys.models.fusion'])
GUIDANCE = DomainRegistry('guidance', parent=MODELS, scope='guidance',
                          locations=['finephys.models.guidance'])
GENERATORS = DomainRegistry('generator', parent=MODELS, scope='generators',
                            locations=['finephys.models.generators'])

# Optimisation
OPTIMIZERS = Registry('optimizer', parent=MMENGINE_OPTIMIZERS, locations=['finephys.engine'])
OPTIM_WRAPPERS = Registry('optim_wrapper', parent=MMENGINE_OPTIM_WRAPPERS,
                          locations=['finephys.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry('optimizer wrapper constructor',
                                      parent=MMENGINE_OPTIM_WRAPPER_CONSTRUCTORS,
                                      locations=['finephys.engine'])
PARAM_SCHEDULERS = Registry('parameter scheduler', parent=MMENGINE_PARAM_SCHEDULERS,
                            locations=['finephys.engine'])

# Evaluation
METRICS = Registry('metric', parent=MMENGINE_METRICS, locations=['finephys.evaluation.metrics'])
EVALUATOR = Registry('evaluator', parent=MMENGINE_EVALUATOR,
                     locations=['finephys.evaluation'])
# Networks that embed videos / frames for evaluation (Inception-I3D for FVD)
FEATURE_EXTRACTORS = DomainRegistry('feature extractor', parent=MODELS,
                                    scope='feature_extractors',
                                    locations=['finephys.evaluation.feature_extractors'])

# Visualisation and logging
VISUALIZERS = Registry('visualizer', parent=MMENGINE_VISUALIZERS,
                       locations=['finephys.visualization'])
VISBACKENDS = Registry('vis_backend', parent=MMENGINE_VISBACKENDS,
                       locations=['finephys.visualization'])
LOG_PROCESSORS = Registry('log_processor', parent=MMENGINE_LOG_PROCESSORS,
                          locations=['finephys.engine'])

DOMAIN_REGISTRIES = dict(pose_estimators=POSE_ESTIMATORS, lifters=LIFTERS,
                         physics_solvers=PHYSICS_SOLVERS, fusers=FUSERS, guidance=GUIDANCE,
                         generators=GENERATORS)
