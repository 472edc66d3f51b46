/**
 * A strict reader of Prometheus text exposition (format 0.0.4) for tests: every line must be a
 * `# TYPE`/`# HELP` comment or a sample `name{label="value",...} value`; a family's `# TYPE`
 * comes once, before its samples, and its samples (histogram `_bucket`/`_sum`/`_count` included)
 * form one block; no series appears twice. Throws naming the line on the first violation.
 */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

export interface Exposition {
  readonly samples: Sample[];
  /** Family name → its declared type. */
  readonly types: Map<string, string>;
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function checkPrometheusText(text: string): Exposition {
  if (text !== '' && !text.endsWith('\n')) throw new Error('exposition does not end with a newline');
  const samples: Sample[] = [];
  const types = new Map<string, string>();
  const finished = new Set<string>();
  const seen = new Set<string>();
  let current: string | undefined;
  const lines = text.split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    const where = `line ${i + 1} "${line}"`;
    if (line.startsWith('#')) {
      const m = /^# (TYPE|HELP) ([^ ]+)(?: (.*))?$/.exec(line);
      if (!m) return; // other comments are allowed
      const [, keyword, name, rest] = m;
      if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name`);
      if (keyword === 'TYPE') {
        if (!rest || !TYPES.has(rest)) throw new Error(`${where}: unknown type`);
        if (types.has(name)) throw new Error(`${where}: second TYPE for ${name}`);
        if (finished.has(name) || current === name) throw new Error(`${where}: TYPE after samples of ${name}`);
        types.set(name, rest);
        if (current !== undefined) finished.add(current);
        current = name;
      }
      return;
    }
    const sample = parseSample(line, where);
    const family = familyOf(sample.name, types);
    if (family !== current) {
      if (finished.has(family)) throw new Error(`${where}: samples of ${family} are not in one block`);
      if (current !== undefined) finished.add(current);
      current = family;
    }
    if (types.get(family) === 'histogram' && sample.name.endsWith('_bucket') && sample.labels.le === undefined) {
      throw new Error(`${where}: histogram bucket without le`);
    }
    const key = `${sample.name}${JSON.stringify(Object.entries(sample.labels).sort())}`;
    if (seen.has(key)) throw new Error(`${where}: duplicate series`);
    seen.add(key);
    samples.push(sample);
  });
  return { samples, types };
}

/** The family a sample belongs to: a histogram's or summary's suffixed samples go to the base name. */
function familyOf(name: string, types: Map<string, string>): string {
  for (const suffix of ['_bucket', '_sum', '_count']) {
    if (!name.endsWith(suffix)) continue;
    const base = name.slice(0, -suffix.length);
    const type = types.get(base);
    if (type === 'histogram' || (type === 'summary' && suffix !== '_bucket')) return base;
  }
  return name;
}

function parseSample(line: string, where: string): Sample {
  let i = 0;
  while (i < line.length && line[i] !== '{' && line[i] !== ' ') i++;
  const name = line.slice(0, i);
  if (!METRIC_NAME.test(name)) throw new Error(`${where}: bad metric name "${name}"`);
  const labels: Record<string, string> = {};
  if (line[i] === '{') {
    i++;
    while (line[i] !== '}') {
      const eq = line.indexOf('=', i);
      if (eq < 0) throw new Error(`${where}: label without "="`);
      const label = line.slice(i, eq);
      if (!LABEL_NAME.test(label)) throw new Error(`${where}: bad label name "${label}"`);
      if (label in labels) throw new Error(`${where}: label ${label} twice`);
      if (line[eq + 1] !== '"') throw new Error(`${where}: label value not quoted`);
      let value = '';
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === '\\') {
          const next = line[++j];
          if (next === 'n') value += '\n';
          else if (next === '\\' || next === '"') value += next;
          else throw new Error(`${where}: bad escape "\\${next}"`);
        } else value += line[j];
      }
      if (j >= line.length) throw new Error(`${where}: unterminated label value`);
      labels[label] = value;
      i = j + 1;
      if (line[i] === ',') i++;
      else if (line[i] !== '}') throw new Error(`${where}: expected "," or "}" after a label`);
    }
    i++;
  }
  if (line[i] !== ' ') throw new Error(`${where}: expected a space before the value`);
  const [valueText, timestamp, extra] = line.slice(i + 1).split(' ');
  if (extra !== undefined || (timestamp !== undefined && !/^-?\d+$/.test(timestamp))) {
    throw new Error(`${where}: trailing text after the value`);
  }
  const value =
    valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : valueText === 'NaN' ? NaN : Number(valueText);
  if (valueText === '' || (Number.isNaN(value) && valueText !== 'NaN')) throw new Error(`${where}: bad value`);
  return { name, labels, value };
}
