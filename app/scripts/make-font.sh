#!/usr/bin/env bash
# Remakes app/assets/fonts/FengqiaoSans-GBK.otf: Noto Sans CJK SC (SIL OFL 1.1) cut down to
# every character GBK encodes (its 21,003 hanzi incl. the 20,902 of U+4E00–U+9FA5, symbols,
# punctuation, full-width forms) plus printable ASCII and the Latin-1 letters in names.
#
# For maintainers; CI uses the committed font. Needs:
#   apt-get install -y fonts-noto-cjk      (the source font)
#   pip install fonttools                  (pyftsubset)
set -euo pipefail
cd "$(dirname "$0")/.."

src="${NOTO_CJK_TTC:-/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc}"
out=assets/fonts/FengqiaoSans-GBK.otf
chars=$(mktemp)
trap 'rm -f "$chars"' EXIT

[ -r "$src" ] || { echo "source font $src missing: apt-get install -y fonts-noto-cjk" >&2; exit 1; }
command -v pyftsubset >/dev/null || { echo "pyftsubset missing: pip install fonttools" >&2; exit 1; }

# Every BMP character the GBK codec encodes, plus ASCII and Latin-1 (names on ID cards).
python3 - "$chars" <<'PY'
import sys
out = []
for cp in range(0x20, 0x10000):
    ch = chr(cp)
    if 0xD800 <= cp <= 0xDFFF:
        continue
    if cp < 0x100:
        out.append(ch)
        continue
    try:
        ch.encode("gbk")
        out.append(ch)
    except UnicodeEncodeError:
        pass
# The characters the UI draws that GBK lacks (arrows, check marks, ellipsis variants).
out.extend("←→↑↓✓✗…·—–•●○◆◇▲▼△▽")
open(sys.argv[1], "w", encoding="utf-8").write("".join(sorted(set(out))))
print(f"{len(set(out))} characters", file=sys.stderr)
PY

# Face 2 of the collection is Simplified Chinese (SC). The subset gets its own family name,
# as the OFL asks of modified versions ("Noto" is not a Reserved Font Name, but a distinct
# name keeps the bundled subset apart from an installed full font).
pyftsubset "$src" --font-number=2 --text-file="$chars" --layout-features='*' \
    --no-hinting --desubroutinize --name-IDs='*' --output-file="$out.tmp"
python3 - "$out.tmp" <<'PY'
import sys
from fontTools.ttLib import TTFont
f = TTFont(sys.argv[1])
for rec in f["name"].names:
    if rec.nameID in (1, 3, 4, 6, 16):
        text = rec.toUnicode()
        text = text.replace("Noto Sans CJK SC", "Fengqiao Sans GBK").replace("NotoSansCJKsc", "FengqiaoSansGBK")
        rec.string = text
f.save(sys.argv[1])
PY
mv "$out.tmp" "$out"
ls -l "$out"
