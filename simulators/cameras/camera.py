"""One simulated camera's media side: RTSP (H.264, GStreamer's RTSP server) and an HTTP JPEG snapshot.

Run with Debian's /usr/bin/python3 (it has `gi`). Started by simulators/cameras/media-process.ts, which
writes the spec as one JSON line on stdin (not as an argument: argv is readable by every local user, and the
spec holds the camera's password); prints one JSON line `{"event":"ready","rtspPort":..,"snapshotPort":..}` on stdout when
both servers listen, and exits when stdin closes (its parent died or stopped it) or on SIGTERM.

Mounts: /main (width x height) and /sub (subWidth x subHeight), both `fps` frames/s with a key frame
every `gop` frames. Frames are rendered only while someone watches (shared media per mount), so an idle
simulator costs almost nothing. Snapshot: GET /snapshot.jpg[?profile=sub]. RTSP and snapshot both ask
for the camera's credentials (Basic or Digest), like real cameras.
"""

from __future__ import annotations

import base64
import io
import json
import os
import signal
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import gi

gi.require_version('Gst', '1.0')
gi.require_version('GstRtsp', '1.0')
gi.require_version('GstRtspServer', '1.0')
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402
from PIL import Image  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from scene import scene_from_json  # noqa: E402


class Mount:
    """A shared RTSP media fed by appsrc; frames are pushed only while the media is prepared."""

    def __init__(self, width: int, height: int, fps: int, gop: int, bitrate_kbps: int):
        self.width, self.height, self.fps = width, height, fps
        self.sources: list[Gst.Element] = []
        self.factory = GstRtspServer.RTSPMediaFactory()
        # sliced-threads=false: the field-notes trap (zerolatency sliced threads + SPS/PPS repetition
        # makes ffmpeg decode corrupt frames). config-interval=-1 repeats SPS/PPS with every IDR, so a
        # second viewer joining the shared media decodes at the next key frame (gop frames).
        launch = (
            f'( appsrc name=src is-live=true do-timestamp=true format=time block=false '
            f'caps=video/x-raw,format=RGB,width={width},height={height},framerate={fps}/1 '
            f'! queue max-size-buffers=2 leaky=downstream ! videoconvert ! video/x-raw,format=I420 '
            f'! x264enc tune=zerolatency speed-preset=ultrafast threads=1 sliced-threads=false '
            f'key-int-max={gop} bitrate={bitrate_kbps} '
            f'! video/x-h264,profile=constrained-baseline '
            f'! rtph264pay name=pay0 pt=96 config-interval=-1 )'
        )
        self.factory.set_launch(launch)
        self.factory.set_shared(True)
        self.factory.connect('media-configure', self._on_configure)

    def _on_configure(self, _factory, media):
        element = media.get_element()
        src = element.get_by_name_recurse_up('src')
        self.sources.append(src)
        media.connect('unprepared', lambda _m: self.sources.remove(src) if src in self.sources else None)

    def push(self, rgb: bytes) -> None:
        for src in list(self.sources):
            src.emit('push-buffer', Gst.Buffer.new_wrapped(rgb))


def main() -> None:
    spec = json.loads(sys.stdin.readline())
    Gst.init(None)
    host = spec.get('host', '127.0.0.1')
    user, password = spec['username'], spec['password']
    width, height = int(spec.get('width', 640)), int(spec.get('height', 360))
    sub_w, sub_h = int(spec.get('subWidth', 320)), int(spec.get('subHeight', 180))
    fps, gop = int(spec.get('fps', 5)), int(spec.get('gop', 5))
    started_at = float(spec.get('startedAtMs', time.time() * 1000)) / 1000.0
    scene = scene_from_json({**spec.get('scene', {}), 'width': width, 'height': height})
    scene_lock = threading.Lock()

    def scene_time() -> float:
        return time.time() - started_at

    def render(w: int, h: int):
        with scene_lock:
            return scene.render(scene_time(), w, h)

    # RTSP -------------------------------------------------------------------------------------------
    server = GstRtspServer.RTSPServer()
    server.set_address(host)
    server.set_service(str(int(spec.get('rtspPort', 0))))
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string('media.factory.role', 'viewer')
    auth.add_digest(user, password, token)
    auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)  # an enum in this binding: one method
    server.set_auth(auth)

    mounts = {
        '/main': Mount(width, height, fps, gop, int(spec.get('mainBitrateKbps', 600))),
        '/sub': Mount(sub_w, sub_h, fps, gop, int(spec.get('subBitrateKbps', 200))),
    }
    for path, mount in mounts.items():
        permissions = GstRtspServer.RTSPPermissions.new()
        permissions.add_permission_for_role('viewer', 'media.factory.access', True)
        permissions.add_permission_for_role('viewer', 'media.factory.construct', True)
        mount.factory.set_permissions(permissions)
        server.get_mount_points().add_factory(path, mount.factory)
    if server.attach(None) == 0:
        raise SystemExit(f'cannot listen for RTSP on {host}:{spec.get("rtspPort", 0)}')
    rtsp_port = server.get_bound_port()

    def tick() -> bool:
        for mount in mounts.values():
            if mount.sources:
                mount.push(render(mount.width, mount.height).tobytes())
        return True

    GLib.timeout_add(int(1000 / fps), tick)

    # Snapshot ---------------------------------------------------------------------------------------
    expected = 'Basic ' + base64.b64encode(f'{user}:{password}'.encode()).decode()

    class Snapshot(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server naming)
            url = urlparse(self.path)
            if url.path != '/snapshot.jpg':
                self.send_error(404)
                return
            if self.headers.get('Authorization') != expected:
                self.send_response(401)
                self.send_header('WWW-Authenticate', 'Basic realm="lookout-sim-camera"')
                self.send_header('Content-Length', '0')
                self.end_headers()
                return
            small = parse_qs(url.query).get('profile', ['main'])[0] == 'sub'
            frame = render(sub_w, sub_h) if small else render(width, height)
            out = io.BytesIO()
            Image.fromarray(frame).save(out, format='JPEG', quality=85)
            body = out.getvalue()
            self.send_response(200)
            self.send_header('Content-Type', 'image/jpeg')
            self.send_header('Content-Length', str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_args):
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    ThreadingHTTPServer.daemon_threads = True
    http = ThreadingHTTPServer((host, int(spec.get('snapshotPort', 0))), Snapshot)
    threading.Thread(target=http.serve_forever, daemon=True).start()

    loop = GLib.MainLoop()

    def watch_stdin() -> None:
        sys.stdin.read()  # returns at EOF: the parent closed the pipe or died
        GLib.idle_add(loop.quit)

    threading.Thread(target=watch_stdin, daemon=True).start()
    signal.signal(signal.SIGTERM, lambda *_: GLib.idle_add(loop.quit))
    print(json.dumps({'event': 'ready', 'rtspPort': rtsp_port, 'snapshotPort': http.server_address[1]}), flush=True)
    loop.run()
    http.shutdown()


if __name__ == '__main__':
    main()
