import { api, ApiError, type Decision, type ReviewTask, type TaskSide } from '../api.js';
import { announce, busy, clearError, currentRoute, isStale, personLink, showError, type View } from '../app.js';
import { waterfallChart } from '../chart.js';
import { h, mount } from '../dom.js';
import { bits, dateTime, demographicRows, explainScore, fieldLabel, levelLabel, nameText, percent, shortId } from '../format.js';

interface Filters {
  status: 'open' | 'resolved' | 'dismissed';
  grade: '' | 'probable' | 'possible';
  organizationId: string;
}

const PAGE = 25;

/**
 * The review queue: the task list on the left, the selected pair side by side with its
 * explanation and the decision buttons on the right. `s` / `d` decide, `j` / `k` move.
 */
export class QueueView implements View {
  private filters: Filters = { status: 'open', grade: '', organizationId: '' };
  private tasks: ReviewTask[] = [];
  private nextCursor: string | null = null;
  private total = 0;
  private selected = -1;
  /** A task opened by URL that is not in the current list page. */
  private standalone: ReviewTask | null = null;
  private deciding = false;
  private readonly route = currentRoute();

  private readonly list = h('ol', { className: 'task-list', id: 'task-list' });
  private readonly detail = h('section', { className: 'task-detail', id: 'task-detail', 'aria-label': 'Selected task' });
  private readonly count = h('span', { className: 'count', id: 'queue-count' });
  private readonly more = h('button', { type: 'button', className: 'more', hidden: true }, 'Load more tasks');

  constructor(
    private readonly main: HTMLElement,
    private readonly initialTaskId?: string,
  ) {}

  async render(): Promise<void> {
    const status = h(
      'select',
      { id: 'filter-status', name: 'status' },
      h('option', { value: 'open' }, 'Open'),
      h('option', { value: 'resolved' }, 'Resolved'),
      h('option', { value: 'dismissed' }, 'Dismissed'),
    );
    const grade = h(
      'select',
      { id: 'filter-grade', name: 'grade' },
      h('option', { value: '' }, 'Any grade'),
      h('option', { value: 'probable' }, 'Probable'),
      h('option', { value: 'possible' }, 'Possible'),
    );
    const org = h('input', { id: 'filter-org', name: 'organizationId', spellcheck: 'false', autocomplete: 'off' });
    status.value = this.filters.status;
    grade.value = this.filters.grade;
    org.value = this.filters.organizationId;
    const filters = h(
      'form',
      { className: 'filters', 'aria-label': 'Queue filters' },
      h('div', { className: 'field' }, h('label', { for: 'filter-status' }, 'Status'), status),
      h('div', { className: 'field' }, h('label', { for: 'filter-grade' }, 'Grade'), grade),
      h('div', { className: 'field' }, h('label', { for: 'filter-org' }, 'Organization id'), org),
      h('button', { type: 'submit' }, 'Apply filters'),
    );
    filters.addEventListener('submit', (e) => {
      e.preventDefault();
      this.filters = { status: status.value as Filters['status'], grade: grade.value as Filters['grade'], organizationId: org.value.trim() };
      void this.load(false);
    });
    this.more.addEventListener('click', () => void busy(this.more, () => this.load(true)));

    mount(
      this.main,
      h(
        'section',
        { className: 'queue', 'aria-labelledby': 'queue-title' },
        h('div', { className: 'queue-head' }, h('h2', { id: 'queue-title', tabindex: -1 }, 'Review queue'), this.count),
        filters,
        h(
          'div',
          { className: 'queue-layout' },
          h('nav', { className: 'task-nav', 'aria-label': 'Review tasks' }, this.list, this.more),
          this.detail,
        ),
      ),
    );
    await this.load(false);
    if (this.initialTaskId) {
      const i = this.tasks.findIndex((t) => t.id === this.initialTaskId);
      if (i >= 0) this.select(i, false);
      else await this.openStandalone(this.initialTaskId);
    }
  }

  private async load(append: boolean): Promise<void> {
    try {
      const page = await api.reviewTasks({
        status: this.filters.status,
        grade: this.filters.grade || undefined,
        organizationId: this.filters.organizationId || undefined,
        limit: PAGE,
        cursor: append ? this.nextCursor : undefined,
      });
      clearError();
      this.tasks = append ? [...this.tasks, ...page.items] : page.items;
      this.nextCursor = page.nextCursor;
      this.total = page.total;
      this.renderList();
      if (!append) {
        this.standalone = null;
        this.selected = -1;
        if (this.tasks.length) this.select(0, false);
        else this.renderDetail();
      }
    } catch (e) {
      this.tasks = [];
      this.renderList();
      mount(this.detail);
      if (!isStale(this.route)) showError(e, 'Could not load the review queue');
    }
  }

  private async openStandalone(id: string): Promise<void> {
    try {
      this.standalone = await api.reviewTask(id);
      this.selected = -1;
      this.renderList();
      this.renderDetail();
    } catch (e) {
      showError(e, 'Could not open the task');
    }
  }

  private current(): ReviewTask | null {
    return this.standalone ?? this.tasks[this.selected] ?? null;
  }

  private renderList(): void {
    this.count.textContent = `${this.total} ${this.filters.status} task${this.total === 1 ? '' : 's'}`;
    this.more.hidden = !this.nextCursor;
    if (!this.tasks.length) {
      mount(this.list, h('li', { className: 'empty' }, this.filters.status === 'open' ? 'No open tasks: the queue is empty.' : 'No tasks.'));
      return;
    }
    mount(
      this.list,
      this.tasks.map((t, i) => {
        const button = h(
          'button',
          {
            type: 'button',
            className: 'task-item',
            'data-task-id': t.id,
            'aria-current': i === this.selected && !this.standalone ? 'true' : undefined,
          },
          h('span', { className: `grade grade-${t.grade}` }, t.grade),
          h('span', { className: 'prob' }, percent(t.probability)),
          h('span', { className: 'pair' }, `${sideName(t.record)} ↔ ${sideName(t.candidate)}`),
          h('span', { className: 'when' }, dateTime(t.createdAt)),
        );
        button.addEventListener('click', () => this.select(i, false));
        return h('li', {}, button);
      }),
    );
  }

  private select(i: number, focus: boolean): void {
    if (i < 0 || i >= this.tasks.length) return;
    this.standalone = null;
    this.selected = i;
    for (const [j, b] of [...this.list.querySelectorAll<HTMLButtonElement>('button.task-item')].entries()) {
      if (j === i) b.setAttribute('aria-current', 'true');
      else b.removeAttribute('aria-current');
    }
    if (!isStale(this.route)) history.replaceState(null, '', `#/queue/${encodeURIComponent(this.tasks[i].id)}`);
    this.renderDetail();
    if (focus) this.list.querySelectorAll<HTMLButtonElement>('button.task-item')[i]?.focus();
  }

  private renderDetail(): void {
    const t = this.current();
    if (!t) {
      mount(this.detail, h('p', { className: 'empty' }, 'Select a task to compare the two records.'));
      return;
    }
    const explanation = explainScore(t);
    const note = h('textarea', { id: 'decision-note', name: 'note', rows: 2, maxlength: 1000 });
    const same = h('button', { type: 'button', className: 'primary', id: 'decide-same', 'aria-keyshortcuts': 's' }, 'Same person ', h('kbd', {}, 's'));
    const different = h('button', { type: 'button', className: 'danger', id: 'decide-different', 'aria-keyshortcuts': 'd' }, 'Different people ', h('kbd', {}, 'd'));
    same.addEventListener('click', () => void this.decide('same-person'));
    different.addEventListener('click', () => void this.decide('different-people'));

    const decision =
      t.status === 'open'
        ? h(
            'div',
            { className: 'decision', role: 'group', 'aria-labelledby': 'decision-title' },
            h('h4', { id: 'decision-title' }, 'Decision'),
            h('div', { className: 'field' }, h('label', { for: 'decision-note' }, 'Note (optional)'), note),
            h('div', { className: 'buttons' }, same, different),
          )
        : h(
            'div',
            { className: 'decision resolved' },
            h('h4', {}, 'Decision'),
            t.resolution
              ? h('p', {}, `${t.status}: ${t.resolution.decision} by ${t.resolution.resolvedBy} at ${dateTime(t.resolution.resolvedAt)}`, t.resolution.note ? ` — “${t.resolution.note}”` : '')
              : h('p', {}, `This task is ${t.status}.`),
          );

    const rowsA = demographicRows(t.record.demographics);
    const rowsB = demographicRows(t.candidate.demographics);
    const sideBySide = h(
      'table',
      { className: 'side-by-side' },
      h('caption', {}, 'The two records side by side'),
      h(
        'thead',
        {},
        h('tr', {}, h('th', { scope: 'col' }, 'Field'), h('th', { scope: 'col' }, 'Incoming record'), h('th', { scope: 'col' }, 'Candidate')),
      ),
      h(
        'tbody',
        {},
        h('tr', {}, h('th', { scope: 'row' }, 'Organization / local id'), h('td', {}, `${t.record.organizationId} / ${t.record.localId}`), h('td', {}, `${t.candidate.organizationId} / ${t.candidate.localId}`)),
        h('tr', {}, h('th', { scope: 'row' }, 'Person'), h('td', {}, personLink(t.record.personId)), h('td', {}, personLink(t.candidate.personId))),
        rowsA.map(([label, a], i) => {
          const b = rowsB[i]?.[1] ?? '';
          const differs = a !== '' && b !== '' && a.toLowerCase() !== b.toLowerCase();
          return h(
            'tr',
            { className: differs ? 'differs' : undefined },
            h('th', { scope: 'row' }, label, differs ? h('span', { className: 'visually-hidden' }, ' (differs)') : null),
            h('td', {}, a || '–'),
            h('td', {}, b || '–'),
          );
        }),
      ),
    );

    const fields = h(
      'table',
      { className: 'contributions' },
      h('caption', {}, 'Per-field comparison and weight (bits; +1 doubles the odds of one person)'),
      h(
        'thead',
        {},
        h('tr', {}, ...['Field', 'Incoming', 'Candidate', 'Agreement', 'Weight'].map((c) => h('th', { scope: 'col' }, c))),
      ),
      h(
        'tbody',
        {},
        h('tr', { className: 'prior' }, h('th', { scope: 'row' }, fieldLabel('prior')), h('td', {}, ''), h('td', {}, ''), h('td', {}, 'index size'), h('td', { className: 'num' }, bits(t.priorWeight))),
        t.contributions.map((c) =>
          h(
            'tr',
            { className: c.weight > 0 ? 'pos' : c.weight < 0 ? 'neg' : 'zero' },
            h('th', { scope: 'row' }, fieldLabel(c.field)),
            h('td', {}, c.a ?? '–'),
            h('td', {}, c.b ?? '–'),
            h('td', {}, levelLabel(c.level)),
            h('td', { className: 'num' }, bits(c.weight)),
          ),
        ),
      ),
      h('tfoot', {}, h('tr', {}, h('th', { scope: 'row' }, 'Total'), h('td', { colspan: 3 }, `probability ${percent(t.probability)}`), h('td', { className: 'num' }, bits(t.score)))),
    );

    mount(
      this.detail,
      h('h3', { id: 'task-title', tabindex: -1 }, `${capital(t.grade)} match · ${percent(t.probability)}`, h('span', { className: 'muted' }, ` task ${shortId(t.id)}`)),
      h('p', { className: 'explanation', id: 'task-explanation' }, explanation.summary),
      h('p', { className: 'muted' }, `Reason: ${t.reason}`, t.ruleSet ? ` · rule set ${t.ruleSet.id} ${t.ruleSet.version}` : '', ` · opened ${dateTime(t.createdAt)}`),
      decision,
      sideBySide,
      waterfallChart(t),
      fields,
    );
  }

  private async decide(decision: Decision): Promise<void> {
    const t = this.current();
    if (!t || t.status !== 'open' || this.deciding) return;
    this.deciding = true;
    const note = (document.getElementById('decision-note') as HTMLTextAreaElement | null)?.value.trim() || undefined;
    const buttons = [...this.detail.querySelectorAll<HTMLButtonElement>('.decision button')];
    buttons.forEach((b) => (b.disabled = true));
    try {
      const r = await api.resolve(t.id, decision, note);
      clearError();
      const what =
        decision === 'same-person'
          ? `Same person: record ${r.recordId} is now in person ${r.personId}`
          : `Different people: record ${r.recordId} stays in person ${r.personId}`;
      announce(`Task resolved. ${what}.`);
      this.afterDecision(t.id);
    } catch (e) {
      buttons.forEach((b) => (b.disabled = false));
      showError(e, 'The decision was not saved');
      // Someone else decided it first: show the queue as it is now.
      if (e instanceof ApiError && e.status === 409) void this.load(false);
    } finally {
      this.deciding = false;
    }
  }

  /** Drops the decided task from the open list and moves focus to the next one. */
  private afterDecision(taskId: string): void {
    if (this.standalone?.id === taskId) {
      this.standalone = null;
      void this.load(false);
      return;
    }
    const i = this.tasks.findIndex((x) => x.id === taskId);
    if (this.filters.status === 'open' && i >= 0) {
      this.tasks.splice(i, 1);
      this.total = Math.max(0, this.total - 1);
    }
    this.renderList();
    if (this.tasks.length) {
      this.select(Math.min(i, this.tasks.length - 1), true);
    } else {
      this.selected = -1;
      if (!isStale(this.route)) history.replaceState(null, '', '#/queue');
      this.renderDetail();
      if (this.nextCursor) void this.load(false);
      (document.getElementById('queue-title') as HTMLElement | null)?.focus();
    }
  }

  onKey(key: string): boolean {
    switch (key) {
      case 's':
        void this.decide('same-person');
        return true;
      case 'd':
        void this.decide('different-people');
        return true;
      case 'j':
        this.select(this.selected < 0 ? 0 : Math.min(this.selected + 1, this.tasks.length - 1), true);
        return true;
      case 'k':
        this.select(Math.max(this.selected - 1, 0), true);
        return true;
      default:
        return false;
    }
  }
}

function sideName(side: TaskSide): string {
  const n = side.demographics?.name?.[0];
  const name = nameText(n) || side.localId;
  return side.demographics?.birthDate ? `${name} (${side.demographics.birthDate})` : name;
}

function capital(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
