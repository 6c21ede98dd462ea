#!/usr/bin/env bash
# Renders salesdojo.svg to the PNG sizes the desktop icon theme and the window use.
# Needs rsvg-convert (Debian: librsvg2-bin). The PNGs are committed; run this after editing
# the SVG.
set -euo pipefail
cd "$(dirname "$0")"
for size in 16 24 32 48 64 128 256 512; do
  rsvg-convert -w "$size" -h "$size" salesdojo.svg -o "salesdojo-$size.png"
done
