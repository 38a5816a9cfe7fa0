#!/usr/bin/env bash
# Install the Debian packages the tests drive for real, when they are missing:
# PostgreSQL (server binaries for a throw-away cluster), Chromium (browser tests),
# GStreamer's RTSP server with its Python bindings for Debian's /usr/bin/python3
# (the test cameras, tests/support/rtsp_camera_server.py), ffmpeg (the benchmark's
# `ffmpeg -c copy` baseline), nats-server (the cluster's event bus) and Node with npm (the browser code's lint and tests).
set -euo pipefail

missing=()
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null || missing+=(postgresql)
command -v chromium >/dev/null || missing+=(chromium)
# Fonts so screenshots show text the way people see it.
[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing+=(fonts-dejavu-core)
# Test cameras: GI bindings for Debian's python3, the RTSP server library and the elements of
# `appsrc ! h264parse|h265parse ! rtph264pay|rtph265pay` (base: appsrc; bad: parsers; good: payloaders).
/usr/bin/python3 -c "import gi" 2>/dev/null || missing+=(python3-gi)
compgen -G "/usr/lib/*/girepository-1.0/GstRtspServer-1.0.typelib" >/dev/null || missing+=(gir1.2-gst-rtsp-server-1.0)
compgen -G "/usr/lib/*/girepository-1.0/Gst-1.0.typelib" >/dev/null || missing+=(gir1.2-gstreamer-1.0)
compgen -G "/usr/lib/*/gstreamer-1.0/libgstapp.so" >/dev/null || missing+=(gstreamer1.0-plugins-base)
compgen -G "/usr/lib/*/gstreamer-1.0/libgstrtp.so" >/dev/null || missing+=(gstreamer1.0-plugins-good)
compgen -G "/usr/lib/*/gstreamer-1.0/libgstvideoparsersbad.so" >/dev/null || missing+=(gstreamer1.0-plugins-bad)
command -v ffmpeg >/dev/null || missing+=(ffmpeg)
# NATS with JetStream: the event bus of a cluster (tests/support/nats.py).
command -v nats-server >/dev/null || missing+=(nats-server)
# pdftoppm renders the annual report's PDF to pictures (tests/transparency, tests/e2e).
command -v pdftoppm >/dev/null || missing+=(poppler-utils)
# Node for the browser code's tools (eslint, axe-core through npm ci) and tests (node --test).
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
echo "installing test dependencies: ${missing[*]}"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "install-test-deps: need root to install ${missing[*]} (apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
