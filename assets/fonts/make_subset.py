#!/usr/bin/env python3
"""Builds assets/fonts/NotoSansSC-subset.otf, the bundled Chinese font.

The subset holds all 6 763 GB2312 characters (level 1, the common ones, and level 2, which
has many characters of personal names: trainees type their own names), ASCII, Latin-1,
general and CJK punctuation, full-width forms, and every character used by the bundled
playbooks, personas, scripts and the desktop app's source (its UI strings). tests/fonts.rs
checks that coverage; run this again when it fails:

    apt-get install -y fonts-noto-cjk && pip install fonttools
    python3 assets/fonts/make_subset.py

Source: Noto Sans CJK SC Regular (face 2 of NotoSansCJK-Regular.ttc), SIL Open Font Licence
1.1 (OFL.txt beside this file).
"""
import pathlib
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
SOURCE = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
OUT = ROOT / "assets/fonts/NotoSansSC-subset.otf"


def gb2312():
    chars = []
    for hi in range(0xB0, 0xF8):  # rows 16-55: level 1 (by pinyin); rows 56-87: level 2
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass
    return chars


def used_chars():
    files = []
    for pattern in ("playbooks/*.yaml", "scripts/*.rhai", "src/gui/**/*.rs", "src/playbook/*.rs",
                    "src/practice/*.rs", "src/store/*.rs", "src/demo.rs"):
        files.extend(ROOT.glob(pattern))
    text = "".join(f.read_text(encoding="utf-8") for f in sorted(files))
    return {c for c in text if ord(c) > 0x7F}


def name_chars():
    text = (ROOT / "assets/fonts/name-chars.txt").read_text(encoding="utf-8")
    return {c for line in text.splitlines() if not line.startswith("#") for c in line.strip()}


def main():
    chars = set(chr(c) for c in range(0x20, 0x7F))
    chars |= set(chr(c) for c in range(0xA0, 0x100))
    chars |= set(chr(c) for c in range(0x2000, 0x2070))  # general punctuation
    chars |= set(chr(c) for c in range(0x2190, 0x2200))  # arrows
    chars |= set(chr(c) for c in range(0x2460, 0x24FF))  # circled numbers
    chars |= set(chr(c) for c in range(0x2500, 0x2600))  # box drawing, blocks, shapes
    chars |= set(chr(c) for c in range(0x2600, 0x27C0))  # symbols (★ ⚠), dingbats (✓)
    chars |= set(chr(c) for c in range(0x3000, 0x3040))  # CJK punctuation
    chars |= set(chr(c) for c in range(0xFF00, 0xFFF0))  # full-width forms
    chars |= set(gb2312())
    chars |= used_chars()
    chars |= name_chars()
    listing = ROOT / "target/font-chars.txt"
    listing.parent.mkdir(exist_ok=True)
    listing.write_text("".join(sorted(chars)), encoding="utf-8")
    subprocess.run([
        "pyftsubset", SOURCE, "--font-number=2", f"--text-file={listing}",
        "--layout-features=", "--no-hinting", "--desubroutinize",
        f"--output-file={OUT}",
    ], check=True)
    print(f"{OUT.relative_to(ROOT)}: {len(chars)} characters requested, {OUT.stat().st_size} bytes")


if __name__ == "__main__":
    sys.exit(main())
