"""Speed and memory of the real-video 2D front end at 1080p on this machine.

    python tools/analysis_tools/benchmark_video_pose.py [--video PATH] [--seconds 60]
        [--fps 30] [--repeats 3] [--work-dir work_dirs/bench_video]

Builds (once, cached) a 1080p test video of ``--seconds`` s: Pose2Sim's real demo footage (one
person, 1088 × 1920) letterboxed into 1920 × 1080, played forwards and backwards — or uses
``--video``. Then measures, in one run:

* **MediaPipe video mode** — ``mp.solutions.pose.Pose(static_image_mode=False)`` on whole
  frames, MediaPipe's own tracking (the best known implementation of BlazePose on CPU; it follows
  whoever it locked onto and never re-checks identity);
* **ours** — :class:`MediaPipePoseEstimator` (crops around the track, identity gates, 180°
  retries) on the same decoded frames;

  the two are timed ``--repeats`` times in turn on the first ``--sample-frames`` decoded
  frames, each from a fresh graph / a reset track, and the best time of each is kept (this
  shared machine's speed drifts within a minute; a ratio of two single runs moved by ±0.05);
  then both again on **every frame of the video** (``--whole-repeats`` times, interleaved
  chunk by chunk as the pipeline reads them, decoding not timed): the speed a user feels on a whole
  video, where the track's start (whole-frame searches until someone is found, crops while
  MediaPipe's graph settles: ~0.15 s once) weighs by its share of the video, not of 10 s;
* **camera motion** — :class:`CameraMotionEstimator` per frame;
* **whole pipeline** — :func:`estimate_video_2d` on the file: decoding, ours, camera motion,
  streamed in chunks, with the process's peak resident memory (what loading the video whole
  would need is printed for comparison).

Ends with ``RESULT`` lines: ``video_pose_fps_1080p`` (ours, first frames),
``video_pose_mediapipe_video_mode_fps_1080p``, ``video_pose_speed_ratio`` (ours / MediaPipe
video mode on the first ``--sample-frames``; also printed as
``video_tracking_vs_mediapipe_video_mode_first_<n>``),
``video_tracking_vs_mediapipe_video_mode`` (the same ratio on the whole video),
``video_camera_motion_fps_1080p``, ``video_pipeline_fps_1080p``,
``video_pipeline_peak_rss_mb``, ``video_pipeline_rss_growth_mb`` (peak minus the resident size
once libraries and model are loaded) and ``video_pipeline_peak_rss_mb_sixth`` (the same on the
first sixth of the video: equal peaks = memory bounded by the chunk, not the length).
"""
import argparse
import os
import os.path as osp
import resource
import time

import numpy as np


def build_video(path, seconds, fps):
    """A 1920 × 1080 mp4 of ``seconds`` s from Pose2Sim's demo (letterboxed, ping-pong)."""
    import cv2

    from finephys.datasets.io import VideoReader
    from finephys.datasets.pose2sim_demo import locate_pose2sim_demo
    from finephys.visualization import VideoWriter
    src = osp.join(locate_pose2sim_demo(), 'videos', 'cam02.mp4')
    frames = np.concatenate(list(VideoReader(src).chunks(32)))
    h = 1080
    w = int(round(frames.shape[2] * h / frames.shape[1]))
    tmp = path + '.part.mp4'
    n = int(seconds * fps)
    order = np.concatenate([np.arange(len(frames)), np.arange(len(frames))[::-1]])
    with VideoWriter(tmp, fps) as writer:
        for i in range(n):
            canvas = np.full((1080, 1920, 3), 30, np.uint8)
            small = cv2.resize(frames[order[i % len(order)]], (w, h), interpolation=cv2.INTER_AREA)
            x0 = (1920 - w) // 2 + int(300 * np.sin(2 * np.pi * i / (4 * fps)))   # the person moves
            canvas[:, x0:x0 + w] = small
            writer.write(canvas)
    os.replace(tmp, path)


def time_whole_video(reader, processors, chunk=32):
    """Seconds each of ``processors`` (``fn(frames (t, H, W, 3))``, each keeping its own state
    from chunk to chunk) spends on every frame of ``reader``'s video, **interleaved chunk by
    chunk** — each chunk goes through all of them, the first one alternating — so this shared
    machine's drift within the minute falls on all alike (decoding not counted; one reused
    buffer: bounded memory).

    Returns:
        list[float]: seconds per processor.
    """
    totals = [0.0] * len(processors)
    for k, frames in enumerate(reader.chunks(chunk, reuse_buffer=True)):
        order = range(len(processors)) if k % 2 == 0 else reversed(range(len(processors)))
        for i in order:
            t0 = time.perf_counter()
            processors[i](frames)
            totals[i] += time.perf_counter() - t0
    return totals


def peak_rss_mb():
    """This process's peak resident memory (MB): ``VmHWM`` — ``ru_maxrss`` survives ``execve``
    on Linux, so a child started from a large parent would report the parent's size."""
    try:
        with open('/proc/self/status') as f:
            for line in f:
                if line.startswith('VmHWM:'):
                    return float(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def pipeline_child(video):
    """Run :func:`estimate_video_2d` on ``video``; print ``PIPELINE frames seconds rss_before
    rss_peak`` (MB; before = after imports and the model are loaded)."""
    from finephys.datasets.io import estimate_video_2d
    from finephys.models.pose_estimators import MediaPipePoseEstimator
    est = MediaPipePoseEstimator()
    before = peak_rss_mb()
    t0 = time.perf_counter()
    out = estimate_video_2d(video, est, stabilise=True, show_progress=True)
    dt = time.perf_counter() - t0
    print(f'PIPELINE {len(out["scores"])} {dt:.3f} {before:.1f} {peak_rss_mb():.1f}')


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('--video', default=None)
    p.add_argument('--seconds', type=float, default=60.0)
    p.add_argument('--fps', type=float, default=30.0)
    p.add_argument('--repeats', type=int, default=3,
                   help='timings of MediaPipe video mode and ours, in turn; the best of each')
    p.add_argument('--sample-frames', type=int, default=300,
                   help='frames for the per-stage timings (the pipeline runs on the whole video)')
    p.add_argument('--whole-repeats', type=int, default=2,
                   help='timings of MediaPipe video mode and ours on every frame of the video, '
                        'interleaved chunk by chunk; the best of each (0: skip)')
    p.add_argument('--work-dir', default='work_dirs/bench_video')
    p.add_argument('--pipeline-only', action='store_true', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.pipeline_only:        # a fresh process: its peak memory is the pipeline's own
        return pipeline_child(args.video)
    from finephys.datasets.io import VideoReader
    from finephys.models.pose_estimators import MediaPipePoseEstimator
    from finephys.models.pose_estimators.mediapipe_pose_estimator import import_mediapipe
    from finephys.utils.camera_motion import CameraMotionEstimator
    os.makedirs(args.work_dir, exist_ok=True)
    video, short = args.video, None
    if video is None:
        video, short = (osp.join(args.work_dir, f'pose2sim_1080p_{sec:g}s_{args.fps:g}fps.mp4')
                        for sec in (args.seconds, args.seconds / 6))
        for path, sec in ((video, args.seconds), (short, args.seconds / 6)):
            if not osp.isfile(path):
                print(f'building {path} ...', flush=True)
                build_video(path, sec, args.fps)
    reader = VideoReader(video)
    print(f'{video}: {reader.width}x{reader.height}, {reader.num_frames} frames at '
          f'{reader.fps:g} fps')
    # the pipeline in a fresh process, so its peak memory is its own
    import subprocess
    import sys

    def run_pipeline(path):
        r = subprocess.run([sys.executable, __file__, '--pipeline-only', '--video', path],
                           check=True, stdout=subprocess.PIPE, text=True)
        line = [x for x in r.stdout.splitlines() if x.startswith('PIPELINE ')][-1].split()
        return int(line[1]), float(line[2]), float(line[3]), float(line[4])

    n_all, t_pipe, rss0, rss = run_pipeline(video)
    rss_short = run_pipeline(short)[3] if short else float('nan')
    whole = n_all * reader.width * reader.height * 3 / 2 ** 20
    sample = []
    for chunk in reader.chunks(32):
        sample.extend(chunk)
        if len(sample) >= args.sample_frames:
            break
    sample = np.stack(sample[:args.sample_frames])
    mp = import_mediapipe()
    ours = MediaPipePoseEstimator(channel_order='rgb')
    ours(sample[:1])
    t_mp = t_ours = float('inf')
    for _ in range(max(1, args.repeats)):
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
            pose.process(sample[0])
            pose.reset()
            t0 = time.perf_counter()
            for f in sample:
                pose.process(f)
            t_mp = min(t_mp, time.perf_counter() - t0)
        ours.reset()
        t0 = time.perf_counter()
        ours(sample)
        t_ours = min(t_ours, time.perf_counter() - t0)
    counts_sample = dict(ours.counts)
    t_mp_all = t_ours_all = float('inf')
    for _ in range(max(0, args.whole_repeats)):
        with mp.solutions.pose.Pose(static_image_mode=False, model_complexity=1) as pose:
            pose.process(sample[0])
            pose.reset()
            ours.reset()
            tm, to = time_whole_video(
                reader, [lambda frames: [pose.process(f) for f in frames], ours])
        t_mp_all, t_ours_all = min(t_mp_all, tm), min(t_ours_all, to)
    cam = CameraMotionEstimator()
    t0 = time.perf_counter()
    for f in sample:
        cam.update(f, np.array([800, 100, 1100, 1000.0]))
    t_cam = time.perf_counter() - t0
    n = len(sample)
    print(f'MediaPipe video mode      {n / t_mp:6.1f} frames/s')
    print(f'ours (track + gates)      {n / t_ours:6.1f} frames/s   ({counts_sample})')
    if args.whole_repeats > 0:
        print(f'whole video ({n_all} frames): MediaPipe video mode {n_all / t_mp_all:6.1f} '
              f'frames/s, ours {n_all / t_ours_all:6.1f} frames/s   ({ours.counts})')
    print(f'camera motion             {n / t_cam:6.1f} frames/s')
    print(f'pipeline (decode + 2D + camera, streamed) {n_all / t_pipe:6.1f} frames/s over '
          f'{n_all} frames; peak RSS {rss:.0f} MB ({rss0:.0f} MB with the libraries and model '
          f'loaded, before the first frame); the video decoded whole would be {whole:.0f} MB')
    print(f'RESULT video_pose_fps_1080p={n / t_ours:.1f}')
    print(f'RESULT video_pose_mediapipe_video_mode_fps_1080p={n / t_mp:.1f}')
    print(f'RESULT video_pose_speed_ratio={t_mp / t_ours:.2f}')
    print(f'RESULT video_tracking_vs_mediapipe_video_mode_first_{n}={t_mp / t_ours:.2f}')
    if args.whole_repeats > 0:
        # the camera-rate issue's figure: the whole video, as the pipeline row
        print(f'RESULT video_tracking_vs_mediapipe_video_mode={t_mp_all / t_ours_all:.2f}')
    print(f'RESULT video_camera_motion_fps_1080p={n / t_cam:.1f}')
    print(f'RESULT video_pipeline_fps_1080p={n_all / t_pipe:.1f}')
    print(f'RESULT video_pipeline_peak_rss_mb={rss:.0f}')
    print(f'RESULT video_pipeline_rss_growth_mb={rss - rss0:.0f}')
    print(f'RESULT video_pipeline_peak_rss_mb_sixth={rss_short:.0f}')


if __name__ == '__main__':
    main()
