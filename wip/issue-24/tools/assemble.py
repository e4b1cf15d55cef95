import re, os
O = '/tmp/split/out'; N = '/tmp/split/new'
def rd(f): return open(os.path.join(O, f)).read()
def strip_banner(s):
    return re.sub(r'\A/\* =====[^\n]*===== \*/\n\n', '', s)
def cfile(name, comment, body, extra_inc='', tail=''):
    out = '// SPDX-License-Identifier: GPL-2.0\n/*\n' + comment.rstrip('\n') + '\n */\n\n'
    if extra_inc:
        out += extra_inc.rstrip('\n') + '\n\n'
    out += '#include "rmap_lazyfree_batch.h"\n\n' + body.rstrip('\n') + '\n'
    if tail:
        out += '\n' + tail.rstrip('\n') + '\n'
    open(os.path.join(N, 'rmap_lazyfree_batch_%s.c' % name), 'w').write(out)

cfile('mm', ''' * KUnit tests for batched unmap of lazyfree large folios: the user mm the
 * cases work in, and its page tables.''', rd('mm.body.c'))
cfile('set_ptes', ''' * KUnit test of set_ptes(): nr consecutive PTEs map nr consecutive PFNs.
 * The abort path of try_to_unmap_one() restores a batch of PTEs with
 * set_ptes(), and fork copies a large folio's PTEs with it.''', rd('set_ptes.body.c'))
cfile('fixture', ''' * KUnit tests for batched unmap of lazyfree large folios: the fixture, a
 * lazyfree large anonymous folio mapped in a layout of the test mm.''', rd('fixture.body.c'))
cfile('repair', ''' * KUnit tests for batched unmap of lazyfree large folios: what a failing
 * case leaves behind, repaired so that the kernel survives it.''', strip_banner(rd('repair.body.c')))
cfile('canary', ''' * KUnit tests for batched unmap of lazyfree large folios: the page-table
 * canary and the KASAN guard, which catch a batch that reads past its
 * limit.''', strip_banner(rd('canary.body.c')))
cfile('model', ''' * KUnit tests for batched unmap of lazyfree large folios: the model, the
 * end state a layout must reach, and the layouts' names.''', strip_banner(rd('model.body.c')))
cfile('check', ''' * KUnit tests for batched unmap of lazyfree large folios: the checks after
 * an unmap attempt.''', strip_banner(rd('check.body.c')))
cfile('scenarios', ''' * KUnit tests for batched unmap of lazyfree large folios: the scenario
 * table, through each entry point of reclaim.''', rd('scenarios.body.c'))
cfile('random', ''' * KUnit tests for batched unmap of lazyfree large folios: random layouts,
 * with the model as the oracle.''', strip_banner(rd('random.body.c')))
cfile('fault', ''' * KUnit tests for batched unmap of lazyfree large folios: folios the kernel
 * made itself, where it maps mTHP on a fault.''', rd('fault.body.c'),
      extra_inc='#include <linux/unistd.h>\n#include <asm/syscall.h>')

P = {f: rd(f + '.protos.h') for f in ['mm','fixture','repair','canary','model','check','scenarios']}
hdr = rd('hdr.body.h')
open(os.path.join(N, 'hdr-types.h'), 'w').write(hdr)
open(os.path.join(N, 'protos.txt'), 'w').write('\n'.join('/* %s */\n%s' % (k, v) for k, v in P.items()))
