#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# prometheus_check.py URL SET [N]: ask the Prometheus server at URL, through
# its HTTP API, for every sample it stored of SET's constats_* series (an
# instant query of a range selector returns the raw samples, with their
# scrape timestamps), and check them scrape by scrape:
#
#  - the declared invariants (the "invariant" labels) hold in the values of
#    constats_value at every scraped timestamp, and constats_invariant_
#    violations says 0 at every one;
#  - the snapshot generation never goes back, and moves, and so do the
#    values: the scrapes happened under load;
#  - the racy, counter-by-counter export (constats_racy_*) breaks them at
#    some timestamps, and constats_racy_invariant_violations says so at
#    exactly those;
#  - node_exporter read every textfile without error.
#
# Prints TAP lines numbered from N + 1, and the figures as "# fleet: ...";
# exits 1 if a check failed.
import json
import re
import sys
import urllib.parse
import urllib.request

url, set_name = sys.argv[1], sys.argv[2]
n = int(sys.argv[3]) if len(sys.argv) > 3 else 0
failed = 0
MIN_SCRAPES = 10
# Under TCG on a busy host, node_exporter misses many 1 s scrapes while
# the stress module keeps every guest CPU busy: 11 to 30 of them were
# answered in our runs.
MIN_MOVING = 5


def check(ok, desc):
    global n, failed
    n += 1
    failed += not ok
    print(f"{'' if ok else 'not '}ok {n} - {desc}")


def raw(selector):
    """Every stored sample of SELECTOR: {labels tuple: {timestamp: value}}."""
    q = urllib.parse.urlencode({'query': f'{selector}[1h]'})
    with urllib.request.urlopen(f'{url}/api/v1/query?{q}', timeout=30) as r:
        body = json.load(r)
    if body.get('status') != 'success':
        raise RuntimeError(f'{selector}: {body}')
    series = {}
    for s in body['data']['result']:
        labels = tuple(sorted((k, v) for k, v in s['metric'].items()
                              if k not in ('instance', 'job')))
        series[labels] = {float(t): float(v) for t, v in s['values']}
    return series


def by_timestamp(series, label):
    """{timestamp: {label value: value}} for series told apart by LABEL."""
    out = {}
    for labels, samples in series.items():
        key = dict(labels)[label]
        for t, v in samples.items():
            out.setdefault(t, {})[key] = v
    return out


TOKEN = re.compile(r'\s*(==|!=|<=|>=|<|>|\+|-|\*|[a-z0-9_]+)')
OPS = ('==', '!=', '<=', '>=', '<', '>', '+', '-', '*')


def holds(invariant, values):
    """Evaluate INVARIANT, in the kernel's language, on VALUES."""
    expr, pos = [], 0
    while pos < len(invariant.rstrip()):
        m = TOKEN.match(invariant, pos)
        if not m:
            raise ValueError(f'cannot read {invariant!r} at {pos}')
        tok, pos = m.group(1), m.end()
        if tok in values:
            expr.append(str(int(values[tok])))
        elif tok.isdigit() or tok in OPS:
            expr.append(tok)
        else:
            raise ValueError(f'{invariant!r}: no counter {tok!r}')
    return bool(eval(' '.join(expr), {'__builtins__': {}}))


def violations(values_by_t, invariants):
    """{timestamp: number of INVARIANTS broken} where all counters exist."""
    return {t: sum(not holds(i, v) for i in invariants)
            for t, v in values_by_t.items()}


sel = f'{{set="{set_name}"}}'
values = by_timestamp(raw('constats_value' + sel), 'counter')
flags = by_timestamp(raw('constats_invariant_violations' + sel), 'invariant')
gens = raw('constats_snapshot_generation' + sel)
racy_values = by_timestamp(raw('constats_racy_value' + sel), 'counter')
racy_flags = by_timestamp(raw('constats_racy_invariant_violations' + sel),
                          'invariant')
scrape_errors = raw('node_textfile_scrape_error')
invariants = sorted({i for f in flags.values() for i in f})
counters = max((len(v) for v in values.values()), default=0)

scrapes = len(values)
check(scrapes >= MIN_SCRAPES and counters > 0 and
      all(len(v) == counters for v in values.values()),
      f'Prometheus stored {scrapes} scrapes of set {set_name}, '
      f'each with all {counters} counters (at least {MIN_SCRAPES})')
check(len(invariants) > 0,
      f'the scrapes carry {len(invariants)} declared invariants: '
      + '; '.join(invariants))

broken = violations(values, invariants)
bad = sum(1 for b in broken.values() if b)
exported = sum(1 for f in flags.values() if any(f.values()))
check(scrapes > 0 and bad == 0 and exported == 0 and set(flags) == set(values),
      f'declared invariants held at all {scrapes} scraped timestamps: '
      f'{bad} violations recomputed from constats_value, '
      f'{exported} exported')

ts = sorted(values)
moving = sum(1 for a, b in zip(ts, ts[1:]) if values[b] != values[a])
check(moving >= MIN_MOVING,
      f'{moving} of those scrapes saw the set move since the one before '
      f'(scraped under load; at least {MIN_MOVING})')

gen = [v for s in gens.values() for _, v in sorted(s.items())]
distinct = len(set(gen))
check(len(gen) == scrapes and
      all(a <= b for a, b in zip(gen, gen[1:])) and distinct >= MIN_SCRAPES,
      f'snapshot generations never go back: {distinct} distinct snapshots '
      f'in {len(gen)} scrapes')

racy_broken = violations(racy_values, invariants)
racy_bad = sum(1 for b in racy_broken.values() if b)
racy_exported = {t for t, f in racy_flags.items() if any(f.values())}
check(racy_bad > 0 and
      racy_exported == {t for t, b in racy_broken.items() if b},
      f'the racy export broke the declared invariants at {racy_bad} of '
      f'{len(racy_values)} scraped timestamps '
      f'({sum(racy_broken.values())} violations), as it exported')

errors = [v for s in scrape_errors.values() for v in s.values()]
check(len(errors) >= scrapes and not any(errors),
      f'node_exporter read the textfile without error in all '
      f'{len(errors)} scrapes')

up_series = raw('up')
up = [v for s in up_series.values() for v in s.values()]
print('# fleet: scrapes answered (1) or not (0), in order: ' +
      ''.join(str(int(v)) for s in up_series.values()
              for _, v in sorted(s.items())))
took = [v for s in raw('scrape_duration_seconds').values() for v in s.values()]
print(f'# fleet: {int(sum(up))} of {len(up)} scrape attempts answered, '
      f'slowest {max(took, default=0):.3f} s')
print(f'# fleet: {scrapes} scrapes, {distinct} snapshots, '
      f'{bad} violations; racy export: {racy_bad} of {len(racy_values)} '
      f'scrapes violated, {sum(racy_broken.values())} violations')
sys.exit(1 if failed else 0)
