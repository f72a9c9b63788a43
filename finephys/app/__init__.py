"""The web app (``make app`` / ``python tools/app.py``): Gradio Blocks on the loopback address.

The page (:mod:`.blocks`) is thin; the work is in framework-free modules tested on their own:
:mod:`.video_to_3d` (video → 3D with per-stage progress, person choice), :mod:`.synthgym_view`,
:mod:`.generation`, :mod:`.figures` (Plotly figures and the numbers behind them) and
:mod:`.uploads` (upload checks, per-session folders). Gradio is imported only by
:func:`build_app` / :func:`launch`.
"""
from .blocks import AppSettings, build_app, launch
from .uploads import SessionFolders, UploadError, check_video_upload

__all__ = ['AppSettings', 'build_app', 'launch', 'SessionFolders', 'UploadError',
           'check_video_upload']
