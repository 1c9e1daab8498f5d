#!/usr/bin/env python3
"""The innermost multiply-accumulate loop of a disassembled AArch64 kernel: its instructions, the
multiply-accumulates they do and the loads they need (see benchmarks/ARM.md).

    aarch64-linux-gnu-objdump -d --no-show-raw-insn KERNEL.o > kernel.s
    python3 benchmarks/arm_inner_loop.py kernel.s [FIRST_ADDRESS LAST_ADDRESS] [--mca]

The address range narrows the search to one function of a stripped library. --mca prints the loop
instead, as an llvm-mca input (its branch back turned into one to a label).
"""
import re
import sys
from collections import Counter

# Multiply-accumulates per instruction.
MACS = {'smlal': 4, 'smlal2': 4, 'sdot': 16, 'smmla': 32, 'smull': 4, 'smull2': 4, 'sadalp': 0}
mca = '--mca' in sys.argv
argv = [a for a in sys.argv[1:] if a != '--mca']
ins = []
for l in open(argv[0]):
    m = re.match(r'\s*([0-9a-f]+):\s+(\S+)\s*(.*)', l)
    if m: ins.append((int(m.group(1), 16), m.group(2), m.group(3)))
if len(argv) > 2:
    lo, hi = int(argv[1], 16), int(argv[2], 16)
    ins = [x for x in ins if lo <= x[0] <= hi]
best = None
for a, op, args in ins:
    if op.startswith('b.') or op in ('b', 'cbnz', 'cbz', 'tbnz', 'tbz'):
        t = re.search(r'([0-9a-f]+) <', args) or re.match(r'([0-9a-f]+)', args)
        if not t: continue
        tgt = int(t.group(1), 16)
        if tgt >= a: continue
        body = [x for x in ins if tgt <= x[0] <= a]
        # A block that jumps away unconditionally (code laid out after a loop) is not a loop.
        if any(x[1] in ('b', 'br', 'ret') for x in body[:-1]): continue
        c = Counter(x[1] for x in body)
        macs = sum(MACS.get(k, 0) * v for k, v in c.items())
        if macs and (best is None or len(body) < len(best[0])): best = (body, c, macs)
body, c, macs = best
if mca:
    print('loop:')
    for _, op, operands in body[:-1]: print(f'  {op} {operands.split("//")[0].strip()}')
    print(f'  {body[-1][1]} loop')
    sys.exit()
loads = sum(v for k, v in c.items() if k.startswith('ld'))
print(f"{len(body)} instructions, {macs} MACs ({', '.join(f'{v} {k}' for k, v in c.items() if k in MACS)}), "
      f"{loads} loads: {macs / len(body):.1f} MAC/instruction, {loads / macs:.4f} loads/MAC")
