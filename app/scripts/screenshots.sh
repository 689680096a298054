#!/usr/bin/env bash
# Runs the real app under Xvfb on a fresh data directory and saves what a new user sees:
# the first start while the demo county is made, then every view and a case page — in
# Chinese and in English, at 1366×768 (a township laptop) and 1920×1080 (an office screen);
# then the 导访 kiosk's screens (Chinese only, 1366×768).
# (The app's own egui screenshot, `fengqiao-app --screenshots DIR`; see src/screenshots.rs.)
#
#   app/scripts/screenshots.sh [OUT_DIR]        # default: docs/screenshots
#
# Writes OUT_DIR/<W>x<H>/<zh|en>/<nn>-<view>.png and OUT_DIR/kiosk-<n>-<screen>.png.
# Needs: apt-get install -y xvfb (and, for the GL renderer under Xvfb, Mesa's llvmpipe, which
# Debian's libgl1-mesa-dri provides); pngquant, if installed, makes the files a quarter the
# size. No network is used: the app works fully offline. PROFILE=release for a faster run.
set -euo pipefail
cd "$(dirname "$0")/../.."

out="${1:-docs/screenshots}"
profile="${PROFILE:-dev}"
command -v xvfb-run >/dev/null || { echo "xvfb-run missing: apt-get install -y xvfb" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
touch "$work/started"
mkdir -p "$out" "$work/xdg-runtime"
chmod 700 "$work/xdg-runtime"

cargo build --profile "$profile" -p fengqiao-app
target="${CARGO_TARGET_DIR:-target}"
bin_dir=$([ "$profile" = dev ] && echo debug || echo "$profile")
app="$target/$bin_dir/fengqiao-app"

# Each size and language: a fresh data directory (the demo county is made) and fresh window
# settings.
run() { # SIZE LANG DATA OUT [ARGS…]
    local size=$1 lang=$2 data=$3 dir=$4
    shift 4
    mkdir -p "$dir" "$data"
    FENGQIAO_DATA_DIR="$data/data" XDG_DATA_HOME="$data/xdg-data" \
        XDG_RUNTIME_DIR="$work/xdg-runtime" \
        timeout 900 xvfb-run -a -s "-screen 0 ${size}x24" \
        "$app" --lang "$lang" --size "$size" --screenshots "$(realpath "$dir")" "$@"
}

for size in 1366x768 1920x1080; do
    for lang in zh en; do
        run "$size" "$lang" "$work/$size-$lang" "$out/$size/$lang"
    done
done
# The 导访 kiosk on the first run's county: its start, a search, a route and the form.
run 1366x768 zh "$work/1366x768-zh" "$out" --kiosk

if command -v pngquant >/dev/null; then
    find "$out" -name '*.png' -newer "$work/started" -print0 |
        xargs -0 -r pngquant --force --skip-if-larger --ext .png --quality 80-95
fi
find "$out" -name '*.png' -newer "$work/started" | sort
