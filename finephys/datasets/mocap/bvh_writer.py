"""H36M-17 joint positions → a BVH file that Blender, MotionBuilder or any BVH reader opens.

Hierarchy (Y up, the character facing +Z in its rest pose; names as CMU / Mixamo rigs so that
retargeting tools and :func:`~finephys.datasets.mocap.bvh.bvh_to_h36m17` recognise them)::

    Hips (pelvis; position + rotation)
      Hips_to_RightUpLeg → RightUpLeg → RightLeg → RightFoot → End Site
      Hips_to_LeftUpLeg  → LeftUpLeg  → LeftLeg  → LeftFoot  → End Site
      Hips_to_Spine      → Spine → Neck (thorax)
                             Neck_to_Nose     → Nose (H36M neck) → End Site (H36M head)
                             Neck_to_LeftArm  → LeftArm → LeftForeArm → LeftHand → End Site
                             Neck_to_RightArm → RightArm → RightForeArm → RightHand → End Site

A joint's rotation turns its one child bone: where H36M has several children (pelvis, thorax) a
zero-offset branch joint per child (``Hips_to_…``, ``Neck_to_…``) carries that bone's rotation,
so every bone's direction is free and any pose with constant bone lengths is written exactly.
Rest offsets are the median bone lengths along T-pose directions. Each joint's world rotation
is the smallest rotation from its parent's (taking the parent-rotated rest bone onto the bone),
so twist is continuous; the hips' own rotation is the best rigid fit of the rest hips and spine
(Kabsch), which gives a viewer the body's facing. Euler channels ``Zrotation Xrotation
Yrotation`` (intrinsic, degrees).
"""
import numpy as np
from scipy.spatial.transform import Rotation

from finephys.structures import H36M17

#: H36M-17 joint → BVH joint name (the H36M head is the End Site of ``Nose``).
BVH_JOINT_NAMES = dict(
    pelvis='Hips', right_hip='RightUpLeg', right_knee='RightLeg', right_ankle='RightFoot',
    left_hip='LeftUpLeg', left_knee='LeftLeg', left_ankle='LeftFoot', spine='Spine',
    thorax='Neck', neck='Nose', left_shoulder='LeftArm', left_elbow='LeftForeArm',
    left_wrist='LeftHand', right_shoulder='RightArm', right_elbow='RightForeArm',
    right_wrist='RightHand')
#: Rest (T-pose) direction of the bone that ends at each H36M joint, BVH axes (Y up, +X the
#: character's left, facing +Z).
REST_DIRECTIONS = dict(
    right_hip=(-1, 0, 0), right_knee=(0, -1, 0), right_ankle=(0, -1, 0),
    left_hip=(1, 0, 0), left_knee=(0, -1, 0), left_ankle=(0, -1, 0),
    spine=(0, 1, 0), thorax=(0, 1, 0), neck=(0, 1, 0), head=(0, 1, 0),
    left_shoulder=(1, 0, 0), left_elbow=(1, 0, 0), left_wrist=(1, 0, 0),
    right_shoulder=(-1, 0, 0), right_elbow=(-1, 0, 0), right_wrist=(-1, 0, 0))
#: End Sites of the leaves other than the head (feet forward, hands along the forearm), metres.
LEAF_ENDS = dict(right_ankle=(0, 0, 0.1), left_ankle=(0, 0, 0.1), left_wrist=(0.08, 0, 0),
                 right_wrist=(-0.08, 0, 0))
#: Camera frame (x right, y down, z forward) → BVH (Y up): a rotation by 180° about x.
CAMERA_TO_Y_UP = np.diag([1.0, -1.0, -1.0])


def _smallest_rotation(a, b):
    """``(T, 3, 3)`` rotations taking unit vectors ``a (T, 3)`` onto ``b (T, 3)`` (the shortest
    arc; a half turn about an axis perpendicular to ``a`` when they are opposite)."""
    v = np.cross(a, b)
    c = np.einsum('ti,ti->t', a, b)
    out = np.empty((len(a), 3, 3))
    for t in range(len(a)):
        if c[t] < -1 + 1e-12:
            axis = np.cross(a[t], [1.0, 0, 0])
            if np.linalg.norm(axis) < 1e-6:
                axis = np.cross(a[t], [0, 1.0, 0])
            out[t] = Rotation.from_rotvec(np.pi * axis / np.linalg.norm(axis)).as_matrix()
            continue
        k = np.array([[0, -v[t, 2], v[t, 1]], [v[t, 2], 0, -v[t, 0]], [-v[t, 1], v[t, 0], 0]])
        out[t] = np.eye(3) + k + k @ k / (1 + c[t])
    return out


def _kabsch(rest, target):
    """Rotations ``(T, 3, 3)`` best taking the rest vectors ``(N, 3)`` onto ``target
    (T, N, 3)`` (least squares, proper rotations)."""
    h = np.einsum('ni,tnj->tij', rest, target)
    u, _, vt = np.linalg.svd(h)
    d = np.sign(np.linalg.det(np.einsum('tij,tjk->tik', u, vt)))
    fix = np.broadcast_to(np.eye(3), h.shape).copy()
    fix[:, 2, 2] = d
    return np.einsum('tji,tjk,tkl->til', vt, fix, np.swapaxes(u, 1, 2))


def write_bvh(path, keypoints_3d, fps, units_per_metre=100.0, axes='camera'):
    """Write an H36M-17 sequence as BVH (see the module docstring).

    Args:
        path (str): Output ``.bvh``.
        keypoints_3d (np.ndarray): ``(T, 17, 3)`` metres (finite).
        fps (float): Frame rate.
        units_per_metre (float): File units (100: centimetres, as Mixamo / CMU rigs).
        axes (str): ``'camera'`` (x right, y down, z forward — this project's camera frame,
            turned Y-up by a half turn about x) or ``'y_up'`` (already Y up).

    Returns:
        dict: ``offsets`` ``{bvh joint: (3,)}`` (file units) and ``bone_lengths`` (metres,
        per H36M joint: the median length of the bone ending there).
    """
    x = np.asarray(keypoints_3d, np.float64)
    if x.ndim != 3 or x.shape[1:] != (17, 3):
        raise ValueError(f'write_bvh: keypoints_3d must be (T, 17, 3), got {x.shape}')
    if not np.isfinite(x).all():
        raise ValueError('write_bvh: keypoints_3d contains NaN/inf')
    if axes not in ('camera', 'y_up'):
        raise ValueError(f"write_bvh: axes={axes!r}; expected 'camera' or 'y_up'")
    if fps <= 0:
        raise ValueError(f'write_bvh: fps={fps}; expected > 0')
    if axes == 'camera':
        x = x @ CAMERA_TO_Y_UP.T
    x = x * units_per_metre
    t = len(x)
    name = H36M17.joint_names
    idx = H36M17.index
    parents = H36M17.parents
    children = {j: [c for c, p in enumerate(parents) if p == j] for j in range(17)}
    length = {c: float(np.median(np.linalg.norm(x[:, c] - x[:, p], axis=-1)))
              for c, p in enumerate(parents) if p >= 0}
    rest = {c: np.asarray(REST_DIRECTIONS[name[c]], float) * length[c] for c in length}

    # world rotation of every rotating BVH joint, (T, 3, 3); the root's from the rest hips + spine
    root = idx('pelvis')
    kids = children[root]
    world = {'Hips': _kabsch(np.stack([rest[c] for c in kids]),
                             np.stack([x[:, c] - x[:, root] for c in kids], 1))}

    def bone_rotation(parent_world, c):
        """World rotation of the joint that turns the bone ending at ``c``."""
        v = x[:, c] - x[:, parents[c]]
        v = v / np.maximum(np.linalg.norm(v, axis=-1, keepdims=True), 1e-12)
        r = parent_world @ (rest[c] / np.linalg.norm(rest[c]))
        return _smallest_rotation(r, v) @ parent_world

    lines = ['HIERARCHY']
    channels = []                                  # (bvh joint, kind) in file order
    fmt = lambda v: ' '.join(f'{float(a):.6f}' for a in v)      # noqa: E731

    def emit(depth, text):
        lines.append('  ' * depth + text)

    def write_joint(j, parent_world, depth):
        """The BVH joint of H36M joint ``j`` (already opened), its rotation and its children."""
        own = BVH_JOINT_NAMES[name[j]]
        for c in children[j]:
            if len(children[j]) > 1:               # a branch joint per child: its own rotation
                branch = f'{own}_to_{BVH_JOINT_NAMES.get(name[c], name[c])}'
                world[branch] = bone_rotation(world[own], c)
                emit(depth, f'JOINT {branch}')
                emit(depth, '{')
                emit(depth + 1, 'OFFSET 0.000000 0.000000 0.000000')
                emit(depth + 1, 'CHANNELS 3 Zrotation Xrotation Yrotation')
                channels.append((branch, world[own]))
                open_child(c, world[branch], depth + 1)
                emit(depth, '}')
            else:
                open_child(c, world[own], depth)

    def open_child(c, holder_world, depth):
        """The bone ending at ``c`` (turned by ``holder_world``)."""
        if name[c] == 'head':                       # the H36M head: the End Site of Nose
            emit(depth, 'End Site')
            emit(depth, '{')
            emit(depth + 1, f'OFFSET {fmt(rest[c])}')
            emit(depth, '}')
            return
        own = BVH_JOINT_NAMES[name[c]]
        emit(depth, f'JOINT {own}')
        emit(depth, '{')
        emit(depth + 1, f'OFFSET {fmt(rest[c])}')
        emit(depth + 1, 'CHANNELS 3 Zrotation Xrotation Yrotation')
        kids_c = children[c]
        if len(kids_c) == 1:
            world[own] = bone_rotation(holder_world, kids_c[0])
        elif not kids_c:
            world[own] = holder_world              # a leaf keeps its parent's orientation
        else:
            world[own] = holder_world              # its branch joints turn its bones
        channels.append((own, holder_world))
        if kids_c:
            write_joint(c, holder_world, depth + 1)
        else:
            emit(depth + 1, 'End Site')
            emit(depth + 1, '{')
            emit(depth + 2, f'OFFSET {fmt(np.asarray(LEAF_ENDS[name[c]]) * units_per_metre)}')
            emit(depth + 1, '}')
        emit(depth, '}')

    emit(0, 'ROOT Hips')
    emit(0, '{')
    emit(1, 'OFFSET 0.000000 0.000000 0.000000')
    emit(1, 'CHANNELS 6 Xposition Yposition Zposition Zrotation Xrotation Yrotation')
    write_joint(root, world['Hips'], 1)
    emit(0, '}')

    # channel values: the root's position, then each joint's local rotation as ZXY Euler angles
    columns = [x[:, root]]
    eye = np.broadcast_to(np.eye(3), (t, 3, 3))
    for joint, parent_world in [('Hips', eye)] + channels:
        local = np.einsum('tji,tjk->tik', parent_world, world[joint])
        columns.append(Rotation.from_matrix(local).as_euler('ZXY', degrees=True))
    motion = np.concatenate(columns, -1)
    lines += ['MOTION', f'Frames: {t}', f'Frame Time: {1.0 / fps:.10f}']
    lines += [' '.join(f'{v:.6f}' for v in row) for row in motion]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    offsets = {BVH_JOINT_NAMES[name[c]] if name[c] != 'head' else 'Nose_end': rest[c]
               for c in rest}
    return dict(offsets=offsets,
                bone_lengths={name[c]: length[c] / units_per_metre for c in length})
