"""2D skeletons of a clip list with any ``POSE_ESTIMATORS`` entry, into a PYSKL-format pickle.

    python tools/dataset_converters/extract_finegym_skeletons.py CLIP_LIST \\
        --videos-dir data/finegym/subactions --out data/finegym/gym_mediapipe.pkl \\
        [--pose-config CONFIG --pose-checkpoint CKPT] [--split-name train] [--stabilise]

CLIP_LIST: a FineGym split list (``<clip_id> <Clabel>`` a line) or one clip id a line; videos
are ``<videos-dir>/<clip_id><--ext>``. Pose estimator: MediaPipe BlazePose with one person
tracked (default; weights from its pip wheel), this project's heatmap detector
(``configs/pose_estimators/``) or an mmpose top-down config (``--pose-config``).

Output, as PYSKL / MMAction2 lay it out: ``{"split": {split_name: [clip_id, ...]},
"annotations": [{"frame_dir", "label", "total_frames", "img_shape" (H, W), "original_shape",
"keypoint" (1, T, 17, 2) float32 pixels, "keypoint_score" (1, T, 17), "keypoint_layout":
"h36m17"}]}`` — the estimators give H36M-17 (COCO-17's face points are not kept), which
``keypoint_layout`` says; ``FineGymSkeletonDataset`` reads both. Frames where the person is
lost have score 0. Per-frame pixels, as PYSKL's (``--stabilise`` removes camera pan/tilt/zoom
into frame 0's pixels instead).

Resumable: each clip's result is saved to ``<out>.parts/<clip_id>.npz`` as it finishes; a rerun
skips clips done and assembles the pickle. Unreadable videos are logged, counted and left
out. Ends with ``RESULT`` lines: extracted, reused, missing_video, failed.
"""
import argparse
import os.path as osp
import pickle
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__)))))

from finephys.utils.launch import UserInputError, friendly_errors  # noqa: E402


def read_clip_list(path):
    """``[(clip_id, label or -1), ...]`` of a split list or an id list."""
    out = []
    with open(path, encoding='utf-8') as f:
        for n, line in enumerate(f, 1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) > 2 or (len(parts) == 2 and not parts[1].lstrip('-').isdigit()):
                raise UserInputError(f'{path}:{n}: expected "<clip_id> [<label>]", got '
                                     f'{line.strip()!r}')
            out.append((parts[0], int(parts[1]) if len(parts) == 2 else -1))
    if not out:
        raise UserInputError(f'{path}: no clip listed')
    return out


def extract_clip(video, estimator, stabilise=False):
    """``dict(keypoint (1, T, 17, 2), keypoint_score (1, T, 17), img_shape (H, W))`` of one
    video (H36M-17 pixels; score 0 and keypoint 0 where no person)."""
    import numpy as np

    from finephys.datasets.io import estimate_video_2d
    reset = getattr(estimator, 'reset', None)
    if reset is not None:          # a tracking estimator: a new clip, a new track
        reset()
    data = estimate_video_2d(video, lambda frames: estimator(frames), stabilise=stabilise,
                             show_progress=False)
    kp = np.asarray(data['keypoints_2d'], np.float64)
    score = np.asarray(data['scores'], np.float64)
    bad = ~np.isfinite(kp).all(-1) | ~np.isfinite(score)
    score = np.where(bad, 0.0, score)
    kp = np.where(bad[..., None], 0.0, kp)
    w, h = data['image_size']
    return dict(keypoint=kp[None].astype(np.float32), keypoint_score=score[None].astype(np.float32),
                img_shape=(int(h), int(w)))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument('clip_list')
    p.add_argument('--videos-dir', required=True)
    p.add_argument('--out', required=True, help='the PYSKL pickle to write')
    p.add_argument('--ext', default='.mp4')
    p.add_argument('--split-name', default='train')
    p.add_argument('--pose-config', default=None,
                   help="this project's heatmap detector config or an mmpose top-down config "
                        '(default: MediaPipe BlazePose)')
    p.add_argument('--pose-checkpoint', default=None)
    p.add_argument('--device', default='cpu')
    p.add_argument('--stabilise', action='store_true',
                   help="remove camera motion (frame 0's pixels) instead of per-frame pixels")
    p.add_argument('--no-progress', action='store_true')
    args = p.parse_args(argv)
    with friendly_errors('extract_finegym_skeletons.py'):
        import numpy as np
        from tqdm import tqdm

        from finephys.apis import pose_estimator_config
        from finephys.registry import POSE_ESTIMATORS
        from finephys.utils import register_all_modules
        from finephys.utils.atomic_file import write_bytes_atomically
        register_all_modules()
        for name in ('clip_list', 'videos_dir'):
            if not osp.exists(getattr(args, name)):
                raise UserInputError(f'{name.replace("_", "-")} not found: {getattr(args, name)}')
        clips = read_clip_list(args.clip_list)
        cfg = (pose_estimator_config(args.pose_config, args.pose_checkpoint) if args.pose_config
               else dict(type='MediaPipePoseEstimator'))
        estimator = None
        parts = args.out + '.parts'
        counts = dict(extracted=0, reused=0, missing_video=0, failed=0)
        anns = []
        for clip_id, label in tqdm(clips, desc='2D skeletons', unit='clip',
                                   disable=args.no_progress):
            part = osp.join(parts, clip_id + '.npz')
            if osp.isfile(part):
                with np.load(part) as z:
                    result = dict(keypoint=z['keypoint'], keypoint_score=z['keypoint_score'],
                                  img_shape=tuple(int(v) for v in z['img_shape']))
                counts['reused'] += 1
            else:
                video = osp.join(args.videos_dir, clip_id + args.ext)
                if not osp.isfile(video):
                    counts['missing_video'] += 1
                    tqdm.write(f'{clip_id}: {video} not found, skipped')
                    continue
                if estimator is None:
                    estimator = POSE_ESTIMATORS.build(dict(cfg, device=args.device))
                try:
                    result = extract_clip(video, estimator, args.stabilise)
                except ValueError as err:      # unreadable video: logged, counted, left out
                    counts['failed'] += 1
                    tqdm.write(f'{clip_id}: {err}')
                    continue
                import io
                buf = io.BytesIO()
                np.savez(buf, keypoint=result['keypoint'], keypoint_score=result['keypoint_score'],
                         img_shape=np.asarray(result['img_shape']))
                write_bytes_atomically(buf.getvalue(), part)
                counts['extracted'] += 1
            t = result['keypoint'].shape[1]
            anns.append(dict(frame_dir=clip_id, label=label, total_frames=t,
                             img_shape=result['img_shape'], original_shape=result['img_shape'],
                             keypoint=result['keypoint'], keypoint_score=result['keypoint_score'],
                             keypoint_layout='h36m17'))
        data = dict(split={args.split_name: [a['frame_dir'] for a in anns]}, annotations=anns)
        write_bytes_atomically(pickle.dumps(data, protocol=4), args.out)
        print(f'{len(anns)} of {len(clips)} clips -> {args.out} ({counts})')
        for k, v in counts.items():
            print(f'RESULT {k}={v}')


if __name__ == '__main__':
    main()
