from .com_height import com_height, plot_com_height
from .plot3d import animate_sequence_3d, plot_sequence_3d
from .skeleton import draw_skeleton
from .video import VideoWriter, tile_videos, write_video

__all__ = ['draw_skeleton', 'plot_sequence_3d', 'animate_sequence_3d', 'write_video', 'tile_videos',
           'VideoWriter', 'com_height', 'plot_com_height']
