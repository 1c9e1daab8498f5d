#!/usr/bin/env python3
"""The innermost multiply-accumulate loop of a disassembled AArch64 or 32-bit ARM (NEON) kernel: its
instructions, the multiply-accumulates they do and the loads they need (see benchmarks/ARM.md).

    aarch64-linux-gnu-objdump -d --no-show-raw-insn KERNEL.o > kernel.s
    (or arm-linux-gnueabihf-objdump for 32-bit ARM)
    python3 benchmarks/arm_inner_loop.py kernel.s [FIRST_ADDRESS LAST_ADDRESS] [--mca]

The address range narrows the search to one function of a stripped library. --mca prints the loop
instead, as an llvm-mca input (its branch back turned into one to a label).
"""
import re
import sys
from collections import Counter

# Multiply-accumulates per instruction (32-bit ARM mnemonics carry their element type; a 16-bit
# multiply fills four 32-bit lanes, an 8-bit one eight 16-bit lanes).
MACS = {'smlal': 4, 'smlal2': 4, 'sdot': 16, 'smmla': 32, 'smull': 4, 'smull2': 4, 'sadalp': 0,
        'vmlal.s16': 4, 'vmull.s16': 4, 'vmlal.s8': 8, 'vmull.s8': 8, 'vpadal.s16': 0}
# Branches: AArch64 b, b.cond, cbz/cbnz and tbz/tbnz; 32-bit ARM b and bcond (bne, bhi, ...).
BRANCH = re.compile(r'b(\.?(eq|ne|cs|hs|cc|lo|mi|pl|vs|vc|hi|ls|ge|lt|gt|le))?|cbn?z|tbn?z')
mca = '--mca' in sys.argv
argv = [a for a in sys.argv[1:] if a != '--mca']
ins = []
for l in open(argv[0]):
    m = re.match(r'\s*([0-9a-f]+):\s+(\S+)\s*(.*)', l)
    # Thumb-2 marks instruction widths (bne.n, add.w); they do not change what is counted.
    if m: ins.append((int(m.group(1), 16), re.sub(r'\.[nw]$', '', m.group(2)), m.group(3)))
if len(argv) > 2:
    lo, hi = int(argv[1], 16), int(argv[2], 16)
    ins = [x for x in ins if lo <= x[0] <= hi]
best = None
for a, op, args in ins:
    if BRANCH.fullmatch(op):
        t = re.search(r'([0-9a-f]+) <', args) or re.match(r'([0-9a-f]+)', args)
        if not t: continue
        tgt = int(t.group(1), 16)
        if tgt >= a: continue
        body = [x for x in ins if tgt <= x[0] <= a]
        # A block that jumps away unconditionally (code laid out after a loop) is not a loop.
        if any(x[1] in ('b', 'br', 'ret', 'bx') for x in body[:-1]): continue
        c = Counter(x[1] for x in body)
        macs = sum(MACS.get(k, 0) * v for k, v in c.items())
        if macs and (best is None or len(body) < len(best[0])): best = (body, c, macs)
body, c, macs = best
if mca:
    print('loop:')
    for _, op, operands in body[:-1]: print(f'  {op} {operands.split("//")[0].strip()}')
    print(f'  {body[-1][1]} loop')
    sys.exit()
loads = sum(v for k, v in c.items() if k.startswith(('ld', 'vld')))
print(f"{len(body)} instructions, {macs} MACs ({', '.join(f'{v} {k}' for k, v in c.items() if k in MACS)}), "
      f"{loads} loads: {macs / len(body):.1f} MAC/instruction, {loads / macs:.4f} loads/MAC")
