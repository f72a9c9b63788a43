"""The FinePhys web app (Gradio Blocks): Video → 3D, SynthGym, Generation.

The work lives in framework-free classes (:class:`~finephys.app.video_to_3d.VideoTo3D`,
:func:`~finephys.app.synthgym_view.render_synthgym`,
:class:`~finephys.app.generation.Generation`); this module only lays out the page and turns
their results and errors into components. Every event goes through Gradio's queue, one at a
time (the models are shared), so two sessions uploading at once wait their turn and each gets
its own result. Files of a session live in its own temporary folder, removed when the session
ends.
"""
import logging
import os
import os.path as osp
import shutil
import traceback
from dataclasses import dataclass, field
from typing import Dict, Optional

from .generation import Generation
from .synthgym_view import CAMERAS, render_synthgym
from .uploads import SessionFolders, UploadError
from .video_to_3d import VIDEO_STAGES, VideoTo3D, draw_people, person_box, pick_person

logger = logging.getLogger('finephys')

_INTRO = """# FinePhys — physics-true 3D from video
**Video → 3D**: upload a video of one athlete (or take the real example clip), click the person
to follow in the preview (default: the largest), pick a model and press **Run**. You get the
overlay, the fused 3D skeleton with a time slider, the centre of mass with flights and their
fitted gravity, contacts, bone-length stability, and files to download (npz, json, **BVH** for
Blender). **SynthGym**: the project's physics-true synthetic gymnastics. **Generation**: a prompt
and a motion → a generated video beside its guidance skeleton."""


@dataclass
class AppSettings:
    """What the server offers; nothing on the page can point elsewhere.

    Args:
        skeleton_models (dict): ``name -> dict(config, checkpoint)`` (the first is preselected).
        generators (dict): ``name -> dict(config, checkpoint[, cfg_options])``.
        device (str): ``'cpu'`` / ``'cuda:0'``.
        max_upload_mb (float): Largest upload (MB); larger ones are refused with a message.
        example_video (str, optional): A real clip offered by a button (copied into the app's
            temporary folder at start).
        work_root (str, optional): Where sessions' folders go (default: a new temporary folder).
        pose_estimator (dict, optional): ``POSE_ESTIMATORS`` config (default MediaPipe).
    """
    skeleton_models: Dict[str, dict]
    generators: Dict[str, dict] = field(default_factory=dict)
    device: str = 'cpu'
    max_upload_mb: float = 500.0
    example_video: Optional[str] = None
    work_root: Optional[str] = None
    pose_estimator: Optional[dict] = None


def _message(err: Exception) -> str:
    """A page-ready message: an :class:`UploadError`'s own words, anything else as an internal
    error (logged with its traceback; the server stays up)."""
    if isinstance(err, UploadError):
        return f'⚠️ {err}'
    logger.error('finephys app: %s', traceback.format_exc())
    return f'⚠️ Internal error ({type(err).__name__}: {err}). The server is still up; try again.'


def _session(request) -> str:
    return getattr(request, 'session_hash', None) or 'anonymous'


def _following(state) -> str:
    """Who is followed, for the page: the person's number and the box given to the tracker
    (the same numbers work with ``tools/infer_skeleton.py --person-box``)."""
    box = ' '.join(f'{v:g}' for v in state['box'])
    return f'**#{state["chosen"] + 1}** (--person-box {box})'


def _upload_name(file) -> Optional[str]:
    """The path of a ``gr.File`` value (a path string or an object with ``.name``)."""
    if file is None:
        return None
    return file if isinstance(file, str) else getattr(file, 'name', None)


def build_app(settings: AppSettings):
    """The app's ``gr.Blocks`` (call ``.queue().launch()``, or use :func:`launch`).

    Returns:
        tuple: ``(blocks, folders)`` — the page and its :class:`SessionFolders` (close it when
        the server stops).
    """
    import gradio as gr

    from gradio.utils import get_upload_folder
    folders = SessionFolders(settings.work_root, get_upload_folder())
    # results are served from the session folders as they are (no copy into Gradio's cache):
    # removing a session's folder removes every file of it
    gr.set_static_paths([folders.root])
    max_bytes = int(settings.max_upload_mb * 2 ** 20)
    video3d = VideoTo3D(settings.skeleton_models, settings.device, max_bytes,
                        settings.pose_estimator)
    generation = Generation(settings.generators, settings.device)
    example = None
    if settings.example_video and osp.isfile(settings.example_video):
        example = osp.join(folders.root, 'example', osp.basename(settings.example_video))
        if not osp.isfile(example):
            os.makedirs(osp.dirname(example), exist_ok=True)
            shutil.copyfile(settings.example_video, example)
    model_names = list(settings.skeleton_models)
    gen_names = list(settings.generators)

    def uploaded(file) -> Optional[str]:
        """The path of an uploaded file — one the browser sent (under the framework's upload
        folder) or the server's example clip; any other path a page sends is refused."""
        path = _upload_name(file)
        if path is None or folders.is_upload(path) or (
                example is not None and osp.realpath(path) == osp.realpath(example)):
            return path
        raise UploadError(f'{osp.basename(path)}: not a file uploaded to this app; upload it.')

    # ---------------------------------------------------------------- Video → 3D handlers
    def on_video(file, request: gr.Request):
        """A new video: list the people in its first frame with someone, preselect the
        largest."""
        try:
            path = uploaded(file)
            if path is None:
                return None, None, ''
            folders.track_upload(_session(request), path)
            index, frame, people = video3d.people(path, osp.basename(path))
        except Exception as err:        # noqa: BLE001 — the page says what went wrong
            return None, None, _message(err)
        chosen = pick_person(people)
        state = dict(people=people, chosen=chosen, shape=frame.shape, frame=frame, index=index,
                     box=person_box(people, chosen, frame.shape))
        name = osp.basename(path)
        if people:
            hint = (f'{name}: {len(people)} person(s) found in frame {index}; following '
                    f'{_following(state)} (the largest). Click another person to follow them '
                    'instead.')
        else:
            hint = (f'{name}: nobody found in the first second; the tracker follows whoever '
                    'it finds first.')
        return preview(state, request), state, hint

    def preview(state, request):
        """The frame with the people's boxes, as a PNG in the session's folder (served from
        there: nothing of a session is copied elsewhere)."""
        import cv2
        path = osp.join(folders.new_run(_session(request)), 'people.png')
        cv2.imwrite(path, draw_people(state['frame'], state['people'],
                                      state['chosen'])[..., ::-1])
        return path

    def on_click(state, evt: gr.SelectData, request: gr.Request):
        if not state or not state.get('people'):
            return gr.update(), state, gr.update()
        chosen = pick_person(state['people'], evt.index)
        state = dict(state, chosen=chosen,
                     box=person_box(state['people'], chosen, state['shape']))
        return preview(state, request), state, f'Following {_following(state)}.'

    def on_run(file, model, state, request: gr.Request, progress=gr.Progress()):
        empty = (None, None, None, None, None, None)
        try:
            path = uploaded(file)
            if path is None:
                raise UploadError('No video was given: upload one (or pick the example clip).')
            box = (state or {}).get('box')

            def heard(stage, done, total, seconds):
                step = (VIDEO_STAGES.index(stage) + 1 if stage in VIDEO_STAGES
                        else '4–5')          # 'lifting + physics': window by window
                desc = f'{step}/{len(VIDEO_STAGES)} {stage}'
                progress((done, total) if total else None, desc=desc, unit='steps')

            out = video3d.run(path, folders.new_run(_session(request)), model, box,
                              osp.basename(path), heard)
        except Exception as err:        # noqa: BLE001
            return (_message(err),) + empty
        figs, paths = out['figures'], out['paths']
        return (out['summary'], paths['overlay'], figs['skeleton'], figs['com'],
                figs['contacts'], figs['bones'],
                [paths[k] for k in ('npz', 'json', 'bvh', 'overlay')])

    # ---------------------------------------------------------------- SynthGym handler
    def on_synthgym(action, seed, camera, request: gr.Request):
        try:
            out = render_synthgym(action, seed, camera, folders.new_run(_session(request)))
        except Exception as err:        # noqa: BLE001
            return _message(err), None, None, None
        return out['summary'], out['video'], out['figures']['skeleton'], out['figures']['com']

    # ---------------------------------------------------------------- Generation handler
    def on_generate(prompt, source, element, skeleton, model, seed, frames, steps,
                    request: gr.Request):
        try:
            path = uploaded(skeleton) if source == 'skeleton file or video' else None
            folders.track_upload(_session(request), path)
            if source == 'skeleton file or video' and path is None:
                raise UploadError('Upload a skeleton file (.npz/.json/.pkl) or a video.')
            out = generation.run(prompt, folders.new_run(_session(request)), model or None,
                                 skeleton=path, skeleton_name=path and osp.basename(path),
                                 element=element if source == 'SynthGym element' else None,
                                 seed=int(seed), num_frames=int(frames),
                                 steps=int(steps) if steps else None)
        except Exception as err:        # noqa: BLE001
            return _message(err), None, None
        return out['summary'], out['side_by_side'], out['video']

    def on_unload(request: gr.Request):
        folders.remove(_session(request))

    with gr.Blocks(title='FinePhys', delete_cache=(600, 3600), analytics_enabled=False) as blocks:
        gr.Markdown(_INTRO)
        with gr.Tab('Video → 3D'):
            with gr.Row():
                with gr.Column(scale=2):
                    video_in = gr.File(label='Video', file_count='single', elem_id='video-in')
                    if example:
                        example_btn = gr.Button('Use the example clip (Pose2Sim, real video)',
                                                elem_id='example', size='sm')
                    people_img = gr.Image(label='Whom to follow (click a person)',
                                          interactive=False, elem_id='people', type='filepath',
                                          height=360)
                    hint = gr.Markdown(elem_id='people-hint')
                    model = gr.Dropdown(model_names, value=model_names[0] if model_names else None,
                                        label='Skeleton model', elem_id='model')
                    run = gr.Button('Run', variant='primary', elem_id='run')
                with gr.Column(scale=3):
                    status = gr.Markdown(elem_id='status')
                    overlay = gr.Video(label='Overlay (2D input + projected fused 3D; red: '
                                       'filled)', elem_id='overlay', interactive=False,
                                       height=460)
                    view3d = gr.Plot(label='Fused 3D', elem_id='view3d')
                    downloads = gr.File(label='Downloads (npz, json, BVH, overlay)',
                                        file_count='multiple', elem_id='downloads',
                                        interactive=False)
            with gr.Row():
                com = gr.Plot(label='Centre of mass', elem_id='com')
                contacts = gr.Plot(label='Contacts', elem_id='contacts')
            bones = gr.Plot(label='Bone lengths', elem_id='bones')
            state = gr.State()
            video_in.change(on_video, [video_in], [people_img, state, hint], api_name='people')
            if example:
                example_btn.click(lambda: example, None, [video_in])
            people_img.select(on_click, [state], [people_img, state, hint])
            run.click(on_run, [video_in, model, state],
                      [status, overlay, view3d, com, contacts, bones, downloads],
                      api_name='video_to_3d', show_progress_on=[overlay])
        with gr.Tab('SynthGym'):
            from finephys.datasets.synthgym import list_actions
            actions = list(list_actions())
            with gr.Row():
                with gr.Column(scale=2):
                    element = gr.Dropdown(actions, value='salto forward tucked',
                                          label='Element', elem_id='sg-element')
                    sg_seed = gr.Number(0, precision=0, minimum=0, label='Seed',
                                        elem_id='sg-seed')
                    camera = gr.Radio(list(CAMERAS), value='side', label='Camera',
                                      elem_id='sg-camera')
                    sg_run = gr.Button('Render', variant='primary', elem_id='sg-run')
                with gr.Column(scale=3):
                    sg_status = gr.Markdown(elem_id='sg-status')
                    sg_video = gr.Video(label='Rendered clip', elem_id='sg-video',
                                        interactive=False)
            with gr.Row():
                sg_3d = gr.Plot(label='3D (ground truth)', elem_id='sg-3d')
                sg_com = gr.Plot(label='Centre of mass', elem_id='sg-com')
            sg_run.click(on_synthgym, [element, sg_seed, camera],
                         [sg_status, sg_video, sg_3d, sg_com], api_name='synthgym',
                         show_progress_on=[sg_video])
        with gr.Tab('Generation'):
            with gr.Row():
                with gr.Column(scale=2):
                    prompt = gr.Textbox('salto forward tucked', label='Prompt',
                                        elem_id='gen-prompt')
                    source = gr.Radio(['SynthGym element', 'skeleton file or video'],
                                      value='SynthGym element', label='Motion (guidance)')
                    gen_element = gr.Dropdown(actions, value='salto forward tucked',
                                              label='SynthGym element')
                    skeleton = gr.File(label='Skeleton file (.npz/.json/.pkl) or video',
                                       elem_id='gen-skeleton')
                    gen_model = gr.Dropdown(gen_names, value=gen_names[0] if gen_names else None,
                                            label='Generator (stage-3 model)')
                    with gr.Row():
                        gen_seed = gr.Number(0, precision=0, minimum=0, label='Seed')
                        frames = gr.Slider(4, 16, value=8, step=1, label='Frames')
                        steps = gr.Number(0, precision=0, minimum=0,
                                          label='Denoising steps (0: the config\'s)')
                    gen_run = gr.Button('Generate', variant='primary', elem_id='gen-run')
                with gr.Column(scale=3):
                    gen_status = gr.Markdown(
                        '' if gen_names else '⚠️ No generator loaded: run `make demo` first or '
                        'start the app with `--generator NAME CONFIG CHECKPOINT`.',
                        elem_id='gen-status')
                    side = gr.Video(label='Generated | guidance skeleton', elem_id='gen-side',
                                    interactive=False, height=300)
                    gen_video = gr.Video(label='Generated video', elem_id='gen-video',
                                         interactive=False, height=300)
            gen_run.click(on_generate, [prompt, source, gen_element, skeleton, gen_model,
                                        gen_seed, frames, steps],
                          [gen_status, side, gen_video], api_name='generate',
                          show_progress_on=[side])
        blocks.unload(on_unload)
    return blocks, folders


def launch(settings: AppSettings, host: str = '127.0.0.1', port: Optional[int] = None,
           block: bool = True):
    """Build and serve the app on ``host:port`` (loopback by default), one job at a time.

    Returns:
        tuple: ``(blocks, folders, url)``; with ``block`` the call returns only when the server
        stops (then the session folders are removed).
    """
    blocks, folders = build_app(settings)
    blocks.queue(default_concurrency_limit=1)
    _, url, _ = blocks.launch(server_name=host, server_port=port, prevent_thread_lock=True,
                              max_file_size=int(settings.max_upload_mb * 2 ** 20),
                              show_error=True, quiet=True)
    if block:
        try:
            blocks.block_thread()
        finally:
            folders.close()
    return blocks, folders, url
