#!/usr/bin/env bash
# Remakes the README's renders of three documents (docs/paperwork/*.png): issued with the
# `fengqiao` binary on a fresh demo county, typeset again by `doc render`, then rasterised
# by poppler's pdftoppm at 100 dpi (A4 = 827 × 1170). Run from the repository root after
# `cargo build --bins`; FENGQIAO overrides the binary.
set -euo pipefail
fq="${FENGQIAO:-${CARGO_TARGET_DIR:-target}/debug/fengqiao}"
out=docs/paperwork
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
F() { "$fq" --data-dir "$work/data" "$@"; }
F demo --cases 20 --seed 3 >/dev/null
township=$(F case list --json | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["township"])')
today=$(date +%F)
# A township received the item directly (another organ, 第二十三条): accepted, then answered.
case=$(F case add --json --township "$township" --name 欧阳娜娜 --phone 13800000000 \
    --address "${township}山门村三组" --request "要求修复村口被山洪冲毁的灌溉水渠，保障春耕用水" \
    --facts "去年七月山洪冲毁水渠约两百米，至今未修复" --route 信访诉求 \
    --received-by "$township" | python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])')
F case set "$case" lead_unit 宁国市水利局 >/dev/null
F doc issue "$case" registration-form --date "$today" --out "$work/registration-form.pdf" >/dev/null
F doc issue "$case" acceptance-notice --date "$today" >/dev/null
F doc issue "$case" handling-opinion --date "$today" --field reply=支持 \
    --field "findings=经现场核查，该段水渠于去年七月被山洪冲毁，长约210米，影响灌溉面积42亩，属实" \
    --field "basis=《中华人民共和国水法》第四十二条" --field review_body=宁国市人民政府 \
    --out "$work/handling-opinion.pdf" >/dev/null
# An item a court has already decided: not accepted, and told where to go (第二十三条第一款).
other=$(F case add --json --township "$township" --name 张三 --address "${township}西村3组" \
    --request "请求撤销人民法院就宅基地纠纷作出的生效判决" --received-by "$township" \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["number"])')
F doc issue "$other" non-acceptance-notice --date "$today" \
    --field "reason=该事项已经人民法院生效判决处理，属于应当通过诉讼程序解决的事项" \
    --field "redirect=依照《中华人民共和国民事诉讼法》的规定向上一级人民法院申请再审" \
    --out "$work/non-acceptance-notice.pdf" >/dev/null
mkdir -p "$out"
for kind in registration-form handling-opinion non-acceptance-notice; do
    pdftoppm -png -r 100 -f 1 -l 1 -singlefile "$work/$kind.pdf" "$out/$kind"
    echo "$out/$kind.png"
done
