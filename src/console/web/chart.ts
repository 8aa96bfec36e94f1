/** The per-field weights of a score as a waterfall chart (plain SVG, styled by app.css). */
import type { Contribution } from './api.js';
import { h, nextId, s } from './dom.js';
import { bits, percent, waterfall } from './format.js';

const ROW = 24;
const LABEL_W = 170;
const VALUE_W = 190;
const PLOT_W = 320;

export function waterfallChart(t: { score: number; probability: number; priorWeight: number; contributions: Contribution[] }): HTMLElement {
  const bars = waterfall(t);
  const values = bars.flatMap((b) => [b.from, b.to]).concat(0);
  const lo = Math.min(...values);
  const hi = Math.max(...values);
  const span = hi - lo || 1;
  const x = (v: number) => LABEL_W + ((v - lo) / span) * PLOT_W;
  const height = bars.length * ROW + 28;
  const width = LABEL_W + PLOT_W + VALUE_W;
  const titleId = nextId('chart-title');
  const descId = nextId('chart-desc');

  const svg = s(
    'svg',
    { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': `${titleId} ${descId}`, class: 'waterfall' },
    s('title', { id: titleId }, 'Per-field weights (waterfall)'),
    s('desc', { id: descId }, `Starts at the prior ${bits(t.priorWeight)} bits; each field adds or removes bits; total ${bits(t.score)} bits, probability ${percent(t.probability)}.`),
    s('line', { x1: x(0), x2: x(0), y1: 0, y2: bars.length * ROW, class: 'axis' }),
    s('text', { x: x(0), y: bars.length * ROW + 16, class: 'axis-label', 'text-anchor': 'middle' }, '0 (even odds)'),
    bars.map((b, i) => {
      const y = i * ROW;
      const left = Math.min(x(b.from), x(b.to));
      const w = Math.max(Math.abs(x(b.to) - x(b.from)), b.kind === 'zero' ? 0 : 1.5);
      return s(
        'g',
        { class: `bar bar-${b.kind}` },
        s('title', {}, `${b.label}: ${b.detail}`),
        s('text', { x: LABEL_W - 8, y: y + ROW / 2 + 4, 'text-anchor': 'end', class: 'bar-label' }, b.label),
        b.kind === 'zero'
          ? s('line', { x1: x(b.from), x2: x(b.from), y1: y + 4, y2: y + ROW - 4, class: 'bar-zero' })
          : s('rect', { x: left, y: y + 4, width: w, height: ROW - 8, rx: 2 }),
        s('text', { x: LABEL_W + PLOT_W + 8, y: y + ROW / 2 + 4, class: 'bar-value' }, b.detail),
      );
    }),
  );
  return h(
    'figure',
    { className: 'chart' },
    svg,
    h('figcaption', {}, `Total ${bits(t.score)} bits → probability ${percent(t.probability)}. Green adds evidence for one person, red against; grey is the prior.`),
  );
}
