"""The configs ``make demo`` trains and where their checkpoints land: one home for
``tools/demo.py`` (which writes them) and the web app (which offers them by default)."""
import glob
import os.path as osp
import re
from typing import Dict, Optional

#: Stage 1, Phys-Net (paper-faithful): TemporalConvLifter + Phys-Net + complementary fusion.
PHYSICS_CONFIG = 'configs/finephys/finephys-skeleton_stage1_synthgym_tcn-lifter_complementary.py'
#: The physics-structured solver on the same (frozen) lifter, its contact predictor trained on
#: SynthGym plus real mocap contacts (REALMOTION_SUPPORTS_ARGS).
STRUCTURED_CONFIG = ('configs/finephys-structured/finephys-skeleton-structured_stage1_'
                     'synthgym-realmotion-contacts_tcn-lifter_frozen-lifter.py')
#: ``generate_realmotion.py`` arguments of that config's real mocap (its comment says why these
#: motions: DeepMimic's others are the physics report's real-motion test set, Isaac Lab's run and
#: DeepMimic's get-up from lying on the back its validation set).
REALMOTION_SUPPORTS_ARGS = ('--deepmimic', 'crawl', 'getup_facedown', '--isaaclab', 'dance',
                            'walk', '--holosoma', '0', '1', '2', '3', '4', '--holosoma-stride',
                            '48', '--seed', '1')
#: The real-motion lifter: the TCN + structured solver trained from scratch on SynthGym plus real
#: mocap (Isaac Lab's AMP dance/run/walk, holosoma's climbs; DeepMimic stays held out), both seen
#: with BlazePose's measured 2D noise (docs/real_video.md#lifters-trained-on-real-motion).
REALMOTION_TCN_CONFIG = ('configs/finephys-structured/finephys-skeleton-structured_stage1_'
                         'synthgym-realmotion_tcn-lifter_blazepose-noise.py')
#: ``generate_realmotion.py`` arguments of its real-motion training set (the command in its
#: config's header).
REALMOTION_TRAIN_ARGS = ('--deepmimic', '--isaaclab', 'dance', 'run', 'walk', '--holosoma', '0',
                         '1', '2', '3', '4', '--holosoma-stride', '48', '--seed', '1',
                         '--contact-effectors', 'feet', '--noise', 'blazepose')
#: The in-context lifter (Skeleton-in-Context, its prompts from the same mixed set) + the
#: structured solver, trained from scratch on SynthGym plus the real mocap above seen with
#: SynthGym's 2D noise (docs/real_video.md#the-in-context-lifter-with-real-motion-prompts).
IN_CONTEXT_CONFIG = ('configs/finephys-structured/finephys-skeleton-structured_stage1_'
                     'synthgym-realmotion_in-context-lifter.py')
#: The same lifter under Phys-Net: make demo runs it with a checkpoint of PHYSICS_CONFIG's model
#: whose lifter is the in-context one (finephys.utils.weight_transplant), and PHYSICS_CONFIG
#: itself with the real-motion TCN's (the same TCN).
IN_CONTEXT_PHYSNET_CONFIG = ('configs/finephys/'
                             'finephys-skeleton_stage1_synthgym_in-context-lifter_complementary.py')
#: ``generate_realmotion.py`` arguments of its training set (the command in its config's header).
IN_CONTEXT_TRAIN_ARGS = ('--deepmimic', '--isaaclab', 'dance', 'run', 'walk', '--holosoma', '0',
                         '1', '2', '3', '4', '--holosoma-stride', '48', '--seed', '1',
                         '--contact-effectors', 'feet')
#: The default real-video path (the best row of the real-video table): MediaPipe's own 3D placed
#: in the camera by Estimator3DLifter, then the structured solver; no weights of its own — it
#: runs with STRUCTURED_CONFIG's checkpoint (and ESTIMATOR3D_PHYSNET_CONFIG with PHYSICS_CONFIG's)
REALVIDEO_CONFIG = ('configs/finephys-structured/'
                    'finephys-skeleton-structured_stage1_synthgym_estimator3d-lifter.py')
ESTIMATOR3D_PHYSNET_CONFIG = ('configs/finephys/'
                              'finephys-skeleton_stage1_synthgym_estimator3d-lifter_complementary.py')
#: Stage 3 (the tiny generator on SynthGym).
STAGE3_CONFIG = 'configs/finephys/finephys_tiny_synthgym.py'
POSE_CONFIG = 'configs/pose_estimators/heatmap-pose-net_c16-32-64_synthgym-32px.py'
FINEGYM_STAGE2_CONFIG = ('configs/finephys/'
                         'finephys-skeleton_stage2_finegym-fx-jump_tcn-lifter-complementary.py')

#: ``make demo``'s sub-folders (under its ``--work-dir``) of the runs above.
PHYSICS_DIR, STRUCTURED_DIR, STAGE3_DIR = ('finephys_skeleton', 'finephys_skeleton_structured',
                                           'finephys_tiny')
REALMOTION_TCN_DIR = 'finephys_skeleton_structured_realmotion'
IN_CONTEXT_DIR = 'finephys_skeleton_structured_in_context'
PRETRAINED_DIR = 'pretrained/synthgym-pixel'


def latest_checkpoint(folder: str, patterns=('best_*.pth', 'epoch_*.pth')) -> Optional[str]:
    """The checkpoint a run left (the first pattern that matches; the last by its numbers:
    ``epoch_30`` after ``epoch_5``), or None."""
    def natural(path):
        return [int(p) if p.isdigit() else p for p in re.split(r'(\d+)', osp.basename(path))]

    for pattern in patterns:
        found = sorted(glob.glob(osp.join(folder, pattern)), key=natural)
        if found:
            return found[-1]
    return None


def demo_skeleton_models(work_dir: str = 'work_dirs/demo', root: str = '.') -> Dict[str, dict]:
    """The skeleton models a finished ``make demo`` left, by name, the real-video default first.

    Args:
        work_dir (str): ``make demo``'s ``--work-dir``.
        root (str): The repository (configs are relative to it).

    Returns:
        dict: ``name -> dict(config, checkpoint)`` (absolute paths); only the models whose
        checkpoint exists.
    """
    struct = latest_checkpoint(osp.join(work_dir, STRUCTURED_DIR))
    phys = latest_checkpoint(osp.join(work_dir, PHYSICS_DIR))
    realmotion = latest_checkpoint(osp.join(work_dir, REALMOTION_TCN_DIR))
    in_context = latest_checkpoint(osp.join(work_dir, IN_CONTEXT_DIR))
    pairs = [('MediaPipe 3D + structured physics (real video)', REALVIDEO_CONFIG, struct),
             ('MediaPipe 3D + Phys-Net', ESTIMATOR3D_PHYSNET_CONFIG, phys),
             ('Real-motion TCN + structured physics', REALMOTION_TCN_CONFIG, realmotion),
             ('In-context lifter + structured physics', IN_CONTEXT_CONFIG, in_context),
             ('SynthGym TCN + structured physics', STRUCTURED_CONFIG, struct),
             ('SynthGym TCN + Phys-Net', PHYSICS_CONFIG, phys)]
    return {name: dict(config=osp.abspath(osp.join(root, cfg)), checkpoint=osp.abspath(ckpt))
            for name, cfg, ckpt in pairs if ckpt is not None}


def demo_generator(work_dir: str = 'work_dirs/demo', root: str = '.') -> Optional[dict]:
    """The stage-3 generator a finished ``make demo`` left: ``dict(config, checkpoint,
    cfg_options)`` (its pretrained backbone and stage-1 skeleton checkpoint), or None."""
    ckpt = latest_checkpoint(osp.join(work_dir, STAGE3_DIR), ('iter_*.pth',))
    phys = latest_checkpoint(osp.join(work_dir, PHYSICS_DIR))
    pre = osp.abspath(osp.join(work_dir, PRETRAINED_DIR))
    if ckpt is None or phys is None or not osp.isdir(pre):
        return None
    return dict(config=osp.abspath(osp.join(root, STAGE3_CONFIG)), checkpoint=osp.abspath(ckpt),
                cfg_options={'model.generator.pretrained_model_path': osp.join(pre, 'sd15'),
                             'model.generator.motion_adapter_path':
                                 osp.join(pre, 'motion_adapter'),
                             'model.skeleton_checkpoint': osp.abspath(phys)})
