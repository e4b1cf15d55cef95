import re, sys, json
src = open('/work/main/mm/tests/rmap_lazyfree_batch_kunit.c').read().split('\n')
# blocks: split at blank lines at depth 0
blocks = []
cur = []
depth = 0
start = 1
for n, line in enumerate(src, 1):
    if line.strip() == '' and depth == 0:
        if cur:
            blocks.append((start, cur))
        cur = []
        start = n + 1
        continue
    if not cur:
        start = n
    cur.append(line)
    # crude depth: ignore braces in strings/comments roughly
    code = re.sub(r'"([^"\\]|\\.)*"', '""', line)
    code = re.sub(r"'([^'\\]|\\.)*'", "''", code)
    code = re.sub(r'/\*.*?\*/', '', code)
    if code.lstrip().startswith('*') or code.lstrip().startswith('/*'):
        continue
    depth += code.count('{') - code.count('}')
if cur:
    blocks.append((start, cur))
out = []
for start, lines in blocks:
    text = '\n'.join(lines)
    name = None
    body = [l for l in lines if not l.lstrip().startswith(('/*', '*', '*/'))]
    b = '\n'.join(body)
    m = re.search(r'^(?:static\s+)?(?:const\s+)?(?:struct|enum)\s+(\w+)\s*\{', b, re.M)
    if m: name = ('type', m.group(1))
    if not name:
        m = re.search(r'^[a-z].*?\b(\w+)\s*\((?!\*)', b, re.M)
        if m and not b.startswith('#'): name = ('func', m.group(1))
    if not name:
        m = re.search(r'^(?:static\s+)?(?:const\s+)?(?:struct\s+\w+\s+|enum\s+\w+\s+|char\s*\*\s*|unsigned int\s+|.*?\s)\**(\w+)(\[\])?\s*(=|;)', b, re.M)
        if m: name = ('var', m.group(1))
    if not name:
        name = ('other', b.split('\n')[0][:40] if b else text.split('\n')[0][:40])
    out.append(dict(start=start, end=start+len(lines)-1, kind=name[0], name=name[1]))
json.dump(out, open('/tmp/split/blocks.json','w'), indent=0)
for o in out:
    print(o['start'], o['end'], o['kind'], o['name'])
