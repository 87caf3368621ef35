import { describe, expect, it } from 'vitest';
import { FakeClock } from '../shared/fake-clock.js';
import type { BreakerState, CircuitBreakerSettings } from './circuit-breaker.js';
import { CircuitBreaker } from './circuit-breaker.js';

const SETTINGS: CircuitBreakerSettings = { failureThreshold: 3, cooldownMs: 1000 };

function setup(settings: CircuitBreakerSettings = SETTINGS) {
  const clock = new FakeClock();
  const transitions: string[] = [];
  const breaker = new CircuitBreaker(settings, clock, (from: BreakerState, to: BreakerState) => {
    transitions.push(`${from}->${to}`);
  });
  return { clock, breaker, transitions };
}

function fail(breaker: CircuitBreaker, times: number): boolean[] {
  return Array.from({ length: times }, () => breaker.recordFailure());
}

function openedBreaker() {
  const context = setup();
  fail(context.breaker, SETTINGS.failureThreshold);
  return context;
}

describe('CircuitBreaker', () => {
  it('starts closed and lets deliveries through', () => {
    const { breaker, clock } = setup();
    expect(breaker.state).toBe('closed');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(clock.pendingTimers).toBe(0);
  });

  it('opens after failureThreshold consecutive failures', () => {
    const { breaker, transitions } = setup();
    expect(fail(breaker, 2)).toEqual([false, false]);
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(2);
    expect(breaker.recordFailure()).toBe(true);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual(['closed->open']);
  });

  it('opens on the first failure with a threshold of one', () => {
    const { breaker } = setup({ failureThreshold: 1, cooldownMs: 10 });
    expect(breaker.recordFailure()).toBe(true);
    expect(breaker.state).toBe('open');
  });

  it('resets the failure count on success', () => {
    const { breaker, transitions } = setup();
    fail(breaker, 2);
    breaker.recordSuccess();
    expect(breaker.consecutiveFailures).toBe(0);
    expect(fail(breaker, 2)).toEqual([false, false]);
    expect(breaker.state).toBe('closed');
    expect(transitions).toEqual([]);
  });

  it('refuses tryAcquire while open', () => {
    const { breaker, clock } = openedBreaker();
    expect(breaker.tryAcquire()).toBe(false);
    clock.advance(SETTINGS.cooldownMs - 1);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('becomes half-open once cooldownMs has passed', () => {
    const { breaker, clock, transitions } = openedBreaker();
    clock.advance(SETTINGS.cooldownMs - 1);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
    expect(transitions).toEqual(['closed->open', 'open->half_open']);
    expect(clock.pendingTimers).toBe(0);
  });

  it('keeps one cooldown timer when failures arrive while already open', () => {
    const { breaker, clock, transitions } = openedBreaker();
    expect(fail(breaker, 3)).toEqual([true, true, true]);
    expect(clock.pendingTimers).toBe(1);
    expect(transitions).toEqual(['closed->open']);
    clock.advance(SETTINGS.cooldownMs);
    expect(breaker.state).toBe('half_open');
  });

  it('lets only one trial through at a time while half-open', () => {
    const { breaker, clock } = openedBreaker();
    clock.advance(SETTINGS.cooldownMs);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
    expect(breaker.tryAcquire()).toBe(false);
    breaker.releaseTrial();
    expect(breaker.state).toBe('half_open');
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(false);
  });

  it('closes when the trial succeeds', () => {
    const { breaker, clock, transitions } = openedBreaker();
    clock.advance(SETTINGS.cooldownMs);
    expect(breaker.tryAcquire()).toBe(true);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(breaker.consecutiveFailures).toBe(0);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.tryAcquire()).toBe(true);
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
    // Closed again, it takes a full threshold of new failures to reopen.
    expect(fail(breaker, 2)).toEqual([false, false]);
    expect(breaker.state).toBe('closed');
  });

  it('reopens when the trial fails and restarts the cooldown', () => {
    const { breaker, clock, transitions } = openedBreaker();
    clock.advance(SETTINGS.cooldownMs);
    expect(breaker.tryAcquire()).toBe(true);
    clock.advance(250);
    expect(breaker.recordFailure()).toBe(true);
    expect(breaker.state).toBe('open');
    expect(breaker.tryAcquire()).toBe(false);
    expect(clock.nextTimerInMs()).toBe(SETTINGS.cooldownMs);
    clock.advance(SETTINGS.cooldownMs - 1);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
    expect(transitions).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->open',
      'open->half_open',
    ]);
  });

  it('reopens on a trial failure even when the threshold is large', () => {
    const { breaker, clock } = setup({ failureThreshold: 100, cooldownMs: 10 });
    fail(breaker, 100);
    clock.advance(10);
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    fail(breaker, 100);
    clock.advance(10);
    expect(breaker.tryAcquire()).toBe(true);
    expect(breaker.recordFailure()).toBe(true);
    expect(breaker.state).toBe('open');
  });

  it('waits a full cooldown after reopening, even when a late success closed it meanwhile', () => {
    const { breaker, clock } = openedBreaker();
    clock.advance(SETTINGS.cooldownMs / 2);
    // A delivery that started before the breaker opened succeeds late.
    breaker.recordSuccess();
    expect(breaker.state).toBe('closed');
    expect(clock.pendingTimers).toBe(0);
    fail(breaker, SETTINGS.failureThreshold);
    expect(breaker.state).toBe('open');
    clock.advance(SETTINGS.cooldownMs - 1);
    expect(breaker.state).toBe('open');
    clock.advance(1);
    expect(breaker.state).toBe('half_open');
  });

  it('clears its cooldown timer on dispose', () => {
    const { breaker, clock, transitions } = openedBreaker();
    expect(clock.pendingTimers).toBe(1);
    breaker.dispose();
    expect(clock.pendingTimers).toBe(0);
    clock.advance(SETTINGS.cooldownMs * 10);
    expect(breaker.state).toBe('open');
    expect(transitions).toEqual(['closed->open']);
  });

  it('can be disposed twice and when no timer is set', () => {
    const { breaker, clock } = setup();
    breaker.dispose();
    breaker.dispose();
    expect(clock.pendingTimers).toBe(0);
  });
});
