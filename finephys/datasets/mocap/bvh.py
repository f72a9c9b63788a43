"""BVH motion capture (CMU, Mixamo, ...) → H36M-17 joint positions.

BVH: a ``HIERARCHY`` of ``ROOT``/``JOINT`` blocks, each with an ``OFFSET`` (in its parent's
frame) and ``CHANNELS`` (the root usually 3 positions + 3 rotations, joints 3 rotations; Euler
angles in degrees applied in the listed order, intrinsic), ``End Site`` leaves with an offset;
then ``MOTION`` with ``Frames:``, ``Frame Time:`` and one line of channel values per frame.

Forward kinematics: ``R_world(joint) = R_world(parent) · R_local``, ``p(joint) = p(parent) +
R_world(parent) · (offset + translation channels)``. An ``End Site`` is named
``<joint>_end``.

H36M-17 mapping (:data:`BVH_NAME_MAPS`): each H36M joint takes the first name present in the
file among its candidates (CMU's and Mixamo's conventions; a ``mixamorig:`` prefix is stripped).
The H36M ``neck`` (nose level) is the midpoint of the head joint and the head's end site;
``head`` is that end site (the top of the head) — or ``Nose`` and its end site, as this
project's BVH writer (:mod:`.bvh_writer`) names them.
"""
import numpy as np

from finephys.structures import H36M17

from .rotations import euler_matrix

#: H36M-17 joint → candidate BVH joint names (first present wins). ``@mid:a,b`` averages two.
BVH_NAME_MAPS = dict(
    pelvis=('Hips', 'hip', 'Pelvis'),
    right_hip=('RightUpLeg', 'RightHip', 'rThigh'),
    right_knee=('RightLeg', 'RightKnee', 'rShin'),
    right_ankle=('RightFoot', 'RightAnkle', 'rFoot'),
    left_hip=('LeftUpLeg', 'LeftHip', 'lThigh'),
    left_knee=('LeftLeg', 'LeftKnee', 'lShin'),
    left_ankle=('LeftFoot', 'LeftAnkle', 'lFoot'),
    spine=('Spine1', 'Spine', 'abdomen', 'Chest'),
    thorax=('Neck', 'Neck1', 'neck'),
    neck=('Nose', '@mid:Head,Head_end', '@mid:Head,HeadTop_End', '@mid:head,head_end'),
    head=('Nose_end', 'Head_end', 'HeadTop_End', 'head_end', 'Head'),
    left_shoulder=('LeftArm', 'LeftShoulder', 'lShldr'),
    left_elbow=('LeftForeArm', 'LeftElbow', 'lForeArm'),
    left_wrist=('LeftHand', 'LeftWrist', 'lHand'),
    right_shoulder=('RightArm', 'RightShoulder', 'rShldr'),
    right_elbow=('RightForeArm', 'RightElbow', 'rForeArm'),
    right_wrist=('RightHand', 'RightWrist', 'rHand'),
)
_ROTATION_CHANNELS = ('Xrotation', 'Yrotation', 'Zrotation')
_POSITION_CHANNELS = ('Xposition', 'Yposition', 'Zposition')


class BVHError(ValueError):
    """A malformed BVH file (the message names the file and line)."""


def read_bvh(path):
    """Parse a BVH file.

    Returns:
        dict: ``joints`` — list of dicts (``name``, ``parent`` index or -1, ``offset (3,)``,
        ``channels`` list), in file order (parents first); ``frame_time`` (s); ``motion``
        ``(T, C)`` channel values.
    """
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError as err:
        raise BVHError(f'{path}: cannot read ({err})') from None
    tokens = []
    for n, line in enumerate(lines, 1):
        tokens.extend((tok, n) for tok in line.replace('{', ' { ').replace('}', ' } ').split())
    pos = 0

    def take(expected=None):
        nonlocal pos
        if pos >= len(tokens):
            raise BVHError(f'{path}: unexpected end of file' +
                           (f' (expected {expected!r})' if expected else ''))
        tok, n = tokens[pos]
        pos += 1
        if expected is not None and tok.upper() != expected.upper():
            raise BVHError(f'{path}:{n}: expected {expected!r}, got {tok!r}')
        return tok, n

    def number(what):
        tok, n = take()
        try:
            return float(tok)
        except ValueError:
            raise BVHError(f'{path}:{n}: expected a number for {what}, got {tok!r}') from None

    take('HIERARCHY')
    joints, stack = [], []
    tok, n = take()
    if tok.upper() != 'ROOT':
        raise BVHError(f'{path}:{n}: expected ROOT, got {tok!r}')
    name, is_end = take()[0], False
    while True:
        take('{')
        parent = stack[-1] if stack else -1
        take('OFFSET')
        offset = np.array([number('OFFSET') for _ in range(3)])
        joint = dict(name=name, parent=parent, offset=offset, channels=[])
        if not is_end:                     # an End Site has an offset and nothing else
            take('CHANNELS')
            count = int(number('CHANNELS'))
            joint['channels'] = [take()[0] for _ in range(count)]
            bad = [c for c in joint['channels'] if c not in _ROTATION_CHANNELS + _POSITION_CHANNELS]
            if bad:
                raise BVHError(f'{path}: joint {name!r} has unknown channels {bad}')
        joints.append(joint)
        stack.append(len(joints) - 1)
        # children or close
        while True:
            tok, n = take()
            up = tok.upper()
            if up == 'JOINT':
                name, is_end = take()[0], False
                break
            if up == 'END':
                take('Site')
                name, is_end = joints[stack[-1]]['name'] + '_end', True
                break
            if tok == '}':
                stack.pop()
                if not stack:
                    break
                continue
            raise BVHError(f'{path}:{n}: expected JOINT, End Site or }}, got {tok!r}')
        if not stack:
            break
    take('MOTION')
    take('Frames:')
    num_frames = int(number('Frames'))
    take('Frame')
    take('Time:')
    frame_time = number('Frame Time')
    if frame_time <= 0 or num_frames < 1:
        raise BVHError(f'{path}: Frames={num_frames}, Frame Time={frame_time}: expected >= 1 '
                       'frame and a positive frame time')
    num_channels = sum(len(j['channels']) for j in joints)
    values = [t for t, _ in tokens[pos:]]
    if len(values) != num_frames * num_channels:
        raise BVHError(f'{path}: {len(values)} motion values for {num_frames} frames × '
                       f'{num_channels} channels (= {num_frames * num_channels})')
    try:
        motion = np.asarray(values, np.float64).reshape(num_frames, num_channels)
    except ValueError:
        raise BVHError(f'{path}: non-numeric motion values') from None
    return dict(joints=joints, frame_time=frame_time, motion=motion)


def bvh_forward_kinematics(bvh):
    """World positions ``name → (T, 3)`` (the file's units and axes) of every joint and end
    site."""
    motion = bvh['motion']
    t = len(motion)
    col = 0
    rots, pos = [], {}
    for joint in bvh['joints']:
        ch = joint['channels']
        vals = motion[:, col:col + len(ch)]
        col += len(ch)
        trans = np.broadcast_to(joint['offset'], (t, 3)).copy()
        rot_names = [c for c in ch if c in _ROTATION_CHANNELS]
        for i, c in enumerate(ch):
            if c in _POSITION_CHANNELS:
                trans[:, _POSITION_CHANNELS.index(c)] += vals[:, i]
        if rot_names:
            angles = np.stack([vals[:, ch.index(c)] for c in rot_names], -1)
            local = euler_matrix(angles, ''.join(c[0] for c in rot_names))
        else:
            local = np.broadcast_to(np.eye(3), (t, 3, 3))
        p = joint['parent']
        if p < 0:
            world_rot, world_pos = local, trans
        else:
            world_rot = rots[p] @ local
            world_pos = pos[bvh['joints'][p]['name']] + np.einsum('tab,tb->ta', rots[p], trans)
        rots.append(world_rot)
        pos[joint['name']] = world_pos
    return pos


def _strip(name):
    return name.split(':', 1)[1] if ':' in name else name


def bvh_to_h36m17(path, scale=None, up_axis='y', name_map=None):
    """A BVH file → H36M-17 world joints (z up, metres) at the file's frame rate.

    Args:
        path (str): The file.
        scale (float, optional): Metres per file unit. Default: guessed from the standing
            height (head top − lowest ankle in frame 0): > 20 units → centimetres (0.01), > 3 →
            inches (0.0254), else metres.
        up_axis (str): The file's up axis (``'y'``, BVH's usual, or ``'z'``).
        name_map (dict, optional): Overrides of :data:`BVH_NAME_MAPS`.

    Returns:
        tuple: ``(T, 17, 3)`` joints and the frame rate (Hz).
    """
    bvh = read_bvh(path)
    pos = {_strip(k): v for k, v in bvh_forward_kinematics(bvh).items()}
    names = dict(BVH_NAME_MAPS, **(name_map or {}))
    out = []
    for joint in H36M17.joint_names:
        for cand in names[joint]:
            if cand.startswith('@mid:'):
                a, b = cand[5:].split(',')
                if a in pos and b in pos:
                    out.append(0.5 * (pos[a] + pos[b]))
                    break
            elif cand in pos:
                out.append(pos[cand])
                break
        else:
            raise BVHError(f'{path}: no joint for H36M {joint!r}; looked for {names[joint]}, '
                           f'the file has {sorted(pos)} (pass name_map=...)')
    joints = np.stack(out, 1)
    if up_axis == 'y':
        joints = joints @ np.array([[1.0, 0, 0], [0, 0, -1.0], [0, 1.0, 0]]).T
    elif up_axis != 'z':
        raise ValueError(f"bvh_to_h36m17 up_axis={up_axis!r}: expected 'y' or 'z'")
    if scale is None:
        ankles = joints[0, H36M17.indices(['left_ankle', 'right_ankle']), 2].min()
        height = joints[0, H36M17.index('head'), 2] - ankles
        scale = 0.01 if height > 20 else 0.0254 if height > 3 else 1.0
    return joints * scale, 1.0 / bvh['frame_time']
