import re, json
SRC = '/work/main/mm/tests/rmap_lazyfree_batch_kunit.c'
src = open(SRC).read().split('\n')
blocks = json.load(open('/tmp/split/blocks.json'))
def text(b): return '\n'.join(src[b['start']-1:b['end']])
def find(start): 
    for b in blocks:
        if b['start'] == start: return b
    raise KeyError(start)
# assignment by ranges of start lines: (lo, hi, file)
R = [
 (561, 609, 'mm'), (753, 826, 'mm'),
 (527, 559, 'fixture'), (611, 751, 'fixture'), (828, 1133, 'fixture'),
 (1135, 1304, 'fault'),
 (1306, 1354, 'fixture'), (1362, 1509, 'fixture'),
 (1511, 1773, 'canary'),
 (1775, 1858, 'scenarios'),
 (1860, 2031, 'model'),
 (2033, 2625, 'check'),
 (2627, 2827, 'repair'),
 (245, 285, 'scenarios'), (148, 181, 'scenarios'),
 (2829, 3102, 'scenarios'), (3104, 3166, 'model'), (3168, 3281, 'scenarios'),
 (3283, 3343, 'fault'),
 (3345, 3602, 'random'), (3604, 3610, 'model'), (3612, 3625, 'random'), (3627, 3754, 'model'), (3756, 3826, 'random'),
 (3830, 3883, 'set_ptes'),
 (3885, 4258, 'scenarios'),
 (4260, 4268, 'random'),
 (4270, 4569, 'fault'),
 (369, 405, 'fault'),
 (114, 146, 'hdr'), (183, 243, 'hdr'), (287, 367, 'hdr'), (407, 523, 'hdr'),
]
skip = {1356}  # forward declaration
files = {}
for b in blocks:
    if b['start'] in skip: continue
    for lo, hi, f in R:
        if lo <= b['start'] <= hi:
            files.setdefault(f, []).append(b)
            break
assigned = {id(b) for f in files.values() for b in f}
for b in blocks:
    if id(b) not in assigned and b['start'] not in skip:
        print('UNASSIGNED', b['start'], b['end'], b['kind'], b['name'])
for f, bs in files.items():
    print(f, sum(b['end']-b['start']+2 for b in bs))
json.dump({f: [(b['start'], b['end'], b['kind'], b['name']) for b in bs] for f, bs in files.items()}, open('/tmp/split/assign.json', 'w'))

# ---- build file bodies
order = ['mm','set_ptes','fixture','repair','canary','model','check','scenarios','random','fault']
bodies = {f: [text(b) for b in files[f]] for f in order}
defs = {}
for f in order:
    for b in files[f]:
        if b['kind'] in ('func','var') and b['name'] not in ('fx','regs','item','slot'):
            defs[b['name']] = f
# fix odd names
for f in order:
    for b in files[f]:
        t = text(b)
        m = re.search(r'^(?:static )?struct lazyfree_fixture \*\n(\w+)\(', t, re.M)
        if m: defs[m.group(1)] = f; b['name'] = m.group(1); b['kind']='func'
defs['lazyfree_read_mthp'] = 'check'; defs['lazyfree_mm_slot']='repair'; defs['lazyfree_mremap']='fault'
defs['lazyfree_folios_freed']='fixture'; defs['lazyfree_folios_split']='fixture'
def nocomment(t):
    t = re.sub(r'/\*.*?\*/', '', t, flags=re.S)
    return re.sub(r'//.*', '', t)
cross = {}
for name, f in defs.items():
    users = [g for g in order if g != f and re.search(r'\b%s\b' % name, nocomment('\n'.join(bodies[g])))]
    if users: cross[name] = (f, users)
cross.pop('lazyfree_random_layout', None); cross.pop('lazyfree_folios_freed', None); cross.pop('lazyfree_folios_split', None)
for n, (f, u) in sorted(cross.items(), key=lambda x: order.index(x[1][0])):
    print(f, n, u)
json.dump(cross, open('/tmp/split/cross.json','w'))

# ---- emit
import os
OUT = '/tmp/split/out'
os.makedirs(OUT, exist_ok=True)
def realign(lines, i):
    first = lines[i]
    if '(' not in first: return
    depth = first.count('(') - first.count(')')
    col = len(first[:first.index('(') + 1].expandtabs(8))
    j = i + 1
    while depth > 0 and j < len(lines):
        body = lines[j].lstrip()
        lines[j] = '\t' * (col // 8) + ' ' * (col % 8) + body
        depth += body.count('(') - body.count(')')
        j += 1

def destatic(t, name):
    # remove 'static ' from the definition line of name
    lines = t.split('\n')
    for i, l in enumerate(lines):
        if l.startswith('static ') and (re.search(r'\b%s\b' % name, l) or (i + 1 < len(lines) and lines[i+1].startswith(name + '('))):
            lines[i] = l[len('static '):]
            realign(lines, i)
            return '\n'.join(lines)
    raise Exception('no static def for ' + name)
def proto(t, name, kind):
    # signature up to ')' before '{' or ' = {'
    lines = [l for l in t.split('\n') if not l.lstrip().startswith(('/*', '*', '*/'))]
    code = '\n'.join(lines)
    if kind == 'func':
        m = re.search(r'^((?:static )?[^\n]*?\b%s\(.*?\))\n\{' % name, code, re.M | re.S)
        if not m:
            m = re.search(r'^((?:static )?[^\n]*\n%s\(.*?\))\n\{' % name, code, re.M | re.S)
        sig = m.group(1)
        if sig.startswith('static '): sig = sig[7:]
        sl = sig.split('\n'); realign(sl, 0); return '\n'.join(sl) + ';'
    m = re.search(r'^(?:static )?(.*?\b%s\b(\[\])?)\s*(=.*)?;' % name, code, re.M | re.S)
    if m:
        return 'extern ' + m.group(1) + ';'
    m = re.search(r'^(?:static )?(.*?\b%s\b(\[\])?)\s*= \{' % name, code, re.M)
    return 'extern ' + m.group(1) + ';'
protos = {f: [] for f in order}
out = {}
for f in order:
    parts = []
    for b in files[f]:
        t = text(b)
        if b['name'] in cross and cross[b['name']][0] == f:
            t = destatic(t, b['name'])
            protos[f].append(proto(t, b['name'], b['kind']))
        parts.append(t)
    out[f] = '\n\n'.join(parts) + '\n'
    open(os.path.join(OUT, f + '.body.c'), 'w').write(out[f])
    open(os.path.join(OUT, f + '.protos.h'), 'w').write('\n'.join(protos[f]) + '\n')
hdr = '\n\n'.join(text(b) for b in files['hdr']) + '\n'
open(os.path.join(OUT, 'hdr.body.h'), 'w').write(hdr)
