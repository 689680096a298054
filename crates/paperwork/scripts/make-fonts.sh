#!/usr/bin/env bash
# Remakes the bundled document fonts in crates/paperwork/fonts/ from Noto Serif CJK SC
# (SIL OFL 1.1, fonts/OFL.txt):
#   FengqiaoSerif-GBK.otf        Regular, every character GBK encodes (body, 3号): names and
#                                addresses need more than GB2312's 6,763 hanzi.
#   FengqiaoSerifBold-GB2312.otf Bold, GB2312 only (titles, 2号 小标宋 style, and the issuing
#                                unit's header): wording the county writes; a character it
#                                lacks falls back to the body font.
# Subroutines are kept (smaller files; krilla's subsetter reads CFF as it is).
#
# For maintainers; CI uses the committed fonts. Needs:
#   apt-get install -y fonts-noto-cjk fonts-noto-cjk-extra   (the source fonts)
#   pip install fonttools                                     (pyftsubset)
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${NOTO_CJK_DIR:-/usr/share/fonts/opentype/noto}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for f in NotoSerifCJK-Regular.ttc NotoSerifCJK-Bold.ttc; do
    [ -r "$dir/$f" ] || { echo "source font $dir/$f missing: apt-get install -y fonts-noto-cjk" >&2; exit 1; }
done
command -v pyftsubset >/dev/null || { echo "pyftsubset missing: pip install fonttools" >&2; exit 1; }

# The character sets: every BMP character the codec encodes, plus ASCII and Latin-1.
python3 - "$tmp" <<'PY'
import sys, os
for codec in ("gbk", "gb2312"):
    out = []
    for cp in range(0x20, 0x10000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        ch = chr(cp)
        if cp < 0x100:
            out.append(ch)
            continue
        try:
            ch.encode(codec)
            out.append(ch)
        except UnicodeEncodeError:
            pass
    # 〔〕 frame document numbers (GB/T 9704 7.2.4); both are in GBK, named here so a
    # GB2312-only title font still has them.
    out.extend("〔〕")
    open(os.path.join(sys.argv[1], codec + ".txt"), "w", encoding="utf-8").write("".join(sorted(set(out))))
PY

# Face 2 of each collection is Simplified Chinese. The subsets get their own family names,
# as the OFL asks of modified versions.
make() { # source chars output family psname
    pyftsubset "$dir/$1" --font-number=2 --text-file="$tmp/$2.txt" --layout-features='*' \
        --no-hinting --name-IDs='*' --output-file="$tmp/out.otf"
    python3 - "$tmp/out.otf" "$4" "$5" <<'PY'
import sys
from fontTools.ttLib import TTFont
path, family, ps = sys.argv[1:4]
f = TTFont(path)
for rec in f["name"].names:
    if rec.nameID in (1, 3, 4, 6, 16):
        text = rec.toUnicode()
        text = text.replace("Noto Serif CJK SC", family).replace("NotoSerifCJKsc", ps)
        rec.string = text
f.save(path)
PY
    mv "$tmp/out.otf" "fonts/$3"
    ls -l "fonts/$3"
}
make NotoSerifCJK-Regular.ttc gbk FengqiaoSerif-GBK.otf "Fengqiao Serif GBK" FengqiaoSerifGBK
make NotoSerifCJK-Bold.ttc gb2312 FengqiaoSerifBold-GB2312.otf "Fengqiao Serif Bold GB2312" FengqiaoSerifBoldGB2312
