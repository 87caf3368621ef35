import type { CaseOutcome, Check, Column, ColumnFormat, Metrics } from './types.js';
import type { MachineInfo } from './machine.js';

const MIB = 1024 * 1024;

export function formatValue(value: number | undefined, format: ColumnFormat): string {
  if (value === undefined || Number.isNaN(value)) return '–';
  switch (format) {
    case 'count':
      return Math.round(value).toLocaleString('en-US');
    case 'rate':
      return formatRate(value);
    case 'micros':
      if (value >= 1e6) return `${(value / 1e6).toFixed(1)} s`;
      return value >= 10_000 ? `${(value / 1000).toFixed(1)} ms` : `${significant(value)} µs`;
    case 'millis':
      return `${significant(value)} ms`;
    case 'mebibytes':
      return `${(value / MIB).toFixed(0)} MiB`;
    case 'bytes':
      return `${Math.round(value).toLocaleString('en-US')} B`;
    default: {
      const unreachable: never = format;
      return unreachable;
    }
  }
}

function formatRate(perSecond: number): string {
  if (perSecond >= 1e6) return `${(perSecond / 1e6).toFixed(2)} M/s`;
  if (perSecond >= 1e3) return `${(perSecond / 1e3).toFixed(1)} k/s`;
  return `${perSecond.toFixed(1)} /s`;
}

function significant(value: number): string {
  if (value >= 100) return value.toFixed(0);
  if (value >= 10) return value.toFixed(1);
  return value.toFixed(2);
}

function valuesOf(runs: readonly Metrics[], key: string): number[] {
  return runs.map((run) => run[key]).filter((value): value is number => value !== undefined);
}

function cell(column: Column, metrics: Metrics, runs: readonly Metrics[]): string {
  const median = metrics[column.key];
  const text = formatValue(median, column.format);
  const values = valuesOf(runs, column.key);
  if (column.spread !== true || values.length < 2 || median === undefined) return text;
  const halfRange = (Math.max(...values) - Math.min(...values)) / 2;
  return `${text} ±${((halfRange / median) * 100).toFixed(0)}%`;
}

/** A plain-text table of medians (`±` half the min–max range); numbers are right-aligned. */
export function renderTable(columns: readonly Column[], outcomes: readonly CaseOutcome[]): string {
  const header = ['case', ...columns.map((c) => c.label)];
  const rows = outcomes.map((outcome) =>
    outcome.kind === 'failed'
      ? [outcome.name, 'FAILED', ...columns.slice(1).map(() => '')]
      : [outcome.name, ...columns.map((c) => cell(c, outcome.metrics, outcome.runs))],
  );
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join('  ');
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(header), rule, ...rows.map(line)].join('\n');
}

export function renderChecks(checks: readonly Check[]): string {
  return checks
    .map((c) => `  [${c.pass ? 'PASS' : 'FAIL'}] ${c.name}: ${c.actual} (target ${c.target})`)
    .join('\n');
}

export function renderMachine(machine: MachineInfo): string {
  return [
    `${machine.cpuModel}, ${machine.cpuCount} CPUs, ${(machine.totalMemoryBytes / 2 ** 30).toFixed(1)} GiB RAM`,
    `${machine.platform} ${machine.kernel} ${machine.arch}, node ${machine.node} (V8 ${machine.v8})`,
    `load average ${machine.loadAverage1m.toFixed(2)} at start`,
  ].join('; ');
}

/** Median of each key over the runs that report it. */
export function medianMetrics(runs: readonly Metrics[]): Metrics {
  const keys = new Set(runs.flatMap((run) => Object.keys(run)));
  const median: Record<string, number> = {};
  for (const key of keys) {
    const values = valuesOf(runs, key).sort((a, b) => a - b);
    const mid = values.length >> 1;
    median[key] =
      values.length % 2 === 1
        ? (values[mid] ?? Number.NaN)
        : ((values[mid - 1] ?? Number.NaN) + (values[mid] ?? Number.NaN)) / 2;
  }
  return median;
}
