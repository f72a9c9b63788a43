"""``estimate_video_2d``: a video file → 2D pose and camera motion, streamed in bounded memory."""
import time
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np
from tqdm import tqdm

from finephys.utils.camera_motion import CameraMotionEstimator, apply_homography

from .decode_ahead import DecodeAhead
from .keypoints import keypoint_box
from .video_reader import VideoReader


def estimate_video_2d(path, estimate_pose, stabilise=True, chunk_size=None, show_progress=True,
                      fps=None, chunk_bytes=128 * 2 ** 20, overlap_camera_motion=True,
                      decode_ahead=True, progress=None):
    """2D pose (and camera motion) of a video, streamed in chunks: memory stays bounded by one
    chunk whatever the video's length or resolution.

    Args:
        path (str): Video file.
        estimate_pose (callable): ``estimate_pose(frames_bgr (t, H, W, 3)) -> (keypoints
            (t, 17, 2), scores (t, 17)[, keypoints_3d (t, 17, 3) | None])`` H36M-17 (NaN /
            score 0 where no person; the optional third item is the estimator's own metric 3D);
            called chunk after chunk of one video (a tracking estimator keeps its track between
            calls).
        stabilise (bool): Estimate pan/tilt/zoom (:class:`CameraMotionEstimator`, the person's
            box masked out) and return the 2D in frame 0's pixels.
        chunk_size (int, optional): Frames per chunk (default: as many as fit ``chunk_bytes``,
            at most 64 — 20 frames of 1080p, 5 of 4K).
        overlap_camera_motion (bool): Estimate a chunk's camera motion on a second thread while
            the next chunk's 2D runs (OpenCV releases the GIL: the two stages share the cores
            instead of taking turns). The camera motion needs the chunk's 2D (the person is
            masked out), so it always trails by one chunk; at most two chunks of grey frames
            wait, and the results are those of the serial order, bit for bit.
        decode_ahead (bool): Decode the next chunk on a background thread while this one's 2D
            runs (:class:`DecodeAhead`; two chunk buffers instead of one). The results are
            those of the serial order, bit for bit.
        progress (callable, optional): ``progress(stage, done, total, seconds)`` after every
            chunk and stage — ``'decode'``, ``'2D pose + tracking'`` (the estimator, whose
            tracker follows the person), ``'stabilisation'`` (camera motion) — with the
            frames done so far, the container's frame count (None when it has none) and the
            seconds this step took (overlapped stabilisation or decoding: the seconds waited
            for it).
            Called from the calling thread only.

    Returns:
        dict: ``keypoints_2d_image (T, 17, 2)`` (each frame's pixels), ``keypoints_2d``
        (stabilised when ``stabilise``), ``scores``, ``camera_motion (T, 3, 3)`` (frame t →
        frame 0 pixels; identity without stabilisation), ``fps``, ``image_size`` ``(W, H)``,
        ``video`` (the path), ``decode_errors``, ``camera_motion_unknown_steps``,
        ``keypoints_3d_estimator`` ``(T, 17, 3)`` (NaN where lost) or None when the estimator
        gives no 3D.
    """
    reader = VideoReader(path)
    if chunk_size is None:
        chunk_size = int(np.clip(chunk_bytes // (reader.width * reader.height * 3), 1, 64))
    cam = CameraMotionEstimator() if stabilise else None
    kps, scores, motion, world = [], [], [], []

    def camera_steps(grays, kp, sc):
        # the person's own pixels (bones drawn thick), not its box: an arms-out body covers
        # little of its box, and masking the box can leave too little background
        return [cam.update(g, keypoint_box(k, s, 0.3, pad=0.15), person_keypoints=k,
                           person_scores=s) for g, k, s in zip(grays, kp, sc)]

    pool = ThreadPoolExecutor(1) if cam is not None and overlap_camera_motion else None
    pending = []                      # camera-motion futures, in order (at most two chunks)
    bar = tqdm(total=reader.num_frames, desc='2D pose', unit='frame', disable=not show_progress)
    total = reader.num_frames
    done = dict(decode=0, pose=0, camera=0)

    def report(stage, key, frames, since):
        done[key] += frames
        if progress is not None:
            progress(stage, done[key], total, time.perf_counter() - since)

    def collect(future, since):
        steps = future.result()
        motion.extend(steps)
        report('stabilisation', 'camera', len(steps), since)

    # BGR: the estimators' order; reused buffers: no chunk outlives its iteration here (the
    # camera thread gets grey copies)
    ahead = DecodeAhead(reader, chunk_size, 'bgr') if decode_ahead else None
    chunks = ahead if ahead is not None else reader.chunks(chunk_size, channel_order='bgr',
                                                           reuse_buffer=True)
    try:
        tic = time.perf_counter()
        for chunk in chunks:
            report('decode', 'decode', len(chunk), tic)
            tic = time.perf_counter()
            out = estimate_pose(chunk)
            report('2D pose + tracking', 'pose', len(chunk), tic)
            tic = time.perf_counter()
            # copies: the camera thread reads them while the estimator fills its next outputs
            kp, sc = np.array(out[0], np.float64), np.array(out[1], np.float64)
            world.append(None if len(out) < 3 or out[2] is None
                         else np.asarray(out[2], np.float64))
            kps.append(kp)
            scores.append(sc)
            if cam is None:
                motion.extend(np.eye(3) for _ in range(len(chunk)))
            else:
                grays = [cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) for frame in chunk]
                if pool is None:
                    motion.extend(camera_steps(grays, kp, sc))
                    report('stabilisation', 'camera', len(chunk), tic)
                else:
                    if len(pending) == 2:          # bound the memory: wait for the oldest
                        collect(pending.pop(0), tic)
                    pending.append(pool.submit(camera_steps, grays, kp, sc))
            bar.update(len(chunk))
            tic = time.perf_counter()
        for future in pending:
            collect(future, tic)
            tic = time.perf_counter()
    finally:
        if ahead is not None:
            ahead.close()
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    bar.close()
    kp, sc, motion = np.concatenate(kps), np.concatenate(scores), np.stack(motion)
    world = None if any(w is None for w in world) else np.concatenate(world)
    return dict(keypoints_2d_image=kp, keypoints_2d=apply_homography(motion, kp), scores=sc,
                camera_motion=motion, fps=fps or reader.fps,
                image_size=(reader.width, reader.height), video=path,
                decode_errors=reader.decode_errors,
                camera_motion_unknown_steps=cam.unknown_steps if cam else 0,
                keypoints_3d_estimator=world)
