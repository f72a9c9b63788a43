"""Decoding one chunk ahead of its consumer, on a background thread."""
import queue
import threading

from .video_reader import VideoReader

_END = object()


class _Failure:
    """An exception raised while decoding, handed to the consumer's thread."""

    def __init__(self, error: BaseException):
        self.error = error


class DecodeAhead:
    """Iterate :meth:`VideoReader.chunks` while the next chunk is being decoded on a background
    thread: decoding (PyAV's decoder and colour conversion release the GIL) overlaps with the
    consumer's work on the current chunk instead of taking turns with it.

    Two buffers are used in turn (:meth:`VideoReader.chunks` with ``reuse_buffer=True,
    num_buffers=2``), so memory is bounded by two chunks whatever the video's length. The
    contract is that of a reused buffer: a chunk is the consumer's until it asks for the next
    one, then it may be overwritten (keep copies of what must outlive the iteration). Errors
    raised while decoding reach the consumer at the chunk where they happened; leaving the loop
    early (``break``, an exception) stops the thread — use it as a context manager::

        with DecodeAhead(reader, 20, 'bgr') as chunks:
            for chunk in chunks:
                ...

    Args:
        reader (VideoReader): The video.
        size (int): Frames per chunk.
        channel_order (str): ``'rgb'`` or ``'bgr'``.
    """

    def __init__(self, reader: VideoReader, size: int, channel_order: str = 'rgb'):
        self.reader, self.size, self.channel_order = reader, int(size), channel_order
        self._free = threading.Semaphore(2)     # buffers the decoder may fill
        self._ready = queue.Queue()
        self._stop = threading.Event()
        self._thread = None

    def _decode(self):
        chunks = self.reader.chunks(self.size, self.channel_order, reuse_buffer=True,
                                    num_buffers=2)
        try:
            while True:
                self._free.acquire()
                if self._stop.is_set():
                    return
                try:
                    chunk = next(chunks)
                except StopIteration:
                    return
                self._ready.put(chunk)
        except BaseException as err:    # handed over; the consumer raises it
            self._ready.put(_Failure(err))
        finally:
            chunks.close()
            self._ready.put(_END)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __iter__(self):
        if self._thread is not None:
            raise RuntimeError('DecodeAhead: iterate once')
        self._thread = threading.Thread(target=self._decode, name='decode-ahead', daemon=True)
        self._thread.start()
        first = True
        while True:
            if not first:       # the consumer is done with the previous chunk
                self._free.release()
            first = False
            item = self._ready.get()
            if item is _END:
                return
            if isinstance(item, _Failure):
                raise item.error
            yield item

    def close(self):
        """Stop decoding and wait for the thread (called on leaving the ``with`` block)."""
        if self._thread is None:
            return
        self._stop.set()
        self._free.release()            # a decoder waiting for a buffer wakes up and stops
        self._thread.join()
