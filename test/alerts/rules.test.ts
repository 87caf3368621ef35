import { describe, expect, it } from 'vitest';
import { AlertError, defaultAlertRules, parseRules } from '../../src/alerts/index.js';
import { thresholdRule } from './alert-fixture.js';

function issuesOf(value: unknown): { path: string; reason: string }[] {
  try {
    parseRules(value);
  } catch (error) {
    expect(error).toBeInstanceOf(AlertError);
    expect((error as AlertError).code).toBe('ALERT_RULE_INVALID');
    return (error as AlertError).details['issues'] as { path: string; reason: string }[];
  }
  throw new Error('expected ALERT_RULE_INVALID');
}

describe('parseRules', () => {
  it('accepts the default rules and fills suppressMs and enabled', () => {
    const rules = parseRules(defaultAlertRules());
    expect(rules.map((r) => r.id)).toContain('auth.brute_force');
    const parsed = parseRules([{ ...thresholdRule(), suppressMs: undefined }])[0];
    expect(parsed).toMatchObject({ suppressMs: 10_000, enabled: true });
    expect(Object.isFrozen(parsed)).toBe(true);
  });

  it('lists every bad path of every rule', () => {
    const issues = issuesOf([
      {
        id: 'Bad Id',
        kind: 'threshold',
        title: '',
        description: 'd',
        severity: 'urgent',
        match: { type: 'a.b', typePrefix: 'a.', where: [{ path: '__proto__.x', op: 'like' }] },
        groupBy: ['data..x'],
        threshold: 0,
        windowMs: -1,
        suppressMs: 1.5,
        distinct: 7,
      },
      { ...thresholdRule(), kind: 'sequence', steps: [{ match: { type: 'x' }, count: 0 }] },
      { kind: 'frequency' },
    ]);
    expect(issues.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        'rules.0.id',
        'rules.0.title',
        'rules.0.severity',
        'rules.0.groupBy.0',
        'rules.0.windowMs',
        'rules.0.suppressMs',
        'rules.0.match',
        'rules.0.match.where.0.path',
        'rules.0.match.where.0.op',
        'rules.0.threshold',
        'rules.0.distinct',
        'rules.1.steps',
        'rules.2.id',
        'rules.2.kind',
      ]),
    );
  });

  it('rejects condition values that do not fit the operator', () => {
    const where = [
      { path: 'data.a', op: 'in', value: 'x' },
      { path: 'data.b', op: 'exists', value: true },
      { path: 'data.c', op: 'eq', value: { nested: 1 } },
      { path: 'data.d', op: 'prefix', value: '' },
    ];
    const issues = issuesOf([thresholdRule({ match: { type: 'test.hit', where } } as never)]);
    expect(issues.map((i) => i.path)).toEqual(
      [0, 1, 2, 3].map((n) => `rules.0.match.where.${n}.value`),
    );
  });

  it('rejects duplicate rule ids and a non-array', () => {
    expect(issuesOf([thresholdRule(), thresholdRule()]).map((i) => i.path)).toEqual(['rules.1.id']);
    expect(issuesOf({}).map((i) => i.path)).toEqual(['rules']);
  });

  it('rejects a sequence step with a bad count', () => {
    const rule = {
      ...thresholdRule(),
      kind: 'sequence',
      steps: [{ match: { type: 'a.b' }, count: 0 }, { match: { type: 'a.c' } }],
    };
    expect(issuesOf([rule]).map((i) => i.path)).toEqual(['rules.0.steps.0.count']);
  });
});
