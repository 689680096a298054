#!/usr/bin/env bash
# Runs the real app under Xvfb on a fresh demo county and saves a screenshot of every view,
# then of the 导访 kiosk's screens
# (the app's own egui screenshot, `fengqiao-app --screenshots DIR`; see src/screenshots.rs).
#
#   app/scripts/screenshots.sh [OUT_DIR]        # default: docs/screenshots
#
# Needs: apt-get install -y xvfb (and, for the GL renderer under Xvfb, Mesa's llvmpipe, which
# Debian's libgl1-mesa-dri provides). No network is used: the app works fully offline.
set -euo pipefail
cd "$(dirname "$0")/../.."

out="${1:-docs/screenshots}"
profile="${PROFILE:-dev}"
command -v xvfb-run >/dev/null || { echo "xvfb-run missing: apt-get install -y xvfb" >&2; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out" "$work/xdg-runtime" "$work/xdg-data"
chmod 700 "$work/xdg-runtime"

cargo build --profile "$profile" -p fengqiao-app
target="${CARGO_TARGET_DIR:-target}"
bin_dir=$([ "$profile" = dev ] && echo debug || echo "$profile")

# A fresh data directory (the demo county is created) and fresh window settings.
FENGQIAO_DATA_DIR="$work/data" XDG_DATA_HOME="$work/xdg-data" XDG_RUNTIME_DIR="$work/xdg-runtime" \
    timeout 600 xvfb-run -a -s "-screen 0 1280x800x24" \
    "$target/$bin_dir/fengqiao-app" --screenshots "$(realpath "$out")"
# The 导访 kiosk on the same county: its start, a search, a route and the form.
FENGQIAO_DATA_DIR="$work/data" XDG_DATA_HOME="$work/xdg-data" XDG_RUNTIME_DIR="$work/xdg-runtime" \
    timeout 300 xvfb-run -a -s "-screen 0 1280x800x24" \
    "$target/$bin_dir/fengqiao-app" --kiosk --screenshots "$(realpath "$out")"
ls -l "$out"
