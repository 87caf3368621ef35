/** A tiny Prometheus text-format (0.0.4) parser for tests: samples and declared types. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: readonly Sample[];
  /** `# TYPE` of each metric family. */
  readonly types: ReadonlyMap<string, string>;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): Exposition {
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('# TYPE ')) {
      const [name, type] = line.slice(7).split(' ');
      types.set(name!, type!);
      continue;
    }
    if (line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) throw new Error(`not a sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, key, raw] of (match[2] ?? '').matchAll(LABEL)) {
      labels[key!] = raw!.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    }
    samples.push({ name: match[1]!, labels, value: parseValue(match[3]!) });
  }
  return { samples, types };
}

function parseValue(text: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  return Number(text);
}

/** Samples of `name` whose labels include every given one. */
export function series(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Sample[] {
  return exposition.samples.filter(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
}

/** The value of the one sample of `name` with exactly these labels; throws when absent. */
export function valueOf(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): number {
  const wanted = Object.keys(labels).length;
  const found = series(exposition, name, labels).filter(
    (s) => Object.keys(s.labels).length === wanted,
  );
  if (found.length !== 1) {
    throw new Error(`${String(found.length)} samples of ${name} ${JSON.stringify(labels)}`);
  }
  return found[0]!.value;
}

/** Cumulative bucket counts of a histogram series, keyed by `le`. */
export function bucketsOf(
  exposition: Exposition,
  name: string,
  labels: Readonly<Record<string, string>> = {},
): Record<string, number> {
  const buckets: Record<string, number> = {};
  for (const s of series(exposition, `${name}_bucket`, labels)) buckets[s.labels['le']!] = s.value;
  return buckets;
}
