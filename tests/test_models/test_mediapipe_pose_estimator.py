"""MediaPipe BlazePose (real weights from its pip wheel) and the single-person tracker."""
import cv2
import numpy as np
import pytest

from finephys.datasets.io import keypoint_box
from finephys.models.pose_estimators.blazepose import (BLAZEPOSE33_TO_COCO17,
                                                       blazepose33_to_coco17)
from finephys.models.pose_estimators.person_tracker import (Detection, SinglePersonTracker,
                                                            appearance_histogram, apply_affine,
                                                            crop_transform, index_affine,
                                                            invert_affine)
from finephys.registry import POSE_ESTIMATORS
from finephys.structures import COCO17, H36M17


def test_blazepose_to_coco_follows_mediapipes_own_landmark_names():
    mp = pytest.importorskip('mediapipe')
    names = {lm.name.lower(): lm.value for lm in mp.solutions.pose.PoseLandmark}
    for coco_name, idx in zip(COCO17.joint_names, BLAZEPOSE33_TO_COCO17):
        assert names[coco_name] == idx, coco_name
    lm = np.random.default_rng(0).random((5, 33, 2))
    np.testing.assert_array_equal(blazepose33_to_coco17(lm)[:, COCO17.index('left_wrist')],
                                  lm[:, names['left_wrist']])


@pytest.mark.parametrize('rotate', [False, True, 90, 270])
def test_crop_transform_maps_pixels_and_back(rotate):
    """A marked pixel lands where the affine says in the warped crop, and maps back exactly."""
    frame = np.zeros((120, 200, 3), np.uint8)
    p = np.array([[130.0, 40.0]])
    frame[40, 130] = 255
    a = crop_transform(center=(120, 50), side=60, out_size=120, rotate=rotate)
    crop = cv2.warpAffine(frame, index_affine(a), (120, 120), flags=cv2.INTER_NEAREST)
    q = apply_affine(a, p + 0.5)            # the marked pixel's centre, continuous coordinates
    ys, xs = np.nonzero(crop[..., 0])       # the 2 × 2 crop pixels it became (scale 2)
    np.testing.assert_allclose([xs.mean() + 0.5, ys.mean() + 0.5], q[0], atol=1e-9)
    np.testing.assert_allclose(apply_affine(invert_affine(a), apply_affine(a, p)), p, atol=1e-9)
    if rotate is True:   # inverted: what is above the centre in the frame is below it in the crop
        assert q[0, 1] > 60
    if rotate == 90:     # turned clockwise: what is up-right of the centre is down-right
        assert q[0, 0] > 60 and q[0, 1] > 60


@pytest.mark.parametrize('angle', [0, 90, 180, 270])
def test_world_landmarks_come_back_with_the_2d(angle):
    """A vector in the rotated crop's axes (what the model's 3D is expressed in) rotated back by
    ``unrotate_world_landmarks`` points where the crop's 2D affine maps it in the frame."""
    from finephys.models.pose_estimators.mediapipe_pose_estimator import unrotate_world_landmarks
    a = crop_transform(center=(120, 50), side=60, out_size=120, rotate=angle)
    p_crop = np.array([[40.0, 70.0], [65.0, 30.0]])
    p_frame = apply_affine(invert_affine(a), p_crop)
    v_frame = p_frame[1] - p_frame[0]
    world = np.array([[*(p_crop[1] - p_crop[0]), 0.3]])
    back = unrotate_world_landmarks(world, angle)[0]
    np.testing.assert_allclose(back[:2] / np.linalg.norm(back[:2]),
                               v_frame / np.linalg.norm(v_frame), atol=1e-12)
    assert back[2] == 0.3


def _median_errors(kp, gt_a, gt_b):
    ea = np.nanmedian(np.linalg.norm(kp - gt_a, axis=-1), -1)
    eb = np.nanmedian(np.linalg.norm(kp - gt_b, axis=-1), -1)
    return ea, eb


@pytest.mark.filterwarnings('ignore:All-NaN slice')
def test_tracker_follows_the_gymnast_and_never_the_passer_by(two_person_video):
    pytest.importorskip('mediapipe')
    video, gt_a, gt_b = two_person_video
    est = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb'))
    kp, scores = est(video)
    world = est.last_world_keypoints
    found = np.isfinite(kp).all((-1, -2))
    # the world landmarks are in the frame's axes (y down) whichever crop found the body:
    # from a 180°-rotated crop they are rotated back, so an inverted gymnast's head is below
    # her pelvis in 3D as in 2D (the model itself saw her upright)
    head_below = world[:, H36M17.index('head'), 1] > world[:, H36M17.index('pelvis'), 1]
    inverted = np.zeros(len(video), bool)
    inverted[24:34] = True
    np.testing.assert_array_equal(head_below[found], inverted[found])
    # lost frames are explicit: NaN keypoints, zero scores
    assert (scores[~found] == 0).all() and np.isfinite(kp[found]).all()
    ea, eb = _median_errors(kp, gt_a, gt_b)
    # never the other person: every reported frame is the gymnast, a few pixels off
    assert (ea[found] < 20).all(), ea
    assert (ea[found] < eb[found]).all()
    alone = np.abs(np.arange(len(video)) - 17.5) > 7       # B is far from A
    assert found[alone].mean() >= 0.8
    counts = est.counts
    assert counts['tracked'] + counts['reacquired'] == found.sum()
    assert counts['lost'] == (~found).sum()
    # the inverted frames (24..33) are found, mostly through the rotated crop
    assert found[24:34].sum() >= 9 and counts['rotated'] >= 5
    # the scene is a real test: per-frame BlazePose without tracking picks B at least once
    raw = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb',
                                     track=False))
    kp_raw, _ = raw(video)
    ea_raw, eb_raw = _median_errors(kp_raw, gt_a, gt_b)
    assert (eb_raw < 20).any()
    # a track continues across calls (chunks); reset() starts afresh
    est.reset()
    k1, _ = est(video[:18])
    k2, _ = est(video[18:])
    np.testing.assert_allclose(np.concatenate([k1, k2]), kp, atol=1e-3)


def test_tracker_gates_with_a_deterministic_detector():
    """The tracker's gating on a detector that reports the largest coloured rectangle in view
    (its 'person' = the rectangle's corners). The gymnast (blue, small, moving right) is followed
    through crops that exclude the larger red person; when the gymnast is hidden, the whole-frame
    search finds only the red person — the tracker marks the frame lost instead of switching,
    then re-acquires the gymnast."""
    def make(i):
        img = np.full((100, 160, 3), 60, np.uint8)
        if i != 3:                                   # frame 3: the gymnast is hidden
            img[40:60, 20 + 2 * i:40 + 2 * i] = (30, 60, 220)
        img[30:70, 110:130] = (220, 40, 40)           # another person, larger
        return img

    def detect(img):
        out = []
        for colour in ((30, 60, 220), (220, 40, 40)):
            ys, xs = np.nonzero((img == colour).all(-1))
            if len(xs):
                box = np.array([[xs.min(), ys.min()], [xs.max() + 1, ys.min()],
                                [xs.min(), ys.max() + 1], [xs.max() + 1, ys.max() + 1]], float)
                out.append((len(xs), box))
        if not out:
            return None
        return max(out, key=lambda o: o[0])[1], np.ones(4), {}

    tracker = SinglePersonTracker(detect, crop_scale=1.5, crop_size=64,
                                  appearance_bones=((0, 3), (1, 2)), init_box=(0, 0, 80, 100))
    results = [tracker.update(make(i)) for i in range(6)]
    assert results[3] is None                        # hidden → lost, not the red square
    for i in (0, 1, 2, 4, 5):
        c = results[i].keypoints.mean(0)
        np.testing.assert_allclose(c, [30 + 2 * i, 50], atol=1.5)
    assert tracker.counts['lost'] == 1


def test_a_lost_track_coasts_a_bounded_distance_and_looks_where_it_was_last_seen():
    """Lost frames: the predicted centre moves on by a velocity that decays geometrically (a
    bounded coast, not constant velocity into the distance), and re-acquisition tries a crop
    around the last known position with every orientation before the whole frame."""
    seen = []

    def detect(img):
        seen.append(img.shape[:2])
        return None

    tracker = SinglePersonTracker(detect, crop_size=64, velocity_decay=0.5)
    tracker.center, tracker.velocity, tracker.size = np.array([100.0, 50]), np.array([8.0, 0]), 40.0
    coast = []
    for lost in range(12):
        tracker.lost = lost
        coast.append(tracker.predicted_center()[0] - 100)
    np.testing.assert_allclose(coast[:3], [8, 12, 14])             # 8 (1 + 1/2 + 1/4 ...)
    assert max(coast) < 16                                         # the bound 8 / (1 − 0.5)
    tracker.lost = 2
    seen.clear()
    assert tracker.update(np.zeros((120, 200, 3), np.uint8)) is None
    # predicted crop: 4 orientations, last-known crop: 4, whole frame: upright and 180°
    # (each masked search stops when nothing is found)
    assert seen == [(64, 64)] * 8 + [(120, 200)] * 2
    assert tracker.counts['lost'] == 1 and tracker.lost == 3


def test_before_anyone_is_found_the_whole_frame_is_searched_rotated_every_other_frame():
    """Until the first person is found, the 180° whole-frame search runs on every
    ``start_rotated_every``-th frame (upright on every frame); an inverted body that opens the
    video is still found, on the next frame with the rotated search; a lost track's
    re-acquisition tries both orientations on every frame."""
    whole, inverted = [], [False]
    person = np.array([[40.0, 20], [60, 20], [40, 60], [60, 60]])

    def detect(img):
        if img.shape[:2] != (100, 160):                # a crop around a track
            return None
        rotated = bool(img[0, 0, 0] == 7)               # the marker pixel, turned to (0, 0)
        whole.append(180 if rotated else 0)
        return (person, np.ones(4), {}) if rotated and inverted[0] else None

    frame = np.zeros((100, 160, 3), np.uint8)
    frame[-1, -1, 0] = 7
    for every, per_frame in ((2, [[0, 180], [0], [0, 180], [0], [0, 180]]),
                             (1, [[0, 180]] * 3)):
        tracker = SinglePersonTracker(detect, start_rotated_every=every)
        whole.clear()
        assert all(tracker.update(frame) is None for _ in per_frame)
        assert whole == sum(per_frame, []) and tracker.counts['lost'] == len(per_frame)
    # an inverted body from frame 1 on: frame 1 searches upright only, frame 2 finds it
    tracker = SinglePersonTracker(detect, start_rotated_every=2)
    found = [tracker.update(frame)]
    inverted[0] = True
    found += [tracker.update(frame), tracker.update(frame)]
    assert found[0] is None and found[1] is None and found[2].angle == 180
    # the track lost: both orientations of the whole frame on every frame
    inverted[0] = False
    for lost in (1, 2):
        whole.clear()
        assert tracker.update(frame) is None and tracker.lost == lost
        assert sorted(whole) == [0, 180]           # the last orientation first
    with pytest.raises(ValueError, match='start_rotated_every'):
        SinglePersonTracker(detect, start_rotated_every=0)


@pytest.mark.filterwarnings('ignore:All-NaN slice')
def test_tracker_keeps_a_tucked_salto_and_never_the_walker(salto_with_walker_video):
    """A rendered tucked salto (take-off, tuck, inverted and sideways frames, landing) with a
    walker crossing in front during the flight: frames the gymnast can be seen in are kept
    through the rotated crops (90° / 180° / 270°) and the wider gates, and no frame is ever the
    walker. The tracker before this (180° only, gates 0.5 box / 1.6×, constant-velocity coast)
    kept 27 of the 48 frames."""
    pytest.importorskip('mediapipe')
    video, gt_a, gt_b = salto_with_walker_video
    est = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb'))
    kp, scores = est(video)
    found = np.isfinite(kp).all((-1, -2))
    ea, eb = _median_errors(kp, gt_a, gt_b)
    assert (ea[found] < eb[found]).all()                    # never the walker
    assert found.sum() >= 32, found.astype(int)
    assert (ea[found] < 20).sum() >= 32
    assert est.counts['rotated'] >= 10


def test_lite_and_heavy_models_install_from_an_npm_tarball(tmp_path):
    import io
    import sys
    import tarfile
    sys.path.insert(0, 'tools/misc')
    from fetch_mediapipe_models import MODELS, install_landmark_models

    from finephys.utils.launch import UserInputError
    tgz = tmp_path / 'pose.tgz'
    with tarfile.open(tgz, 'w:gz') as tar:
        for name in MODELS + ('pose.js',):
            data = name.encode() * 3
            info = tarfile.TarInfo(f'package/{name}')
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    dest = tmp_path / 'modules'
    dest.mkdir()
    paths = install_landmark_models(str(tgz), str(dest))
    assert sorted(p.split('/')[-1] for p in paths) == sorted(MODELS)
    assert (dest / MODELS[0]).read_bytes() == MODELS[0].encode() * 3
    bad = tmp_path / 'other.tgz'
    with tarfile.open(bad, 'w:gz') as tar:
        info = tarfile.TarInfo('package/pose.js')
        tar.addfile(info, io.BytesIO(b''))
    with pytest.raises(UserInputError, match='not the @mediapipe/pose package'):
        install_landmark_models(str(bad), str(dest))


def test_missing_landmark_model_is_one_clear_error(monkeypatch):
    pytest.importorskip('mediapipe')
    from finephys.models.pose_estimators import mediapipe_pose_estimator as mpe
    # a model file that is not installed (make env installs the real heavy one)
    monkeypatch.setitem(mpe.LANDMARK_MODELS, 2, 'pose_landmark_absent.tflite')
    with pytest.raises(FileNotFoundError, match='pose_landmark_absent.tflite not found.*npm'):
        POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', model_complexity=2))
    with pytest.raises(ValueError, match='model_complexity=3'):
        mpe.landmark_model_path(3)


@pytest.fixture(scope='module')
def real_view_frames():
    """40 frames of Pose2Sim's real single-person view cam02 (1088 × 1920), from its wheel."""
    import os.path as osp

    from finephys.datasets.io import VideoReader
    from finephys.datasets.pose2sim_demo import locate_pose2sim_demo
    try:
        demo = locate_pose2sim_demo()
    except FileNotFoundError:
        pytest.skip('pose2sim is not installed (tools/setup_env.sh installs it)')
    reader = VideoReader(osp.join(demo, 'videos', 'cam02.mp4'))
    return np.concatenate(list(reader.chunks(20)))[:40]


def test_video_mode_tracks_real_video_without_the_person_detector(real_view_frames):
    """On a real clip of one person the confident track runs MediaPipe's own video mode (the
    previous landmarks are the next region of interest; no person detector): most frames come
    from it, every frame is kept, and its 2D agrees with the crops' to a few pixels; a track
    without video mode never uses it."""
    pytest.importorskip('mediapipe')
    frames = real_view_frames
    fast = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb'))
    crops = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb',
                                       video_mode=False))
    kp_fast, s_fast = fast(frames)
    kp_crop, _ = crops(frames)
    assert np.isfinite(kp_fast).all() and (s_fast.max(-1) > 0).all()
    assert fast.counts['video_mode'] >= 20 and crops.counts['video_mode'] == 0
    assert fast.counts['tracked'] == len(frames)
    d = np.linalg.norm(kp_fast - kp_crop, axis=-1)
    assert np.median(d) < 10, np.median(d)
    # its world landmarks are kept like the crops' (the estimator-3D lifter's input)
    assert np.isfinite(fast.last_world_keypoints).all()
    # a new video starts the video-mode graph afresh
    fast.reset()
    assert fast.counts['video_mode'] == 0
    np.testing.assert_allclose(fast(frames)[0], kp_fast, atol=1e-3)
    with pytest.raises(ValueError, match='video_mode_retry'):
        POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', video_mode_retry=-1))


def test_video_mode_retries_soon_then_doubles_its_pause():
    """After consecutive video-mode failures (nobody found, or a result the gates reject) the
    crops track for 0, 1, 3, 7, … frames before the graph is tried again, never longer than
    ``video_mode_retry``; a new video starts the count afresh."""
    pytest.importorskip('mediapipe')
    est = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', video_mode_retry=10))
    pauses = []
    for _ in range(6):
        est.back_off_video_mode()
        pauses.append(est.video_cooldown)
    assert pauses == [0, 1, 3, 7, 10, 10]
    est.reset()
    est.back_off_video_mode()
    assert est.video_cooldown == 0


def test_failed_gate_names_the_gate_a_detection_fails():
    """The gates one by one, on a blue 'person' (a rectangle whose corners are its joints)
    against a track built from it: a good detection passes; a weak one, one too far, one too
    big, a red one and one outside the initial box fail the gate they should."""
    img = np.full((100, 160, 3), 60, np.uint8)
    img[40:60, 20:40] = (30, 60, 220)
    img[40:60, 100:120] = (220, 40, 40)

    def person(x0, y0, w, h, score=1.0):
        kp = np.array([[x0, y0], [x0 + w, y0], [x0, y0 + h], [x0 + w, y0 + h]], float)
        return Detection(kp, np.full(4, score), 0, {}, None)

    tracker = SinglePersonTracker(lambda im: None, appearance_bones=((0, 3), (1, 2)),
                                  init_box=(0, 0, 80, 100))
    assert tracker.failed_gate(img, person(100, 40, 20, 20)) == 'init_box'
    first = person(20, 40, 20, 20)
    assert tracker.failed_gate(img, first) is None
    tracker.accept(img, first)
    assert tracker.failed_gate(img, person(21, 40, 20, 20)) is None
    assert tracker.failed_gate(img, person(21, 40, 20, 20, score=0.2)) == 'score'
    assert tracker.failed_gate(img, person(80, 40, 20, 20)) == 'position'
    assert tracker.failed_gate(img, person(0, 0, 70, 70)) == 'size'
    assert tracker.failed_gate(img, person(100, 40, 20, 20)) == 'position'
    tracker.max_center_jump = 10.0                   # the red person: near enough, not her look
    assert tracker.failed_gate(img, person(100, 40, 20, 20)) == 'appearance'
    assert tracker.consistent(img, person(21, 40, 20, 20))
    assert not tracker.consistent(img, person(100, 40, 20, 20))


def test_a_settling_video_mode_graph_is_kept_running_not_reset(real_view_frames):
    """A real view letterboxed into 1080p, the person small and moving (as the 1080p speed
    benchmark builds it): the video-mode graph's first lock-ons are where the track is but
    score low or sample the wrong pixels. Kept running (``video_mode_settle``), it refines its own
    region of interest and supplies most frames; reset at each doubt (``video_mode_settle=0``),
    it starts again from its person detector and supplies few. Every frame is the same person
    either way (the crops take the doubtful frames)."""
    pytest.importorskip('mediapipe')
    h = 1080
    w = int(round(real_view_frames.shape[2] * h / real_view_frames.shape[1]))
    boxed = np.full((len(real_view_frames), h, 1920, 3), 30, np.uint8)
    for i, frame in enumerate(real_view_frames):
        x0 = (1920 - w) // 2 + int(300 * np.sin(2 * np.pi * i / 120))
        boxed[i, :, x0:x0 + w] = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
    runs = {}
    for settle in (0, 4):
        est = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb',
                                         video_mode_settle=settle))
        runs[settle] = est(boxed), dict(est.counts)
    (kp0, _), counts0 = runs[0]
    (kp4, _), counts4 = runs[4]
    assert counts4['video_mode'] >= 0.75 * len(boxed) > counts0['video_mode']
    assert counts4['tracked'] == counts0['tracked'] >= len(boxed) - 2
    d = np.linalg.norm(kp4 - kp0, axis=-1)
    assert np.nanmedian(d) < 10, np.nanmedian(d)
    with pytest.raises(ValueError, match='video_mode_settle'):
        POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', video_mode_settle=-1))
    with pytest.raises(ValueError, match='video_mode_max_turn'):
        POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', video_mode_max_turn=0))


@pytest.mark.parametrize('theta', [0.0, 25.0, 140.0, -100.0])
def test_world_landmarks_are_rolled_into_the_frames_axes(theta):
    """World landmarks given in a region of interest rolled by ``theta`` against the frame come
    back in the frame's axes: their (x, y) map onto the 2D by a scale and a shift alone, z
    untouched. Against a closed form: the 2D is an orthographic view of the frame-axes body."""
    from finephys.models.pose_estimators.mediapipe_pose_estimator import roll_world_to_image
    rng = np.random.default_rng(3)
    body = rng.normal(size=(33, 3)) * [0.2, 0.5, 0.1]             # metres, frame axes
    kp = 800 * body[:, :2] + [960, 540]                            # pixels
    c, s = np.cos(np.radians(theta)), np.sin(np.radians(theta))
    in_roi = body.copy()
    in_roi[:, :2] = body[:, :2] @ np.array([[c, -s], [s, c]])     # R(−θ) applied: vᵀ R(θ)
    scores = np.ones(33)
    np.testing.assert_allclose(roll_world_to_image(in_roi, kp, scores), body, atol=1e-9)
    # too few usable joints: unchanged
    few = np.zeros(33)
    few[:2] = 1
    np.testing.assert_array_equal(roll_world_to_image(in_roi, kp, few), in_roi)


def test_turn_from_track_is_the_angle_of_the_hips_to_head_direction():
    def person(angle_deg):
        a = np.radians(angle_deg)
        up = np.array([np.sin(a), -np.cos(a)])                   # image y points down
        kp = np.zeros((4, 2))
        kp[:2] = 50 + 20 * up                                     # head side
        kp[2:] = 50                                               # hips
        return Detection(kp, np.ones(4), 0, {}, None)

    tracker = SinglePersonTracker(lambda im: None, up_joints=(0, 1), down_joints=(2, 3))
    assert tracker.turn_from_track(person(0)) is None            # no track yet
    tracker.accept(np.zeros((100, 100, 3), np.uint8), person(10))
    assert tracker.turn_from_track(person(40)) == pytest.approx(30)
    assert tracker.turn_from_track(person(190)) == pytest.approx(180)
    assert tracker.turn_from_track(person(-80)) == pytest.approx(90)


def test_appearance_histogram_counts_the_pixels_along_the_usable_bones():
    """The vectorised histogram against a slow loop over bones, points and pixels (a bone with
    a joint below ``min_score`` is left out, pixels off the image are dropped), and a detection's
    key-joint box is computed once and shared by the gates and the track's update."""
    rng = np.random.default_rng(0)
    img = rng.integers(0, 256, (40, 60, 3), dtype=np.uint8)
    kp = rng.uniform([-5, -5], [65, 45], (6, 2))
    scores = np.array([0.9, 0.8, 0.1, 0.7, 0.95, 0.6])
    bones = ((0, 1), (1, 2), (3, 4), (4, 5), (0, 5))
    hist = appearance_histogram(img, kp, scores, bones, 0.3)
    hsv = cv2.cvtColor(img, cv2.COLOR_RGB2HSV)
    ref = np.zeros((12, 8))
    for a, b in bones:
        if scores[a] < 0.3 or scores[b] < 0.3:
            continue
        for u in np.linspace(0.15, 0.85, 7):
            p = kp[a] * (1 - u) + kp[b] * u
            for dy in (-1, 0, 1):
                for dx in (-1, 0, 1):
                    x, y = int(np.round(p[0] + dx)), int(np.round(p[1] + dy))
                    if 0 <= x < 60 and 0 <= y < 40:
                        hue, sat = hsv[y, x, :2]
                        ref[int(hue) * 12 // 180, int(sat) * 8 // 256] += 1
    np.testing.assert_allclose(hist, ref.ravel() / ref.sum(), atol=1e-7)
    assert appearance_histogram(img, kp, np.zeros(6), bones, 0.3) is None
    tracker = SinglePersonTracker(lambda im: None)
    det = Detection(kp, scores)
    box = tracker.box_of(det)
    assert det.box is box and tracker.box_of(det) is box
    np.testing.assert_allclose(box, keypoint_box(kp, scores, tracker.joint_score))


def test_blazepose_flip_index_swaps_mediapipes_own_left_and_right_names():
    """The mirror index pairs every ``LEFT_*`` landmark with its ``RIGHT_*`` namesake (MediaPipe's
    own ``PoseLandmark`` names), keeps the nose, and is an involution."""
    mp = pytest.importorskip('mediapipe')
    from finephys.models.pose_estimators.blazepose import blazepose33_flip_index
    names = {lm.value: lm.name for lm in mp.solutions.pose.PoseLandmark}
    index = blazepose33_flip_index()
    assert len(names) == 33
    for i, name in names.items():
        expected = (name.replace('LEFT', 'RIGHT') if 'LEFT' in name
                    else name.replace('RIGHT', 'LEFT'))
        assert names[int(index[i])] == expected, (name, names[int(index[i])])
    np.testing.assert_array_equal(index[index], np.arange(33))


def test_unmirror_landmarks_inverts_a_mirror_image():
    """Landmarks of a person and of its mirror image (``u → W − u``, world ``x → −x``, left ↔
    right) map onto each other, both ways."""
    from finephys.models.pose_estimators.blazepose import blazepose33_flip_index
    from finephys.models.pose_estimators.mediapipe_pose_estimator import unmirror_landmarks
    rng = np.random.default_rng(0)
    kp, world = rng.uniform(0, 200, (33, 2)), rng.normal(size=(33, 3))
    index = blazepose33_flip_index()
    mirrored_kp = np.column_stack([200.0 - kp[:, 0], kp[:, 1]])[index]
    mirrored_world = (world * [-1, 1, 1])[index]
    back_kp, back_world = unmirror_landmarks(mirrored_kp, mirrored_world, 200.0)
    np.testing.assert_allclose(back_kp, kp, atol=1e-12)
    np.testing.assert_allclose(back_world, world, atol=1e-12)
    # the left shoulder (11) of the mirror image is the person's right shoulder (12)
    np.testing.assert_allclose(back_kp[12], [200.0 - mirrored_kp[11, 0], mirrored_kp[11, 1]])


def _plain_and_flipped(frames):
    """The plain and the flip-test estimator run on ``frames``; the flip test leaves the 2D and
    its scores exactly as they were. Returns both estimators and the flip test's 2D and scores."""
    plain = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb'))
    flip = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb',
                                      flip_test=True))
    kp_plain, s_plain = plain(frames)
    kp_flip, s_flip = flip(frames)
    np.testing.assert_array_equal(kp_flip, kp_plain)
    np.testing.assert_array_equal(s_flip, s_plain)
    return plain, flip, kp_flip, s_flip


def test_flip_test_averages_the_3d_with_the_mirror_images(real_view_frames):
    """``flip_test`` on a real clip: the 2D and the unflipped world landmarks are exactly the
    plain estimator's; the mirrored crop's world landmarks equal BlazePose's on a mirror image
    built independently (one warp with the mirror inside the affine, left ↔ right by MediaPipe's
    names), and the 3D given on is the mean of the two, close to the plain one."""
    mp = pytest.importorskip('mediapipe')
    from finephys.models.pose_estimators.mediapipe_pose_estimator import roll_world_to_image
    frames = real_view_frames[:8]
    plain, flip, _, _ = _plain_and_flipped(frames)
    np.testing.assert_array_equal(flip.last_world_keypoints_unflipped,
                                  plain.last_world_keypoints)
    counts = flip.counts
    assert counts['flipped'] + counts['flip_skipped'] == counts['tracked'] == len(frames)
    assert counts['flipped'] >= 6, counts
    assert 'flipped' not in plain.counts
    averaged, unflipped = flip.last_world_keypoints, flip.last_world_keypoints_unflipped
    d = np.linalg.norm(averaged - unflipped, axis=-1)
    assert 0.002 < np.median(d) < 0.06, np.median(d)       # metres: a refinement, not a new pose

    # one frame by hand: the mirrored crop built as a single affine (x → side − x inside it)
    frame = frames[-1]
    det = flip.tracker.best_orientation(frame, None, None)
    box = keypoint_box(det.keypoints, det.scores, flip.tracker.joint_score)
    size, side = float(max(box[2:] - box[:2])), flip.tracker.crop_size
    a = crop_transform((box[:2] + box[2:]) / 2, flip.tracker.crop_scale * size, side, 0)
    a_mirror = np.array([[-1.0, 0.0, side], [0.0, 1.0, 0.0]]) @ np.vstack([a, [0, 0, 1]])
    crop = cv2.warpAffine(frame, index_affine(a_mirror), (side, side), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))
    res = flip.pose.process(np.ascontiguousarray(crop))
    names = {lm.value: lm.name for lm in mp.solutions.pose.PoseLandmark}
    by_name = {v: k for k, v in names.items()}
    partner = [by_name[n.replace('LEFT', 'RIGHT') if 'LEFT' in n else n.replace('RIGHT', 'LEFT')]
               for n in (names[i] for i in range(33))]
    world = np.array([[p.x, p.y, p.z] for p in res.pose_world_landmarks.landmark])[partner]
    world[:, 0] *= -1
    px = np.array([[p.x * side, p.y * side] for p in res.pose_landmarks.landmark])[partner]
    px = apply_affine(invert_affine(a_mirror), px)
    vis = np.clip([p.visibility for p in res.pose_landmarks.landmark], 0, 1)[partner]
    flip.tracker.last_angle = 0
    np.testing.assert_allclose(flip.mirrored_world(frame, det),
                               roll_world_to_image(world, px, vis), atol=1e-6)
    # a mirrored crop whose 2D lies off the detection's is not used
    far = Detection(det.keypoints + [0.5 * size, 0.0], det.scores, 0, dict(det.extra), True)
    assert flip.mirrored_world(frame, far) is None
    with pytest.raises(ValueError, match='flip_max_offset'):
        POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', flip_max_offset=0))


@pytest.mark.filterwarnings('ignore:All-NaN slice')
def test_flip_test_through_a_salto_averages_the_same_body(salto_with_walker_video):
    """Through a rendered tucked salto (inverted and sideways frames found in rotated crops) the
    flip test averages most found frames (its 2D is the plain estimator's: above), and each
    averaged 3D body is the detection's own body refined, not its mirror: a mirror image read
    back without swapping left and right (or without negating x) would put each shoulder, hip,
    knee on the other side, tens of centimetres away."""
    pytest.importorskip('mediapipe')
    from finephys.models.pose_estimators.mediapipe_pose_estimator import roll_world_to_image
    from finephys.structures import H36M17
    flip = POSE_ESTIMATORS.build(dict(type='MediaPipePoseEstimator', channel_order='rgb',
                                      flip_test=True))
    kp_flip, scores = flip(salto_with_walker_video[0])
    assert flip.counts['rotated'] >= 10
    found = np.isfinite(kp_flip).all((-1, -2))
    averaged = np.isfinite(flip.last_world_keypoints).all((-1, -2)) & (
        flip.last_world_keypoints != flip.last_world_keypoints_unflipped).any((-1, -2))
    assert flip.counts['flipped'] == averaged.sum() >= 0.6 * found.sum(), flip.counts
    # the averaged body against the detection's own, both in the frame's axes; left/right joints
    sided = [i for i, name in enumerate(H36M17.joint_names)
             if name.startswith(('left_', 'right_'))]
    assert len(sided) == 12
    for t in np.flatnonzero(averaged):
        own = roll_world_to_image(flip.last_world_keypoints_unflipped[t], kp_flip[t], scores[t])
        d = np.linalg.norm(flip.last_world_keypoints[t] - own, axis=-1)
        assert np.median(d[sided]) < 0.08, (t, np.round(d, 3))
