#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check the CLI's JSON output captured in a guest console log.

The guest prints each command's stdout between "constats-json-begin NAME"
and "constats-json-end NAME STATUS".  Each block is parsed with Python's
json module and checked; prints one "ok"/"not ok" line per check.
"""
import json
import re
import sys


def blocks(log):
    out, name, lines = {}, None, []
    for line in log.splitlines():
        m = re.match(r'^constats-json-begin (\S+)$', line)
        if m:
            name, lines = m.group(1), []
            continue
        m = re.match(r'^constats-json-end (\S+) (\d+)$', line)
        if m and name == m.group(1):
            out[name] = ('\n'.join(lines), int(m.group(2)))
            name = None
            continue
        if name and not re.match(r'^\[ *\d+\.\d+\] ', line):  # kernel log
            lines.append(line)
    return out


def stress_ok(c):
    return (c['acct0'] + c['acct1'] + c['acct2'] + c['acct3'] == 0 and
            c['brackets'] == c['task'] + c['softirq'] + c['hardirq'] +
            c['nmi'])


def main():
    got = blocks(open(sys.argv[1], errors='replace').read())
    results = []

    def check(desc, fn):
        try:
            ok = bool(fn())
        except Exception as e:  # a parse error or a missing key fails
            print(f'# {desc}: {type(e).__name__}: {e}')
            ok = False
        results.append(ok)
        print(f'{"ok" if ok else "not ok"} {len(results)} - cli json: {desc}')

    def doc(name):
        text, status = got[name]
        return json.loads(text), status

    check('list is an array of {id, name, counters} with constats first',
          lambda: (lambda d: d[1] == 0 and d[0][0]['name'] == 'constats' and
                   all(set(s) == {'id', 'name', 'counters'} for s in d[0]))
          (doc('list')))
    check('show has every set, stress consistent',
          lambda: (lambda d: d[1] == 0 and
                   {'constats', 'stress'} <= {s['set'] for s in d[0]} and
                   all(stress_ok(s['counters']) for s in d[0]
                       if s['set'] == 'stress'))(doc('show')))
    check('pretty show parses, sets in the order asked',
          lambda: (lambda d: d[1] == 0 and '\n    ' in got['show_pretty'][0]
                   and [s['set'] for s in d[0]] == ['stress', 'constats'])
          (doc('show_pretty')))

    def watch():
        text, status = got['watch']
        reports = [json.loads(l) for l in text.splitlines() if l.strip()]
        first, rest = reports[0][0], [r[0] for r in reports[1:]]
        return (status == 0 and len(reports) == 3 and
                isinstance(first['counters']['task'], int) and
                all(r['generation'] > first['generation'] for r in rest) and
                all(r['counters']['brackets']['delta'] >= 0 and
                    'rate' in r['counters']['brackets'] and
                    r['interval_s'] > 0 for r in rest) and
                all(stress_ok({k: v['value'] for k, v in r['counters'].items()})
                    for r in rest))
    check('watch: 3 JSON lines, deltas and rates after the first', watch)
    check('unknown set: {"error": ...} and exit 1',
          lambda: (lambda d: d[1] == 1 and 'no_such_set' in d[0]['error'])
          (doc('error_no_set')))
    declared = {('irq', 'hardirq_exits <= hardirq_entries'),
                ('irq', 'softirq_exits <= softirq_entries'),
                ('sched', 'live == forks - exits')}
    check('check: the declared invariants, 5 snapshots, none violated',
          lambda: (lambda d: d[1] == 0 and
                   {(c['set'], c['invariant']) for c in d[0]} == declared and
                   all(c['declared'] is True and c['snapshots'] == 5 and
                       c['violations'] == 0 and 'first_violation' not in c
                       for c in d[0]))(doc('check')))

    def violated():
        d, status = doc('check_violated')
        bad = [c for c in d if c['violations']]
        v = bad[0]['first_violation'] if len(bad) == 1 else {}
        return (status == 4 and len(d) == 2 and
                bad[0]['invariant'] == 'forks < 0' and
                bad[0]['declared'] is False and
                set(v['counters']) == {'forks'} and
                v['counters']['forks'] >= 0 and v['generation'] > 0)
    check('check -e: the violated invariant with its values, exit 4',
          violated)
    check('module not loaded: {"error": ...} and exit 3',
          lambda: (lambda d: d[1] == 3 and 'not loaded' in d[0]['error'])
          (doc('error_not_loaded')))
    return 0 if all(results) else 1


if __name__ == '__main__':
    sys.exit(main())
